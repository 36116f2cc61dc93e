"""The one catalogue of labels every output shows (table, Markdown, digest, chat, HTML), in
English and in Chinese as the back office says it (描述相符, 好评率, 信用等级, 飘红/飘绿 ...).
JSON keys never change; only what people read does."""

from __future__ import annotations

import os
import re

from shopscore.scoring.errors import OptionError
from shopscore.scoring.report.text import label

LANGS = ("en", "zh")

# key -> (English, 中文). `{name}` fields are filled by Words(key, name=...).
CATALOGUE = {
    # the audit as a whole
    "program": ("shopscore audit", "shopscore 店铺评分检查"),
    "as_of": ("as of {when}", "截至 {when}"),
    "headline": ("{program} as of {when} (profile {profile}): {shops}, ",
                 "{program} 截至 {when}（规则 {profile}）：{shops}，"),
    "comma": (", ", "，"),
    "semi": ("; ", "；"),
    "colon": (": ", "："),
    "n": ("count", "数量"),
    "profile": ("profile {name}", "规则 {name}"),
    "shops_n": ("{n} shop(s)", "{n} 家店铺"),
    "all_pass": ("all checks pass", "全部达标"),
    "shops_fail": ("{n} shop(s) FAIL", "{n} 家未达标"),
    "some_fail": ("some checks FAIL", "有检查项未达标"),
    "warn_n": ("{n} WARN", "{n} 项预警"),
    "pass_n": ("{n} PASS", "{n} 家达标"),
    "fail_n": ("{n} FAIL", "{n} 家未达标"),
    "warn_shops_n": ("{n} WARN", "{n} 家预警"),
    # results, by symbol and word as well as colour
    "pass": ("PASS", "达标"),
    "warn": ("WARN", "预警"),
    "fail": ("FAIL", "未达标"),
    # inputs
    "inputs": ("Inputs (rows read = used + rejected)", "输入文件（读取行数 = 使用 + 拒收）"),
    "inputs_line": ("Inputs: {files} files, {read} rows read = {used} used + {rejected} rejected",
                    "输入：{files} 个文件，读取 {read} 行 = 使用 {used} + 拒收 {rejected}"),
    "ratings_left_out": ("{count} of {of} ratings ({share}) left out: their line cannot be "
                         "told (no line_id, no item)",
                         "{of} 条评价中有 {count} 条（{share}）未计入：无法确定对应的订单行"
                         "（无子订单号、无商品）"),
    "file": ("file", "文件"),
    "role": ("role", "类型"),
    "read": ("read", "读取"),
    "used": ("used", "使用"),
    "rejected": ("rejected", "拒收"),
    "by_reason": ("by reason", "按原因"),
    # credit (信用评价)
    "shop": ("shop", "店铺"),
    "shop_title": ("Shop {shop}", "店铺 {shop}"),
    "credit_title": ("Shop {shop}: credit", "店铺 {shop}：信用评价"),
    "credit": ("credit", "信用评价"),
    "credit_score": ("credit score", "信用积分"),
    "credit_short": ("credit", "信用分"),
    "level": ("level", "信用等级"),
    "no_level": ("no level (score below 4)", "无等级（积分低于 4）"),
    "positive_rate": ("positive rate", "好评率"),
    "experience": ("experience", "体验分"),
    "default_positives": ("default positives", "默认好评"),
    "unrated_lines": ("unrated lines", "未评价"),
    "periods_title": ("Ratings by period (rated_at)", "评价统计（按评价时间）"),
    "positive": ("positive", "好评"),
    "neutral": ("neutral", "中评"),
    "negative": ("negative", "差评"),
    "older": ("older", "更早"),
    "total": ("total", "总计"),
    "period_days": ("{n}d", "近{n}天"),
    # DSR (店铺评分)
    "dsr_title": ("DSR (last {days} days)", "店铺评分 DSR（近 {days} 天）"),
    "dsr": ("DSR", "店铺评分"),
    "item": ("item", "评分项"),
    "score": ("score", "评分"),
    "badge": ("badge", "展示分"),
    "count": ("count", "评分次数"),
    "industry": ("industry", "行业均值"),
    "vs_industry": ("vs industry", "与同行比"),
    "above": ("above", "飘红"),
    "below": ("below", "飘绿"),
    "level_with": ("level", "持平"),
    "range_basis": ("range", "区间"),
    "items_below": ("items below industry: {n}", "飘绿项：{n}"),
    "below_industry": ("below industry", "飘绿项"),
    "not_seller": ("* not part of the seller's DSR", "* 不计入卖家店铺评分"),
    "shares_title": ("DSR star shares", "店铺评分星级占比"),
    "description": ("description", "描述相符"),
    "service": ("service", "服务态度"),
    "shipping": ("shipping", "发货速度"),
    "logistics": ("logistics", "物流服务"),
    "description_short": ("desc.", "描述"),
    "service_short": ("serv.", "服务"),
    "shipping_short": ("ship.", "发货"),
    "logistics_short": ("log.", "物流"),
    # checks
    "checks": ("Checks", "检查项"),
    "no_checks": ("no checks", "没有检查项"),
    "check": ("check", "检查项"),
    "result": ("result", "结果"),
    "value": ("value", "数值"),
    "bound": ("bound", "门槛"),
    "margin": ("margin", "差距"),
    "five_needed": ("5★ needed", "还需5★"),
    "reason": ("reason", "原因"),
    "warn_band": ("warn {band}", "预警 {band}"),
    "or": (" or ", " 或 "),
    "and": (" and ", " 且 "),
    "no ratings": ("no ratings", "没有评分"),
    "metric not in the result": ("metric not in the result", "结果中没有此指标"),
    "needs_five": ("{n}×5★ to reach it", "还需 {n} 个5★"),
    "unreachable": ("out of reach by 5★ alone", "仅靠5★无法达到"),
    # reasons
    "reasons_title": ("Excluded and anomalies, by reason", "排除与异常（按原因）"),
    "section": ("section", "类别"),
    "none": ("none", "无"),
    "anomaly": ("anomaly", "异常"),
    # many shops
    "shops_title": ("Shops ({n})", "店铺（{n} 家）"),
    "failing_title": ("Checks that fail or warn", "未达标与预警的检查项"),
    "left_out": ("per-shop tables left out for {n} shops: --detail shows them, --shop ID shows "
                 "one shop", "{n} 家店铺的明细未显示：--detail 显示全部，--shop ID 显示一家"),
    "lowest": ("lowest", "最低"),
    "passing_n": ("{n} passing", "{n} 家达标"),
    "more_failing": ("and {n} more failing", "另有 {n} 家未达标"),
    "more_lines": ("… {n} more line(s): see the full audit", "…… 另有 {n} 行：见完整报告"),
    # metrics named by checks
    "metric:credit.score": ("credit score", "信用积分"),
    "metric:credit.positive_rate": ("positive rate", "好评率"),
    "metric:dsr.items_below_industry": ("items below industry", "飘绿项数"),
    "metric:experience.total": ("experience score", "体验分"),
    # the HTML report
    "report_title": ("shopscore report", "shopscore 店铺评分报告"),
    "report_head": ("shopscore report: {n} shop(s), as of {when} (profile {profile})",
                    "shopscore 店铺评分报告：{n} 家店铺，截至 {when}（规则 {profile}）"),
    "summary": ("Summary", "汇总"),
    "stars_title": ("Star distribution per DSR item (last {days} days)",
                    "各评分项星级分布（近 {days} 天）"),
    "stars_heading": ("{item}: n={n}, mean {mean}", "{item}：{n} 次，均分 {mean}"),
    "stars_chart": ("{item}: star distribution ({n} scores, mean {mean})",
                    "{item}：星级分布（{n} 次评分，均分 {mean}）"),
    "history_title": ("Trend from the history ({n} audit(s))", "历史趋势（{n} 次检查）"),
    "history_none": ("This shop has no audits in the history.", "历史记录中没有这家店铺。"),
    "dsr_per_audit": ("{shop}: DSR per audit", "{shop}：每次检查的店铺评分"),
    "credit_per_audit": ("{shop}: credit score per audit", "{shop}：每次检查的信用积分"),
    "trend_title": ("DSR trend: the {window}-day mean on each of the last {n} days",
                    "店铺评分走势：最近 {n} 天每天的 {window} 天均分"),
    "trend_note": ("Recomputed from the data (no --history given): for day d, the mean of the "
                   "scores given in (d − {window} days, d].",
                   "由数据重算（未给 --history）：第 d 天取 (d − {window} 天, d] 内评分的均值。"),
    "trend_chart": ("{shop}: {window}-day DSR mean, last {n} days",
                    "{shop}：{window} 天店铺评分均分，最近 {n} 天"),
    "day": ("day", "日期"),
    "as_of_word": ("as_of", "截至日"),
    "forecast_title": ("Forecast: the next {days} days against the bar {bar}",
                       "预测：未来 {days} 天对照门槛 {bar}"),
    "forecast_chart": ("{shop}: {scenario}", "{shop}：{scenario}"),
    "no_new_scores": ("no new scores", "不再有新评分"),
    "recent_pace": ("new scores at the pace and star mix of the last 30 days",
                    "按最近 30 天的节奏与星级分布继续评分"),
    "first_below": ("first day below the bar", "首次低于门槛"),
    "never": ("never", "不会"),
    "bar": ("bar", "门槛"),
    "scenario": ("scenario", "情景"),
    "no_data": ("no data", "无数据"),
    "credit_score_series": ("credit score", "信用积分"),
    # the experience score (RULES.md sections 6 and 7)
    "experience_title": ("Experience score: {card}", "体验分：{card}"),
    "dimension_metric": ("dimension / metric", "维度 / 指标"),
    "weight": ("weight", "权重"),
    "num_den": ("num/den", "分子/分母"),
    "points": ("points", "得分"),
    "mark": ("mark", "标记"),
    "exp_total": ("total", "总分"),
    "display": ("shoppers see", "消费者看到"),
    "stars": ("stars", "星级"),
    "stage": ("stage", "阶段"),
    "stage_formal": ("formal", "正式阶段"),
    "stage_growth": ("growth stage", "成长阶段"),
    "floored": ("floor", "保底"),
    "protected": ("protected", "保护"),
    "health_title": ("Service health, last {days} days (every computed metric)",
                     "服务指标，近 {days} 天（所有可计算的指标）"),
    "on_card": ("on the scorecard", "计入体验分"),
    "bad": ("bad", "不达标数"),
    "not_computed": ("not computed", "无法计算"),
    "example_bounds": ("The weights and tier bounds are examples: copy your category's own from "
                       "{where} into a profile that extends this one.",
                       "权重与分档为示例：请从 {where} 抄录本类目的实际标准，写入继承本规则的配置文件。"),
    "missing_inputs": ("Not computed for want of: {names}.", "缺少以下输入，部分指标无法计算：{names}。"),
    "dim:goods": ("goods", "商品体验"),
    "dim:logistics": ("logistics", "物流体验"),
    "dim:service": ("service", "服务体验"),
    "svc:valid_paid_orders": ("valid paid orders", "有效支付订单"),
    "svc:goods_score": ("goods score", "商品综合评分"),
    "svc:goods_good_rate": ("goods good rate", "商品好评率"),
    "svc:quality_return_rate": ("quality return rate", "品质退货率"),
    "svc:negative_feedback_rate": ("negative feedback rate", "商品负反馈率"),
    "svc:pickup_hours_mean": ("mean pickup time", "平均揽收时长"),
    "svc:pickup_points_mean": ("pickup points", "揽收时长平均得分"),
    "svc:pickup_on_time_rate": ("48 h pickup rate", "48小时揽收及时率"),
    "svc:delivery_hours_mean": ("delivery time", "物流到货时长"),
    "svc:delivery_on_time_rate": ("on-time delivery rate", "配送时效达成率"),
    "svc:logistics_return_rate": ("logistics return rate", "发货物流品退率"),
    "svc:aftersale_on_time_rate": ("after-sale on-time rate", "售后处理时长达成率"),
    "svc:aftersale_review_hours_mean": ("after-sale review time", "售后平均审核时长"),
    "svc:refund_hours_mean": ("refund handling time", "退款处理时长"),
    "svc:refund_rate": ("refund rate", "退款率"),
    "svc:platform_help_rate": ("platform help rate", "平台求助率"),
    "svc:reply_seconds_mean": ("mean reply time", "人工平均响应时长"),
    "svc:reply_within_rate": ("replied within the limit", "3分钟人工响应率"),
    "svc:first_reply_seconds_mean": ("first reply time", "首次响应时长"),
    "svc:chat_satisfaction_rate": ("chat satisfaction", "客服满意度"),
    "svc:chat_dissatisfaction_rate": ("chat dissatisfaction", "会话不满意率"),
}

