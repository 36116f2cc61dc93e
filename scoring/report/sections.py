"""The sections of each shop in the HTML report, in order: SECTIONS is a list of functions
`section(page, shop) -> html`, so one more section (the experience score, say) is one more
function appended to it. Tables sit in a scrolling box (`<div class="scroll">`), never wider
than a phone's screen; every data string goes through e() (label(), then escaped)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta

import numpy as np

from shopscore.scoring.engine.calendar import TREND_DAYS
from shopscore.scoring.report import shown
from shopscore.scoring.report.charts import e, figure, line_chart, star_chart
from shopscore.scoring.report.text import badge, num, percent, shop_label
from shopscore.scoring.report.words import Words
from shopscore.scoring.rules.figures import window_sums

DAY = np.timedelta64(1, "D")
CHARTS = '<div class="charts">'  # charts side by side, wrapping to one a row on a phone


@dataclass(frozen=True)
class Page:
    """What every section may draw from: the audit and its decisions, the forecasts, the
    history, and the words of the page's language."""

    result: object  # AuditResult
    profile: object
    dsr: object  # the audit's DSR scores by day (engine/calendar.py DsrCalendar)
    as_of_local: np.datetime64
    forecasts: dict  # shop_id -> ShopForecast
    days: int
    bar: float
    trend_doc: dict | None
    start: object  # the aware as_of in the profile's zone
    w: Words


def table(header, rows, numeric=(), cards: bool = False) -> str:
    """`header` and `rows` cells are already-escaped HTML; columns whose index is in
    `numeric` align right. The table scrolls inside its box on a narrow screen; with `cards`
    it reflows there instead, one card per row, each value beside its header."""
    head = "".join(f"<th>{h}</th>" for h in header)
    labels = [re.sub(r"<[^>]*>", "", h) for h in header] if cards else None

    def cell(i, c):
        attrs = ' class="n"' if i in numeric else ""
        if labels is not None:
            attrs += f' data-label="{labels[i]}"'
        return f"<td{attrs}>{c}</td>"

    body = "".join("<tr>" + "".join(cell(i, c) for i, c in enumerate(row)) + "</tr>"
                   for row in rows)
    css = ' class="cards"' if cards else ""
    return (f'<div class="scroll"><table{css}><thead><tr>{head}</tr></thead><tbody>{body}'
            "</tbody></table></div>")


def mark(status: str, w: Words) -> str:
    """The result by symbol and word as well as colour: <span class="FAIL">✗ FAIL</span>."""
    return f'<span class="{status.upper()}">{e(w.mark(status))}</span>'


def dsr_score(item, places: int = 5) -> str:
    """A DSR score, red above the industry (飘红) and green below it (飘绿)."""
    if item is None:
        return "-"
    css = {"above": "above", "below": "below"}.get(item.position or "")
    text = num(item.score, places)
    return f'<span class="{css}">{text}</span>' if css else text


def position(item, w: Words) -> str:
    css = {"above": "above", "below": "below"}.get(item.position or "")
    text = e(shown.position(item, w))
    return f'<span class="{css}">{text}</span>' if css else text


# --- the sections ------------------------------------------------------------------------

def credit_section(page: Page, shop) -> str:
    w, c = page.w, shop.credit
    if c is None:  # the profile has no credit rules
        return ""
    out = f"<h3>{e(w('credit'))}</h3>" + table(
        [e(w(k)) for k in ("credit_score", "level", "positive_rate", "default_positives",
                           "unrated_lines")],
        [[num(c.score), e(shown.level(c, w)), percent(c.positive_rate), num(c.default_positive),
          num(c.unrated)]], {0, 2, 3, 4})
    labels = list(c.periods)
    rows = [[e(w(kind))] + [num(getattr(c.periods[p], kind)) for p in labels]
            for kind in ("positive", "neutral", "negative")]
    return out + f"<h3>{e(w('periods_title'))}</h3>" + table(
        [""] + [e(w.period(p)) for p in labels], rows, set(range(1, len(labels) + 1)))


