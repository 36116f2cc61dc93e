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
from shopscore.scoring.rules.profile import Profile
from shopscore.scoring.rules.reasons import AFTER_AS_OF, ORPHAN


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
    """Every rating of the data decided as of the local `as_of`: credit and DSR (side by side
    for big inputs), and the orphan rating rows."""
    lines = data.lines

    def dsr_decided():
        with stage("dsr"):
            return decide_dsr(lines, profile, as_of)

    def credit_decided():
        with stage("credit"):
            return decide_credit(lines, profile, as_of)

    credit, dsr = side_by_side(credit_decided, dsr_decided, len(lines))
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
        "credit_fate": pd.Series(np.where(has_credit, np.where(late, AFTER_AS_OF, ORPHAN),
                                          None), dtype=object),
        "dsr_fate": pd.Series(np.where(has_dsr, np.where(dsr_late, AFTER_AS_OF, ORPHAN), None),
                              dtype=object),
    })
