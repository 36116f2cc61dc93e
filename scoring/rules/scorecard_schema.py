"""The `[experience]` table of a profile (RULES.md section 7, fixed schema): the scorecard and
the section 6 parameters, each key left out taking the default RULES.md gives."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from shopscore.scoring.errors import ProfileError

# Every section 6 metric, in the order of the RULES.md table.
METRICS = ("valid_paid_orders", "goods_score", "goods_good_rate", "quality_return_rate",
           "negative_feedback_rate", "pickup_hours_mean", "pickup_points_mean",
           "pickup_on_time_rate", "delivery_hours_mean", "delivery_on_time_rate",
           "logistics_return_rate", "aftersale_on_time_rate", "aftersale_review_hours_mean",
           "refund_hours_mean", "refund_rate", "platform_help_rate", "reply_seconds_mean",
           "reply_within_rate", "first_reply_seconds_mean", "chat_satisfaction_rate",
           "chat_dissatisfaction_rate")
REASONS = ("quality", "damaged", "logistics", "no_reason", "other")
DISPLAYS = ("none", "douyin")
OPERATORS = (">=", ">", "<=", "<", "==", "!=")

# The defaults of RULES.md sections 6 and 7 (low_amount_yuan: the credit rules' value).
DEFAULTS = {
    "name": "experience", "window_days": 30, "min_orders": 30, "growth_score": None,
    "low_amount_yuan": None, "score_min": 50, "score_max": 100, "total_decimals": 0,
    "display": "none", "example_bounds": False,
    "service_hours": ["08:00", "23:00"], "unanswered_seconds": 600, "reply_limit_seconds": 180,
    "pickup_night": ["18:00", "06:00"],
    "pickup_points": [[24, 100], [36, 90], [48, 80], [60, 70], [72, 60]],
    "pickup_points_beyond": 50, "pickup_limit_hours": 48, "review_night": ["23:00", "08:00"],
    "aftersale_limit_hours": 48, "quality_reasons": ["quality"],
    "logistics_reasons": ["logistics"], "help_basis": "paid_orders",
    "floor": None, "protection": None, "dimensions": [],
}


@dataclass(frozen=True)
class MetricRule:
    """One metric of a dimension: its weight, which way is better, its tiers [(bound,
    points)] (None: the value itself is the points) and the points below every tier."""

    metric: str
    weight: float
    better: str  # "higher" or "lower"
    tiers: tuple | None
    below: float


@dataclass(frozen=True)
class Dimension:
    name: str
    weight: float
    metrics: tuple  # MetricRule


@dataclass(frozen=True)
class Floor:
    """The small-shop floor: a listed metric of a shop with fewer valid paid orders than
    orders_below and a bad count of at most bad_at_most scores at least `points`."""

    points: float
    orders_below: int
    bad_at_most: int
    metrics: tuple


@dataclass(frozen=True)
class Protection:
    """The named dimension scores at least `points` when every condition (metric, op, value)
    holds; a null metric fails its condition."""

    dimension: str
    points: float
    when: tuple


@dataclass(frozen=True)
class Scorecard:
    """The [experience] table: the scorecard and the section 6 parameters."""

    name: str = "experience"
    window_days: int = 30
    min_orders: int = 30
    growth_score: float | None = None
    low_amount_yuan: float = 1.0
    score_min: float = 50
    score_max: float = 100
    total_decimals: int = 0
    display: str = "none"
    example_bounds: bool = False
    service_hours: tuple = (8 * 60, 23 * 60)  # minutes of the day: [start, end)
    unanswered_seconds: int = 600
    reply_limit_seconds: int = 180
    pickup_night: tuple = (18 * 60, 6 * 60)
    pickup_points: tuple = ((24, 100), (36, 90), (48, 80), (60, 70), (72, 60))
    pickup_points_beyond: float = 50
    pickup_limit_hours: float = 48
    review_night: tuple = (23 * 60, 8 * 60)
    aftersale_limit_hours: float = 48
    quality_reasons: tuple = ("quality",)
    logistics_reasons: tuple = ("logistics",)
    help_basis: str = "paid_orders"
    floor: Floor | None = None
    protection: Protection | None = None
    dimensions: tuple = field(default_factory=tuple)

    @property
    def scored(self) -> tuple:
        """The metrics the scorecard scores, in the order of its dimensions."""
        return tuple(m.metric for d in self.dimensions for m in d.metrics)


class _Table:
    """One table of the [experience] schema: typed values, each error naming the key."""

    def __init__(self, source: str, where: str, table, known):
        if not isinstance(table, dict):
            raise ProfileError(f"profile {source}: {where.rstrip('.')} must be a table")
        unknown = sorted(set(table) - set(known))
        if unknown:
            raise ProfileError(f"profile {source}: unknown key {where}{unknown[0]} (the "
                               f"[experience] schema of RULES.md section 7 has: "
                               f"{', '.join(known)})")
        self.source, self.where, self.table = source, where, table

    def fail(self, key, what):
        raise ProfileError(f"profile {self.source}: {self.where}{key} {what}")

    def number(self, key, default=None, low=None, integer=False):
        value = self.table.get(key, default)
        if value is None:
            if default is None and key in self.table:
                self.fail(key, "must be a number")
            return None
        kind = int if integer else (int, float)
        if isinstance(value, bool) or not isinstance(value, kind) or not math.isfinite(value):
            self.fail(key, f"must be {'an integer' if integer else 'a finite number'}, "
                           f"not {value!r}")
        if low is not None and value < low:
            self.fail(key, f"must be at least {low}")
        return value

    def text(self, key, default, choices=None):
        value = self.table.get(key, default)
        if not isinstance(value, str) or (choices and value not in choices):
            self.fail(key, f"must be {' or '.join(repr(c) for c in choices) if choices else 'a string'}"
                           f", not {value!r}")
        return value

    def words(self, key, default, choices=None):
        value = self.table.get(key, default)
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.fail(key, f"must be a list of strings, not {value!r}")
        wrong = [v for v in value if choices and v not in choices]
        if wrong:
            self.fail(key, f"has {wrong[0]!r}, not one of {', '.join(choices)}")
        return tuple(value)

    def clock(self, key, default) -> tuple:
        """A pair of "HH:MM" times of day, as minutes."""
        value = self.table.get(key, default)
        if not isinstance(value, list) or len(value) != 2:
            self.fail(key, f'must be a pair of "HH:MM" times, not {value!r}')
        return tuple(_minutes(v, lambda what: self.fail(key, what)) for v in value)


def _minutes(text, fail) -> int:
    if isinstance(text, str) and len(text) == 5 and text[2] == ":" and \
            text[:2].isdigit() and text[3:].isdigit():
        hours, minutes = int(text[:2]), int(text[3:])
        if hours < 24 and minutes < 60:
            return hours * 60 + minutes
    return fail(f'has {text!r}, not a "HH:MM" time of day')


def parse_scorecard(table, source: str, low_amount_yuan: float) -> Scorecard:
    """The Scorecard of an [experience] table (RULES.md section 7 defaults for keys left out)."""
    t = _Table(source, "experience.", table, DEFAULTS)
    points = t.table.get("pickup_points", DEFAULTS["pickup_points"])
    if not isinstance(points, list) or not points or not all(
            isinstance(r, list) and len(r) == 2 and all(_finite(x) for x in r) for r in points):
        t.fail("pickup_points", "must be a list of [hours_up_to, points] pairs")
    if any(b[0] <= a[0] for a, b in zip(points, points[1:], strict=False)):
        t.fail("pickup_points", "must list the hours in ascending order")
    score_min, score_max = t.number("score_min", 50), t.number("score_max", 100)
    if score_min > score_max:
        t.fail("score_min", f"({score_min}) must not exceed score_max ({score_max})")
    card = Scorecard(
        name=t.text("name", "experience"), window_days=t.number("window_days", 30, 1, True),
        min_orders=t.number("min_orders", 30, 0, True), growth_score=t.number("growth_score"),
        low_amount_yuan=t.number("low_amount_yuan", low_amount_yuan),
        score_min=score_min, score_max=score_max,
        total_decimals=t.number("total_decimals", 0, 0, True),
        display=t.text("display", "none", DISPLAYS),
        example_bounds=bool(t.table.get("example_bounds", False)),
        service_hours=t.clock("service_hours", DEFAULTS["service_hours"]),
        unanswered_seconds=t.number("unanswered_seconds", 600, 0),
        reply_limit_seconds=t.number("reply_limit_seconds", 180, 0),
        pickup_night=t.clock("pickup_night", DEFAULTS["pickup_night"]),
        pickup_points=tuple((r[0], r[1]) for r in points),
        pickup_points_beyond=t.number("pickup_points_beyond", 50),
        pickup_limit_hours=t.number("pickup_limit_hours", 48, 0),
        review_night=t.clock("review_night", DEFAULTS["review_night"]),
        aftersale_limit_hours=t.number("aftersale_limit_hours", 48, 0),
        quality_reasons=t.words("quality_reasons", ["quality"], REASONS),
        logistics_reasons=t.words("logistics_reasons", ["logistics"], REASONS),
        help_basis=t.text("help_basis", "paid_orders", ("paid_orders", "aftersale_orders")),
        floor=_floor(t.table.get("floor"), source),
        protection=_protection(t.table.get("protection"), source),
        dimensions=_dimensions(t.table.get("dimensions", []), source))
    if card.window_days > 36_500:
        t.fail("window_days", "must be at most 36500")
    if card.protection and card.protection.dimension not in {d.name for d in card.dimensions}:
        raise ProfileError(f"profile {source}: experience.protection.dimension "
                           f"{card.protection.dimension!r} is not a dimension of the scorecard")
    return card


def _finite(x) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x)


def _floor(table, source: str) -> Floor | None:
    if table is None:
        return None
    t = _Table(source, "experience.floor.", table, ("points", "orders_below", "bad_at_most",
                                                    "metrics"))
    return Floor(points=t.number("points", 80), orders_below=t.number("orders_below", 500, 0, True),
                 bad_at_most=t.number("bad_at_most", 3, 0, True),
                 metrics=t.words("metrics", [], METRICS))


def _protection(table, source: str) -> Protection | None:
    if table is None:
        return None
    t = _Table(source, "experience.protection.", table, ("dimension", "points", "when"))
    when = t.table.get("when", [])
    if not isinstance(when, list) or not all(
            isinstance(c, list) and len(c) == 3 and c[0] in METRICS and c[1] in OPERATORS
            and _finite(c[2]) for c in when):
        t.fail("when", f'must be a list of [metric, operator, number] (operators: '
                       f'{", ".join(OPERATORS)}), not {when!r}')
    return Protection(dimension=t.text("dimension", None), points=t.number("points", 90),
                      when=tuple(tuple(c) for c in when))


def _dimensions(entries, source: str) -> tuple:
    if not isinstance(entries, list):
        raise ProfileError(f"profile {source}: experience.dimensions must be an array of "
                           "[[experience.dimensions]] tables")
    out, seen = [], set()
    for i, entry in enumerate(entries, start=1):
        where = f"experience.dimensions[{i}]."
        t = _Table(source, where, entry, ("name", "weight", "metrics"))
        name = t.text("name", None)
        if name in seen:
            t.fail("name", f"{name!r} is given twice")
        seen.add(name)
        metrics = t.table.get("metrics", [])
        if not isinstance(metrics, list):
            t.fail("metrics", "must be an array of [[experience.dimensions.metrics]] tables")
        out.append(Dimension(name, t.number("weight", 1, 0),
                             tuple(_metric(m, source, f"{where}metrics[{k}].")
                                   for k, m in enumerate(metrics, start=1))))
    scored = [m.metric for d in out for m in d.metrics]
    twice = sorted({m for m in scored if scored.count(m) > 1})
    if twice:
        raise ProfileError(f"profile {source}: metric {twice[0]!r} is scored twice in "
                           "experience.dimensions")
    return tuple(out)


def _metric(entry, source: str, where: str) -> MetricRule:
    t = _Table(source, where, entry, ("metric", "weight", "better", "tiers", "below"))
    metric = t.text("metric", None, METRICS)
    better = t.text("better", "higher", ("higher", "lower"))
    tiers = t.table.get("tiers")
    if tiers == "value":
        parsed = None
    elif isinstance(tiers, list) and tiers and all(
            isinstance(r, list) and len(r) == 2 and all(_finite(x) for x in r) for r in tiers):
        # Bounds descending for "higher" (the first bound <= the value), ascending for "lower".
        parsed = tuple(sorted(((r[0], r[1]) for r in tiers), key=lambda r: r[0],
                              reverse=better == "higher"))
    else:
        t.fail("tiers", f'must be a list of [bound, points] pairs or "value", not {tiers!r}')
    return MetricRule(metric, t.number("weight", 1, 0), better, parsed, t.number("below", 0))
