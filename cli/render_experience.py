"""Renderers of the experience score (RULES.md sections 6 and 7): the scorecard laid out like
the back office (total, shopper display and stars, stage, each dimension and metric with its
weight, value, numerator/denominator and points, marks for floor and protection), and a
service-health table of every computed metric. A shop's JSON in, renderables or text out."""

from __future__ import annotations

from rich import box
from rich.console import Group
from rich.table import Table
from rich.text import Text

# Each metric's name in the back office, and how its value reads.
LABELS = {
    "valid_paid_orders": ("有效支付订单", "count"),
    "goods_score": ("商品综合评分", "stars"),
    "goods_good_rate": ("商品好评率", "rate"),
    "quality_return_rate": ("品质退货率", "rate"),
    "negative_feedback_rate": ("商品负反馈率", "rate"),
    "pickup_hours_mean": ("平均揽收时长", "hours"),
    "pickup_points_mean": ("揽收时长平均得分", "points"),
    "pickup_on_time_rate": ("48小时揽收及时率", "rate"),
    "delivery_hours_mean": ("物流到货时长", "hours"),
    "delivery_on_time_rate": ("配送时效达成率", "rate"),
    "logistics_return_rate": ("发货物流品退率", "rate"),
    "aftersale_on_time_rate": ("售后处理时长达成率", "rate"),
    "aftersale_review_hours_mean": ("售后平均审核时长", "hours"),
    "refund_hours_mean": ("退款处理时长", "hours"),
    "refund_rate": ("退款率", "rate"),
    "platform_help_rate": ("平台求助率", "rate"),
    "reply_seconds_mean": ("人工平均响应时长", "seconds"),
    "reply_within_rate": ("3分钟人工响应率", "rate"),
    "first_reply_seconds_mean": ("首次响应时长", "seconds"),
    "chat_satisfaction_rate": ("客服满意度", "rate"),
    "chat_dissatisfaction_rate": ("会话不满意率", "rate"),
}
DIMENSIONS = {"goods": "商品体验", "logistics": "物流体验", "service": "服务体验"}
# Where the back office shows each scorecard's own bounds and weights.
WHERE = {"商家体验分": "抖店 → 店铺 → 商家体验分 → 全部指标",
         "店铺真实体验分": "千牛 → 店铺 → 真实体验分"}
MISSING = {"after_sales": "--after-sales FILE", "chats": "--chats FILE"}


def figure(metric: str, value) -> str:
    """A metric's value as the back office reads it: rates as percentages, durations with
    their unit, scores with two decimals."""
    if value is None:
        return "-"
    kind = LABELS.get(metric, (metric, "number"))[1]
    if kind == "rate":
        return f"{value * 100:.2f}%"
    if kind == "count":
        return str(value)
    if kind == "hours":
        return f"{value:.2f} h"
    if kind == "seconds":
        return f"{value:.1f} s"
    return f"{value:.2f}" if kind == "stars" else f"{value:.1f}"


def _count(value) -> str:
    if value is None:
        return "-"
    return f"{value:g}" if isinstance(value, float) else str(value)


def _fraction(metric: str, m: dict) -> str:
    if m["denominator"] is None:
        return str(m["numerator"])
    kind = LABELS.get(metric, (metric, ""))[1]
    top = m["numerator"]
    if kind in ("hours", "seconds", "points") and top is not None:
        top = f"{top:.1f}"
    return f"{top}/{m['denominator']}"


def _points(m: dict) -> str:
    return "-" if m["points"] is None else f"{m['points']:g}"


def headline(e: dict) -> str:
    """One line: the total, display and stars, the stage."""
    total = "-" if e["total"] is None else f"{e['total']:g}"
    parts = [f"{e['scorecard']} {total}"]
    if e["display"] is not None:
        parts.append(f"shoppers see {e['display']:.1f} ({e['stars']:g}★)")
    stage = "growth stage (成长阶段)" if e["stage"] == "growth" else "formal (正式阶段)"
    valid = e["metrics"].get("valid_paid_orders")
    if valid is not None:
        stage += f", {valid['value']} valid paid orders in {e['window_days']} days"
    parts.append(stage)
    return "; ".join(parts)


