"""What if (issue 5): how many good scores a shop needs, how many bad ones it can absorb.

Pure functions over a mean's (sum, count) or a rate's (positives, rated): no I/O, no CLI.
Every answer is found with exact fractions and then held against the same float comparison
the checks use (`mean >= bound`), so "n more 5-star scores" here is exactly what makes the
audit's check pass.

`UNLIMITED` (math.inf) answers "how many can it absorb" when no number of bad scores can take
the figure below the bound (a bound of at most 1 star, or a positive-rate target of 0)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from fractions import Fraction

from shopscore.scoring.errors import OptionError
from shopscore.scoring.result import SCHEMA_VERSION
from shopscore.scoring.rules.checks import five_star_needed

UNLIMITED = math.inf


def _exact(bound) -> Fraction:
    """The bound as the decimal the user wrote (4.7 is 47/10, not the nearest binary float)."""
    return bound if isinstance(bound, Fraction) else Fraction(str(bound))


def absorbable(total: int, count: int, bound: float, stars: int = 1) -> int | float | None:
    """The largest m >= 0 with (total + stars*m) / (count + m) >= bound.

    None when there is no mean yet (count 0) or it is already below the bound; UNLIMITED when
    `stars >= bound` (such scores can never pull the mean under it). Solved exactly:
    total + s*m >= b*(count + m)  <=>  m <= (total - b*count) / (b - s)  for b > s."""
    if count <= 0 or not total / count >= bound:
        return None
    exact = _exact(bound)
    if stars >= exact:
        return UNLIMITED
    m = max(0, math.floor((total - exact * count) / (exact - stars)))
    # Agree with the float check `mean >= bound` on the (rare) representation edge.
    while m > 0 and not (total + stars * m) / (count + m) >= bound:
        m -= 1
    while (total + stars * (m + 1)) / (count + m + 1) >= bound:
        m += 1
    return m


def positives_needed(positive: int, rated: int, target: float) -> int | None:
    """The least n >= 0 with (positive + n) / (rated + n) >= target; None when never
    (a target of 1 with a neutral or negative already counted, or a target above 1).
    With nothing rated yet the rate is undefined, and one positive makes it 100%."""
    if target > 1:
        return None
    if not rated:
        return 1
    if positive / rated >= target:
        return 0
    exact = _exact(target)
    if exact >= 1:
        return None  # rated > positive here: the rate stays below 1 for ever
    n = max(0, math.ceil((exact * rated - positive) / (1 - exact)))
    while not (positive + n) / (rated + n) >= target:
        n += 1
    return n


def negatives_absorbable(positive: int, rated: int, target: float) -> int | float | None:
    """The largest m >= 0 with positive / (rated + m) >= target: how many more negatives
    (or neutrals: both count against the rate alike) keep the positive rate at the target.
    None when nothing is rated or the rate is already below; UNLIMITED for a target <= 0."""
    if rated <= 0 or not positive / rated >= target:
        return None
    exact = _exact(target)
    if exact <= 0:
        return UNLIMITED
    m = max(0, math.floor(positive / exact - rated))
    while m > 0 and not positive / (rated + m) >= target:
        m -= 1
    while positive / (rated + m + 1) >= target:
        m += 1
    return m


@dataclass(frozen=True)
class ItemWhatIf:
    """One DSR item's answers for one (sum, count)."""

    item: str
    total: int
    count: int
    target: float
    five_star_needed: int | None
    one_star_absorbable: int | float | None
    industry: float | None = None
    five_star_needed_for_industry: int | None = None
    one_star_absorbable_before_industry: int | float | None = None

    @property
    def score(self) -> float | None:
        return self.total / self.count if self.count else None

    def to_dict(self) -> dict:
        return {"item": self.item, "score": self.score, "count": self.count, "sum": self.total,
                "target": self.target, "five_star_needed": self.five_star_needed,
                "one_star_absorbable": _json_count(self.one_star_absorbable),
                "industry": self.industry,
                "five_star_needed_for_industry": self.five_star_needed_for_industry,
                "one_star_absorbable_before_industry":
                    _json_count(self.one_star_absorbable_before_industry)}


def _json_count(value):
    """JSON has no infinity: an unlimited count is the string "unlimited"."""
    return "unlimited" if value == UNLIMITED else value


def item_whatif(item: str, total: int, count: int, target: float,
                industry: float | None = None) -> ItemWhatIf:
    """The answers for one DSR item: 5-star scores needed to reach the target (and the
    industry average), 1-star scores absorbable before falling below either."""
    total, count = int(total), int(count)
    return ItemWhatIf(
        item=item, total=total, count=count, target=target,
        five_star_needed=five_star_needed(total, count, target),
        one_star_absorbable=absorbable(total, count, target),
        industry=industry,
        five_star_needed_for_industry=(five_star_needed(total, count, industry)
                                       if industry is not None else None),
        one_star_absorbable_before_industry=(absorbable(total, count, industry)
                                             if industry is not None else None))


@dataclass(frozen=True)
class RateWhatIf:
    """The positive rate's answers: positives needed, negatives (or neutrals) absorbable."""

    positive: int
    rated: int
    target: float
    positives_needed: int | None
    negatives_absorbable: int | float | None

    @property
    def rate(self) -> float | None:
        return self.positive / self.rated if self.rated else None

    def to_dict(self) -> dict:
        return {"rate": self.rate, "positive": self.positive, "rated": self.rated,
                "target": self.target, "positives_needed": self.positives_needed,
                "negatives_absorbable": _json_count(self.negatives_absorbable)}


