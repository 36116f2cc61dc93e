"""The sample shop's service side (RULES.md section 6): payment, pickup, sign-for and promised
delivery times of its orders, after-sale cases and customer-service chats, drawn by their own
seeded generator (so the trade lines, ratings and DSR of a seed stay as they were). Every
metric gets data, with a few of each bad kind: late pickups, late deliveries, quality and
logistics returns, slow reviews, escalations, slow and unanswered chat rounds, unhappy
sessions. Times are int32 seconds since the simulation's base, as in simulate.py."""

from __future__ import annotations

import numpy as np

from shopscore.scoring.sample.simulate import DAY, HOUR, MINUTE, NO_TIME

CASE_TYPES = ("refund_unshipped", "refund_shipped", "return_refund", "exchange")
CASE_REASONS = ("quality", "damaged", "logistics", "no_reason", "other")
CASE_STATUSES = ("refunded", "closed", "rejected", "open")
SENDERS = ("buyer", "bot", "agent")


def _u(rng, lo, hi, n) -> np.ndarray:
    return rng.integers(int(lo), int(hi), n, dtype=np.int64)


def _mixture(rng, n, parts) -> np.ndarray:
    """n draws from a mixture of uniform ranges: parts are (share, lo, hi)."""
    cum = np.cumsum([p[0] for p in parts])
    which = np.searchsorted(cum / cum[-1], rng.random(n), side="right")
    out = np.zeros(n, dtype=np.int64)
    for k, (_, lo, hi) in enumerate(parts):
        mine = which == k
        out[mine] = _u(rng, lo, hi, int(mine.sum()))
    return out


def _night_start(t: np.ndarray, night=(18 * HOUR, 6 * HOUR)) -> np.ndarray:
    """The pickup clock's start: t, or the next 06:00 when t lies in 18:00-06:00."""
    tod = t % DAY
    day = t - tod
    return np.where(tod >= night[0], day + DAY + night[1], np.where(tod < night[1],
                                                                    day + night[1], t))


