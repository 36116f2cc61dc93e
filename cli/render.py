"""Renderers: an AuditResult in, Rich renderables or Markdown text out; nothing is computed."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from rich import box
from rich.console import Group
from rich.table import Table
from rich.text import Text

from shopscore.scoring.result import AuditResult, ShopResult

from .safe import markdown, scrubbed

STARS = ("5", "4", "3", "2", "1")


def percent(fraction: float | None, signed: bool = False) -> str:
    """A fraction as a percentage with two decimals, rounded half up (0.97945 -> 97.95%)."""
    if fraction is None:
        return "-"
    value = Decimal(repr(fraction * 100)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return f"{value:+}%" if signed else f"{value}%"


def num(value, places: int = 5) -> str:
    if value is None:
        return "-"
    if isinstance(value, int):
        return str(value)
    return f"{value:.{places}f}"


def badge(value) -> str:
    return "-" if value is None else f"{value:.1f}"


def _position(item: dict) -> str:
    if item["vs_industry"] is None:
        return "-"
    word = {"above": "above", "below": "below", "level": "level"}[item["position"]]
    basis = "" if item["vs_industry_basis"] == "average" else " range"
    return f"{percent(item['vs_industry'], signed=True)} {word}{basis}"


def _bound(check: dict) -> str:
    parts = []
    if check["min"] is not None:
        parts.append(f">= {check['min']:g}")
    if check["max"] is not None:
        parts.append(f"<= {check['max']:g}")
    text = " and ".join(parts)
    if check.get("warn"):  # the early-warning band, e.g. ">= 4.7 (warn < 4.73)"
        band = []
        if check["min"] is not None:
            band.append(f"< {check['min'] + check['warn']:g}")
        if check["max"] is not None:
            band.append(f"> {check['max'] - check['warn']:g}")
        text += f" (warn {' or '.join(band)})"
    return text


def _status(check: dict) -> str:
    """PASS, WARN (passed, inside the warning band) or FAIL."""
    return check.get("status", "pass" if check["passed"] else "fail").upper()


CHECK_STYLE = {"PASS": "bold green", "WARN": "bold yellow", "FAIL": "bold red"}


def _warnings(result: AuditResult) -> str:
    """', N WARN' when passed checks sit inside their warning band, else ''."""
    n = sum(c.status == "warn" for s in result.shops for c in s.checks)
    return f", {n} WARN" if n else ""


def _value(check: dict) -> str:
    value = check["value"]
    if value is None:
        return "-"
    if check["metric"].endswith("positive_rate"):
        return percent(value)
    return num(value)


def _reasons(shop: dict) -> list[tuple[str, str, int]]:
    rows = []
    for section, key in (("credit", ("credit", "excluded_by_reason")),
                         ("dsr", ("dsr", "excluded_by_reason")),
                         ("anomaly", ("anomalies_by_reason",))):
        table = shop
        for k in key:
            table = table[k]
        rows += [(section, code, n) for code, n in sorted(table.items())]
    return rows


def shop_tables(shop: ShopResult) -> list:
    """The platform's pages for one shop: credit, periods, DSR, checks, exclusions."""
    d = shop.to_dict()
    c = d["credit"]
    level = c["level"]["name"] or "no level (score below 4)"
    summary = Table(box=box.SIMPLE_HEAVY, title=f"Shop {d['shop_id']}: credit", title_justify="left")
    for col in ("credit score", "level", "positive rate", "default positives", "unrated lines"):
        summary.add_column(col, justify="right")
    summary.add_row(str(c["score"]), f"{level} (#{c['level']['index']})",
                    percent(c["positive_rate"]), str(c["default_positive"]),
                    str(c["unrated_lines"]))

    periods = Table(box=box.SIMPLE, title="Ratings by period (rated_at)", title_justify="left")
    periods.add_column("")
    for p in c["periods"]:  # the profile's periods, then older and total
        periods.add_column(p, justify="right")
    for kind in ("positive", "neutral", "negative"):
        periods.add_row(kind, *(str(tally[kind]) for tally in c["periods"].values()))

    ds = d["dsr"]
    names = list(ds["seller_items"]) + [k for k in ds if isinstance(ds[k], dict) and "score" in ds[k]
                                        and k not in ds["seller_items"]]
    dsr = Table(box=box.SIMPLE_HEAVY, title=f"DSR (last {ds['window_days']} days)",
                title_justify="left", caption=f"items below industry: {ds['items_below_industry']}")
    for col in ("item", "score", "badge", "count", "industry", "vs industry"):
        dsr.add_column(col, justify="left" if col == "item" else "right")
    shares = Table(box=box.SIMPLE, title="DSR star shares", title_justify="left")
    for col in ("item", *(f"{s}★" for s in STARS)):
        shares.add_column(col, justify="left" if col == "item" else "right")
    for name in names:
        item = ds[name]
        label = name if name in ds["seller_items"] else f"{name}*"
        dsr.add_row(label, num(item["score"]), badge(item["badge"]), str(item["count"]),
                    num(item["industry"], 2) if item["industry"] is not None else "-",
                    _position(item))
        shares.add_row(label, *(percent(item["shares"][s]) if item["count"] else "-"
                                for s in STARS))
    if len(names) > len(ds["seller_items"]):
        dsr.caption += "; * not part of the seller's DSR"

    checks = Table(box=box.SIMPLE_HEAVY, title="Checks", title_justify="left")
    with_reason = any(ch["reason"] for ch in d["checks"])
    for col in ("check", "result", "value", "bound", "margin", "5★ needed",
                *(("reason",) if with_reason else ())):
        checks.add_column(col, justify="left" if col in ("check", "reason") else "right")
    for ch in d["checks"]:
        mark = Text(_status(ch), style=CHECK_STYLE[_status(ch)])
        checks.add_row(ch["name"], mark, _value(ch), _bound(ch), num(ch["margin"]),
                       "-" if ch["five_star_needed"] is None else str(ch["five_star_needed"]),
                       *((ch["reason"] or "",) if with_reason else ()))

    reasons = Table(box=box.SIMPLE, title="Excluded and anomalies, by reason", title_justify="left")
    for col in ("section", "reason", "count"):
        reasons.add_column(col, justify="right" if col == "count" else "left")
    rows = _reasons(d)
    for row in rows:
        reasons.add_row(row[0], row[1], str(row[2]))
    if not rows:
        reasons.add_row("-", "none", "0")
    return [summary, periods, dsr, shares, checks, reasons]


