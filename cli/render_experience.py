"""Renderers of the experience score (RULES.md sections 6 and 7): the scorecard laid out like
the back office (total, shopper display and stars, stage, each dimension and metric with its
weight, value, numerator/denominator and points, marks for floor and protection), and a
service-health table of every computed metric. A shop's JSON in, renderables or text out."""

from __future__ import annotations

from rich import box
from rich.console import Group
from rich.table import Table
from rich.text import Text

from shopscore.scoring.report.shown import service_figure as figure
from shopscore.scoring.report.text import label, md
from shopscore.scoring.report.words import Words, words

from .grid import Column, block

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
UNIT_WORDS = {"orders": "order", "cases": "after-sale case", "rounds": "chat round",
              "sessions": "chat session"}


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
    p = m["points"]
    if p is None:
        return "-"
    return f"{p:g}" if float(p).is_integer() else f"{p:.1f}"


def headline(e: dict, w: Words | None = None) -> str:
    """One line: the total, display and stars, the stage."""
    w = w or words("en")
    total = "-" if e["total"] is None else f"{e['total']:g}"
    parts = [f"{e['scorecard']} {total}"]
    if e["display"] is not None:
        parts.append(f"{w('display')} {e['display']:.1f} ({e['stars']:g}★)")
    stage = w("stage_growth" if e["stage"] == "growth" else "stage_formal")
    valid = e["metrics"].get("valid_paid_orders")
    if valid is not None:
        stage += f", {w.service('valid_paid_orders')} {valid['value']}"
    parts.append(stage)
    return "; ".join(parts)


def notes(e: dict, w: Words | None = None) -> list[str]:
    """What the operator must know to read it: example bounds, missing inputs."""
    w = w or words("en")
    out = []
    if e["example_bounds"]:
        out.append(w("example_bounds", where=WHERE.get(e["scorecard"], e["scorecard"])))
    if e["missing_inputs"]:
        given = ", ".join(f"{n} ({MISSING[n]})" if n in MISSING else n for n in e["missing_inputs"])
        out.append(w("missing_inputs", names=given))
    return out


def experience_tables(shop: dict, w: Words | None = None, width: int = 80) -> list:
    """The experience score of one shop, fit to `width`: the scorecard, then every computed
    metric (figures never cut)."""
    e = shop.get("experience")
    if not e:
        return []
    w = w or words("en")
    metrics = e["metrics"]
    rows = []
    for name, dim in e["dimensions"].items():
        rows.append([Text(w.service(name), style="bold"), f"{dim['weight']:g}", "", "",
                     "-" if dim["score"] is None else f"{dim['score']:.2f}",
                     w("protected") if dim["protected"] else ""])
        for metric in _dimension_metrics(e, name):
            m = metrics.get(metric)
            if m is None:
                rows.append([f"  {w.service(metric)}", "", w("not_computed"), "", "-", ""])
                continue
            rows.append([f"  {w.service(metric)}", _weight(e, metric), figure(metric, m["value"]),
                         _fraction(metric, m), _points(m), w("floored") if m["floored"] else ""])
    out = block(w("experience_title", card=label(headline(e, w))),
                [Column(w("dimension_metric")), Column(w("weight"), right=True),
                 Column(w("value"), right=True), Column(w("num_den"), right=True),
                 Column(w("points"), right=True), Column(w("mark"))], rows, width,
                "; ".join(notes(e, w)) or None)
    health = [[w.service(metric), figure(metric, m["value"]), _fraction(metric, m),
               _count(m["bad"]), "✓" if m.get("dimension") else "-"]
              for metric, m in metrics.items()]
    out += [Text("")] + block(w("health_title", days=e["window_days"]),
                              [Column(w("dimension_metric")), Column(w("value"), right=True),
                               Column(w("num_den"), right=True), Column(w("bad"), right=True),
                               Column(w("on_card"), right=True)], health, width)
    return out


def _dimension_metrics(e: dict, name: str) -> list:
    return e["dimensions"][name].get("metrics", [])


def _weight(e: dict, metric: str) -> str:
    weight = e["metrics"].get(metric, {}).get("weight")
    if weight is None:  # a scored metric that could not be computed: no entry of its own
        return ""
    return f"{weight:g}"


def experience_markdown(shop: dict, w: Words | None = None) -> str:
    """The experience score of one shop as Markdown (for chat and mail)."""
    e = shop.get("experience")
    if not e:
        return ""
    w = w or words("en")
    rows = []
    for name, dim in e["dimensions"].items():
        shown_score = "-" if dim["score"] is None else f"{dim['score']:.2f}"
        rows.append(f"| **{md(w.service(name))}** | {dim['weight']:g} | | | "
                    f"{shown_score}{' (' + w('protected') + ')' if dim['protected'] else ''} |")
        for metric in _dimension_metrics(e, name):
            m = e["metrics"].get(metric)
            if m is None:
                rows.append(f"| {md(w.service(metric))} | | {w('not_computed')} | | - |")
                continue
            rows.append(f"| {md(w.service(metric))} | {_weight(e, metric)} | "
                        f"{figure(metric, m['value'])} | {_fraction(metric, m)} | "
                        f"{_points(m)}{' (' + w('floored') + ')' if m['floored'] else ''} |")
    out = [f"**{md(w('experience_title', card=headline(e, w)))}**", "",
           f"| {w('dimension_metric')} | {w('weight')} | {w('value')} | {w('num_den')} | "
           f"{w('points')} |", "|---|---|---|---|---|", *rows]
    out += ["", *(md(n) for n in notes(e, w))] if notes(e, w) else []
    return "\n".join(out)


def experience_renderable(shop: dict) -> Group:
    return Group(*experience_tables(shop))


