"""The audit result: typed, immutable records whose to_dict() is the JSON of CONTRACT.md."""

from __future__ import annotations

from dataclasses import dataclass, field

SCHEMA_VERSION = 1


@dataclass(frozen=True)
class Tally:
    positive: int = 0
    neutral: int = 0
    negative: int = 0

    def to_dict(self) -> dict:
        return {"positive": self.positive, "neutral": self.neutral, "negative": self.negative}


@dataclass(frozen=True)
class Credit:
    score: int
    level_index: int
    level_name: str | None
    positive: int
    neutral: int
    negative: int
    default_positive: int
    positive_rate: float | None
    periods: dict  # period label -> Tally
    excluded_by_reason: dict
    unrated: int

    def to_dict(self) -> dict:
        return {
            "score": self.score,
            "level": {"index": self.level_index, "name": self.level_name},
            "positive": self.positive, "neutral": self.neutral, "negative": self.negative,
            "default_positive": self.default_positive,
            "positive_rate": self.positive_rate,
            "periods": {k: v.to_dict() for k, v in self.periods.items()},
            "excluded_by_reason": dict(sorted(self.excluded_by_reason.items())),
            "unrated_lines": self.unrated,
        }


@dataclass(frozen=True)
class DsrItem:
    score: float | None
    count: int
    total: int  # the sum of the counted stars
    shares: dict  # "1".."5" -> fraction
    badge: float | None
    industry: float | None = None
    industry_best: float | None = None
    industry_lowest: float | None = None
    vs_industry: float | None = None
    vs_industry_basis: str | None = None
    position: str | None = None  # above / below / level against the industry average

    def to_dict(self) -> dict:
        return {"score": self.score, "count": self.count, "sum": self.total,
                "shares": dict(self.shares), "badge": self.badge,
                "industry": self.industry, "industry_best": self.industry_best,
                "industry_lowest": self.industry_lowest, "vs_industry": self.vs_industry,
                "vs_industry_basis": self.vs_industry_basis, "position": self.position}


@dataclass(frozen=True)
class Dsr:
    window_days: int
    items: dict  # item name -> DsrItem (every item of the profile)
    seller_items: tuple
    items_below_industry: int
    excluded_by_reason: dict
    orders: int  # DSR-scored orders examined (counted + excluded)

    def to_dict(self) -> dict:
        out = {"window_days": self.window_days}
        for name, item in self.items.items():
            out[name] = item.to_dict()
        out["seller_items"] = list(self.seller_items)
        out["items_below_industry"] = self.items_below_industry
        out["excluded_by_reason"] = dict(sorted(self.excluded_by_reason.items()))
        out["orders_scored"] = self.orders
        # The items as a list (jq: .dsr.items[] | select(.seller and .score < 4.72)), each with
        # its name and whether it is one of the seller's DSR items.
        out["items"] = [{"item": name, "seller": name in self.seller_items, **item.to_dict()}
                        for name, item in self.items.items()]
        return out


@dataclass(frozen=True)
class CheckResult:
    name: str
    metric: str
    min: float | None
    max: float | None
    value: float | None
    passed: bool
    margin: float | None
    five_star_needed: int | None
    reason: str | None
    status: str = ""  # "pass", "warn" (passed, but inside the warning band) or "fail"
    warn: float | None = None  # the warning band's width, if the check has one

    def to_dict(self) -> dict:
        status = self.status or ("pass" if self.passed else "fail")
        return {"name": self.name, "metric": self.metric, "min": self.min, "max": self.max,
                "warn": self.warn, "value": self.value, "passed": self.passed, "status": status,
                "margin": self.margin, "five_star_needed": self.five_star_needed,
                "reason": self.reason}


@dataclass(frozen=True)
class MetricValue:
    """One service metric of RULES.md section 6 (a mean: numerator is the total in the
    metric's unit, denominator the count), with its points on the scorecard."""

    value: float | int | None
    numerator: float | int | None
    denominator: int | None
    bad: int | None
    points: float | None = None  # None: outside the scorecard, or no value
    floored: bool = False  # the small-shop floor raised the points
    dimension: str | None = None  # the scorecard dimension it is scored in
    weight: float | None = None  # its weight there

    def to_dict(self) -> dict:
        return {"value": self.value, "numerator": self.numerator,
                "denominator": self.denominator, "points": self.points,
                "floored": self.floored, "bad": self.bad, "dimension": self.dimension,
                "weight": self.weight}


@dataclass(frozen=True)
class Experience:
    """The experience scorecard of one shop (RULES.md section 7; CONTRACT.md `experience`)."""

    scorecard: str
    window_days: int
    stage: str  # "formal" or "growth"
    total: float | int | None
    display: float | None
    stars: float | None
    example_bounds: bool
    missing_inputs: tuple
    dimensions: dict  # name -> {"score", "weight", "protected", "metrics"}
    metrics: dict  # name -> MetricValue

    def to_dict(self) -> dict:
        return {"scorecard": self.scorecard, "window_days": self.window_days,
                "stage": self.stage, "total": self.total, "display": self.display,
                "stars": self.stars, "example_bounds": self.example_bounds,
                "missing_inputs": list(self.missing_inputs),
                "dimensions": {k: dict(v) for k, v in self.dimensions.items()},
                "metrics": {k: v.to_dict() for k, v in self.metrics.items()}}


@dataclass(frozen=True)
class ShopResult:
    shop_id: str
    credit: Credit | None  # None: the profile has no credit rules (Douyin)
    dsr: Dsr | None  # None: the profile has no DSR rules
    anomalies_by_reason: dict
    checks: tuple = ()
    shop_name: str | None = None  # the export's shop name (店铺名称), when it gives one
    experience: Experience | None = None  # None: the profile has no scorecard

    @property
    def passed(self) -> bool:
        return all(c.passed for c in self.checks)

    def metrics(self) -> dict:
        """The shop's figures as checks address them (the JSON without the checks)."""
        return {"shop_id": self.shop_id, "shop_name": self.shop_name,
                "credit": None if self.credit is None else self.credit.to_dict(),
                "dsr": None if self.dsr is None else self.dsr.to_dict(),
                "anomalies_by_reason": dict(sorted(self.anomalies_by_reason.items())),
                "experience": None if self.experience is None else self.experience.to_dict()}

    def to_dict(self) -> dict:
        out = self.metrics()
        out["checks"] = [c.to_dict() for c in self.checks]
        out["passed"] = self.passed
        return out


@dataclass(frozen=True)
class AuditResult:
    as_of: str  # ISO 8601 with the profile's offset
    profile: str
    inputs: dict
    shops: tuple = field(default_factory=tuple)

    @property
    def passed(self) -> bool:
        return all(s.passed for s in self.shops)

    def to_dict(self) -> dict:
        return {"schema_version": SCHEMA_VERSION, "as_of": self.as_of, "profile": self.profile,
                "inputs": self.inputs, "shops": [s.to_dict() for s in self.shops],
                "passed": self.passed}
