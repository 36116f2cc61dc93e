"""The insight commands on an audit in partitions (an input bigger than the memory budget):
what each partition gives (a piece, made where its decisions and experience units are, by a
top-level function so that it pickles for a Dask worker); the pieces are put together by
explain.merged, experience.merged_members and day_tallies as the whole audit's decisions
would give them. Rules are not applied here: the pieces are made
by the insight modules themselves (explain.py, experience.py) on one partition's records."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from shopscore.scoring.engine.audit import Tallied
from shopscore.scoring.engine.experience import available_inputs, experience_tally
from shopscore.scoring.insight import experience as experience_mod
from shopscore.scoring.insight.explain import explain as explain_lines
from shopscore.scoring.rules.figures import DAY

# --- explain --order / --buyer / --item ---------------------------------------------------

def explain_part(data, decisions, tallied, task, order=None, buyer=None, item=None,
                 shop=None) -> dict:
    """One partition's explanation of the selected lines (orphans judged against every
    shop of the audit)."""
    return explain_lines(decisions, task.profile, task.when, order=order, buyer=buyer,
                         item=item, shop=shop, shops=set(task.shops))


# --- explain --metric ---------------------------------------------------------------------

def metric_part(data, decisions, tallied, task, metric: str, limit: int = 0) -> dict:
    """One partition's members of a metric that cost its shops points."""
    return experience_mod.explain_metric(metric, tallied.units, data, tallied.shop_ids,
                                         task.profile.tz, limit)


# --- whatif: the members of the mean metrics ------------------------------------------------

def members_part(data, decisions, tallied, task) -> dict:
    """Per shop of the partition, per mean metric, its members' own values."""
    found = [n[len("metric:"):] for n in (tallied.experience or {})]
    return {sid: experience_mod.mean_members(tallied.units, found, k)
            for k, sid in enumerate(tallied.shop_ids)}


def members(pieces: list, shop_id: str) -> dict:
    """One shop's members of each mean metric, over all partitions."""
    found: dict = {}
    for piece in pieces:
        for metric, values in piece.get(shop_id, {}).items():
            found.setdefault(metric, []).append(values)
    return {metric: np.concatenate(parts) for metric, parts in found.items()}


# --- forecast: the experience tallies of the days ahead -------------------------------------

def days_part(data, decisions, tallied, task, days: int) -> list:
    """The partition's experience tallies as the window rolls on, day 0..days."""
    units, available = tallied.units, available_inputs(data)
    return [replace(tallied, credit=None, dsr=None, anomaly={}, calendar=None, units=None,
                    experience=experience_tally(experience_mod.rolled(units, units.as_of + d * DAY),
                                                available, len(tallied.shop_ids)))
            for d in range(days + 1)]


def day_tallies(pieces: list, days: int) -> list:
    """Each day's experience tally of the audit's shops, the partitions' added up."""
    return [Tallied.merged([piece[d] for piece in pieces]).experience for d in range(days + 1)]