def dsr_section(page: Page, shop) -> str:
    w, d = page.w, shop.dsr
    if d is None:  # the profile has no DSR rules
        return ""
    rows = []
    for name, item in d.items.items():
        star = "" if name in d.seller_items else "*"
        rows.append([e(w.item(name)) + star, dsr_score(item), badge(item.badge), num(item.count),
                     num(item.industry, 2), position(item, w)])
    return (f"<h3>{e(w('dsr_title', days=d.window_days))}</h3>"
            + table([e(w(k)) for k in ("item", "score", "badge", "count", "industry",
                                       "vs_industry")], rows, {1, 2, 3, 4, 5})
            + f'<p class="note">{e(w("items_below", n=d.items_below_industry))}; '
            f'{e(w("not_seller"))}</p>')


def checks_section(page: Page, shop) -> str:
    w = page.w
    if not shop.checks:
        return f'<h3>{e(w("checks"))}</h3><p class="note">{e(w("no_checks"))}</p>'
    rows = [[e(shown.title(c, w)), mark(shown.status(c), w), shown.value(c),
             e(shown.bound(c, w)), shown.margin(c), shown.needed(c), e(w.reason(c.reason))]
            for c in shop.checks]
    return f"<h3>{e(w('checks'))}</h3>" + table(
        [e(w(k)) for k in ("check", "result", "value", "bound", "margin", "five_needed",
                           "reason")], rows, {2, 4, 5})


def stars_section(page: Page, shop) -> str:
    w, figs = page.w, []
    if shop.dsr is None:
        return ""
    for name, item in shop.dsr.items.items():
        counts = {k: int(round(item.shares.get(str(k), 0) * item.count)) for k in range(1, 6)}
        label = w.item(name)
        title = w("stars_chart", item=label, n=item.count, mean=num(item.score))
        heading = w("stars_heading", item=label, n=item.count, mean=num(item.score))
        text = ", ".join(f"{k}★ {counts[k]} ({percent(item.shares.get(str(k), 0))})"
                         for k in (5, 4, 3, 2, 1))
        figs.append(figure(heading, star_chart(title, counts), text))
    return (f"<h3>{e(w('stars_title', days=shop.dsr.window_days))}</h3>"
            f'<div class="stars">{"".join(figs)}</div>')


def trend_section(page: Page, shop) -> str:
    """The stored history when given (and it holds the shop), else the DSR trend recomputed
    from the data."""
    w = page.w
    if shop.dsr is None:
        return ""
    if page.trend_doc is not None:
        found = _history(page, shop)
        if found:
            return found
        note = f'<p class="note">{e(w("history_none"))}</p>'
    else:
        note = ""
    rolling = rolling_dsr(page.dsr, shop.shop_id, page.profile.dsr_items, page.as_of_local,
                          page.profile.dsr_window_days)
    return note + _rolling(page, shop, rolling)


def forecast_section(page: Page, shop) -> str:
    sf = page.forecasts.get(shop.shop_id)
    if sf is None or not sf.items:
        return ""
    w, days = page.w, page.days
    labels = _day_labels(page.start, range(days + 1))
    name = shop_label(shop.shop_id, shop.shop_name)
    out = f"<h3>{e(w('forecast_title', days=days, bar=f'{page.bar:g}'))}</h3>" + CHARTS
    tables = ""
    for scenario in ("no_new_scores", "recent_pace"):
        series = [(w.item(key) + ("" if it.checked else "*"),
                   [float(v) for v in it.projections[scenario].score])
                  for key, it in sf.items.items()]
        title = w("forecast_chart", shop=name, scenario=w(scenario))
        out += figure(title, line_chart(title, labels, series, page.bar, w("bar")))
        picks = _pick(days + 1, [0, 1, 7, 14, 30])
        header = [e(w("item"))] + [("0" if d == 0 else f"+{d}d") for d in picks] + [
            e(w("first_below"))]
        rows = []
        for (label, ys), it in zip(series, sf.items.values(), strict=True):
            fail = it.projections[scenario].first_fail_day
            when = "-" if not it.checked else e(w("never")) if fail is None else \
                f"{labels[fail]} (d{fail})"
            rows.append([e(label)] + [num(ys[d]) for d in picks] + [when])
        tables += f"<p><b>{e(w(scenario))}</b></p>" + table(header, rows,
                                                             set(range(1, len(header))))
    return out + "</div>" + tables


def experience_section(page: Page, shop) -> str:
    """The experience score: the scorecard and the service health (report/experience_html)."""
    from shopscore.scoring.report.experience_html import experience_html

    return experience_html(page, shop)


SECTIONS = [credit_section, dsr_section, experience_section, checks_section, stars_section,
            trend_section, forecast_section]


