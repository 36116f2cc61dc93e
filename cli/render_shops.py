"""Many shops on one screen, at any width (80 columns of a cron mail included): one summary
row per shop, failing shops first, then the checks that fail or warn, shop by shop. Each shop
is named as the operator knows it (the export's shop name, the id beside it) and every
figure is whole: a narrower screen gets fewer decimals, shorter headers, then a second line
per shop, never a cut number."""

from __future__ import annotations

from rich.text import Text

from shopscore.scoring.report import shown
from shopscore.scoring.report.text import label, num, percent, readable_time, shop_label
from shopscore.scoring.report.words import Words

from .grid import Column, first_fit, grid, wrapped

STATUS_STYLE = {"pass": "bold", "warn": "bold black on yellow", "fail": "bold white on red"}
# The platform's colours: above the industry is red (飘红), below it green (飘绿).
POSITION_STYLE = {"above": "red", "below": "green"}


def mark(status: str, w: Words) -> Text:
    """✓ PASS / ! WARN / ✗ FAIL: symbol and word, so a monochrome pipe keeps the meaning."""
    return Text(w.mark(status), style=STATUS_STYLE[status])


def dsr_cell(item, places: int) -> Text:
    """A DSR score, red above the industry and green below it."""
    if item is None:
        return Text("-")
    return Text(num(item.score, places), style=POSITION_STYLE.get(item.position or "", ""))


def _with_industry(shops, items) -> bool:
    return any(s.dsr is not None and i in s.dsr.items and s.dsr.items[i].industry is not None
               for s in shops for i in items)


def _parts(shops) -> tuple[bool, bool]:
    """Whether the shops have credit figures, and an experience score (the profile's rules)."""
    first = shops[0] if shops else None
    return (first is not None and first.credit is not None,
            first is not None and first.experience is not None)


def _figure_columns(w: Words, items, short: bool, industry: bool, credit: bool = True,
                    experience: bool = False) -> list[Column]:
    cols = [Column(w("credit_short") if short else w("credit_score"), right=True),
            Column(w("level")), Column(w("positive_rate"), right=True)] if credit else []
    cols += [Column(w.item(i, short=short), right=True) for i in items]
    if industry:
        cols.append(Column(w("below_industry"), right=True))
    if experience:
        cols.append(Column(w("experience"), right=True))
    return cols


def _figures(shop, w: Words, items, places: int, industry: bool, credit: bool = True,
             experience: bool = False) -> list:
    c, ds = shop.credit, shop.dsr
    cells = [num(c.score), shown.level(c, w, index=False), percent(c.positive_rate)] \
        if credit else []
    cells += [dsr_cell(ds.items.get(i), places) for i in items]
    if industry:
        cells.append(str(ds.items_below_industry))
    if experience:
        total = shop.experience.total
        cells.append("-" if total is None else f"{total:g}")
    return cells


def _name(shop) -> Text:
    return Text(shop_label(shop.shop_id, shop.shop_name))


def summary_lines(result, w: Words, width: int) -> list[Text]:
    """One row per shop (failing first); the widest layout that fits `width`."""
    shops = shown.ordered(result.shops)
    items = shown.items_of(result.shops)
    industry = _with_industry(shops, items)
    parts = _parts(shops)

    def one_line(places: int, short: bool):
        def layout(width):
            cols = [Column(w("result")), Column(w("shop"))] + _figure_columns(
                w, items, short, industry, *parts)
            rows = [[mark(shown.shop_status(s), w), _name(s),
                     *_figures(s, w, items, places, industry, *parts)] for s in shops]
            return grid(cols, rows, width)
        return layout

    def two_lines(places: int):
        def layout(width):
            cols = _figure_columns(w, items, True, industry, *parts)
            rows = [_figures(s, w, items, places, industry, *parts) for s in shops]
            table = grid(cols, rows, width, indent=4)
            if table is None:
                return None
            head, body = table[:-len(shops)], table[-len(shops):]
            lines = list(head)
            for shop, row in zip(shops, body, strict=True):
                lines += _label_line(shop, w, width)
                lines.append(row)
            return lines
        return layout

    layouts = [one_line(p, s) for p in (5, 4, 3) for s in (False, True)]
    layouts += [two_lines(p) for p in (5, 4, 3)]
    found = first_fit(layouts, width)
    if found is not None:
        return found
    lines = []  # a very narrow screen: each figure with its name, as many a line as fit
    for shop in shops:
        lines += _label_line(shop, w, width)
        cols = _figure_columns(w, items, True, industry, *parts)
        cells = [Text(f"{col.header} ") + _as_text(cell)
                 for col, cell in zip(cols, _figures(shop, w, items, 5, industry, *parts),
                                      strict=True)]
        lines += wrapped(cells, width, indent=4)
    return lines


