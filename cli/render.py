"""Renderers: an AuditResult in, Rich renderables out, labelled in the operator's language
(scoring/report/words.py); nothing is computed. Every data string passes label() (or a
renderer of scoring/report that calls it), numbers are never cut: their columns do not wrap,
text columns fold instead."""

from __future__ import annotations

from rich import box
from rich.console import Group
from rich.table import Table
from rich.text import Text

from shopscore.scoring.report import shown
from shopscore.scoring.report.text import badge, label, num, percent, shop_label
from shopscore.scoring.report.words import Words
from shopscore.scoring.result import AuditResult, ShopResult

from .grid import Column, block
from .render_experience import experience_tables
from .render_shops import (
    POSITION_STYLE,
    checks_lines,
    dsr_cell,
    failing_lines,
    headline,
    summary_lines,
)
from .safe import plain, scrubbed

STARS = ("5", "4", "3", "2", "1")
MANY_SHOPS = 5  # above this many shops, the table output is the summary and the failures


def _cell(text) -> Text:
    """A data string as a cell: plain text (never Rich markup), label()-cleaned."""
    return Text(label(text))


def _position(item, w: Words) -> Text:
    return Text(shown.position(item, w), style=POSITION_STYLE.get(item.position or "", ""))


def _reasons(shop: ShopResult, w: Words) -> list[tuple[str, str, int]]:
    rows = []
    for section, part in ((w("credit"), shop.credit), (w("dsr"), shop.dsr)):
        if part is not None:
            rows += [(section, code, n) for code, n in sorted(part.excluded_by_reason.items())]
    rows += [(w("anomaly"), code, n) for code, n in sorted(shop.anomalies_by_reason.items())]
    return rows


def shop_tables(shop: ShopResult, w: Words, width: int = 80) -> list:
    """The platform's pages for one shop: credit, periods, DSR, shares, the experience score,
    checks, exclusions (those of the rules the profile has); each table fit to `width`
    (headers break at spaces, figures stay whole)."""
    name = shop_label(shop.shop_id, shop.shop_name)
    out = _credit_tables(shop, name, w, width) if shop.credit is not None else \
        [Text(w("shop_title", shop=name), style="bold")]
    if shop.dsr is not None:
        out += ([Text("")] if out else []) + _dsr_tables(shop, w, width)
    if shop.experience is not None:
        out += [Text(""), *experience_tables(shop.to_dict(), w, width)]

    out += [Text(""), Text(w("checks"), style="italic")]
    out += checks_lines(shop.checks, w, width, indent=2, with_status=True) if shop.checks \
        else [Text("  " + w("no_checks"))]

    reasons = [list(row) for row in _reasons(shop, w)] or [["-", w("none"), 0]]
    out += [Text("")] + block(w("reasons_title"), [Column(w("section")), Column(w("reason")),
                                                   Column(w("n"), right=True)],
                              [[a, b, str(n)] for a, b, n in reasons], width)
    return out


def _credit_tables(shop: ShopResult, name: str, w: Words, width: int) -> list:
    c = shop.credit
    out = block(w("credit_title", shop=name),
                [Column(w(k), right=True) for k in ("credit_score", "level", "positive_rate",
                                                    "default_positives", "unrated_lines")],
                [[num(c.score), shown.level(c, w), percent(c.positive_rate),
                  num(c.default_positive), num(c.unrated)]], width)

    labels = list(c.periods)
    out += [Text("")] + block(
        w("periods_title"), [Column("")] + [Column(w.period(p), right=True) for p in labels],
        [[w(kind), *(num(getattr(c.periods[p], kind)) for p in labels)]
         for kind in ("positive", "neutral", "negative")], width)
    return out


def _dsr_tables(shop: ShopResult, w: Words, width: int) -> list:
    ds = shop.dsr
    names = list(ds.seller_items) + [n for n in ds.items if n not in ds.seller_items]
    caption = w("items_below", n=ds.items_below_industry)
    if len(names) > len(ds.seller_items):
        caption += "; " + w("not_seller")
    rows, shares = [], []
    for item_name in names:
        item = ds.items[item_name]
        title = w.item(item_name) + ("" if item_name in ds.seller_items else "*")
        rows.append([title, dsr_cell(item, 5), badge(item.badge), num(item.count),
                     num(item.industry, 2), _position(item, w)])
        shares.append([title, *(percent(item.shares[s]) if item.count else "-" for s in STARS)])
    out = block(
        w("dsr_title", days=ds.window_days),
        [Column(w("item"))] + [Column(w(k), right=True) for k in ("score", "badge", "count",
                                                                  "industry", "vs_industry")],
        rows, width, caption)
    out += [Text("")] + block(w("shares_title"), [Column(w("item"))]
                              + [Column(f"{s}★", right=True) for s in STARS], shares, width)
    return out


