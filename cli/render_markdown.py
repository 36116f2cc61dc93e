"""The audit as Markdown (mail, a chat that renders tables): the digest first (failing shops
and their checks, then one line per passing shop), then with several shops a summary table
and the checks that fail or warn; each shop's own tables only for a few shops (or --detail).
Every data string is escaped (md())."""

from __future__ import annotations

from shopscore.scoring.report import shown
from shopscore.scoring.report.digest import digest
from shopscore.scoring.report.text import badge, md, num, percent, shop_label
from shopscore.scoring.report.words import Words
from shopscore.scoring.result import AuditResult

from .render import MANY_SHOPS
from .render_experience import experience_markdown


def _md_table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines)


def _result(status: str, w: Words) -> str:
    word = w.mark(status)
    return f"**{word}**" if status != "pass" else word


def _name(shop) -> str:
    return md(shop_label(shop.shop_id, shop.shop_name))


def summary_table(result: AuditResult, w: Words) -> str:
    items = shown.items_of(result.shops)
    first = result.shops[0] if result.shops else None
    credit = first is not None and first.credit is not None
    dsr = first is not None and first.dsr is not None
    experience = first is not None and first.experience is not None
    rows = []
    for s in shown.ordered(result.shops):
        c = s.credit
        row = [_result(shown.shop_status(s), w), _name(s)]
        if credit:
            row += [num(c.score), shown.level(c, w, index=False), percent(c.positive_rate)]
        if dsr:
            row += [*(num(s.dsr.items[i].score) if i in s.dsr.items else "-" for i in items),
                    str(s.dsr.items_below_industry)]
        if experience:
            row.append("-" if s.experience.total is None else f"{s.experience.total:g}")
        rows.append(row)
    header = [w("result"), w("shop")]
    header += [w("credit_score"), w("level"), w("positive_rate")] if credit else []
    header += [*(w.item(i) for i in items), w("below_industry")] if dsr else []
    header += [w("experience")] if experience else []
    return _md_table(header, rows)


def _check_row(check, w: Words) -> list[str]:
    return [md(shown.title(check, w)), _result(shown.status(check), w), shown.value(check),
            md(shown.bound(check, w)), shown.margin(check), shown.needed(check),
            md(w.reason(check.reason)) or "-"]


CHECK_HEADER = ("check", "result", "value", "bound", "margin", "five_needed", "reason")


def failing_table(result: AuditResult, w: Words) -> str:
    rows = [[_name(s), *_check_row(c, w)] for s in shown.ordered(result.shops)
            for c in s.checks if shown.status(c) != "pass"]
    return _md_table([w("shop"), *(w(k) for k in CHECK_HEADER)], rows) if rows else ""


def shop_section(shop, w: Words) -> list[str]:
    c, ds = shop.credit, shop.dsr
    out = [f"### {md(w('shop_title', shop=shop_label(shop.shop_id, shop.shop_name)))}"]
    if c is not None:
        out += [f"{w('credit_score')} **{num(c.score)}**, {w('level')} {shown.level(c, w)}, "
                f"{w('positive_rate')} **{percent(c.positive_rate)}**, "
                f"{w('default_positives')} {num(c.default_positive)}", ""]
        out.append(_md_table(["", *(w.period(p) for p in c.periods)],
                             [[w(k), *(num(getattr(t, k)) for t in c.periods.values())]
                              for k in ("positive", "neutral", "negative")]))
        out.append("")
    if ds is not None:
        out.append(_md_table([w("item"), w("score"), w("badge"), w("count"), w("vs_industry")],
                             [[w.item(n), num(ds.items[n].score), badge(ds.items[n].badge),
                               num(ds.items[n].count), shown.position(ds.items[n], w)]
                              for n in ds.seller_items if n in ds.items]))
    if shop.experience is not None:
        out += ["", experience_markdown(shop.to_dict(), w)]
    if shop.checks:
        out.append("")
        out.append(_md_table([w(k) for k in CHECK_HEADER], [_check_row(ch, w)
                                                             for ch in shop.checks]))
    reasons = [(w("credit"), code, n) for code, n in sorted(c.excluded_by_reason.items())] \
        if c is not None else []
    reasons += [(w("dsr"), code, n) for code, n in sorted(ds.excluded_by_reason.items())] \
        if ds is not None else []
    reasons += [(w("anomaly"), code, n) for code, n in sorted(shop.anomalies_by_reason.items())]
    if reasons:
        out += ["", f"{w('reasons_title')}: " + ", ".join(f"{s} {md(r)} {n}"
                                                         for s, r, n in reasons)]
    return out + [""]


def audit_markdown(result: AuditResult, w: Words, detail: bool = False) -> str:
    """The audit as Markdown, fit for a mail body or a chat that renders tables."""
    summary = digest(result, w, max_lines=None)
    out = [summary.markdown(), ""]
    if len(result.shops) > 1:
        out += [f"### {w('shops_title', n=len(result.shops))}", summary_table(result, w), ""]
        failing = failing_table(result, w)
        if failing:
            out += [f"### {w('failing_title')}", failing, ""]
    if len(result.shops) <= 1 or detail or len(result.shops) <= MANY_SHOPS:
        for shop in shown.ordered(result.shops):
            out += shop_section(shop, w)
    else:
        out.append(md(w("left_out", n=len(result.shops))))
    return "\n".join(out).rstrip() + "\n"