def service_orders(sim: dict, seed: int) -> dict:
    """Each order's payment, pickup, sign-for and promised delivery (int32, NO_TIME: none),
    consistent with its lines (a successful order is signed for before it completes)."""
    rng = np.random.default_rng(seed + 1_000_003)
    orders, lines = sim["orders"], sim["lines"]
    created = orders["created_at"].astype(np.int64)
    n = created.size
    export = sim["now"] + 7 * DAY
    first = np.searchsorted(lines["oidx"], np.arange(n))  # each order's first line
    status = lines["status"][first]  # 0 success, 1 closed, 2 open
    completed = lines["completed_at"][first].astype(np.int64)
    unpaid = ((status == 1) & (rng.random(n) < 0.5)) | ((status == 2) & (rng.random(n) < 0.08))
    paid = created + _u(rng, 10, 30 * MINUTE, n)
    pickup = _mixture(rng, n, [(0.62, HOUR, 20 * HOUR), (0.25, 20 * HOUR, 40 * HOUR),
                                (0.10, 40 * HOUR, 60 * HOUR), (0.03, 60 * HOUR, 120 * HOUR)])
    collected = _night_start(paid) + pickup
    signed = collected + _mixture(rng, n, [(0.8, 18 * HOUR, 72 * HOUR),
                                            (0.2, 72 * HOUR, 140 * HOUR)])
    due = collected + 72 * HOUR
    done = status == 0
    # A successful order was signed for (and collected) before it completed.
    squeeze = done & (signed >= completed)
    span = np.maximum(completed - paid, 2 * HOUR)
    collected[squeeze] = np.minimum(collected, paid + span // 3)[squeeze]
    signed[squeeze] = (paid + span * 4 // 5)[squeeze]
    due[squeeze] = np.maximum(due, signed - _u(rng, 0, 30 * HOUR, n))[squeeze]
    not_shipped = unpaid | ((status == 1) & (rng.random(n) < 0.6))
    out = {"paid_at": paid, "collected_at": collected, "signed_at": signed,
           "delivery_due_at": due}
    for name, gone in (("paid_at", unpaid), ("collected_at", not_shipped),
                       ("signed_at", not_shipped | (status == 2) & (rng.random(n) < 0.5)),
                       ("delivery_due_at", not_shipped)):
        value = out[name]
        value[gone | (value > export)] = NO_TIME
        out[name] = value.astype(np.int32)
    return out


def after_sales(sim: dict, seed: int) -> dict:
    """After-sale cases: about 0.15 per trade line (every refunded line's order has one)."""
    rng = np.random.default_rng(seed + 2_000_029)
    orders, lines = sim["orders"], sim["lines"]
    paid = orders["paid_at"].astype(np.int64)
    n_orders = paid.size
    export = sim["now"] + 7 * DAY
    refunded_order = np.zeros(n_orders, dtype=bool)
    refunded_order[lines["oidx"][lines["refunded"]]] = True
    chance = min(1.0, 0.15 * lines["oidx"].size / max(n_orders, 1))
    has = (paid != NO_TIME) & ((rng.random(n_orders) < chance) | refunded_order)
    order = np.flatnonzero(has)
    n = order.size
    kind = np.searchsorted([0.28, 0.52, 0.9], rng.random(n), side="right")
    collected = orders["collected_at"][order].astype(np.int64)
    signed = orders["signed_at"][order].astype(np.int64)
    kind[(collected == NO_TIME) & (kind > 0)] = 0  # nothing shipped: an unshipped refund
    kind[refunded_order[order] & (kind == 3)] = 2
    reason = np.searchsorted([0.2, 0.28, 0.48, 0.9], rng.random(n), side="right")
    shipped_at = np.where(signed != NO_TIME, signed, np.where(collected != NO_TIME, collected,
                                                              paid[order]))
    applied = np.where(kind == 0, paid[order] + _u(rng, 10 * MINUTE, 20 * HOUR, n),
                       shipped_at + _u(rng, 30 * MINUTE, 5 * DAY, n))
    applied[kind == 0] = np.minimum(applied, np.where(collected != NO_TIME, collected - MINUTE,
                                                      applied))[kind == 0]
    review = _mixture(rng, n, [(0.6, 5 * MINUTE, 6 * HOUR), (0.3, 6 * HOUR, 40 * HOUR),
                               (0.1, 40 * HOUR, 80 * HOUR)])
    start = np.where((applied % DAY >= 23 * HOUR) | (applied % DAY < 8 * HOUR),
                     _night_start(applied, (23 * HOUR, 8 * HOUR)), applied)
    agreed = start + review
    status = np.searchsorted([0.72, 0.87, 0.92], rng.random(n), side="right")
    status[refunded_order[order]] = 0
    received = np.where(kind == 2, agreed + _u(rng, DAY, 5 * DAY, n), NO_TIME)
    refunded_at = np.where(kind == 2, received + _u(rng, 10 * MINUTE, 30 * HOUR, n),
                           agreed + _u(rng, MINUTE, 2 * HOUR, n))
    refunded_at[status != 0] = NO_TIME
    agreed[(status == 2) | ((status == 3) & (rng.random(n) < 0.6))] = NO_TIME
    for times in (agreed, received, refunded_at):
        times[times > export] = NO_TIME
    keep = applied <= export
    escalated = rng.random(n) < 0.04
    liable = (reason == CASE_REASONS.index("logistics")) & (rng.random(n) < 0.9)
    pick = {"order": order, "type": kind, "reason": reason, "status": status,
            "applied_at": applied, "agreed_at": agreed, "return_received_at": received,
            "refunded_at": refunded_at, "escalated": escalated, "seller_liable": liable}
    return {k: v[keep] for k, v in pick.items()}


def chats(sim: dict, seed: int) -> dict:
    """Chat messages: about five per trade line, in sessions of one to three rounds, a few
    slow or unanswered, some sessions rated."""
    rng = np.random.default_rng(seed + 3_000_017)
    orders = sim["orders"]
    created = orders["created_at"].astype(np.int64)
    signed = orders["signed_at"].astype(np.int64)
    export = sim["now"] + 7 * DAY
    n_orders = created.size
    order = np.arange(n_orders)
    after = (signed[order] != NO_TIME) & (rng.random(order.size) < 0.4)
    start = np.where(after, signed[order] + _u(rng, HOUR, 3 * DAY, order.size),
                     created[order] - _u(rng, 5 * MINUTE, 2 * HOUR, order.size))
    rounds = 1 + (rng.random(order.size) < 0.65) + (rng.random(order.size) < 0.35) + (
        rng.random(order.size) < 0.2)
    session = np.repeat(np.arange(order.size), rounds)
    first_round = np.concatenate(([True], session[1:] != session[:-1]))
    buyers = 1 + (rng.random(session.size) < 0.45)
    bot = rng.random(session.size) < 0.4
    answered = rng.random(session.size) >= 0.05
    reply = _mixture(rng, session.size, [(0.6, 2, 30), (0.25, 30, 180), (0.12, 180, 600),
                                         (0.03, 600, 1800)])
    # Each round is asked a while after the one before it was answered.
    step = np.zeros(session.size, dtype=np.int64)
    step[1:] = reply[:-1] + _u(rng, MINUTE, 30 * MINUTE, session.size - 1)
    step[first_round] = 0
    cum = np.cumsum(step)
    asked = start[session] + cum - np.repeat(cum[first_round], rounds)
    parts_per_round = buyers + bot + answered
    msg_round = np.repeat(np.arange(session.size), parts_per_round)
    within = np.arange(msg_round.size) - np.repeat(np.cumsum(parts_per_round) - parts_per_round,
                                                   parts_per_round)
    is_buyer = within < buyers[msg_round]
    is_bot = ~is_buyer & (within < (buyers + bot)[msg_round])
    sender = np.where(is_buyer, 0, np.where(is_bot, 1, 2))
    sent = asked[msg_round] + np.where(is_buyer, within * 15, np.where(
        is_bot, buyers[msg_round] * 15, reply[msg_round]))
    sess = session[msg_round]
    last = np.concatenate((sess[1:] != sess[:-1], [True]))
    rated = rng.random(order.size) < 0.35
    stars = np.searchsorted([0.05, 0.1, 0.2, 0.4], rng.random(order.size), side="right") + 1
    rating = np.where(last & rated[sess], stars[sess], 0)
    # Written as a chat log is: each session's messages in the order they were sent.
    keep = np.flatnonzero(sent <= export)
    keep = keep[np.lexsort((sender[keep], sent[keep], sess[keep]))]
    return {"session": sess[keep], "order": order[sess][keep], "sender": sender[keep],
            "sent_at": sent[keep], "rating": rating[keep]}
