"""The sample shop's simulation: trades, ratings and revisions drawn by a seeded generator, as
integer arrays (times in seconds), realistic enough to exercise every scoring rule."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import numpy as np

TZ = ZoneInfo("Asia/Shanghai")
DEFAULT_AS_OF = datetime(2026, 11, 22, tzinfo=TZ)

TRADE_COLUMNS = ("shop_id", "order_id", "line_id", "buyer_id", "item_id", "created_at",
                 "completed_at", "status", "escrow", "refunded", "amount", "paid_at",
                 "collected_at", "signed_at", "delivery_due_at")
RATING_PART = ("rated_at", "credit", "revised_at", "revised_to", "seller_rated_at",
               "seller_credit", "dsr_rated_at", "dsr_description", "dsr_service",
               "dsr_shipping", "dsr_logistics")
COLUMNS = TRADE_COLUMNS + RATING_PART
RATING_COLUMNS = ("order_id", "line_id", "shop_id") + RATING_PART
DSR_ITEMS = ("dsr_description", "dsr_service", "dsr_shipping", "dsr_logistics")

MINUTE, HOUR, DAY = 60, 3600, 86400
NO_TIME = np.iinfo(np.int32).min  # a missing time
NO_CREDIT = -9
STATUS_WORDS = ("success", "closed", "open")
CREDIT_WORDS = ("negative", "neutral", "positive")  # index = points + 1
REVISION_WORDS = ("positive", "deleted")
CHUNK = 1 << 20  # rows formatted and written at a time
HISTORY_DAYS = 420  # times are int32 seconds since midnight this many days before as_of

# Stars 1..5: most buyers give 5, a few 4, very few less (seller items average ~4.8).
STARS = np.array([0.003, 0.004, 0.015, 0.12, 0.858])
STARS_LOGISTICS = np.array([0.004, 0.006, 0.02, 0.15, 0.82])
STARS_UNHAPPY = np.array([0.15, 0.15, 0.25, 0.25, 0.20])  # orders the buyer rated negative


def _local_seconds(as_of: datetime) -> int:
    """as_of as seconds since 1970-01-01 00:00 of the local (Asia/Shanghai) wall clock."""
    if as_of.tzinfo is not None:
        as_of = as_of.astimezone(TZ).replace(tzinfo=None)
    return int((as_of - datetime(1970, 1, 1)).total_seconds())


def _rand(rng, n):
    return rng.random(n, dtype=np.float32)


def _pick(rng, cand, p, at_least=0, safe=None):
    """A random subset of cand (each with probability p), topped up to at_least from safe."""
    chosen = cand & (_rand(rng, cand.size) < p)
    if at_least:
        pool_mask = cand if safe is None else cand & safe
        short = at_least - int(np.count_nonzero(chosen & pool_mask))
        pool = np.flatnonzero(pool_mask & ~chosen)
        if short > 0 and pool.size:
            chosen[rng.choice(pool, size=min(short, pool.size), replace=False)] = True
    return chosen


def _stars(rng, n, probs):
    cum = (np.cumsum(probs) / probs.sum())[:-1].astype(np.float32)
    return (np.searchsorted(cum, _rand(rng, n), side="right") + 1).astype(np.int8)


def _uniform(rng, lo, hi, n):
    return rng.integers(int(lo), int(hi), n, dtype=np.int32)


def simulate(lines: int, seed: int, shops: int, as_of: datetime) -> dict:
    """Every column as numbers (codes, int32 seconds, cents), orders apart from their lines."""
    rng = np.random.default_rng(seed)
    now_abs = _local_seconds(as_of)
    base = now_abs - now_abs % DAY - HISTORY_DAYS * DAY
    now = now_abs - base
    midnight = HISTORY_DAYS * DAY
    export = now + 7 * DAY  # the export was taken a week after as_of: nothing later exists

    # Orders and their sizes: mostly one line, some two to four.
    guess = int(lines / 1.29 * 1.05) + 16
    u = _rand(rng, guess)
    sizes = 1 + (u >= 0.8).astype(np.int32) + (u >= 0.93) + (u >= 0.98)
    ends = np.cumsum(sizes, dtype=np.int64)
    if ends[-1] < lines:
        sizes = np.concatenate([sizes, np.ones(lines - ends[-1], dtype=np.int32)])
        ends = np.cumsum(sizes, dtype=np.int64)
    n_orders = int(np.searchsorted(ends, lines) + 1)
    sizes = sizes[:n_orders].copy()
    sizes[-1] -= ends[n_orders - 1] - lines

    # Order-level facts: shop (a few big, more small), buyer and first item (some popular).
    if shops > 1:
        weights = 1 / np.sqrt(np.arange(1, shops + 1))
        cum = (np.cumsum(weights) / weights.sum())[:-1].astype(np.float32)
        shop = np.searchsorted(cum, _rand(rng, n_orders), side="right").astype(np.int32)
    else:
        shop = np.zeros(n_orders, np.int32)
    n_buyers = max(20, int(n_orders * 0.55))
    u = _rand(rng, n_orders)
    buyer = (n_buyers * u * u).astype(np.int32)
    items_per_shop = max(40, lines // (15 * shops))
    u = _rand(rng, n_orders)
    first_item = (items_per_shop * u * u).astype(np.int32)
    created = (midnight - _uniform(rng, 1, 401, n_orders) * DAY
               + (DAY * np.sqrt(_rand(rng, n_orders))).astype(np.int32))  # busier evenings
    later = np.flatnonzero(_pick(rng, np.ones(n_orders, bool), 0.004, at_least=2))
    created[later] = now + _uniform(rng, MINUTE, 6 * DAY, later.size)
    closed = _rand(rng, n_orders) < 0.04
    escrow = _rand(rng, n_orders) >= 0.015
    done_lag = np.minimum(DAY + rng.standard_exponential(n_orders, dtype=np.float32) * (3 * DAY),
                          14 * DAY).astype(np.int32)

    # Special orders, disjoint: brushing buyers (many orders in one month) and same-item repeats.
    perm = rng.permutation(n_orders)
    n_brushers = max(1, round(lines / 1500)) if n_orders >= 40 else 0
    per_brusher = _uniform(rng, 8, 13, n_brushers)
    n_brush = int(per_brusher.sum())
    n_repeat = min(max(2, round(0.03 * n_orders)), (n_orders - n_brush) // 2)
    brush_orders = perm[:n_brush]
    repeats = perm[n_brush:n_brush + n_repeat]
    sources = perm[n_brush + n_repeat:n_brush + 2 * n_repeat]

    brusher = np.repeat(np.arange(n_brushers), per_brusher)
    month_now = np.datetime64(now_abs, "s").astype("datetime64[M]")
    brush_month = ((month_now - _uniform(rng, 1, 7, n_brushers)).astype("datetime64[s]")
                   .astype(np.int64) - base).astype(np.int32)
    brush = np.zeros(n_orders, bool)
    brush[brush_orders] = True
    buyer[brush_orders] = n_buyers + brusher
    shop[brush_orders] = rng.integers(0, shops, n_brushers)[brusher]
    created[brush_orders] = brush_month[brusher] + _uniform(rng, 8 * HOUR, 18 * DAY, n_brush)
    done_lag[brush_orders] = _uniform(rng, 6 * HOUR, 2 * DAY, n_brush)
    closed[brush_orders] = False
    escrow[brush_orders] = True

    buyer[repeats] = buyer[sources]
    shop[repeats] = shop[sources]
    first_item[repeats] = first_item[sources]
    created[repeats] = created[sources] + _uniform(rng, 2 * HOUR, 27 * DAY // 2, n_repeat)

    # Orders in creation order; order ids grow with it.
    order = np.argsort(created, kind="stable")
    shop, buyer, first_item, created = shop[order], buyer[order], first_item[order], created[order]
    closed, escrow, done_lag, brush, sizes = (closed[order], escrow[order], done_lag[order],
                                              brush[order], sizes[order])
    order_num = 3_012_000_000_000_000_000 + np.cumsum(
        rng.integers(10, 1_000_000_000, n_orders, dtype=np.int64))
    completed_order = created + done_lag
    status_order = np.where(closed, 1, np.where(completed_order > export, 2, 0)).astype(np.int8)

    # Lines.
    starts = np.cumsum(sizes, dtype=np.int64) - sizes
    oidx = np.repeat(np.arange(n_orders, dtype=np.int32), sizes)
    line_no = (np.arange(lines, dtype=np.int64) - starts[oidx]).astype(np.int8)
    is_brush = brush[oidx]
    u = _rand(rng, lines)
    item = (items_per_shop * u * u).astype(np.int32)
    own = first_item[oidx]
    item = np.where(line_no == 0, own, np.where(item == own, (item + 1) % items_per_shop, item))
    status = status_order[oidx]
    multi = sizes[oidx] > 1
    partial = _pick(rng, (status == 0) & multi & ~is_brush, 0.03)
    status[partial] = 1  # a line closed inside a successful order
    success = status == 0
    completed = np.where(success, completed_order[oidx], NO_TIME)
    refunded = _pick(rng, success & ~is_brush, 0.02)
    line_escrow = escrow[oidx]

    # Buyer credit ratings: most within a few days of success, a few too late.
    rated = _pick(rng, success & ~is_brush, 0.68) | is_brush
    lag = (rng.standard_exponential(lines, dtype=np.float32) * (2 * DAY)).astype(np.int32) \
        % (15 * DAY - MINUTE) + MINUTE
    outside = _pick(rng, rated & ~is_brush, 0.025, at_least=2,
                    safe=(completed < now - 60 * DAY) & line_escrow & ~refunded)
    lag[outside] = _uniform(rng, 15 * DAY + HOUR, 45 * DAY, int(outside.sum()))
    lag[is_brush] = _uniform(rng, 10 * MINUTE, DAY, int(is_brush.sum()))
    rated_at = completed + lag
    on_closed = np.flatnonzero(_pick(rng, status == 1, 0.15))  # exports do show a few
    rated[on_closed] = True
    rated_at[on_closed] = created[oidx[on_closed]] + _uniform(rng, 3 * DAY, 20 * DAY, on_closed.size)
    rated &= rated_at <= export
    rated_at[~rated] = NO_TIME
    u = _rand(rng, lines)
    credit = np.where(u < 0.955, 1, np.where(u < 0.98, 0, -1)).astype(np.int8)
    sore = np.flatnonzero(refunded)
    u = _rand(rng, sore.size)
    credit[sore] = np.where(u < 0.85, 1, np.where(u < 0.92, 0, -1))
    credit[is_brush] = 1
    credit[~rated] = NO_CREDIT

    # Seller ratings of the buyer (an unrated line whose seller rated positive gets a default).
    seller_at = completed + _uniform(rng, 5 * MINUTE, 4 * DAY, lines)
    seller = ((success & (_rand(rng, lines) < 0.85)) | is_brush) & (seller_at <= export)
    seller_at[~seller] = NO_TIME
    u = _rand(rng, lines)
    seller_credit = np.where(u < 0.985, 1, np.where(u < 0.995, 0, -1)).astype(np.int8)
    seller_credit[~seller] = NO_CREDIT

    # Revisions: most within 30 days (to positive or deleted), some late, a few of positives.
    rateable = success & line_escrow & ~refunded & rated & ~outside & (rated_at <= now)
    old = rated_at <= now - 95 * DAY
    revise = _pick(rng, rated & (credit <= 0), 0.45, at_least=3, safe=rateable & old)
    of_positive = _pick(rng, rated & (credit == 1) & ~is_brush, 0.003, at_least=1,
                        safe=rateable & old)
    rev = np.flatnonzero(revise)
    kind = np.searchsorted(np.array([0.62, 0.82], np.float32), _rand(rng, rev.size), side="right")
    sure = np.flatnonzero((rateable & old)[rev])[:3]
    kind[sure] = np.arange(sure.size)  # 0: to positive, 1: deleted, 2: too late (to positive)
    pos = np.flatnonzero(of_positive)
    rev_rows = np.concatenate([rev, pos])
    rev_at = rated_at[rev_rows] + np.concatenate([
        np.where(kind == 2, _uniform(rng, 31 * DAY, 80 * DAY, rev.size),
                 _uniform(rng, HOUR, 30 * DAY - HOUR, rev.size)),
        _uniform(rng, HOUR, 20 * DAY, pos.size)])
    rev_to = np.concatenate([(kind == 1), _rand(rng, pos.size) < 0.7]).astype(np.int8)
    keep = rev_at <= export
    revised_at = np.full(lines, NO_TIME, np.int32)
    revised_to = np.full(lines, -1, np.int8)
    revised_at[rev_rows[keep]] = rev_at[keep]
    revised_to[rev_rows[keep]] = rev_to[keep]

    # What the buyer paid: yuan with cents, a few tiny trades of a yuan or less.
    cents = np.maximum(np.exp(rng.standard_normal(lines, dtype=np.float32) * 0.9
                              + np.float32(np.log(6000))), 101).astype(np.int32)
    cents[is_brush] = np.maximum(cents[is_brush], 1990)
    tiny = np.flatnonzero(_pick(rng, ~is_brush, 0.02, at_least=2,
                                safe=rateable & ~revise & ~of_positive))
    cents[tiny] = np.array([1, 10, 50, 99, 100], np.int32)[rng.integers(0, 5, tiny.size)]

    # DSR: scored per order with its first rating (shown on each of its lines).
    never = np.iinfo(np.int32).max
    first_rated = np.minimum.reduceat(np.where(rated, rated_at, never), starts)
    worst = np.minimum.reduceat(np.where(rated, credit, 1), starts)
    dsr_order = (first_rated < never) & ((_rand(rng, n_orders) < 0.78) | brush)
    scored = np.flatnonzero(dsr_order)
    stars = np.zeros((n_orders, 4), dtype=np.int8)
    for j, probs in enumerate((STARS, STARS, STARS, STARS_LOGISTICS)):
        stars[scored, j] = _stars(rng, scored.size, probs)
    unhappy = np.flatnonzero(dsr_order & (worst < 0))
    stars[unhappy] = _stars(rng, 4 * unhappy.size, STARS_UNHAPPY).reshape(-1, 4)
    skipped = (_rand(rng, 4 * scored.size).reshape(-1, 4)
               < np.array([0.0, 0.01, 0.01, 0.06], np.float32)) & ~brush[scored, None]
    stars[scored] = np.where(skipped, 0, stars[scored])
    stars[brush] = 5
    dsr_at = np.where(dsr_order, first_rated, NO_TIME)
    # A conflict: the last line of a few multi-line orders carries other scores.
    last = np.zeros(lines, bool)
    last[starts + sizes - 1] = True
    cand = last & multi & dsr_order[oidx]
    conflict = np.flatnonzero(_pick(rng, cand, 0.04, at_least=2,
                                    safe=(dsr_at[oidx] <= now - 2 * DAY)
                                    & (created[oidx] <= now)))
    conflict_stars = stars[oidx[conflict]]
    conflict_stars[:, 0] = np.where(conflict_stars[:, 0] == 5, 4, 5)
    conflict_at = np.minimum(dsr_at[oidx[conflict]] + _uniform(rng, 0, DAY, conflict.size), export)

    return {
        "lines": {"oidx": oidx, "line_no": line_no, "item": item, "status": status,
                  "completed_at": completed, "escrow": line_escrow, "refunded": refunded,
                  "cents": cents, "rated_at": rated_at, "credit": credit,
                  "revised_at": revised_at, "revised_to": revised_to,
                  "seller_rated_at": seller_at, "seller_credit": seller_credit},
        "orders": {"shop": shop, "order": order_num, "buyer": buyer, "created_at": created,
                   "dsr_rated_at": dsr_at, "dsr": stars},
        "conflict": (conflict, conflict_stars, conflict_at),
        "shops": shops, "items_per_shop": items_per_shop, "base": base, "now": now,
        "order_max": int(order_num[-1]) if n_orders else 3_012_000_000_000_000_000, "rng": rng,
    }


def orphans(sim: dict, lines: int) -> dict:
    """A handful of rating rows whose order is not in the data."""
    rng, now = sim["rng"], sim["now"]
    n = 3 + lines // 2000
    order = sim["order_max"] + np.cumsum(rng.integers(10, 1_000_000_000, n, dtype=np.int64))
    rated_at = now - _uniform(rng, DAY, 300 * DAY, n)
    credit = np.where(_rand(rng, n) < 0.8, 1, -1).astype(np.int8)
    dsr = np.where((np.arange(n) % 2 == 0)[:, None], _stars(rng, 4 * n, STARS).reshape(n, 4), 0)
    none = np.full(n, NO_TIME, np.int32)
    return {"shop": rng.integers(0, sim["shops"], n), "order": order, "line": order,
            "rated_at": rated_at, "credit": credit, "revised_at": none,
            "revised_to": np.full(n, -1, np.int8), "seller_rated_at": none,
            "seller_credit": np.full(n, NO_CREDIT, np.int8),
            "dsr_rated_at": np.where(dsr.any(axis=1), rated_at, NO_TIME), "dsr": dsr.astype(np.int8)}
