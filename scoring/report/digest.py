"""The digest: an audit of any number of shops in a few lines of Markdown, for a team chat or
a mail subject's body. Failing shops first, each with its failing checks on its line, then the
warning ones, then one line per passing shop; when that is too long (50 shops in at most ~25
lines) the passing shops share lines, then the failing ones beyond the budget do. Chat robots
cap a message (WeCom 4,096 bytes): `fitted()` cuts whole lines and says how many."""

from __future__ import annotations

from dataclasses import dataclass, replace

from shopscore.scoring.report import shown
from shopscore.scoring.report.text import label, md, readable_time, shop_label, width
from shopscore.scoring.report.words import SYMBOL, Words

MAX_LINES = 25  # the whole digest, title included
PACK_WIDTH = 72  # display cells of a line of shop ids


@dataclass(frozen=True)
class Digest:
    title: str  # plain text (chat titles and notifications show no Markdown)
    lines: tuple  # Markdown list items, failing shops first
    status: str  # fail, warn or pass: the audit's worst
    more: str = ""  # "… N more line(s)" once fitted() cut some

    def markdown(self, newline: str = "\n") -> str:
        """The title in bold, then the lines (`newline` joins them: DingTalk wants a hard
        break, two spaces before the newline)."""
        body = [f"**{md(self.title)}**", *self.lines] + ([self.more] if self.more else [])
        return newline.join(body)

    def fitted(self, limit: int, size=None, w: Words | None = None) -> Digest:
        """The digest cut to whole lines so that size(digest) <= limit bytes (default: the
        UTF-8 bytes of its Markdown); the last line then says how many lines were left out."""
        size = size or (lambda d: len(d.markdown().encode("utf-8")))
        if size(self) <= limit:
            return self

        def keeping(n: int) -> Digest:
            cut = len(self.lines) - n
            more = w("more_lines", n=cut) if w is not None else f"… {cut} more line(s)"
            return replace(self, lines=self.lines[:n], more=f"- {md(more)}")

        lo, hi = 0, len(self.lines) - 1  # the most lines that fit, by halving
        if size(keeping(0)) > limit:
            return replace(self, lines=(), more="")
        while lo < hi:
            mid = (lo + hi + 1) // 2
            lo, hi = (mid, hi) if size(keeping(mid)) <= limit else (lo, mid - 1)
        return keeping(lo)


def _mark(status: str, w: Words) -> str:
    return f"{SYMBOL[status]} {w(status)}"


def _shop(shop) -> str:
    return md(shop_label(shop.shop_id, shop.shop_name))


def problem_line(shop, w: Words) -> str:
    """✗ FAIL **店铺A (shop-01)** 发货速度 4.75229 (≥ 4.78; 还需 14 个5★)"""
    status = shown.shop_status(shop)
    bad = [c for c in shop.checks if shown.status(c) == status]
    briefs = w("semi").join(md(shown.brief(c, w)) for c in bad)
    return f"- {_mark(status, w)} **{_shop(shop)}** {briefs}"


def passing_line(shop, w: Words) -> str:
    """✓ PASS 店铺C (shop-03) · lowest: 服务态度 4.81234 (≥ 4.78)"""
    line = f"- {_mark('pass', w)} {_shop(shop)}"
    checked = [c for c in shop.checks if c.margin is not None]
    if checked:
        low = min(checked, key=lambda c: c.margin)
        line += f" · {w('lowest')}{w('colon')}{md(shown.brief(low, w))}"
    return line


def packed(symbol: str, head: str, shops, budget: int) -> list[str]:
    """Shops named on shared lines (`head` first), at most `budget` lines; the ids left over
    are counted on the last line."""
    names = [_shop(s) for s in shops]
    lines, line, empty = [], f"- {symbol} {head}", True
    for k, name in enumerate(names):
        piece = name + ("," if k < len(names) - 1 else "")
        if width(line) + width(piece) > PACK_WIDTH and not empty:
            if len(lines) + 1 == budget:  # the last line allowed: count the rest
                lines.append(line + f" … (+{len(names) - k})")
                return lines
            lines.append(line.rstrip())
            line, empty = f"- {symbol} ", True
        line += piece + " "
        empty = False
    lines.append(line.rstrip())
    return lines


def digest(result, w: Words, max_lines: int | None = MAX_LINES) -> Digest:
    """The digest of an audit; max_lines None: one line per shop, however many."""
    shops = shown.ordered(result.shops)
    failing = [s for s in shops if shown.shop_status(s) == "fail"]
    warning = [s for s in shops if shown.shop_status(s) == "warn"]
    passing = [s for s in shops if shown.shop_status(s) == "pass"]
    counts = [f"{SYMBOL[k]} {w(k + '_n' if k != 'warn' else 'warn_shops_n', n=len(group))}"
              for k, group in (("fail", failing), ("warn", warning), ("pass", passing))
              if group]
    title = (f"{w('program')} · {readable_time(result.as_of)} · {label(result.profile)} · "
             f"{w('shops_n', n=len(shops))}{w('colon')}" + " · ".join(counts))
    status = "fail" if failing else "warn" if warning else "pass"
    problems = [problem_line(s, w) for s in failing + warning]
    lines = problems + [passing_line(s, w) for s in passing]
    budget = None if max_lines is None else max_lines - 1  # the title takes one
    if budget is not None and len(lines) > budget:
        keep = max(1, budget - 2) if passing else budget
        shared = packed(SYMBOL["pass"], w("passing_n", n=len(passing)) + w("colon"), passing,
                        max(1, budget - min(len(problems), keep))) if passing else []
        room = budget - len(shared)
        if len(problems) > room:  # the failing shops beyond the budget share lines too
            rest = (failing + warning)[room - 1:]
            problems = problems[:room - 1] + packed(
                SYMBOL["fail"], w("more_failing", n=len(rest)) + w("colon"), rest, 1)
        lines = problems + shared
    return Digest(title, tuple(lines), status)
