"""The orders of RULES.md section 6: an order is (shop_id, order_id); its payment, pickup,
sign-for and promised delivery are the earliest of its lines' (nothing after as_of exists),
its amount the sum of its lines', its description score the DSR `description` of its
earliest-rated line (as section 3 picks it, by as_of, no eligibility test, no monthly cap),
and its after-sale facts come from its cases (the first one: the earliest applied)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from shopscore.scoring.engine.coded import codes, where_true
from shopscore.scoring.engine.groups import appearance_codes, combine_codes, group_earliest
from shopscore.scoring.engine.ordering import first_in_groups
from shopscore.scoring.inputs.columns import DSR_COLUMNS, SERVICE_TIME_COLUMNS
from shopscore.scoring.rules.service_clock import absent_after

NO_TIME = np.datetime64("NaT", "ns")


@dataclass
class Orders:
    """One entry per order, in the order of its first line."""

    shop: np.ndarray  # its shop's position among the shops audited (-1: another)
    line: np.ndarray  # the row of its first line (its ids, for explain)
    paid: np.ndarray  # datetime64[ns]; NaT: not paid by as_of
    collected: np.ndarray
    signed: np.ndarray
    due: np.ndarray  # the carrier's promised delivery
    amount: np.ndarray  # float; NaN: no line says
    described: np.ndarray  # the description score 1..5; NaN: none by as_of
    described_at: np.ndarray  # when it was given
    # From the after-sale cases (all False / -1 / NaT without an after-sales file):
    first_reason: np.ndarray  # the reason code of its first case (-1: no case)
    first_type: np.ndarray  # the type code of its first case
    first_applied: np.ndarray  # when its first case was applied for
    first_liable: np.ndarray  # its first case was ruled against the seller
    has_case: np.ndarray
    refunded: np.ndarray  # it has a refunded case
    escalated: np.ndarray  # it has an escalated case

    def __len__(self) -> int:
        return len(self.line)


def order_numbers(lines: pd.DataFrame) -> np.ndarray:
    """Each line's order number 0.., orders numbered in the order of their first line."""
    if not len(lines):
        return np.zeros(0, dtype=np.int64)
    key = combine_codes(codes(lines["shop_id"], dtype=None), codes(lines["order_id"], dtype=None))
    return appearance_codes(key)


def orders_of(lines: pd.DataFrame, number: np.ndarray, line_shop: np.ndarray,
              as_of: np.datetime64) -> Orders:
    """The orders of the lines (`number`: each line's order number, `line_shop` its shop's
    position), before their after-sale cases are known (see with_cases)."""
    count = int(number.max()) + 1 if len(number) else 0
    first = np.full(count, len(number), dtype=np.int64)
    np.minimum.at(first, number, np.arange(len(number)))
    times = {}
    for col in SERVICE_TIME_COLUMNS:
        if col in lines:
            times[col] = group_earliest(number, absent_after(
                lines[col].to_numpy("datetime64[ns]"), as_of), count)
        else:
            times[col] = np.full(count, NO_TIME)
    described, described_at = _descriptions(lines, number, count, as_of)
    zeros = np.zeros(count, dtype=bool)
    return Orders(shop=line_shop[first] if count else np.zeros(0, np.int64), line=first,
                  paid=times["paid_at"], collected=times["collected_at"],
                  signed=times["signed_at"], due=times["delivery_due_at"],
                  amount=_amounts(lines, number, count), described=described,
                  described_at=described_at, first_reason=np.full(count, -1, np.int8),
                  first_type=np.full(count, -1, np.int8), first_applied=np.full(count, NO_TIME),
                  first_liable=zeros, has_case=zeros.copy(), refunded=zeros.copy(),
                  escalated=zeros.copy())


def _amounts(lines: pd.DataFrame, number: np.ndarray, count: int) -> np.ndarray:
    """Each order's amount: the sum of its lines' amounts (NaN, unknown, unless every line
    of the order says)."""
    if "amount" not in lines:
        return np.full(count, np.nan)
    amount = lines["amount"].to_numpy(dtype="float64")
    unknown = np.bincount(number[np.isnan(amount)], minlength=count) > 0
    total = np.bincount(number, weights=np.nan_to_num(amount), minlength=count)
    return np.where(unknown, np.nan, total)


def _descriptions(lines: pd.DataFrame, number: np.ndarray, count: int, as_of: np.datetime64):
    """Each order's description score and its date: the `description` of its earliest-rated
    line carrying DSR by as_of (ties: line_id), NaN when none, or when that line scored no
    description."""
    scores = np.full(count, np.nan)
    at = np.full(count, NO_TIME)
    carried = [c for c in DSR_COLUMNS if c in lines]
    if not carried or "dsr_description" not in lines or not count:
        return scores, at
    rated_at = lines["dsr_rated_at"].to_numpy("datetime64[ns]")
    has = np.zeros(len(lines), dtype=bool)
    for col in carried:
        has |= ~np.isnan(lines[col].to_numpy(dtype="float64"))
    rows = where_true(has & (rated_at <= as_of))
    if not rows.size:
        return scores, at
    pick = first_in_groups(number[rows], rated_at[rows], rows, lines["line_id"], count)
    picked = pick < len(lines)  # orders with such a line (the others keep the int64 max)
    chosen = pick[picked]
    scores[picked] = lines["dsr_description"].to_numpy(dtype="float64")[chosen]
    at[picked] = rated_at[chosen]
    return scores, at
