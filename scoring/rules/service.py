"""Service metrics (体验指标, RULES.md section 6): each of the 21 metrics of the table, as its
population (which orders, cases, rounds or sessions, by which clock, in the 30-day window
`as_of - window_days < t <= as_of`), what each member adds (1 for a rate's numerator, its
value for a mean) and which members are bad."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from shopscore.scoring.rules.scorecard_schema import METRICS, Scorecard
from shopscore.scoring.rules.service_cases import REASONS, TYPES, Cases
from shopscore.scoring.rules.service_chats import Rounds, Sessions
from shopscore.scoring.rules.service_clock import (
    after_night,
    in_span,
    in_window,
    minute_of_day,
    seconds,
)
from shopscore.scoring.rules.service_orders import Orders

HOUR = 3600  # seconds
# The means, and the seconds in their unit: durations are summed in whole seconds, and a
# mean of durations is total seconds / count (hours: that divided by 3600).
MEANS = {"goods_score": None, "pickup_hours_mean": HOUR, "pickup_points_mean": None,
         "delivery_hours_mean": HOUR, "aftersale_review_hours_mean": HOUR,
         "refund_hours_mean": HOUR, "reply_seconds_mean": 1, "first_reply_seconds_mean": 1}
# What each metric reads: trade-line columns by name, the files as `after_sales` / `chats`,
# a column of another file as `after_sales.agreed_at`. Without one of them the metric is not
# computed, and the result names what is missing.
NEEDS = {
    "valid_paid_orders": ("paid_at",),
    "goods_score": ("signed_at", "dsr_description"),
    "goods_good_rate": ("dsr_description",),
    "quality_return_rate": ("signed_at", "after_sales"),
    "negative_feedback_rate": ("signed_at", "after_sales", "dsr_description"),
    "pickup_hours_mean": ("paid_at", "collected_at"),
    "pickup_points_mean": ("paid_at", "collected_at"),
    "pickup_on_time_rate": ("paid_at", "collected_at", "after_sales"),
    "delivery_hours_mean": ("paid_at", "signed_at"),
    "delivery_on_time_rate": ("signed_at", "delivery_due_at"),
    "logistics_return_rate": ("paid_at", "after_sales"),
    "aftersale_on_time_rate": ("after_sales", "after_sales.agreed_at", "after_sales.refunded_at"),
    "aftersale_review_hours_mean": ("after_sales", "after_sales.agreed_at",
                                    "after_sales.refunded_at"),
    "refund_hours_mean": ("after_sales", "after_sales.agreed_at", "after_sales.refunded_at"),
    "refund_rate": ("paid_at", "after_sales"),
    "platform_help_rate": ("paid_at", "after_sales", "after_sales.escalated"),
    "reply_seconds_mean": ("chats",),
    "reply_within_rate": ("chats",),
    "first_reply_seconds_mean": ("chats",),
    "chat_satisfaction_rate": ("chats", "chats.rating"),
    "chat_dissatisfaction_rate": ("chats", "chats.rating"),
}
assert tuple(NEEDS) == METRICS


@dataclass
class Measure:
    """One metric over its units: who is in its population, what each adds to the numerator
    (a rate: 1 or 0; a mean: its value), who is bad (None: the metric has no bad count)."""

    unit: str  # "orders", "cases", "rounds" or "sessions"
    member: np.ndarray  # bool
    adds: np.ndarray  # float
    bad: np.ndarray | None


class Units:
    """The orders, cases, rounds and sessions of the data, and the window they are read in."""

    def __init__(self, orders: Orders, cases: Cases | None, rounds: Rounds | None,
                 sessions: Sessions | None, card: Scorecard, as_of: np.datetime64,
                 has_liable: bool = False):
        self.orders, self.cases, self.rounds, self.sessions = orders, cases, rounds, sessions
        self.card, self.as_of, self.has_liable = card, as_of, has_liable

    def window(self, times) -> np.ndarray:
        return in_window(times, self.as_of, self.card.window_days)

    def valid(self) -> np.ndarray:
        """Paid orders whose amount is above low_amount_yuan (when amounts are known)."""
        o = self.orders
        return ~np.isnat(o.paid) & ~(o.amount <= self.card.low_amount_yuan + 1e-9)

    def reason_in(self, reasons) -> np.ndarray:
        """Orders whose after-sale reason (their first case's) is one of `reasons`."""
        codes = [REASONS.index(r) for r in reasons]
        return np.isin(self.orders.first_reason, codes)

    def counts_in_service_hours(self, times) -> np.ndarray:
        """Where a time lies in the window and in service_hours (chats)."""
        return self.window(times) & in_span(minute_of_day(times), self.card.service_hours)


def _rate(unit, member, good) -> Measure:
    """A rate whose bad members are those not good."""
    return Measure(unit, member, good.astype(np.float64), member & ~good)


def _share_bad(unit, member, bad) -> Measure:
    """A rate whose numerator is its bad part."""
    return Measure(unit, member, bad.astype(np.float64), member & bad)


def _mean(unit, member, value, bad=None) -> Measure:
    return Measure(unit, member, np.where(member, value, 0.0), bad)


def measure(metric: str, u: Units) -> Measure:
    """The population and values of one metric (RULES.md section 6, the table in order)."""
    o, card = u.orders, u.card
    signed = u.window(o.signed)
    paid = u.window(o.paid)
    described = ~np.isnan(o.described)
    if metric == "valid_paid_orders":
        return Measure("orders", paid & u.valid(), np.ones(len(o)), None)
    if metric == "goods_score":
        member = signed & described
        return _mean("orders", member, o.described, member & (o.described <= 2))
    if metric == "goods_good_rate":
        return _rate("orders", u.window(o.described_at) & described, o.described >= 4)
    if metric == "quality_return_rate":
        return _share_bad("orders", signed, u.reason_in(card.quality_reasons))
    if metric == "negative_feedback_rate":
        return _share_bad("orders", signed,
                          u.reason_in(card.quality_reasons) | (described & (o.described <= 2)))
    if metric in ("pickup_hours_mean", "pickup_points_mean"):
        member = u.window(o.collected) & ~np.isnat(o.paid)
        taken = np.maximum(seconds(after_night(o.paid, card.pickup_night), o.collected), 0)
        if metric == "pickup_hours_mean":
            return _mean("orders", member, taken)
        return _mean("orders", member, pickup_points(taken, card))
    if metric == "pickup_on_time_rate":
        deadline = o.paid + np.timedelta64(int(card.pickup_limit_hours * 3600), "s")
        cancelled = (o.first_type == TYPES.index("refund_unshipped")) & (o.first_applied < deadline)
        member = ~np.isnat(o.paid) & u.window(deadline) & ~cancelled
        return _rate("orders", member, o.collected <= deadline)
    if metric == "delivery_hours_mean":
        member = signed & ~np.isnat(o.paid)
        return _mean("orders", member, seconds(o.paid, o.signed))
    if metric == "delivery_on_time_rate":
        return _rate("orders", u.window(o.due), o.signed <= o.due)
    if metric == "logistics_return_rate":
        bad = u.reason_in(card.logistics_reasons)
        if u.has_liable:
            bad &= o.first_liable
        return _share_bad("orders", paid, bad)
    if metric == "refund_rate":
        return _share_bad("orders", paid, o.refunded)
    if metric == "platform_help_rate":
        member = paid & (o.has_case if card.help_basis == "aftersale_orders" else True)
        return _share_bad("orders", member, o.escalated)
    if metric in ("aftersale_on_time_rate", "aftersale_review_hours_mean", "refund_hours_mean"):
        c = u.cases
        refunded = c.refunded & u.window(c.refunded_at) & ~np.isnan(c.review_seconds)
        if metric == "refund_hours_mean":
            return _mean("cases", refunded, c.seller_seconds)
        shipped = np.isin(c.type, [TYPES.index("refund_shipped"), TYPES.index("return_refund")])
        if metric == "aftersale_review_hours_mean":
            return _mean("cases", refunded & shipped, c.review_seconds)
        return _rate("cases", refunded & shipped,
                     c.review_seconds <= card.aftersale_limit_hours * HOUR)
    if metric in ("reply_seconds_mean", "reply_within_rate", "first_reply_seconds_mean"):
        r = u.rounds
        counts = u.counts_in_service_hours(r.start)
        if metric == "reply_seconds_mean":
            return _mean("rounds", counts, r.response)
        if metric == "first_reply_seconds_mean":
            return _mean("rounds", counts & r.first, r.response)
        return _rate("rounds", counts, r.answered & (r.response <= card.reply_limit_seconds))
    s = u.sessions
    rated = u.counts_in_service_hours(s.first_at) & ~np.isnan(s.rating)
    if metric == "chat_satisfaction_rate":
        return _rate("sessions", rated, s.rating >= 4)
    if metric == "chat_dissatisfaction_rate":
        return _share_bad("sessions", rated, s.rating <= 3)
    raise ValueError(f"no such metric: {metric}")


def pickup_points(taken: np.ndarray, card: Scorecard) -> np.ndarray:
    """The points of each pickup time (seconds): of the first pickup_points row whose hours
    are at least the order's, beyond the last row pickup_points_beyond."""
    bounds = np.array([row[0] * HOUR for row in card.pickup_points], dtype=np.float64)
    points = np.array([row[1] for row in card.pickup_points] + [card.pickup_points_beyond],
                      dtype=np.float64)
    return points[np.searchsorted(bounds, taken, side="left")]


def missing_inputs(available: set) -> dict:
    """Per metric, the inputs it reads that are not available (empty: it can be computed)."""
    return {metric: [n for n in needs if n not in available] for metric, needs in NEEDS.items()}