_LEVEL = re.compile(r"^(\d+) (heart|diamond|crown|gold crown)s?$")
_LEVEL_ZH = {"heart": "心", "diamond": "钻", "crown": "皇冠", "gold crown": "金冠"}
_PERIOD = re.compile(r"^(\d+)d$")
_PERIOD_ZH = {"7d": "最近1周", "30d": "最近1个月", "180d": "最近6个月"}


def default_lang(environ=None) -> str:
    """zh when the locale (LC_ALL, else LC_MESSAGES, else LANG) starts with zh, else en."""
    env = os.environ if environ is None else environ
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = env.get(name)
        if value:
            return "zh" if value.lower().startswith("zh") else "en"
    return "en"


class Words:
    """The labels of one language: `words("key", n=3)`, and the domain's own names."""

    def __init__(self, lang: str):
        self.lang = lang
        self._k = LANGS.index(lang)

    def __call__(self, key: str, **fields) -> str:
        text = CATALOGUE[key][self._k]
        return text.format(**fields) if fields else text

    def item(self, name: str, short: bool = False) -> str:
        """A DSR item by the back office's name (描述相符); an unknown one as it is named."""
        key = f"{name}_short" if short else name
        return self(key) if key in CATALOGUE else label(name)

    def level(self, name: str | None) -> str:
        """A credit level name of the profile (4 diamonds -> 4钻); others as they are."""
        if not name:
            return "-"
        found = _LEVEL.match(name)
        if self.lang == "zh" and found:
            return f"{found.group(1)}{_LEVEL_ZH[found.group(2)]}"
        return label(name)

    def period(self, key: str) -> str:
        """A period of the rating table (7d, 30d, 180d, older, total)."""
        if key in ("older", "total"):
            return self(key)
        if self.lang == "zh" and key in _PERIOD_ZH:
            return _PERIOD_ZH[key]
        found = _PERIOD.match(key)
        return self("period_days", n=found.group(1)) if found else label(key)

    def status(self, status: str) -> str:
        """pass / warn / fail as a word: PASS, WARN, FAIL (达标, 预警, 未达标)."""
        return self(status)

    def mark(self, status: str) -> str:
        """The result by symbol and word, so it survives a monochrome pipe: ✓ PASS."""
        return f"{SYMBOL[status]} {self(status)}"

    def position(self, position: str | None) -> str:
        """above / below / level against the industry: 飘红 / 飘绿 / 持平."""
        return {"above": self("above"), "below": self("below"),
                "level": self("level_with")}.get(position or "", "-")

    def metric(self, path: str) -> str:
        """A checked figure by its name: dsr.description.score -> 描述相符."""
        parts = path.split(".")
        if len(parts) == 3 and parts[0] == "dsr" and parts[2] == "score":
            return self.item(parts[1])
        if len(parts) == 4 and parts[:2] == ["experience", "metrics"]:
            return self.service(parts[2])
        if path == "experience.total":
            return self("experience")
        key = f"metric:{path}"
        return self(key) if key in CATALOGUE else label(path)

    def service(self, metric: str) -> str:
        """A service metric or a scorecard dimension by its back-office name."""
        for key in (f"svc:{metric}", f"dim:{metric}"):
            if key in CATALOGUE:
                return self(key)
        return label(metric)

    def reason(self, text: str | None) -> str:
        if not text:
            return ""
        return self(text) if text in CATALOGUE else label(text)


SYMBOL = {"pass": "✓", "warn": "!", "fail": "✗"}


def words(lang: str | None = None, environ=None) -> Words:
    """The labels of `lang` (zh or en), or of the locale when None."""
    chosen = default_lang(environ) if lang is None else lang.strip().lower()
    if chosen.startswith("zh"):
        chosen = "zh"
    elif chosen.startswith("en"):
        chosen = "en"
    if chosen not in LANGS:
        raise OptionError(f"--lang {lang!r}: expected zh or en")
    return Words(chosen)
