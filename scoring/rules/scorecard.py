"""Experience scorecards (商家体验分, 店铺真实体验分; RULES.md section 7): from the metrics of
section 6 to each metric's points, each dimension's score, the total, the growth stage and
the shopper's 5-point display."""

from __future__ import annotations

import math
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from fractions import Fraction

from shopscore.scoring.rules.scorecard_schema import MetricRule, Scorecard


def points_of(rule: MetricRule, value: float) -> float:
    """The points of a value: `higher` takes the first tier (bounds descending) whose bound is
    at most the value, `lower` the first (bounds ascending) whose bound is at least it; past
    every tier `below`; tiers = "value": the value itself. Compared at full precision."""
    if rule.tiers is None:
        return value
    value = exact(value)
    for bound, points in rule.tiers:
        if (exact(bound) <= value) if rule.better == "higher" else (exact(bound) >= value):
            return points
    return rule.below


def floor_raises(card: Scorecard, metric: str, points: float, bad, valid_orders) -> bool:
    """Whether the small-shop floor raises this metric's points: a listed metric, of a shop
    with fewer valid paid orders than orders_below, whose bad count is at most bad_at_most,
    scores at least the floor's points."""
    floor = card.floor
    return bool(floor is not None and metric in floor.metrics and valid_orders is not None
                and valid_orders < floor.orders_below and bad is not None
                and bad <= floor.bad_at_most and exact(points) < exact(floor.points))


def _holds(value, op: str, bound) -> bool:
    if value is None:  # a null metric fails its condition
        return False
    value, bound = exact(value), exact(bound)
    return {">=": value >= bound, ">": value > bound, "<=": value <= bound, "<": value < bound,
            "==": value == bound, "!=": value != bound}[op]


def exact(number) -> Fraction:
    """A number as the decimal it is written as (0.6 is 3/5, not the float nearest it)."""
    if isinstance(number, (Fraction, int)):
        return Fraction(number)
    return Fraction(repr(float(number)))


def weighted_mean(pairs) -> Fraction | None:
    """Σ weight × score / Σ weight over the (weight, score) pairs whose score is not None;
    None when there are none (or their weights sum to 0). Summed exactly."""
    given = [(exact(w), exact(s)) for w, s in pairs if s is not None]
    total = sum(w for w, _ in given)
    if not given or total == 0:
        return None
    return sum(w * s for w, s in given) / total


def score(card: Scorecard, values: dict, bads: dict, valid_orders) -> dict:
    """The scorecard of one shop: `values` and `bads` hold each metric's value and bad count
    (None: no data; a metric not computed is absent), `valid_orders` the number of valid paid
    orders (None: unknown). Returns points and floored per scored metric, each dimension's
    score, weight and protected, and the stage, total, display and stars."""
    points, floored, dimensions = {}, {}, {}
    for dim in card.dimensions:
        pairs = []
        for rule in dim.metrics:
            value = values.get(rule.metric)
            if value is None:
                points[rule.metric], floored[rule.metric] = None, False
                continue
            got = points_of(rule, value)
            raised = floor_raises(card, rule.metric, got, bads.get(rule.metric), valid_orders)
            points[rule.metric] = card.floor.points if raised else got
            floored[rule.metric] = raised
            pairs.append((rule.weight, points[rule.metric]))
        mean = weighted_mean(pairs)
        protected = False
        protection = card.protection
        if (protection is not None and protection.dimension == dim.name and mean is not None
                and mean < exact(protection.points)
                and all(_holds(values.get(m), op, b) for m, op, b in protection.when)):
            mean, protected = exact(protection.points), True
        dimensions[dim.name] = {"exact": mean, "weight": dim.weight, "protected": protected}
    total = weighted_mean((d["weight"], d["exact"]) for d in dimensions.values())
    growth = valid_orders is not None and valid_orders < card.min_orders  # unknown: formal
    if growth:
        shown_total = card.growth_score
    elif total is None:
        shown_total = None
    else:
        clamped = min(max(total, exact(card.score_min)), exact(card.score_max))
        shown_total = round_half_up(clamped, card.total_decimals)
    display = douyin_display(shown_total) if card.display == "douyin" else None
    return {"points": points, "floored": floored,
            "dimensions": {name: {"score": None if d["exact"] is None else float(d["exact"]),
                                  "weight": d["weight"], "protected": d["protected"],
                                  "metrics": [m.metric for m in dim.metrics]}
                           for name, d in dimensions.items()
                           for dim in card.dimensions if dim.name == name},
            "stage": "growth" if growth else "formal", "total": shown_total,
            "weighted": total,  # the exact weighted mean, before clamping and rounding
            "display": display, "stars": None if display is None else stars(display)}


def round_half_up(value: Fraction, decimals: int):
    """value rounded half up to `decimals` (an int when 0): 68.5 -> 69, not 68."""
    scale = 10**decimals
    rounded = Fraction(math.floor(value * scale + Fraction(1, 2)), scale)
    return int(rounded) if decimals == 0 else float(rounded)


def douyin_display(total) -> float | None:
    """The shopper's view of the rounded total s: 5.0 at most; 4.0 + 0.1 × ceil((s − 60) / 4)
    above 60; 3.0 + 0.1 × floor(s − 50) from 50 to 60; 3.0 below 50 (82 shows 4.6)."""
    if total is None:
        return None
    s = Decimal(str(total))
    if s > 60:
        shown = Decimal("4.0") + Decimal("0.1") * ((s - 60) / 4).to_integral_value(ROUND_CEILING)
    elif s >= 50:
        shown = Decimal("3.0") + Decimal("0.1") * (s - 50).to_integral_value(ROUND_FLOOR)
    else:
        shown = Decimal("3.0")
    return float(min(shown, Decimal("5.0")))


def stars(display: float) -> float:
    """The stars beside a display: 5 from 4.8, 4.5 from 4.5, 4 from 4.0, 3.5 from 3.5, else 3."""
    for low, shown in ((4.8, 5), (4.5, 4.5), (4.0, 4), (3.5, 3.5)):
        if display >= low - 1e-9:
            return shown
    return 3
