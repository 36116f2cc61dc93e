"""The audit of a loaded Dataset: decide every rating (engine/decide.py), sum the figures of
every shop (engine/summary.py) and hold each shop against the checks. Loads nothing, prints
nothing."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

import pandas as pd

from shopscore.scoring.engine.coded import distinct
from shopscore.scoring.engine.decide import Decisions, decide, local_as_of
from shopscore.scoring.engine.experience import experience_summaries
from shopscore.scoring.engine.stages import stage
from shopscore.scoring.engine.summary import anomaly_summaries, credit_summaries, dsr_summaries
from shopscore.scoring.engine.tally import shop_positions
from shopscore.scoring.engine.threads import side_by_side
from shopscore.scoring.inputs.columns import DEFAULT_SHOP
from shopscore.scoring.inputs.dataset import Dataset, ratings_left_out
from shopscore.scoring.result import AuditResult, ShopResult
from shopscore.scoring.rules import checks as checks_mod
from shopscore.scoring.rules.profile import Profile


def audit(data: Dataset, profile: Profile, as_of: datetime, industry: dict | None = None,
          checks=None, shop: str | None = None) -> tuple[AuditResult, Decisions]:
    """Score every shop of the data as of `as_of` and hold each against the checks."""
    industry = industry or {}
    checks = list(checks) if checks is not None else checks_mod.profile_checks(profile)
    when = local_as_of(as_of, profile)
    decisions = decide(data, profile, when)
    with stage("summary"):
        result, units = summarize(data, decisions, profile, when, industry, checks, shop)
    return result, replace(decisions, units=units)  # explain --metric reads the units again


def summarize(data, decisions: Decisions, profile: Profile, when, industry: dict, checks,
              shop: str | None) -> tuple[AuditResult, object]:
    """The AuditResult of the decisions (every shop's figures and checks, and the inputs),
    and the experience score's units (None without a scorecard)."""
    lines = decisions.lines
    # The shops are those of the trade lines: a rating whose line is not in the data (an
    # orphan) counts under its shop when that shop has lines, and in `inputs` always.
    shop_ids = sorted(distinct(lines["shop_id"]))
    if not shop_ids:
        shop_ids = [DEFAULT_SHOP]  # no line read (the CLI refuses this): checks say no ratings
    if shop is not None:
        shop_ids = [s for s in shop_ids if s == shop]
    # Every figure of every shop in one pass over the records, by each row's shop position.
    count = len(shop_ids)
    line_shop = shop_positions(lines["shop_id"], shop_ids)
    order_shop = shop_positions(decisions.dsr["shop_id"], shop_ids) \
        if decisions.dsr is not None else None
    orphan_shop = shop_positions(decisions.orphans["shop_id"], shop_ids)
    nothing = [None] * count
    credits, (dsrs, found) = side_by_side(
        lambda: nothing if decisions.credit is None else credit_summaries(
            decisions.credit, line_shop, count, decisions.orphans, orphan_shop, profile, when),
        lambda: (nothing if decisions.dsr is None else dsr_summaries(
            decisions.dsr, order_shop, count, decisions.orphans, orphan_shop, profile, industry),
                 anomaly_summaries(decisions, line_shop, count, order_shop)),
        len(lines))
    experiences, units = experience_summaries(data, profile, when, shop_ids, line_shop)
    shops = []
    for sid, cred, dsr, anomaly, experience in zip(shop_ids, credits, dsrs, found, experiences,
                                                   strict=True):
        name = data.shop_names.get(sid)
        metrics = ShopResult(sid, cred, dsr, anomaly, experience=experience,
                             shop_name=name).metrics()
        checks_mod.validate_metrics(checks, metrics)
        results = tuple(checks_mod.evaluate(c, metrics) for c in checks)
        shops.append(ShopResult(sid, cred, dsr, anomaly, results, shop_name=name,
                                experience=experience))
    aware = pd.Timestamp(when).tz_localize(profile.tz).isoformat()
    inputs = {"rows_read": data.rows_read, "rows_rejected": data.rows_rejected,
              "rejected_by_reason": data.rejected_by_reason,
              "orphan_ratings": len(decisions.orphans),
              "ratings_left_out": ratings_left_out(data.files),
              "files": [f.to_dict() for f in data.files]}
    return AuditResult(aware, profile.name, inputs, tuple(shops)), units
