"""A Douyin-shaped sample (抖店): the simulation written as the back office exports it — the
order export (订单导出: Chinese headers, tab-prefixed cells, UTF-8 with BOM, no buyer column),
the after-sales export (售后单) and the 飞鸽 chat record (会话记录), in their own words."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from shopscore.scoring.sample.service import after_sales, chats
from shopscore.scoring.sample.simulate import NO_TIME

STATUS = ("已完成", "已关闭", "已发货")
CASE_TYPES = ("仅退款(未发货)", "仅退款(已发货)", "退货退款", "换货")
REASONS = ("质量问题", "商品破损", "发错货", "七天无理由退换货", "其他")
CASE_STATUS = ("退款成功", "售后关闭", "商家拒绝", "待商家处理")
SENDERS = ("用户", "机器人", "客服")
SATISFACTION = ("", "很不满意", "不满意", "一般", "满意", "很满意")
SHOP = "抖音小店-示例"


def _clock(values: np.ndarray, base: int) -> pd.Series:
    """int32 seconds since base as "YYYY-MM-DD HH:MM:SS" (empty when none)."""
    values = np.asarray(values, dtype=np.int64)
    stamps = pd.to_datetime(base + np.where(values == NO_TIME, 0, values), unit="s")
    text = pd.Series(stamps.strftime("%Y-%m-%d %H:%M:%S"))
    return text.where(values != NO_TIME, "")


def _tab(values) -> pd.Series:
    """Ids as the export writes them: a tab first, so spreadsheets keep them as text."""
    return "\t" + pd.Series(values).astype(str)


def write_douyin(out_dir, sim: dict, seed: int) -> list[Path]:
    """douyin_orders.csv, douyin_aftersales.csv and douyin_chats.csv in out_dir."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    lines, orders, base = sim["lines"], sim["orders"], sim["base"]
    o = lines["oidx"]
    line_id = orders["order"][o] + lines["line_no"]
    stars = orders["dsr"][o, 0]
    rated = np.where(stars > 0, orders["dsr_rated_at"][o], NO_TIME)
    status = lines["status"]
    frame = pd.DataFrame({
        "主订单编号": _tab(orders["order"][o]), "子订单编号": _tab(line_id),
        "选购商品": "示例商品" + pd.Series(lines["item"]).astype(str),
        "商品ID": _tab(3_500_000_000 + lines["item"].astype(np.int64)),
        "商品数量": "1", "订单提交时间": _clock(orders["created_at"][o], base),
        "支付完成时间": _clock(orders["paid_at"][o], base),
        "揽收时间": _clock(orders["collected_at"][o], base),
        "签收时间": _clock(orders["signed_at"][o], base),
        "承诺送达时间": _clock(orders["delivery_due_at"][o], base),
        "订单完成时间": _clock(lines["completed_at"], base),
        "订单状态": pd.Series(np.array(STATUS, dtype=object)[status]),
        "售后状态": np.where(lines["refunded"], "退款成功", ""),
        "订单应付金额": pd.Series(lines["cents"] / 100).map("{:.2f}".format),
        "商品评分": pd.Series(np.where(stars > 0, stars, 0)).astype(str).replace("0", ""),
        "评价时间": _clock(rated, base), "小店名称": SHOP})
    paths = [out_dir / "douyin_orders.csv", out_dir / "douyin_aftersales.csv",
             out_dir / "douyin_chats.csv"]
    frame.to_csv(paths[0], index=False, encoding="utf-8-sig")
    cases = after_sales(sim, seed)
    c = cases["order"]
    pd.DataFrame({
        "售后单号": _tab(7_100_000_000 + np.arange(len(c))), "主订单编号": _tab(orders["order"][c]),
        "售后类型": np.array(CASE_TYPES, dtype=object)[cases["type"]],
        "售后原因": np.array(REASONS, dtype=object)[cases["reason"]],
        "售后状态": np.array(CASE_STATUS, dtype=object)[cases["status"]],
        "申请时间": _clock(cases["applied_at"], base),
        "商家处理时间": _clock(cases["agreed_at"], base),
        "商家签收时间": _clock(cases["return_received_at"], base),
        "退款时间": _clock(cases["refunded_at"], base),
        "平台介入": np.where(cases["escalated"], "是", "否"), "小店名称": SHOP,
    }).to_csv(paths[1], index=False, encoding="utf-8-sig")
    msgs = chats(sim, seed)
    pd.DataFrame({
        "会话ID": _tab(msgs["session"] + 9_000_001),
        "用户昵称": "抖音用户" + pd.Series(orders["buyer"][msgs["order"]]).astype(str),
        "消息发送方": np.array(SENDERS, dtype=object)[msgs["sender"]],
        "发送时间": _clock(msgs["sent_at"], base),
        "满意度": np.array(SATISFACTION, dtype=object)[msgs["rating"]], "小店名称": SHOP,
    }).to_csv(paths[2], index=False, encoding="utf-8-sig")
    return paths
