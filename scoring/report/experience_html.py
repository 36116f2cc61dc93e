"""The experience score in the HTML report: the scorecard laid out like the back office (total,
shoppers' display and stars, stage; each dimension and metric with its weight, value,
numerator/denominator and points, floor and protection marked), then every computed metric."""

from __future__ import annotations

from shopscore.scoring.report.charts import e
from shopscore.scoring.report.sections import Page, table
from shopscore.scoring.report.shown import service_figure

WHERE = {"商家体验分": "抖店 → 店铺 → 商家体验分 → 全部指标",
         "店铺真实体验分": "千牛 → 店铺 → 真实体验分"}


def _points(value) -> str:
    if value is None:
        return "-"
    return f"{value:g}" if float(value).is_integer() else f"{value:.1f}"


def _share(m: dict, metric: str) -> str:
    if m["denominator"] is None:
        return str(m["numerator"])
    top = m["numerator"]
    if isinstance(top, float) and not top.is_integer():
        top = f"{top:.1f}"
    return f"{top}/{m['denominator']}"


def experience_html(page: Page, shop) -> str:
    if shop.experience is None:
        return ""
    w, x = page.w, shop.experience.to_dict()
    total = "-" if x["total"] is None else f"{x['total']:g}"
    head = [e(w("exp_total")), e(w("stage"))]
    row = [e(total), e(w("stage_growth" if x["stage"] == "growth" else "stage_formal"))]
    if x["display"] is not None:
        head += [e(w("display")), e(w("stars"))]
        row += [f"{x['display']:.1f}", f"{x['stars']:g}★"]
    out = f"<h3>{e(w('experience_title', card=x['scorecard']))}</h3>" + table(head, [row], {0})
    rows = []
    for name, dim in x["dimensions"].items():
        rows.append([f"<b>{e(w.service(name))}</b>", f"{dim['weight']:g}", "", "",
                     "-" if dim["score"] is None else f"{dim['score']:.2f}",
                     e(w("protected")) if dim["protected"] else ""])
        for metric in dim.get("metrics", []):
            m = x["metrics"].get(metric)
            if m is None:
                rows.append([e(w.service(metric)), "", e(w("not_computed")), "", "-", ""])
                continue
            rows.append([e(w.service(metric)), f"{m['weight']:g}",
                         e(service_figure(metric, m["value"])), e(_share(m, metric)),
                         _points(m["points"]), e(w("floored")) if m["floored"] else ""])
    out += table([e(w(k)) for k in ("dimension_metric", "weight", "value", "num_den", "points",
                                    "mark")], rows, {1, 2, 3, 4})
    notes = []
    if x["example_bounds"]:
        notes.append(w("example_bounds", where=WHERE.get(x["scorecard"], x["scorecard"])))
    if x["missing_inputs"]:
        notes.append(w("missing_inputs", names=", ".join(x["missing_inputs"])))
    out += "".join(f'<p class="note">{e(n)}</p>' for n in notes)
    health = [[e(w.service(metric)), e(service_figure(metric, m["value"])), e(_share(m, metric)),
               "-" if m["bad"] is None else str(m["bad"]),
               "✓" if m["dimension"] is not None else ""]
              for metric, m in x["metrics"].items()]
    return out + f"<h3>{e(w('health_title', days=x['window_days']))}</h3>" + table(
        [e(w(k)) for k in ("dimension_metric", "value", "num_den", "bad", "on_card")], health,
        {1, 2, 3})
