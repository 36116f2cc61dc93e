"""After-sale cases (售后, RULES.md section 6): the case facts the metrics read, and what an
order's cases tell of it. A case applied for after as_of does not exist yet; its other times
after as_of are absent. A case is refunded when its status is refunded and its refunded_at
is not after as_of. A case without agreed_at has no review or seller hours."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from shopscore.scoring.engine.coded import where_true
from shopscore.scoring.engine.groups import group_first
from shopscore.scoring.engine.ordering import grouped_in_order
from shopscore.scoring.inputs.columns import AFTER_SALES
from shopscore.scoring.rules.scorecard_schema import Scorecard
from shopscore.scoring.rules.service_clock import absent_after, after_night, seconds
from shopscore.scoring.rules.service_orders import Orders

TYPES, REASONS, STATUSES = (AFTER_SALES["words"][k] for k in ("type", "reason", "status"))
NO_TIME = np.datetime64("NaT", "ns")


@dataclass
class Cases:
    """One entry per case that exists by as_of."""

    row: np.ndarray  # its row in the after-sales table (for explain)
    shop: np.ndarray  # its shop's position among the shops audited (-1: another)
    order: np.ndarray  # its order's number (-1: an order not in the trade lines)
    type: np.ndarray  # codes of TYPES
    reason: np.ndarray  # codes of REASONS
    refunded: np.ndarray  # refunded by as_of
    refunded_at: np.ndarray
    escalated: np.ndarray
    liable: np.ndarray
    review_seconds: np.ndarray  # NaN without agreed_at (whole seconds)
    seller_seconds: np.ndarray  # NaN without agreed_at


def cases_of(after_sales: pd.DataFrame, order_of: np.ndarray, shop_of: np.ndarray,
             card: Scorecard, as_of: np.datetime64) -> Cases:
    """The cases of the after-sales table that exist by as_of; `order_of` and `shop_of` give
    each row's order number (-1: none) and shop position."""
    applied = after_sales["applied_at"].to_numpy("datetime64[ns]")
    rows = where_true(applied <= as_of)

    def column(name, default):
        if name not in after_sales:
            return np.full(len(rows), default)
        return after_sales[name].to_numpy()[rows]

    def time(name):
        if name not in after_sales:
            return np.full(len(rows), NO_TIME)
        return after_sales[name].to_numpy("datetime64[ns]")[rows]

    applied = applied[rows]
    agreed = absent_after(time("agreed_at"), as_of)
    received = absent_after(time("return_received_at"), as_of)
    refunded_at = time("refunded_at")
    status = after_sales["status"].cat.codes.to_numpy()[rows]
    kind = after_sales["type"].cat.codes.to_numpy()[rows]
    refunded = (status == STATUSES.index("refunded")) & ~(refunded_at > as_of)
    refunded_at = absent_after(refunded_at, as_of)
    # Review hours (审核时长): from the application, moved out of the review night, to the
    # agreement; never below 0. Seller hours (退款处理时长): application to agreement, plus
    # return received to refund for a return_refund case that has both.
    review = np.maximum(seconds(after_night(applied, card.review_night), agreed), 0)
    seller = seconds(applied, agreed)
    returned = (kind == TYPES.index("return_refund")) & ~np.isnat(received) & ~np.isnat(
        refunded_at)
    seller[returned] += seconds(received[returned], refunded_at[returned])
    return Cases(row=rows, shop=shop_of[rows], order=order_of[rows], type=kind,
                 reason=after_sales["reason"].cat.codes.to_numpy()[rows], refunded=refunded,
                 refunded_at=refunded_at, escalated=column("escalated", False).astype(bool),
                 liable=column("seller_liable", False).astype(bool), review_seconds=review,
                 seller_seconds=seller)


def with_cases(orders: Orders, cases: Cases, after_sales: pd.DataFrame) -> Orders:
    """The orders' after-sale facts from their cases: the first case (the earliest applied,
    ties: aftersale_id) gives the order's after-sale reason and type; any refunded or
    escalated case makes the order refunded or escalated."""
    known = where_true(cases.order >= 0)
    if not known.size:
        return orders
    order = cases.order[known]
    orders.has_case[order] = True
    orders.refunded[order[cases.refunded[known]]] = True
    orders.escalated[order[cases.escalated[known]]] = True
    columns = {"order": pd.Series(order), "aftersale_id": after_sales["aftersale_id"].iloc[
        cases.row[known]].reset_index(drop=True)}
    applied = np.full(len(known), NO_TIME)
    applied[:] = after_sales["applied_at"].to_numpy("datetime64[ns]")[cases.row[known]]
    ranked, group, _ = grouped_in_order(columns, np.arange(len(known)), ("order",), applied,
                                        ("aftersale_id",))
    first = ranked[np.unique(group_first(group))]  # each order's first case
    take = known[first]
    orders.first_reason[cases.order[take]] = cases.reason[take]
    orders.first_type[cases.order[take]] = cases.type[take]
    orders.first_applied[cases.order[take]] = applied[first]
    orders.first_liable[cases.order[take]] = cases.liable[take]
    return orders