def inputs_table(result: AuditResult, w: Words, width: int = 80) -> list[Text]:
    rows = []
    for f in result.inputs["files"]:
        reasons = ", ".join(f"{k} {v}" for k, v in f["rejected_by_reason"].items()) or "-"
        rows.append([_cell(f["path"]), f["role"], str(f["rows_read"]), str(f["rows_used"]),
                     str(f["rows_rejected"]), reasons])
    return block(w("inputs"), [Column(w("file")), Column(w("role")),
                               Column(w("read"), right=True), Column(w("used"), right=True),
                               Column(w("rejected"), right=True), Column(w("by_reason"))],
                 rows, width)


def _files_line(result: AuditResult, w: Words) -> Text:
    i = result.inputs
    text = w("inputs_line", files=len(i["files"]), read=i["rows_read"],
             used=i["rows_read"] - i["rows_rejected"], rejected=i["rows_rejected"])
    if i["rejected_by_reason"]:
        text += " (" + ", ".join(f"{k} {v}" for k, v in i["rejected_by_reason"].items()) + ")"
    return Text(text)


def _left_out(result: AuditResult, w: Words) -> list:
    """The share of ratings left out (their line cannot be told), as a first line, if any."""
    left = result.inputs.get("ratings_left_out") or {}
    if not left.get("count"):
        return []
    return [Text(w("ratings_left_out", count=left["count"], of=left["of"],
                   share=percent(left["share"])), style="bold yellow")]


def audit_shops_renderable(result: AuditResult, w: Words, detail: bool = False,
                           width: int = 80) -> Group:
    """The table output of an audit of any number of shops, fit to `width` columns: one shop
    as its tables; several with a summary row per shop first (failing shops first) and the
    checks that fail or warn; more than MANY_SHOPS without every shop's tables, unless
    `detail`."""
    result = scrubbed(result, plain)  # every data string made safe to show, once (safe.py)
    many_files = len(result.inputs.get("files", ())) > 20
    parts = [headline(result, w), *_left_out(result, w)]
    parts += [_files_line(result, w)] if many_files else inputs_table(result, w, width)
    if len(result.shops) > 1:
        parts += [Text(""), Text(w("shops_title", n=len(result.shops)), style="italic")]
        parts += summary_lines(result, w, width)
        failing = failing_lines(result, w, width)
        if failing:
            parts.append(Text(""))
            parts.append(Text(w("failing_title"), style="italic"))
            parts += failing
    if len(result.shops) <= 1 or detail or len(result.shops) <= MANY_SHOPS:
        for shop in shown.ordered(result.shops):
            parts += [Text(""), Text("")]
            parts += shop_tables(shop, w, width)
    else:
        parts.append(Text(""))
        parts.append(Text(w("left_out", n=len(result.shops)), style="dim"))
    return Group(*parts)


def validation_renderable(report: dict) -> Group:
    """What `shopscore validate` found, file by file."""
    report = scrubbed(report)  # every data string made safe to show (safe.py)
    parts = [Text(f"{report['rows_read']} rows read = {report['rows_used']} used + "
                  f"{report['rows_rejected']} rejected", style="bold")]
    for f in report["files"]:
        head = Table(box=box.SIMPLE, title=f"{f['path']}", title_justify="left", show_header=False)
        head.add_column("what")
        head.add_column("value")
        head.add_row("recognised as", f"{f['platform']} {f['role']} file")
        head.add_row("encoding", f["encoding"] or "-")
        head.add_row("rows", f"{f['rows_read']} read = {f['rows_used']} used + "
                             f"{f['rows_rejected']} rejected")
        parts.append(head)
        mapping = Table(box=box.SIMPLE, title="columns", title_justify="left")
        mapping.add_column("canonical column")
        mapping.add_column("header in the file")
        for column, header in f["headers"].items():
            mapping.add_row(column, header)
        parts.append(mapping)
        if f["rejected"]:
            rej = Table(box=box.SIMPLE, title="rejected rows", title_justify="left")
            for col in ("reason", "count", "examples (row, column, value)"):
                rej.add_column(col)
            for reason, info in f["rejected"].items():
                shown = "; ".join(f"row {e['row']}" + (f" {e['column']}" if e["column"] else "")
                                  + (f" {e['value']!r}" if e["value"] is not None else "")
                                  for e in info["examples"])
                if len(info.get("values", {})) > 1 or reason == "bad_status":
                    shown += "; values: " + ", ".join(f"{v!r} x{n}" for v, n in info["values"].items())
                rej.add_row(reason, str(info["count"]), shown)
            parts.append(rej)
    return Group(*parts)