def shop_section(page: Page, shop, anchor: str) -> str:
    """One shop: its heading and every section of SECTIONS, in order."""
    head = (f'<section class="shop" id="{anchor}"><h2>'
            f"{e(page.w('shop_title', shop=shop_label(shop.shop_id, shop.shop_name)))} "
            f"{mark(shown.shop_status(shop), page.w)}</h2>")
    return head + "".join(section(page, shop) for section in SECTIONS) + "</section>"


# --- the figures of the trend --------------------------------------------------------------

def rolling_dsr(calendar, shop_id, items, as_of, window_days: int = 180,
                days: int = TREND_DAYS) -> dict:
    """Each item's DSR mean on the last `days` days (day d = as_of - k days, k = days-1..0):
    the mean of the scores with d - window < at <= d among the orders whose fate is counted or
    outside_dsr_window (the orders every rule but the window lets count), from the audit's
    scores by day (engine/calendar.py). NaN: no scores."""
    ends = np.datetime64(as_of, "ns") - np.arange(days - 1, -1, -1) * DAY
    out = {}
    for name in items:
        at, stars, times = calendar.scores(str(shop_id), name, outside=True)
        count, total = window_sums(at, stars, ends, window_days, times)
        with np.errstate(invalid="ignore", divide="ignore"):
            out[name] = np.where(count > 0, total / np.where(count > 0, count, 1), np.nan)
    return out


def _day_labels(start, offsets) -> list[str]:
    return [(start + timedelta(days=int(k))).strftime("%m-%d") for k in offsets]


def _pick(n: int, wanted) -> list[int]:
    return sorted({i for i in wanted if 0 <= i < n} | {n - 1})


def _history(page: Page, shop) -> str:
    w = page.w
    shops = [s for s in page.trend_doc["shops"] if s["shop_id"] == shop.shop_id]
    if not shops:
        return ""
    s = shops[0]
    labels = [a[:10] if a[11:19] == "00:00:00" else a[:16].replace("T", " ") for a in s["as_of"]]
    dsr = [(m["metric"].split(".")[1], [p["value"] for p in m["points"]]) for m in s["metrics"]
           if m["metric"].startswith("dsr.") and m["metric"].endswith(".score")]
    credit = [(w("credit_score_series"), [p["value"] for p in m["points"]])
              for m in s["metrics"] if m["metric"] == "credit.score"]
    name = shop_label(shop.shop_id, shop.shop_name)
    dsr_title, credit_title = w("dsr_per_audit", shop=name), w("credit_per_audit", shop=name)
    out = (f"<h3>{e(w('history_title', n=len(labels)))}</h3>" + CHARTS
           + figure(dsr_title, line_chart(dsr_title, labels, [(w.item(n), ys) for n, ys in dsr]))
           + figure(credit_title, line_chart(credit_title, labels, credit, integer=True))
           + "</div>")
    header = [e(w("as_of_word"))] + [e(w.item(n)) for n, _ in dsr] + [e(n) for n, _ in credit]
    rows = [[e(labels[i])] + [num(ys[i]) for _, ys in dsr] + [num(ys[i]) for _, ys in credit]
            for i in range(len(labels))]
    return out + table(header, rows, set(range(1, len(header))))


def _rolling(page: Page, shop, rolling: dict) -> str:
    w, window = page.w, page.profile.dsr_window_days
    n = len(next(iter(rolling.values()))) if rolling else 0
    offsets = list(range(-(n - 1), 1))
    labels = _day_labels(page.start, offsets)
    series = [(w.item(name), [float(v) for v in ys]) for name, ys in rolling.items()]
    name = shop_label(shop.shop_id, shop.shop_name)
    title = w("trend_chart", shop=name, window=window, n=n)
    out = (f"<h3>{e(w('trend_title', window=window, n=n))}</h3>"
           f'<p class="note">{e(w("trend_note", window=window))}</p>'
           + CHARTS + figure(title, line_chart(title, labels, series)) + "</div>")
    picks = _pick(n, [0, n - 61, n - 31, n - 8, n - 2])
    header = [e(w("day"))] + [e(label) for label, _ in series]
    rows = [[f"{labels[i]} ({offsets[i]:+d}d)" if offsets[i] else
             f"{labels[i]} ({e(w('as_of_word'))})"] + [num(ys[i]) for _, ys in series]
            for i in picks]
    return out + table(header, rows, set(range(1, len(header))))
