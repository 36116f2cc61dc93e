"""The decisions: the fate of every rating, decided once by the rules of RULES.md sections 1-3
(credit per line, DSR per order, orphans), the record the audit and explain both read."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import numpy as np
import pandas as pd

from shopscore.scoring.engine.stages import stage
from shopscore.scoring.engine.threads import side_by_side
from shopscore.scoring.inputs.dataset import Dataset
from shopscore.scoring.rules.credit import decide_credit
from shopscore.scoring.rules.dsr import decide_dsr
from shopscore.scoring.rules.eligibility import orphan_fates
from shopscore.scoring.rules.profile import Profile


@dataclass(frozen=True)
class Decisions:
    """The engine's record of every decision: one row per line (credit), per order (DSR),
    plus the rating rows that matched no trade line. Audit and explain read the same."""

    lines: pd.DataFrame
    credit: pd.DataFrame | None  # None: the profile has no credit rules
    dsr: pd.DataFrame | None  # None: the profile has no DSR rules
    orphans: pd.DataFrame
    units: object = None  # the experience score's units (engine/experience.py), once built


def local_as_of(as_of: datetime, profile: Profile) -> np.datetime64:
    """as_of as naive local wall-clock time, the clock every rule runs on."""
    if as_of.tzinfo is not None:
        as_of = as_of.astimezone(profile.tz).replace(tzinfo=None)
    return np.datetime64(as_of, "ns")


def decide(data: Dataset, profile: Profile, as_of: np.datetime64) -> Decisions:
    """Every rating of the data decided as of the local `as_of`: credit and DSR (side by side
    for big inputs), and the orphan rating rows."""
    lines = data.lines

    def dsr_decided():
        if not profile.dsr_rules:
            return None
        with stage("dsr"):
            return decide_dsr(lines, profile, as_of)

    def credit_decided():
        if not profile.credit_rules:
            return None
        with stage("credit"):
            return decide_credit(lines, profile, as_of)

    credit, dsr = side_by_side(credit_decided, dsr_decided, len(lines))
    return Decisions(lines, credit, dsr, orphan_fates(data.orphans, profile, as_of))