def notes(e: dict) -> list[str]:
    """What the operator must know to read it: example bounds, missing inputs."""
    out = []
    if e["example_bounds"]:
        where = WHERE.get(e["scorecard"], "the platform's back office")
        out.append(f"The weights and tier bounds are examples: copy your category's own from "
                   f"{where} into a profile that extends this one.")
    if e["missing_inputs"]:
        given = ", ".join(f"{n} ({MISSING[n]})" if n in MISSING else n for n in e["missing_inputs"])
        out.append(f"Not computed for want of: {given}.")
    return out


def experience_tables(shop: dict) -> list:
    """The experience score of one shop: the scorecard, then every computed metric."""
    e = shop.get("experience")
    if not e:
        return []
    card = Table(box=box.SIMPLE_HEAVY, title=f"Experience score: {headline(e)}",
                 title_justify="left", caption="\n".join(notes(e)) or None,
                 caption_justify="left")
    for col in ("dimension / metric", "weight", "value", "num/den", "points", "mark"):
        card.add_column(col, justify="left" if col in ("dimension / metric", "mark") else "right")
    metrics = e["metrics"]
    scored = set()
    for name, dim in e["dimensions"].items():
        card.add_row(Text(f"{DIMENSIONS.get(name, name)} {name}", style="bold"),
                     f"{dim['weight']:g}", "", "",
                     "-" if dim["score"] is None else f"{dim['score']:.2f}",
                     "protected" if dim["protected"] else "")
        for metric in _dimension_metrics(e, name):
            scored.add(metric)
            m = metrics.get(metric)
            label = f"  {LABELS.get(metric, (metric,))[0]} {metric}"
            if m is None:
                card.add_row(label, "", "not computed", "", "-", "")
                continue
            card.add_row(label, _weight(e, metric), figure(metric, m["value"]),
                         _fraction(metric, m), _points(m), "floor" if m["floored"] else "")
    health = Table(box=box.SIMPLE, title="Service health (every computed metric, last "
                   f"{e['window_days']} days)", title_justify="left")
    for col in ("metric", "value", "num/den", "bad", "on the scorecard"):
        health.add_column(col, justify="left" if col == "metric" else "right")
    for metric, m in metrics.items():
        health.add_row(f"{LABELS.get(metric, (metric,))[0]} {metric}", figure(metric, m["value"]),
                       _fraction(metric, m), _count(m["bad"]),
                       "yes" if metric in scored else "-")
    return [card, health]


def _dimension_metrics(e: dict, name: str) -> list:
    return e["dimensions"][name].get("metrics", [])


def _weight(e: dict, metric: str) -> str:
    weight = e["metrics"].get(metric, {}).get("weight")
    if weight is None:  # a scored metric that could not be computed: no entry of its own
        return ""
    return f"{weight:g}"


def experience_markdown(shop: dict) -> str:
    """The experience score of one shop as Markdown (for chat and mail)."""
    e = shop.get("experience")
    if not e:
        return ""
    rows = []
    for name, dim in e["dimensions"].items():
        shown = "-" if dim["score"] is None else f"{dim['score']:.2f}"
        rows.append(f"| **{DIMENSIONS.get(name, name)} {name}** | {dim['weight']:g} | | | "
                    f"{shown}{' (protected)' if dim['protected'] else ''} |")
        for metric in _dimension_metrics(e, name):
            m = e["metrics"].get(metric)
            if m is None:
                rows.append(f"| {LABELS.get(metric, (metric,))[0]} | {_weight(e, metric)} | "
                            "not computed | | - |")
                continue
            rows.append(f"| {LABELS.get(metric, (metric,))[0]} | {_weight(e, metric)} | "
                        f"{figure(metric, m['value'])} | {_fraction(metric, m)} | "
                        f"{_points(m)}{' (floor)' if m['floored'] else ''} |")
    out = [f"**Experience score**: {headline(e)}", "",
           "| dimension / metric | weight | value | num/den | points |", "|---|---|---|---|---|",
           *rows]
    out += ["", *notes(e)] if notes(e) else []
    return "\n".join(out)


def experience_renderable(shop: dict) -> Group:
    return Group(*experience_tables(shop))
