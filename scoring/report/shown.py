"""How a result's figures read, the same in every output (terminal, Markdown, digest, chat,
HTML): rates as percentages, bounds with their sign, a check's result as a status; shops in
the order an operator reads them (failing first). Plain text, no markup."""

from __future__ import annotations

from shopscore.scoring.report.text import label, num, percent
from shopscore.scoring.report.words import Words
from shopscore.scoring.rules.checks import metric_kind

ORDER = {"fail": 0, "warn": 1, "pass": 2}


def status(check) -> str:
    """pass, warn (passed, inside the warning band) or fail."""
    return check.status or ("pass" if check.passed else "fail")


def shop_status(shop) -> str:
    """fail when a check fails, warn when one warns, else pass."""
    found = {status(c) for c in shop.checks}
    return "fail" if "fail" in found else "warn" if "warn" in found else "pass"


def ordered(shops) -> list:
    """Failing shops first, then warning ones, then the rest (each in the audit's order)."""
    return sorted(shops, key=lambda s: ORDER[shop_status(s)])


def is_rate(metric: str) -> bool:
    return metric_kind(metric) == "rate"


def figure(metric: str, value, places: int = 5) -> str:
    """A checked figure: a rate as a percentage (0.9801 -> 98.01%), others with decimals."""
    if value is None:
        return "-"
    return percent(value) if is_rate(metric) else num(value, places)


def value(check) -> str:
    return figure(check.metric, check.value)


def margin(check) -> str:
    """How far the value lies inside (+) or outside (-) the bound; for a rate in percentage
    points."""
    if check.margin is None:
        return "-"
    return percent(check.margin, signed=True) if is_rate(check.metric) \
        else num(check.margin, signed=True)


def _b(metric: str, bound: float) -> str:
    return percent(bound) if is_rate(metric) else f"{bound:g}"


def bound(check, w: Words) -> str:
    """≥ 4.7, ≤ 1, ≥ 98.00% (a rate), with the warning band: ≥ 4.7 (warn < 4.73)."""
    parts = []
    if check.min is not None:
        parts.append(f"≥ {_b(check.metric, check.min)}")
    if check.max is not None:
        parts.append(f"≤ {_b(check.metric, check.max)}")
    text = w("and").join(parts)
    if check.warn:
        band = []
        if check.min is not None:
            band.append(f"< {_b(check.metric, _plus(check.min, check.warn))}")
        if check.max is not None:
            band.append(f"> {_b(check.metric, _plus(check.max, -check.warn))}")
        text += f" ({w('warn_band', band=w('or').join(band))})"
    return text


def _plus(a: float, b: float) -> float:
    from shopscore.scoring.rules.checks import _shift

    return _shift(a, b)


def needed(check) -> str:
    return "-" if check.five_star_needed is None else str(check.five_star_needed)


def default_item(check) -> str | None:
    """The DSR item of a default check (named as the default checks are), else None."""
    parts = check.metric.split(".")
    if (len(parts) == 3 and parts[0] == "dsr" and parts[2] == "score" and check.min is not None
            and check.max is None and check.name == f"dsr.{parts[1]} >= {check.min:g}"):
        return parts[1]
    return None


def title(check, w: Words) -> str:
    """A check as people read it: in Chinese a default check by its item (描述相符 ≥ 4.7),
    any other by its name."""
    item = default_item(check)
    if w.lang == "zh" and item is not None:
        return f"{w.item(item)} ≥ {check.min:g}"
    return label(check.name)


def position(item, w: Words) -> str:
    """Against the industry: +0.10% 飘红 (above), -0.21% 飘绿 (below), with the basis when it is
    the platform's range formula."""
    if item.vs_industry is None:
        return "-"
    basis = "" if item.vs_industry_basis == "average" else f" {w('range_basis')}"
    return f"{percent(item.vs_industry, signed=True)} {w.position(item.position)}{basis}"


def level(credit, w: Words, index: bool = True) -> str:
    """The credit level (4 diamonds, 4钻), with its index (#9) when asked."""
    if not credit.level_name:
        return w("no_level") if index else "-"
    name = w.level(credit.level_name)
    return f"{name} (#{credit.level_index})" if index else name


def items_of(shops) -> list[str]:
    """The seller DSR items of the audit (those of its first shop)."""
    return list(shops[0].dsr.seller_items) if shops and shops[0].dsr is not None else []


def failing_checks(shop) -> list:
    return [c for c in shop.checks if status(c) == "fail"]


def brief(check, w: Words) -> str:
    """One failing or warning check in a few words: 发货速度 4.75229 < 4.78 (还需 14 个5★)."""
    item = default_item(check)
    head = w.item(item) if item is not None else label(check.name)
    if check.value is None:
        return f"{head}: {w.reason(check.reason) or '-'}"
    text = f"{head} {value(check)} ({bound(check, w)}"
    if status(check) == "fail" and check.five_star_needed:
        text += w("semi") + w("needs_five", n=check.five_star_needed)
    return text + ")"


# How each service metric of RULES.md section 6 reads: a share, a count, hours, seconds.
SERVICE_KINDS = {"valid_paid_orders": "count", "goods_score": "stars",
                 "pickup_points_mean": "points"}


def service_figure(metric: str, value) -> str:
    """A service metric's value as the back office reads it: rates as percentages, durations
    with their unit, scores with two decimals."""
    if value is None:
        return "-"
    kind = SERVICE_KINDS.get(metric) or ("rate" if metric.endswith("_rate") else "hours"
                                         if metric.endswith("hours_mean") else "seconds"
                                         if metric.endswith("seconds_mean") else "number")
    if kind == "rate":
        return f"{value * 100:.2f}%"
    if kind == "count":
        return str(value)
    if kind == "hours":
        return f"{value:.2f} h"
    if kind == "seconds":
        return f"{value:.1f} s"
    return f"{value:.2f}" if kind == "stars" else f"{value:.1f}"
