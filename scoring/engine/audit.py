"""The audit of a loaded Dataset: decide every rating (engine/decide.py), count the figures of
every shop as tallies (engine/summary.py, engine/experience.py), make each shop's figures of
them and hold each shop against the checks. Loads nothing, prints nothing.

The tallies of disjoint partitions of the data add up (`Tallied.merged`), so a partitioned
audit (engine/partitioned.py) assembles its result exactly as this one does."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime

import numpy as np
import pandas as pd

from shopscore.scoring.engine.calendar import DsrCalendar, calendar_of, calendar_tally
from shopscore.scoring.engine.coded import distinct
from shopscore.scoring.engine.decide import Decisions, decide, local_as_of
from shopscore.scoring.engine.experience import (
    available_inputs,
    build_units,
    experience_of,
    experience_tally,
)
from shopscore.scoring.engine.stages import stage
from shopscore.scoring.engine.summary import (
    anomalies_of,
    anomaly_tally,
    credit_of,
    credit_tally,
    dsr_of,
    dsr_tally,
)
from shopscore.scoring.engine.tally import add, shop_positions
from shopscore.scoring.engine.threads import meanwhile, side_by_side
from shopscore.scoring.inputs.columns import DEFAULT_SHOP
from shopscore.scoring.inputs.dataset import Dataset, ratings_left_out
from shopscore.scoring.result import AuditResult, ShopResult
from shopscore.scoring.rules import checks as checks_mod
from shopscore.scoring.rules.profile import Profile


@dataclass
class Tallied:
    """The counts of an audit's shops (shop_ids, in order: the first axis of every tally),
    each section None when the profile has no such rules."""

    shop_ids: list
    credit: dict | None
    dsr: dict | None
    anomaly: dict
    experience: dict | None
    names: dict = field(default_factory=dict)  # shop -> {name the lines give: how many}
    units: object = None  # the experience units (a single run keeps them for explain)
    empty: bool = False  # no trade line at all (shop_ids then holds `default`, or nothing)
    lined: frozenset | None = None  # the shops with trade lines (None: all of shop_ids)
    calendar: dict | None = None  # the DSR scores by day (engine/calendar.py), when asked

    @staticmethod
    def merged(parts: list[Tallied]) -> Tallied:
        """The tallies of disjoint parts of one audit, added shop by shop (shops in text
        order, as one run lists them)."""
        full = [p for p in parts if not p.empty]
        # The shops are those with trade lines somewhere; a part also counts the orphan
        # ratings of shops whose lines lie in other parts.
        ids = sorted({s for p in full for s in (p.shop_ids if p.lined is None else p.lined)}) \
            if full else list(parts[0].shop_ids)
        at = {s: k for k, s in enumerate(ids)}

        def spread(part: Tallied, tally: dict | None) -> dict:
            where = np.array([at.get(s, -1) for s in part.shop_ids], dtype=np.int64)
            keep = where >= 0
            out = {}
            for name, value in (tally or {}).items():
                full = np.zeros((len(ids),) + value.shape[1:], dtype=value.dtype)
                full[where[keep]] = value[keep]
                out[name] = full
            return out

        def total(section: str) -> dict | None:
            if getattr(parts[0], section) is None:
                return None
            return add(*(spread(p, getattr(p, section)) for p in parts)) if parts else {}

        names: dict = {}
        for p in parts:
            for shop, counts in p.names.items():
                mine = names.setdefault(shop, {})
                for name, n in counts.items():
                    mine[name] = mine.get(name, 0) + n
        return Tallied(ids, total("credit"), total("dsr"), total("anomaly") or {},
                       total("experience"), names, empty=not full, calendar=total("calendar"))


def audit(data: Dataset, profile: Profile, as_of: datetime, industry: dict | None = None,
          checks=None, shop: str | None = None) -> tuple[AuditResult, Decisions]:
    """Score every shop of the data as of `as_of` and hold each against the checks."""
    checks = list(checks) if checks is not None else checks_mod.profile_checks(profile)
    when = local_as_of(as_of, profile)
    units = None
    if profile.experience is not None:  # the units need no decision: built meanwhile
        shop_ids = shop_list(data.lines, None, shop)
        units = meanwhile(_units, data, profile, when, shop_ids,
                          shop_positions(data.lines["shop_id"], shop_ids))
    decisions = decide(data, profile, when)
    with stage("summary"):
        found = tally(data, decisions, profile, when, shop,
                      units=None if units is None else units.result())
        result = assemble(found, profile, when, industry or {}, checks,
                          inputs_of(data.files, len(decisions.orphans)),
                          available_inputs(data))
    return result, replace(decisions, units=found.units)  # explain --metric reads the units


def _units(data: Dataset, profile: Profile, when, shop_ids: list, line_shop: np.ndarray):
    with stage("experience"):
        return build_units(data, profile.experience, when, shop_ids, line_shop)


def shop_list(lines: pd.DataFrame, orphans: pd.DataFrame | None, shop: str | None,
              more=()) -> list:
    """The shops of an audit: those of the trade lines (with the orphan ratings' shops when
    `orphans` are given, and those of the `more` columns: a part of an audit, whose chat
    sessions may belong to a shop whose lines lie in other parts), or `default` when there
    is no line; only `shop` when given."""
    shop_ids = sorted(distinct(lines["shop_id"]))
    named = ([orphans["shop_id"]] if orphans is not None else []) + list(more)
    if named:
        shop_ids = sorted(set(shop_ids).union(*(distinct(c) for c in named)))
    if not shop_ids:
        shop_ids = [DEFAULT_SHOP]  # no line read (the CLI refuses this): checks say no ratings
    if shop is not None:
        shop_ids = [s for s in shop_ids if s == shop]
    return shop_ids


def tally(data: Dataset, decisions: Decisions, profile: Profile, when,
          shop: str | None = None, available: set | None = None, part: bool = False,
          units=None, calendar: bool = False) -> Tallied:
    """Every shop's counts from the decisions, in one pass over the records by each row's
    shop position. For one `part` of an audit, the shops of its orphan ratings are counted
    too (their lines may lie in another part); `available`: the inputs of the whole audit
    (a part's data may lack a column the audit has); `units`: the experience units, when
    built already for these shops; `calendar`: the DSR scores by day too."""
    lines = decisions.lines
    # The shops are those of the trade lines: a rating whose line is not in the data (an
    # orphan) counts under its shop when that shop has lines, and in `inputs` always.
    lined = None
    if part:
        lined = frozenset(s for s in shop_list(lines, None, shop) if s != DEFAULT_SHOP
                          or len(lines))
    served = [t["shop_id"] for t in (data.after_sales, data.chats)
              if part and t is not None and "shop_id" in t]
    shop_ids = shop_list(lines, decisions.orphans if part else None, shop, served)
    count = len(shop_ids)
    line_shop = shop_positions(lines["shop_id"], shop_ids)
    order_shop = shop_positions(decisions.dsr["shop_id"], shop_ids) \
        if decisions.dsr is not None else None
    orphan_shop = shop_positions(decisions.orphans["shop_id"], shop_ids)
    credit, (dsr, anomaly) = side_by_side(
        lambda: None if decisions.credit is None else credit_tally(
            decisions.credit, line_shop, count, decisions.orphans, orphan_shop, profile, when),
        lambda: (None if decisions.dsr is None else dsr_tally(
            decisions.dsr, order_shop, count, decisions.orphans, orphan_shop, profile),
                 anomaly_tally(decisions, line_shop, count, order_shop)),
        len(lines))
    experience = None
    if profile.experience is not None:
        with stage("experience"):
            if units is None:
                units = build_units(data, profile.experience, when, shop_ids, line_shop)
            experience = experience_tally(
                units, available_inputs(data) if available is None else available, count)
    names = {s: dict(data.shop_names[s]) for s in shop_ids if s in data.shop_names}
    days = calendar_tally(decisions.dsr, order_shop, count, profile, when) \
        if calendar and decisions.dsr is not None else None
    return Tallied(shop_ids, credit, dsr, anomaly, experience, names, units,
                   empty=not len(lines), lined=lined, calendar=days)


def dsr_calendar(decisions: Decisions, profile: Profile, when,
                 shop_ids: list) -> DsrCalendar | None:
    """The DSR scores by day of these shops (engine/calendar.py) from an audit's decisions;
    None without DSR rules."""
    if decisions.dsr is None:
        return None
    shop = shop_positions(decisions.dsr["shop_id"], shop_ids)
    return calendar_of(calendar_tally(decisions.dsr, shop, len(shop_ids), profile, when),
                       shop_ids, profile, when)


def assemble(found: Tallied, profile: Profile, when, industry: dict, checks, inputs: dict,
             available: set) -> AuditResult:
    """The AuditResult of the counts: every shop's figures and checks, and the inputs."""
    count = len(found.shop_ids)
    nothing = [None] * count
    credits = nothing if found.credit is None else credit_of(found.credit, profile, count)
    dsrs = nothing if found.dsr is None else dsr_of(found.dsr, profile, industry, count)
    experiences = nothing if found.experience is None else experience_of(
        found.experience, profile.experience, available, count)
    shops = []
    for sid, cred, dsr, anomaly, experience in zip(found.shop_ids, credits, dsrs,
                                                   anomalies_of(found.anomaly, count),
                                                   experiences, strict=True):
        name = shop_name(found.names.get(sid, {}))
        metrics = ShopResult(sid, cred, dsr, anomaly, experience=experience,
                             shop_name=name).metrics()
        checks_mod.validate_metrics(checks, metrics)
        results = tuple(checks_mod.evaluate(c, metrics) for c in checks)
        shops.append(ShopResult(sid, cred, dsr, anomaly, results, shop_name=name,
                                experience=experience))
    aware = pd.Timestamp(when).tz_localize(profile.tz).isoformat()
    return AuditResult(aware, profile.name, inputs, tuple(shops))


def shop_name(counts: dict) -> str | None:
    """The name most of a shop's lines give (ties: the first in text order), or None."""
    if not counts:
        return None
    return min(counts.items(), key=lambda item: (-item[1], str(item[0])))[0]


def inputs_of(files: list, orphans: int) -> dict:
    """The `inputs` block of the result: every file's rows, read = used + rejected."""
    by_reason: dict = {}
    for f in files:
        for code, n in f.rejected_by_reason.items():
            by_reason[code] = by_reason.get(code, 0) + n
    return {"rows_read": sum(f.rows_read for f in files),
            "rows_rejected": sum(f.rows_rejected for f in files),
            "rejected_by_reason": dict(sorted(by_reason.items())),
            "orphan_ratings": orphans,
            "ratings_left_out": ratings_left_out(files),
            "files": [f.to_dict() for f in files]}
