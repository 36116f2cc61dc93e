"""The HTML report: one self-contained page per audit, pure (no Typer, no Rich), read on a
desktop or a phone. A cross-shop summary first (failing shops first), then each shop's
sections (scoring/report/sections.py: a list, one function per section) with inline SVG
charts (scoring/report/charts.py). No JavaScript, no network, no external files; every data
string is escaped; labels in the page's language (zh or en)."""

from __future__ import annotations

from shopscore.scoring.report import shown
from shopscore.scoring.report.charts import e
from shopscore.scoring.report.sections import (
    Page,
    dsr_score,
    mark,
    rolling_dsr,
    shop_section,
    table,
)
from shopscore.scoring.report.text import num, percent, readable_time, shop_label
from shopscore.scoring.report.words import Words, words

__all__ = ["build_report", "rolling_dsr"]

# Phone first: the viewport is the device's, text wraps anywhere rather than widen the page,
# tables scroll inside their box, charts shrink to the screen (their text stays readable).
CSS = """
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%;text-size-adjust:100%}
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans","Noto Sans CJK SC",
"PingFang SC","Microsoft YaHei",sans-serif;margin:0 auto;padding:12px;color:#222;
background:#fff;max-width:1100px;line-height:1.45;overflow-wrap:break-word}
h1{font-size:1.35em;margin:.3em 0}h2{font-size:1.2em;margin-top:1.8em;border-bottom:2px solid
#ddd;padding-bottom:4px}h3{margin:1.3em 0 .4em;font-size:1.05em}
.scroll{max-width:100%;overflow-x:auto;-webkit-overflow-scrolling:touch;margin:6px 0 12px}
table{border-collapse:collapse}
th,td{border:1px solid #ddd;padding:4px 8px;font-size:.92em;white-space:nowrap}
th{white-space:normal;vertical-align:bottom;word-break:keep-all}
th{background:#f4f4f4;text-align:left}td.n{text-align:right;font-variant-numeric:tabular-nums}
.PASS{color:#0550ae;font-weight:bold}
.WARN{background:#bf8700;color:#fff;font-weight:bold;padding:0 4px;border-radius:3px}
.FAIL{background:#cf222e;color:#fff;font-weight:bold;padding:0 4px;border-radius:3px}
.above{color:#cf222e}.below{color:#1a7f37}
.note{color:#555;font-size:.9em}.nobr{white-space:nowrap}
.charts{display:flex;flex-wrap:wrap;gap:12px}.charts figure{flex:1 1 300px;max-width:520px}
figure{margin:0}.ct{font-weight:bold;font-size:.9em;margin:0 0 4px}
svg.chart{display:block;width:100%;max-width:520px;height:auto;background:#fcfcfc;
border:1px solid #eee}
.stars{display:grid;grid-template-columns:repeat(auto-fill,minmax(240px,1fr));gap:12px}
.stars svg.chart{max-width:340px}
figcaption{font-size:.85em;color:#444}
@media (max-width:640px){
table.cards thead{display:none}
table.cards,table.cards tbody,table.cards tr,table.cards td{display:block;width:100%}
table.cards tr{border:1px solid #ddd;border-radius:4px;margin:0 0 10px;padding:4px 10px;
display:grid;grid-template-columns:1fr 1fr;column-gap:18px}
table.cards td{border:none;padding:2px 0;display:flex;justify-content:space-between;gap:8px}
table.cards td:nth-child(-n+2){grid-column:1/-1}
table.cards td::before{content:attr(data-label);color:#555;font-weight:normal}
}
"""


def summary(result, w: Words, anchors: dict) -> str:
    """One row per shop, failing shops first, each linked to its section; the credit, DSR
    and experience columns of the sections the profile has."""
    items = shown.items_of(result.shops)
    credit = any(s.credit is not None for s in result.shops)
    dsr = any(s.dsr is not None for s in result.shops)
    experience = any(s.experience is not None for s in result.shops)
    header = [e(w(k)) for k in ("result", "shop")]
    header += [e(w(k)) for k in ("credit_score", "level", "positive_rate")] if credit else []
    header += [e(w.item(i)) for i in items] + [e(w("below_industry"))] if dsr else []
    header += [e(w("experience"))] if experience else []
    rows = []
    for shop in shown.ordered(result.shops):
        c, name = shop.credit, e(shop_label(shop.shop_id, shop.shop_name))
        row = [mark(shown.shop_status(shop), w), f'<a href="#{anchors[shop.shop_id]}">{name}</a>']
        if credit:
            row += ["-", "-", "-"] if c is None else [
                num(c.score), e(shown.level(c, w, index=False)), percent(c.positive_rate)]
        if dsr:
            row += ["-"] * (len(items) + 1) if shop.dsr is None else [
                *(dsr_score(shop.dsr.items.get(i)) for i in items),
                num(shop.dsr.items_below_industry)]
        if experience:
            total = None if shop.experience is None else shop.experience.total
            row.append("-" if total is None else f"{total:g}")
        rows.append(row)
    numeric = set(range(2, len(header))) - ({3} if credit else set())
    return f"<h2>{e(w('summary'))}</h2>" + table(header, rows, numeric, cards=True)


def build_report(result, profile, dsr, as_of_local, forecasts, days: int, bar: float,
                 trend_doc: dict | None = None, start=None, lang: str | None = "en") -> str:
    """The whole page. `result` the AuditResult, `dsr` the audit's DSR scores by day
    (engine/calendar.py DsrCalendar), `as_of_local` its naive local as_of (engine/decide.py
    local_as_of), `forecasts` forecast.forecast's list, `trend_doc` history.trend's document
    (or None: the DSR trend is recomputed from the data), `start` the aware as_of in the
    profile's zone (for day labels), `lang` zh or en."""
    w = words(lang)
    start = start if start is not None else as_of_local.astype("datetime64[s]").item()
    page = Page(result, profile, dsr, as_of_local, {f.shop_id: f for f in forecasts}, days,
                bar, trend_doc, start, w)
    when = readable_time(result.as_of)
    failed = sum(shown.shop_status(s) == "fail" for s in result.shops)
    verdict = w("all_pass") if not failed else w("shops_fail", n=failed)
    files = ", ".join(e(f.get("path", "")) for f in result.inputs.get("files", []))
    body = [f'<h1>{e(w("report_title"))} · <span class="nobr">{e(when)}</span></h1>',
            f"<p>{e(w('profile', name=result.profile))} · "
            f"{e(w('shops_n', n=len(result.shops)))} · "
            f'<span class="{"FAIL" if failed else "PASS"}">{e(verdict)}</span></p>',
            f'<p class="note">{e(w("file"))}: {files or "-"}; {e(w("read"))} '
            f'{result.inputs.get("rows_read", 0)}, {e(w("rejected"))} '
            f'{result.inputs.get("rows_rejected", 0)}</p>']
    ordered = shown.ordered(result.shops)
    anchors = {s.shop_id: f"shop-{k}" for k, s in enumerate(result.shops)}
    body.append(summary(result, w, anchors))
    body += [shop_section(page, shop, anchors[shop.shop_id]) for shop in ordered]
    lang_attr = "zh-CN" if w.lang == "zh" else "en"
    return ("<!DOCTYPE html>\n"
            f'<html lang="{lang_attr}"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{e(w('report_title'))} · {e(when)}</title><style>{CSS}</style></head>"
            "<body>" + "\n".join(body) + "</body></html>\n")
