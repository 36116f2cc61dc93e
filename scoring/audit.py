"""The audit: loads nothing, prints nothing; turns a Dataset into an AuditResult."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import numpy as np
import pandas as pd

from . import checks as checks_mod
from .columns import DEFAULT_SHOP
from .credit import COUNTED, decide_credit
from .dsr import decide_dsr
from .industry import compare
from .load import Dataset
from .profile import Profile
from .result import AuditResult, Credit, Dsr, DsrItem, ShopResult, Tally
from .stages import stage
from .windows import distinct, is_value

DAY = np.timedelta64(1, "D")


@dataclass(frozen=True)
class Decisions:
    """The engine's record of every decision: one row per line (credit), per order (DSR),
    plus the rating rows that matched no trade line. Audit and explain read the same."""

    lines: pd.DataFrame
    credit: pd.DataFrame
    dsr: pd.DataFrame
    orphans: pd.DataFrame


def local_as_of(as_of: datetime, profile: Profile) -> np.datetime64:
    """as_of as naive local wall-clock time, the clock every rule runs on."""
    if as_of.tzinfo is not None:
        as_of = as_of.astimezone(profile.tz).replace(tzinfo=None)
    return np.datetime64(as_of, "ns")


def decide(data: Dataset, profile: Profile, as_of: np.datetime64) -> Decisions:
    lines = data.lines
    with stage("credit"):
        credit = decide_credit(lines, profile, as_of)
    with stage("dsr"):
        dsr = decide_dsr(lines, profile, as_of)
    return Decisions(lines, credit, dsr, _orphan_fates(data.orphans, profile, as_of))


def _orphan_fates(orphans: pd.DataFrame, profile: Profile, as_of) -> pd.DataFrame:
    """Rating rows with no trade line: `orphan`, or `after_as_of` if given after as_of."""
    if not len(orphans):
        return pd.DataFrame({"shop_id": [], "order_id": [], "credit_fate": [], "dsr_fate": []})
    items = [f"dsr_{i}" for i in profile.dsr_items if f"dsr_{i}" in orphans]
    has_dsr = orphans[items].notna().any(axis=1).to_numpy() if items else np.zeros(len(orphans), bool)
    has_credit = orphans["credit"].notna().to_numpy() if "credit" in orphans else has_dsr & False
    late = (orphans["rated_at"].to_numpy("datetime64[ns]") > as_of)
    dsr_late = (orphans["dsr_rated_at"].to_numpy("datetime64[ns]") > as_of)
    return pd.DataFrame({
        "shop_id": orphans["shop_id"].to_numpy(), "order_id": orphans["order_id"].to_numpy(),
        "credit_fate": pd.Series(np.where(has_credit, np.where(late, "after_as_of", "orphan"),
                                          None), dtype=object),
        "dsr_fate": pd.Series(np.where(has_dsr, np.where(dsr_late, "after_as_of", "orphan"), None),
                              dtype=object),
    })


def _counts(values, skip=()) -> dict:
    """Occurrences of each reason code (missing values and `skip` codes left out)."""
    counts = pd.Series(np.asarray(values, dtype=object)).value_counts(dropna=True)
    return {str(k): int(v) for k, v in counts.items() if k not in skip}


def credit_summary(decided, orphans, profile: Profile, as_of) -> Credit:
    fate = decided["fate"].to_numpy()
    points = decided["points"].to_numpy()
    counted = fate == COUNTED
    at = decided["at"].to_numpy("datetime64[ns]")
    pos, neu, neg = (int(np.sum(counted & (points == p))) for p in (1, 0, -1))

    def tally(mask):
        return Tally(*(int(np.sum(counted & mask & (points == p))) for p in (1, 0, -1)))

    periods = {}
    longest = max(profile.periods_days.values())
    for label, days in profile.periods_days.items():
        periods[label] = tally(at > as_of - days * DAY)
    periods["older"] = tally(at <= as_of - longest * DAY)
    periods["total"] = tally(np.ones(len(fate), dtype=bool))
    excluded = _counts(fate, skip=(COUNTED, "unrated"))
    for code, n in _counts(orphans["credit_fate"]).items():
        excluded[code] = excluded.get(code, 0) + n
    score = pos - neg
    level = profile.level_of(score)
    rated = pos + neu + neg
    return Credit(score=score, level_index=level.index if level else 0,
                  level_name=level.name if level else None, positive=pos, neutral=neu,
                  negative=neg, default_positive=int(np.sum(counted & decided["is_default"])),
                  positive_rate=pos / rated if rated else None, periods=periods,
                  excluded_by_reason=excluded, unrated=int(np.sum(fate == "unrated")))


def dsr_summary(orders, orphans, profile: Profile, industry: dict) -> Dsr:
    fate = orders["fate"].to_numpy()
    counted = fate == COUNTED
    items = {}
    below = 0
    for name in profile.dsr_items:
        col = f"dsr_{name}"
        stars = orders[col].to_numpy()[counted] if col in orders else np.zeros(0)
        stars = stars[~np.isnan(stars)].astype(np.int64)
        count, total = int(stars.size), int(stars.sum())
        hist = np.bincount(stars, minlength=6)[1:6] if count else np.zeros(5, dtype=np.int64)
        shares = {str(k + 1): (int(hist[k]) / count if count else 0) for k in range(5)}
        score = total / count if count else None
        badge = (total * 10 // count) / 10 if count else None
        ind = industry.get(name)
        vs, basis, position = compare(score, ind)
        if position == "below" and name in profile.seller_items:
            below += 1
        items[name] = DsrItem(score=score, count=count, total=total, shares=shares, badge=badge,
                              industry=ind.average if ind else None,
                              industry_best=ind.best if ind else None,
                              industry_lowest=ind.lowest if ind else None,
                              vs_industry=vs, vs_industry_basis=basis, position=position)
    excluded = _counts(fate, skip=(COUNTED,))
    orphan_orders = orphans.loc[orphans["dsr_fate"].notna()].drop_duplicates(["order_id"])
    for code, n in _counts(orphan_orders["dsr_fate"]).items():
        excluded[code] = excluded.get(code, 0) + n
    return Dsr(window_days=profile.dsr_window_days, items=items,
               seller_items=profile.seller_items, items_below_industry=below,
               excluded_by_reason=excluded, orders=int(len(orders) + len(orphan_orders)))


def anomalies(decided, orders) -> dict:
    out = _counts(decided["anomaly"])
    conflicts = int(orders["conflict"].sum()) if len(orders) else 0
    if conflicts:
        out["dsr_conflict"] = conflicts
    return out


def audit(data: Dataset, profile: Profile, as_of: datetime, industry: dict | None = None,
          checks=None, shop: str | None = None) -> tuple[AuditResult, Decisions]:
    """Score every shop of the data as of `as_of` and hold each against the checks."""
    industry = industry or {}
    checks = list(checks) if checks is not None else checks_mod.default_checks(
        profile.seller_items, profile.default_min, profile.default_warn)
    when = local_as_of(as_of, profile)
    decisions = decide(data, profile, when)
    with stage("summary"):
        return _summarize(data, decisions, profile, when, industry, checks, shop), decisions


def _summarize(data, decisions, profile, when, industry, checks, shop) -> AuditResult:
    lines = decisions.lines
    shop_ids = sorted(distinct(lines["shop_id"]) | distinct(decisions.orphans["shop_id"]))
    if not shop_ids:
        shop_ids = [DEFAULT_SHOP]  # nothing read: the one shop has no ratings, and checks say so
    if shop is not None:
        shop_ids = [s for s in shop_ids if s == shop]
    shops = []
    for sid in shop_ids:
        mine = is_value(lines["shop_id"], sid)
        omine = decisions.orphans.loc[is_value(decisions.orphans["shop_id"], sid)]
        cred = decisions.credit.loc[mine]
        orders = decisions.dsr.loc[is_value(decisions.dsr["shop_id"], sid)]
        base = ShopResult(sid, credit_summary(cred, omine, profile, when),
                          dsr_summary(orders, omine, profile, industry), anomalies(cred, orders))
        metrics = base.metrics()
        checks_mod.validate_metrics(checks, metrics)
        results = tuple(checks_mod.evaluate(c, metrics) for c in checks)
        shops.append(ShopResult(sid, base.credit, base.dsr, base.anomalies_by_reason, results))
    aware = pd.Timestamp(when).tz_localize(profile.tz).isoformat()
    inputs = {"rows_read": data.rows_read, "rows_rejected": data.rows_rejected,
              "rejected_by_reason": data.rejected_by_reason,
              "files": [f.to_dict() for f in data.files]}
    return AuditResult(aware, profile.name, inputs, tuple(shops))