def _as_text(cell) -> Text:
    return cell if isinstance(cell, Text) else Text(str(cell))


def _label_line(shop, w: Words, width: int) -> list[Text]:
    line = mark(shown.shop_status(shop), w)
    line.append("  ")
    line.append_text(_name(shop))
    return [line]


def _check_columns(w: Words, with_reason: bool) -> list[Column]:
    cols = [Column(w("check")), Column(w("value"), right=True), Column(w("bound")),
            Column(w("margin"), right=True), Column(w("five_needed"), right=True)]
    return cols + ([Column(w("reason"))] if with_reason else [])


def check_cells(check, w: Words, with_reason: bool) -> list:
    cells = [Text(shown.title(check, w)), shown.value(check), shown.bound(check, w),
             shown.margin(check), shown.needed(check)]
    return cells + ([w.reason(check.reason)] if with_reason else [])


def checks_lines(checks, w: Words, width: int, indent: int = 0,
                 with_status: bool = False) -> list[Text]:
    """The checks as a table that fits `width`, else one check per line (each figure whole)."""
    with_reason = any(c.reason for c in checks)
    cols = _check_columns(w, with_reason)
    rows = [check_cells(c, w, with_reason) for c in checks]
    if with_status:
        cols = [Column(w("result"))] + cols
        rows = [[mark(shown.status(c), w), *row] for c, row in zip(checks, rows, strict=True)]
    table = grid(cols, rows, width, indent=indent)
    if table is not None:
        return table
    lines = []
    for row in rows:
        parts = [_as_text(row[0])] + [Text(f"{col.header} ") + _as_text(cell)
                                      for col, cell in zip(cols[1:], row[1:], strict=True)]
        lines += wrapped(parts, width, indent=indent)
    return lines


def failing_lines(result, w: Words, width: int) -> list[Text]:
    """The checks that fail or warn, shop by shop (failing shops first): one table with the
    shop on its first check's row when it fits, else one header, each shop on its own line
    and its checks below it, else each check on its own lines."""
    groups = [(shop, [c for c in shop.checks if shown.status(c) != "pass"])
              for shop in shown.ordered(result.shops)]
    groups = [(shop, bad) for shop, bad in groups if bad]
    if not groups:
        return []
    checks = [c for _, bad in groups for c in bad]
    with_reason = any(c.reason for c in checks)
    cols = [Column(w("result"))] + _check_columns(w, with_reason)
    rows = [[mark(shown.status(c), w), *check_cells(c, w, with_reason)] for c in checks]
    firsts = {id(bad[0]) for _, bad in groups}
    names = [_name(shop) if id(c) in firsts else Text("") for shop, bad in groups for c in bad]
    table = grid([Column(w("shop"))] + cols, [[n, *r] for n, r in zip(names, rows, strict=True)],
                 width)
    if table is not None:
        return table
    table = grid(cols, rows, width, indent=4)
    lines = []
    if table is not None:
        lines, body = table[:-len(rows)], iter(table[-len(rows):])
        for shop, bad in groups:
            lines += _label_line(shop, w, width)
            lines += [next(body) for _ in bad]
        return lines
    for shop, bad in groups:
        lines += _label_line(shop, w, width)
        lines += checks_lines(bad, w, width, indent=4, with_status=True)
    return lines


def headline(result, w: Words) -> Text:
    """shopscore audit as of …: 8 shop(s), 6 shop(s) FAIL, 1 WARN."""
    head = Text(w("headline", program=w("program"), when=readable_time(result.as_of),
                  profile=label(result.profile), shops=w("shops_n", n=len(result.shops))),
                style="bold")
    failed = sum(shown.shop_status(s) == "fail" for s in result.shops)
    warned = sum(shown.status(c) == "warn" for s in result.shops for c in s.checks)
    if len(result.shops) > 1:
        head.append(w("all_pass") if not failed else w("shops_fail", n=failed),
                    style=STATUS_STYLE["fail" if failed else "pass"])
    else:
        head.append(w("all_pass") if not failed else w("some_fail"),
                    style=STATUS_STYLE["fail" if failed else "pass"])
    if warned:
        head.append(w("comma"))
        head.append(w("warn_n", n=warned), style=STATUS_STYLE["warn"])
    return head