def inputs_table(result: AuditResult) -> Table:
    table = Table(box=box.SIMPLE, title="Inputs (rows read = used + rejected)", title_justify="left")
    for col in ("file", "role", "read", "used", "rejected", "by reason"):
        table.add_column(col, justify="right" if col in ("read", "used", "rejected") else "left")
    for f in result.inputs["files"]:
        reasons = ", ".join(f"{k} {v}" for k, v in f["rejected_by_reason"].items()) or "-"
        table.add_row(f["path"], f["role"], str(f["rows_read"]), str(f["rows_used"]),
                      str(f["rows_rejected"]), reasons)
    return table


def _left_out(result: AuditResult) -> list:
    """The share of ratings left out (their line cannot be told), as a first line, if any."""
    left = result.inputs.get("ratings_left_out") or {}
    if not left.get("count"):
        return []
    return [Text(f"{left['count']} of {left['of']} ratings ({percent(left['share'])}) left out: "
                 "their line cannot be told (no line_id, no item)", style="bold yellow")]


def audit_renderable(result: AuditResult) -> Group:
    """The table output of an audit, every data string made safe to show (safe.py)."""
    return _audit_group(scrubbed(result))


def _audit_group(result: AuditResult) -> Group:
    head = Text(f"shopscore audit as of {result.as_of} (profile {result.profile}): "
                f"{len(result.shops)} shop(s), ", style="bold")
    head.append("all checks pass" if result.passed else "some checks FAIL",
                style="bold green" if result.passed else "bold red")
    if _warnings(result):
        head.append(_warnings(result), style="bold yellow")
    parts = [head, *_left_out(result), inputs_table(result)]
    for shop in result.shops:
        parts += shop_tables(shop)
    return Group(*parts)


def _md_table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines)


def audit_markdown(result: AuditResult) -> str:
    """The audit as Markdown, fit for pasting into a team chat."""
    out = [f"**shopscore audit** as of {result.as_of} (profile {markdown(result.profile)}): "
           + ("all checks pass ✅" if result.passed else "some checks FAIL ❌")
           + (f"{_warnings(result)} ⚠️" if _warnings(result) else ""), ""]
    for shop in result.shops:
        d = shop.to_dict()
        c = d["credit"]
        out.append(f"### Shop {markdown(d['shop_id'])}")  # data escaped (safe.py)
        out.append(f"Credit score **{c['score']}** ({c['level']['name'] or 'no level'}), "
                   f"positive rate **{percent(c['positive_rate'])}**, "
                   f"default positives {c['default_positive']}")
        out.append("")
        out.append(_md_table(["", *c["periods"]], [[k, *(str(n[k]) for n in c["periods"].values())]
                                              for k in ("positive", "neutral", "negative")]))
        out.append("")
        ds = d["dsr"]
        out.append(_md_table(
            ["DSR item", "score", "badge", "count", "vs industry"],
            [[n, num(ds[n]["score"]), badge(ds[n]["badge"]), str(ds[n]["count"]),
              _position(ds[n])] for n in ds["seller_items"]]))
        out.append("")
        out.append(_md_table(
            ["check", "result", "value", "bound", "margin", "5★ needed"],
            [[markdown(ch["name"]), {"FAIL": "**FAIL**", "WARN": "**WARN** ⚠️"}.get(_status(ch), _status(ch)),
              _value(ch), _bound(ch),
              num(ch["margin"]),
              "-" if ch["five_star_needed"] is None else str(ch["five_star_needed"])]
             for ch in d["checks"]]))
        reasons = _reasons(d)
        if reasons:
            out.append("")
            out.append("Excluded/anomalies: " + ", ".join(f"{s} {markdown(r)} {n}"
                                                          for s, r, n in reasons))
        out.append("")
    return "\n".join(out)


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