def rate_whatif(positive: int, rated: int, target: float) -> RateWhatIf:
    positive, rated = int(positive), int(rated)
    return RateWhatIf(positive, rated, target, positives_needed(positive, rated, target),
                      negatives_absorbable(positive, rated, target))


# --- snapshot: only the shown (rounded) mean and the count are known -----------------------

ROUNDED, TRUNCATED = "rounded", "truncated"


def shown_decimal(text: str) -> Decimal:
    """The shown score exactly as typed (its number of decimals is the display precision)."""
    try:
        value = Decimal(str(text).strip())
    except InvalidOperation:
        raise OptionError(f"--score {text!r} is not a number (e.g. 4.68)") from None
    if not value.is_finite() or not 1 <= value <= 5:
        raise OptionError(f"--score {text!r}: a DSR score lies between 1 and 5")
    return value


def sum_range(shown: Decimal, count: int, shown_as: str = ROUNDED) -> tuple[int, int, int]:
    """(estimate, lowest, highest) star sum of `count` scores whose mean displays as `shown`.

    `rounded` (half up, the detail pages): the true mean lies in [shown - h, shown + h) with
    h half a unit of the last shown decimal; `truncated` (the shop badge, 4.76 shows 4.7):
    in [shown, shown + unit). The estimate is round(shown * count), kept inside the range.
    Raises OptionError when no sum of `count` scores of 1..5 stars displays as `shown`."""
    exponent = shown.as_tuple().exponent
    unit = Fraction(1, 10 ** max(0, -exponent)) if isinstance(exponent, int) else Fraction(1)
    s = Fraction(shown)
    lo_mean, hi_mean = (s - unit / 2, s + unit / 2) if shown_as == ROUNDED else (s, s + unit)
    lo = max(count, math.ceil(lo_mean * count))
    hi = min(5 * count, math.ceil(hi_mean * count) - 1)  # hi_mean itself shows the next value
    if lo > hi:
        raise OptionError(f"--score {shown} with --count {count}: no {count} score(s) of 1 to "
                          f"5 stars have a mean that shows as {shown} ({shown_as})")
    estimate = min(hi, max(lo, math.floor(s * count + Fraction(1, 2))))
    return estimate, lo, hi


@dataclass(frozen=True)
class Snapshot:
    """What-if from an aggregate alone: the estimate and the answers at both ends of the range
    of sums the shown score allows (`low`: the lowest sum, the most pessimistic)."""

    shown: Decimal
    shown_as: str
    estimate: ItemWhatIf
    low: ItemWhatIf
    high: ItemWhatIf

    @property
    def exact(self) -> bool:
        """True when every sum the shown score allows gives the same answers."""
        keys = ("five_star_needed", "one_star_absorbable", "five_star_needed_for_industry",
                "one_star_absorbable_before_industry")
        return all(getattr(self.low, k) == getattr(self.high, k) for k in keys)

    def to_dict(self) -> dict:
        out = self.estimate.to_dict()
        out["score_shown"] = float(self.shown)
        out["shown_as"] = self.shown_as
        out["sum_range"] = [self.low.total, self.high.total]
        out["exact"] = self.exact
        # Fewer stars in total means more 5-stars needed and fewer 1-stars absorbable.
        for key in ("five_star_needed", "five_star_needed_for_industry"):
            out[f"{key}_range"] = [getattr(self.high, key), getattr(self.low, key)]
        for key in ("one_star_absorbable", "one_star_absorbable_before_industry"):
            out[f"{key}_range"] = [_json_count(getattr(self.low, key)),
                                   _json_count(getattr(self.high, key))]
        return out


def snapshot_whatif(item: str, shown: str | Decimal, count: int, target: float,
                    industry: float | None = None, shown_as: str = ROUNDED) -> Snapshot:
    """The answers from a shown mean and a count: sum = round(shown * count), approximate to
    the display precision of the shown mean (see `sum_range`)."""
    value = shown if isinstance(shown, Decimal) else shown_decimal(shown)
    estimate, lo, hi = sum_range(value, int(count), shown_as)
    return Snapshot(value, shown_as, *(item_whatif(item, t, count, target, industry)
                                       for t in (estimate, lo, hi)))


def data_doc(result, profile, industry: dict, target: float, target_rate: float) -> dict:
    """The `whatif` JSON of an audit: per shop, each seller DSR item's answers against the
    target (and its industry average), and the positive rate's against target_rate."""
    shops = []
    for s in result.shops:
        items = None
        if s.dsr is not None:
            items = {}
            for name in profile.seller_items:
                it = s.dsr.items[name]
                ind = industry.get(name)
                items[name] = item_whatif(name, it.total, it.count, target,
                                          ind.average if ind else None).to_dict()
        rate = None
        if s.credit is not None:
            c = s.credit
            rated = c.positive + c.neutral + c.negative
            rate = rate_whatif(c.positive, rated, target_rate).to_dict()
        shops.append({"shop_id": s.shop_id, "dsr": items, "positive_rate": rate})
    return {"schema_version": SCHEMA_VERSION, "command": "whatif", "mode": "data",
            "as_of": result.as_of, "profile": result.profile, "target": target,
            "target_rate": target_rate, "shops": shops}


def snapshot_doc(profile_name: str, target: float, snap: Snapshot) -> dict:
    """The `whatif` JSON of a snapshot (a shown mean and a count)."""
    return {"schema_version": SCHEMA_VERSION, "command": "whatif", "mode": "snapshot",
            "profile": profile_name, "target": target, "snapshot": snap.to_dict()}