# --- the insight commands on the experience score ---------------------------------------

def metric_explanation_renderable(doc: dict) -> Group:
    """`explain --metric`: per shop the metric's figures, then what cost it its points."""
    metric = doc["metric"]
    label = LABELS.get(metric, (metric,))[0]
    parts = [Text(f"shopscore explain as of {doc['as_of']} (profile {doc['profile']}): "
                  f"{label} {metric}", style="bold")]
    for shop in doc["shops"]:
        m = shop["figures"]
        head = f"\nShop {shop['shop_id']}: " + ("not computed" if m is None else
                                                f"{figure(metric, m['value'])} "
                                                f"({_fraction(metric, m)}), points {_points(m)}")
        parts.append(Text(head, style="bold"))
        what = UNIT_WORDS[shop["unit"]]
        parts.append(Text(f"{shop['count']} {what}(s) of {shop['members']} cost points"
                          + (f"; the first {len(shop['records'])} shown (--limit)"
                             if len(shop["records"]) < shop["count"] else ""), style="dim"))
        for record in shop["records"]:
            parts.append(Text("  • " + record_line(shop["unit"], record)))
    return Group(*parts)


def _when(value) -> str:
    return "-" if value is None else str(value)[:16].replace("T", " ")


def record_line(unit: str, r: dict) -> str:
    """One order, case, round or session that cost a metric its points, in a sentence."""
    if unit == "orders":
        times = [f"{word} {_when(r[key])}" for key, word in (
            ("paid_at", "paid"), ("collected_at", "collected"), ("signed_at", "signed"),
            ("delivery_due_at", "due")) if r.get(key)]
        text = f"order {label(r['order_id'])}: " + ", ".join(times)
        if r.get("description") is not None:
            text += f"; description {r['description']}★"
        if r.get("after_sale_reason"):
            text += f"; after-sale {r['after_sale_reason']} ({r['after_sale_type']})"
    elif unit == "cases":
        text = (f"case {label(r['aftersale_id'])} (order {label(r['order_id'])}, {r['type']}): "
                f"applied {_when(r['applied_at'])}, agreed {_when(r['agreed_at'])}, refunded "
                f"{_when(r['refunded_at'])}")
        for key, word in (("review_hours", "review"), ("seller_hours", "seller")):
            if r.get(key) is not None:
                text += f"; {word} {r[key]:.2f} h"
    elif unit == "rounds":
        who = f" (buyer {label(r['buyer_id'])})" if r.get("buyer_id") else ""
        text = f"session {label(r['session_id'])}{who}: asked {_when(r['asked_at'])}, " + (
            f"answered {_when(r['answered_at'])} after {r['response_seconds']:g} s"
            if r["answered"] else f"never answered (counted as {r['response_seconds']:g} s)")
    else:
        text = (f"session {label(r['session_id'])}: started {_when(r['started_at'])}, "
                f"rated {r['rating']}★" if r.get("rating") else "not rated")
    if r.get("figure") is not None:
        text += f" [{r['figure']:.2f}]"
    return text


def experience_whatif_renderable(shop_id: str, e: dict) -> Table:
    """`whatif` on the experience score: each scored metric's next tier and what it takes."""
    best = e["best"]
    table = Table(box=box.SIMPLE_HEAVY, title=f"Shop {shop_id}: experience score, what it takes "
                  "(each metric's next tier, the others as they are)", title_justify="left",
                  caption=(f"Most total points per unit of work: {LABELS.get(best, (best,))[0]} "
                           f"({best})." if best else "No metric has a better tier within reach.")
                  + " next: the next tier's bound, then: its points; units: members of the "
                    "metric's population to turn good (a mean: its worst ones brought to the "
                    "bound; the goods score: 5-star orders to add); total: the total then; "
                    "gain: total points per unit.", caption_justify="left")
    for col in ("metric", "value", "points", "next", "then", "units", "total", "gain"):
        table.add_column(col, justify="left" if col == "metric" else "right",
                         overflow="fold", min_width=8 if col == "metric" else None)
    for m in e["metrics"]:
        name = m["metric"]
        table.add_row(LABELS.get(name, (name,))[0], figure(name, m["value"]),
                      _points(m),
                      "-" if m["next_bound"] is None else figure(name, m["next_bound"]),
                      _count(m["next_points"]), _count(m["units_needed"]),
                      "-" if m["total_then"] is None else f"{m['total_then']:.2f}",
                      "-" if m["gain_per_unit"] is None else f"{m['gain_per_unit']:.3f}")
    return table


def experience_forecast_renderable(ahead: dict, horizons) -> Table:
    """`forecast` on the experience score: the total and each scored metric at a few days
    ahead, as the window rolls on with no new data."""
    days = ahead["days"]
    picked = [d for d in horizons if d < len(days)]
    below = ahead["first_below_day"]
    table = Table(box=box.SIMPLE_HEAVY, title=f"Shop {ahead['shop_id']}: experience score if no "
                  "new orders, cases or chats arrive", title_justify="left",
                  caption=None if ahead["bar"] is None else (
                      f"below {ahead['bar']:g} from day {below}" if below is not None
                      else f"stays at or above {ahead['bar']:g}"), caption_justify="left")
    table.add_column("figure", justify="left")
    for d in picked:
        table.add_column("now" if d == 0 else f"+{d}d", justify="right")
    table.add_row("total", *("-" if days[d]["total"] is None else f"{days[d]['total']:g}"
                             for d in picked))
    table.add_row("stage", *(days[d]["stage"] for d in picked))
    for metric in days[0]["metrics"]:
        table.add_row(LABELS.get(metric, (metric,))[0],
                      *(figure(metric, days[d]["metrics"].get(metric, {}).get("value"))
                        for d in picked))
    return table