MANY_SHOPS = 5  # above this many shops, the table output is the summary and the failures


def shops_summary_table(result: AuditResult) -> Table:
    """One row per shop: credit score, level, positive rate, each seller DSR item, items below
    industry, PASS/FAIL."""
    first = result.shops[0].dsr if result.shops else None
    items = list(first.seller_items) if first is not None else []
    table = Table(box=box.SIMPLE_HEAVY, title=f"Shops ({len(result.shops)})", title_justify="left")
    for col in ("shop", "credit score", "level", "positive rate", *items, "below industry",
                "result"):
        table.add_column(col, justify="left" if col in ("shop", "level") else "right")
    for shop in result.shops:
        c, ds = shop.credit, shop.dsr
        level = f"{c.level_name} (#{c.level_index})" if c.level_name else "-"
        mark = Text("PASS", style="bold green") if shop.passed else Text("FAIL", style="bold red")
        table.add_row(shop.shop_id, str(c.score), level, percent(c.positive_rate),
                      *(num(ds.items[i].score) if i in ds.items else "-" for i in items),
                      str(ds.items_below_industry), mark)
    return table


def failing_checks_table(result: AuditResult) -> Table:
    """Every failing check of every shop, one row each."""
    failing = [(shop.shop_id, c.to_dict()) for shop in result.shops for c in shop.checks
               if not c.passed]
    with_reason = any(ch["reason"] for _, ch in failing)
    table = Table(box=box.SIMPLE_HEAVY, title="Failing checks", title_justify="left")
    for col in ("shop", "check", "value", "bound", "margin", "5★ needed",
                *(("reason",) if with_reason else ())):
        table.add_column(col, justify="left" if col in ("shop", "check", "reason") else "right")
    for shop_id, ch in failing:
        table.add_row(shop_id, ch["name"], _value(ch), _bound(ch), num(ch["margin"]),
                      "-" if ch["five_star_needed"] is None else str(ch["five_star_needed"]),
                      *((ch["reason"] or "",) if with_reason else ()))
    return table


def _files_line(result: AuditResult) -> Text:
    i = result.inputs
    return Text(f"Inputs: {len(i['files'])} files, {i['rows_read']} rows read = "
                f"{i['rows_read'] - i['rows_rejected']} used + {i['rows_rejected']} rejected"
                + (" (" + ", ".join(f"{k} {v}" for k, v in i["rejected_by_reason"].items()) + ")"
                   if i["rejected_by_reason"] else ""))


def audit_shops_renderable(result: AuditResult, detail: bool = False) -> Group:
    """The table output of an audit of any number of shops: one shop as audit_renderable;
    several with a summary row per shop first; more than MANY_SHOPS with the summary and the
    failing checks only, unless `detail`."""
    result = scrubbed(result)  # every data string made safe to show, once (safe.py)
    if len(result.shops) <= 1:
        return _audit_group(result)
    if detail or len(result.shops) <= MANY_SHOPS:
        full = _audit_group(result).renderables
        first = 2 + len(_left_out(result))
        return Group(*full[:first], shops_summary_table(result), *full[first:])
    head = Text(f"shopscore audit as of {result.as_of} (profile {result.profile}): "
                f"{len(result.shops)} shop(s), ", style="bold")
    failed = sum(not s.passed for s in result.shops)
    head.append("all checks pass" if result.passed else f"{failed} shop(s) FAIL",
                style="bold green" if result.passed else "bold red")
    many_files = len(result.inputs.get("files", ())) > 20
    parts = [head, *_left_out(result), _files_line(result) if many_files else inputs_table(result),
             shops_summary_table(result)]
    if not result.passed:
        parts.append(failing_checks_table(result))
    parts.append(Text(f"per-shop tables left out for {len(result.shops)} shops: --detail shows "
                      "them, --shop ID shows one shop", style="dim"))
    return Group(*parts)
