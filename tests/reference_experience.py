"""A deliberately plain reading of RULES.md sections 6-7 (service metrics, experience
scorecards): the test oracle of the `experience` block.

Written from RULES.md alone, independently of the engine in scoring/: plain Python over lists
of dict rows, obvious loops, slow and simple on purpose. Section 6 (the 21 metrics) is in
reference_service.py; the scorecard, the entry point `reference_experience` and the JSON
shape of CONTRACT.md are here.

Rows are already typed: naive local datetimes (Asia/Shanghai), strings, bools, ints; a missing
value is None or an absent key. A trade line has the canonical columns of CONTRACT.md
(`shop_id` defaults to "default"); an after-sale case one row per case; a chat one row per
message. `after_sales` / `chats` None means the file is absent; [] a file with no rows.

Exactness. Every metric is kept as an exact Fraction (counts, whole seconds, stars, points);
every profile number is read as the exact decimal it was written as (a float's shortest
repr: 0.6 is 3/5). Tier bounds, the floor, protection, the dimension scores and the total are
computed on those exact values, so `total` is the exact weighted mean, clamped, then rounded
half up with decimal.Decimal (ROUND_HALF_UP, 80 digits of precision: the exact value of a
total is a fraction with a small denominator, never within 1e-70 of a .5 it is not on).
Figures are given as floats (ints for counts) only at the end.

Decisions this oracle takes where RULES.md 6-7 or check.py's conventions leave a choice (each
is also written, marked DECISION, where it is applied):
- shops are those of the trade lines; a shop only in the after-sales or chats file is not
  reported (it has no orders);
- an order's amount is known when every line of it has one; the sum is exact decimal (0.10 +
  0.20 + 0.70 is 1.00, not above 1.00); otherwise the order is valid whatever its amount;
- description score: section 3's pick among the order's lines carrying any DSR item and
  given by as_of (dsr_rated_at, else rated_at), earliest first, ties by line_id; when that
  line has no description the order has none; a DSR with no clock was never given;
- "Nothing after as_of exists" per value: an order clock after as_of is absent (the order's
  clock is the earliest non-empty value of its lines, then this test); a case applied after
  as_of does not exist; its agreed_at / return_received_at after as_of are absent; a
  refunded_at after as_of makes it not refunded; a chat message after as_of does not exist;
- a case is refunded by its status alone when refunded_at is blank (it is "not after as_of"),
  but has then no refunded_at clock for the in-window populations;
- the first after-sale, refunds and escalations consider every case of the order by as_of,
  whenever it was applied (no window on the case itself);
- `logistics_return_rate` with `seller_liable` in the data: the first case (whose reason
  counts) must be ruled against the seller; a blank seller_liable is false; a blank
  `escalated` is false;
- seller hours and delivery hours are not clamped at 0 (review and pickup hours are, as
  written); a mean's numerator is its total in the metric's unit (hours, seconds, stars,
  points);
- "answered within reply_limit_seconds" and "collected/signed by the deadline" are inclusive
  (<=); a round answered after unanswered_seconds keeps its real response time;
- message order within a session: sent_at, then buyer, bot, agent; full ties keep the file's
  order; a session's first message is its first one by as_of, of any sender;
- a time-of-day span [a, b) with a > b runs across midnight, a == b is empty; "the next b" is
  the first moment after the time whose time of day is b;
- the inputs of each metric are the ones its definition reads (INPUTS in
  reference_service.py): e.g. a missing `signed_at` leaves out goods_score,
  quality_return_rate, negative_feedback_rate, delivery_hours_mean and
  delivery_on_time_rate; a DSR's clock (dsr_rated_at, else rated_at) is not an input of its
  own (a description without one was never given); `after_sales.refunded_at` and
  `after_sales.escalated` are inputs, return_received_at and seller_liable are optional;
  an input is named once, a column of a missing file never;
- tiers are sorted by bound as the rule says (descending for higher, ascending for lower),
  whatever order the profile lists them in; pickup_points rows likewise, ascending;
- a floor needs a bad count: a listed metric whose bad count is null (a mean other than
  goods_score) is never floored; the floor compares with the shop's valid paid orders, and
  without that count (no paid_at) nothing is floored;
- protection: a null dimension is not "below points" and stays null; a condition on a metric
  that is absent or null fails; the operators are >=, >, <=, <, ==, !=;
- a dimension whose metrics with a value weigh 0 in all is null (no division by zero);
- without a valid-paid-orders count (no paid_at column) the shop is formal;
- the growth score, as given, is also what the douyin display shows; display and stars are
  null when the total is null or the display is "none";
- scorecard keys: the section 7 defaults of RULES.md (scorecard_defaults below);
  low_amount_yuan defaults to the credit rules' value (1.00 for taobao); a dimension's or a
  metric's weight, tiers, better and below have no default (a profile must give them).
"""

from __future__ import annotations

import math
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal, localcontext
from fractions import Fraction
from zoneinfo import ZoneInfo

from reference_service import (
    INPUTS,
    METRICS,
    cases_of,
    chat_metrics,
    exact,
    order_metrics,
    orders_of,
    sessions_of,
)

TZ = ZoneInfo("Asia/Shanghai")
SECTION6_DEFAULTS = {
    "service_hours": ["08:00", "23:00"], "unanswered_seconds": 600, "reply_limit_seconds": 180,
    "pickup_night": ["18:00", "06:00"],
    "pickup_points": [[24, 100], [36, 90], [48, 80], [60, 70], [72, 60]],
    "pickup_points_beyond": 50, "pickup_limit_hours": 48, "review_night": ["23:00", "08:00"],
    "aftersale_limit_hours": 48, "quality_reasons": ["quality"],
    "logistics_reasons": ["logistics"], "help_basis": "paid_orders",
}
SECTION7_DEFAULTS = {
    "name": None, "window_days": 30, "min_orders": 30, "growth_score": None, "score_min": 50,
    "score_max": 100, "total_decimals": 0, "display": "none", "floor": None,
    "protection": None, "dimensions": [],
}
# The canonical columns of a file, taken when a file with no rows is given without them.
TRADE_COLUMNS = ("shop_id", "order_id", "line_id", "buyer_id", "item_id", "created_at",
                 "completed_at", "status", "escrow", "refunded", "amount", "rated_at", "credit",
                 "dsr_rated_at", "dsr_description", "paid_at", "collected_at", "signed_at",
                 "delivery_due_at")
AFTER_SALES_COLUMNS = ("shop_id", "aftersale_id", "order_id", "line_id", "type", "reason",
                       "status", "applied_at", "agreed_at", "return_received_at",
                       "refunded_at", "escalated", "seller_liable")
CHATS_COLUMNS = ("shop_id", "session_id", "buyer_id", "sent_at", "sender", "rating")
OPS = {">=": lambda a, b: a >= b, ">": lambda a, b: a > b, "<=": lambda a, b: a <= b,
       "<": lambda a, b: a < b, "==": lambda a, b: a == b, "!=": lambda a, b: a != b}


def scorecard_defaults(table: dict, credit_low_amount=1.00) -> dict:
    """The profile's [experience] table with every key RULES.md gives a default for."""
    sc = dict(SECTION7_DEFAULTS)
    sc.update(SECTION6_DEFAULTS)
    sc["low_amount_yuan"] = credit_low_amount
    sc.update(table)
    return sc


def local(when):
    """as_of as naive local time."""
    if when.tzinfo is not None:
        when = when.astimezone(TZ).replace(tzinfo=None)
    return when


def columns_of(rows, given, canonical) -> set:
    """The columns a file has: as given, else the keys of its rows (every canonical column
    for a file with no rows)."""
    if given is not None:
        return set(given)
    if not rows:
        return set(canonical)
    return {k for r in rows for k in r}


def available_inputs(trades, after_sales, chats, trade_columns, after_sales_columns,
                     chats_columns) -> tuple:
    """(the input names present, the names of absent files)."""
    have = columns_of(trades, trade_columns, TRADE_COLUMNS)
    absent = set()
    for name, rows, given, canonical in (("after_sales", after_sales, after_sales_columns,
                                          AFTER_SALES_COLUMNS),
                                         ("chats", chats, chats_columns, CHATS_COLUMNS)):
        if rows is None:
            absent.add(name)
            continue
        have.add(name)
        have |= {f"{name}.{c}" for c in columns_of(rows, given, canonical)}
    return have, absent


def tier_points(value: Fraction, spec: dict) -> Fraction:
    """Points of one metric's value by its tiers (RULES.md section 7)."""
    if spec["tiers"] == "value":
        return value
    tiers = [(exact(b), exact(p)) for b, p in spec["tiers"]]
    if spec["better"] == "higher":
        for bound, points in sorted(tiers, key=lambda t: -t[0]):
            if bound <= value:
                return points
    else:
        for bound, points in sorted(tiers, key=lambda t: t[0]):
            if bound >= value:
                return points
    return exact(spec["below"])


def round_half_up(x: Fraction, decimals: int) -> Decimal:
    with localcontext() as ctx:
        ctx.prec = 80
        d = Decimal(x.numerator) / Decimal(x.denominator)
        return d.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)


def douyin(total) -> tuple:
    """(display, stars) of a total on the shopper's 5-point view."""
    s = exact(total)
    if s > 60:
        shown = 4 + Fraction(math.ceil((s - 60) / 4), 10)
    elif s >= 50:
        shown = 3 + Fraction(math.floor(s - 50), 10)
    else:
        shown = Fraction(3)
    shown = min(shown, Fraction(5))
    stars = 3
    for bound, value in ((Fraction(48, 10), 5), (Fraction(45, 10), 4.5), (Fraction(4), 4),
                         (Fraction(35, 10), 3.5)):
        if shown >= bound:
            stars = value
            break
    return float(shown), stars


def score_shop(metrics: dict, sc: dict) -> dict:
    """Section 7 on one shop's metrics: points, floors, dimensions, protection, total."""
    points, floored = {}, {}
    count = metrics.get("valid_paid_orders", {}).get("value")
    floor = sc["floor"]
    for dim in sc["dimensions"]:
        for spec in dim["metrics"]:
            name = spec["metric"]
            value = metrics.get(name, {}).get("value")
            if value is None:
                points[name], floored[name] = None, False
                continue
            got = tier_points(value, spec)
            floored[name] = False
            if floor is not None and name in floor["metrics"] and count is not None \
                    and count < floor["orders_below"]:
                bad = metrics[name]["bad"]
                # DECISION: a metric without a bad count is never floored.
                if bad is not None and bad <= floor["bad_at_most"] and got < exact(floor["points"]):
                    got, floored[name] = exact(floor["points"]), True
            points[name] = got

    dims = {}
    protection = sc["protection"]
    for dim in sc["dimensions"]:
        num = den = Fraction(0)
        for spec in dim["metrics"]:
            if points[spec["metric"]] is not None:
                num += exact(spec["weight"]) * points[spec["metric"]]
                den += exact(spec["weight"])
        score = num / den if den else None
        protected = False
        if protection is not None and dim["name"] == protection["dimension"] \
                and score is not None and score < exact(protection["points"]):
            holds = True
            for metric, op, bound in protection["when"]:
                value = metrics.get(metric, {}).get("value")
                if value is None or not OPS[op](value, exact(bound)):
                    holds = False
            if holds:
                score, protected = exact(protection["points"]), True
        dims[dim["name"]] = {"score": score, "weight": dim["weight"], "protected": protected}

    num = den = Fraction(0)
    for dim in sc["dimensions"]:
        if dims[dim["name"]]["score"] is not None:
            num += exact(dim["weight"]) * dims[dim["name"]]["score"]
            den += exact(dim["weight"])
    total = None
    if den:
        mean = min(max(num / den, exact(sc["score_min"])), exact(sc["score_max"]))
        total = round_half_up(mean, int(sc["total_decimals"]))
        total = int(total) if int(sc["total_decimals"]) == 0 else float(total)
    stage = "formal"
    if count is not None and count < sc["min_orders"]:
        stage, total = "growth", sc["growth_score"]
    display = stars = None
    if sc["display"] == "douyin" and total is not None:
        display, stars = douyin(total)
    return {"stage": stage, "total": total, "display": display, "stars": stars,
            "points": points, "floored": floored, "dimensions": dims}


def _number(x):
    if x is None or isinstance(x, (bool, int)):
        return x
    return float(x)


def reference_experience(trades, after_sales, chats, as_of, scorecard, shop_ids=None, *,
                         trade_columns=None, after_sales_columns=None, chats_columns=None,
                         credit_low_amount=1.00, example_bounds=False) -> dict:
    """{shop_id: the CONTRACT.md `experience` block} of RULES.md sections 6-7.

    `scorecard` is the profile's [experience] table as tomllib gives it; the *_columns say
    which columns each file has (default: the keys of its rows)."""
    as_of = local(as_of)
    sc = scorecard_defaults(scorecard, credit_low_amount)
    start = as_of - timedelta(days=sc["window_days"])

    def inside(t):
        return start < t <= as_of

    have, absent_files = available_inputs(trades, after_sales, chats, trade_columns,
                                          after_sales_columns, chats_columns)
    computed, missing = [], []
    for name in METRICS:
        lacking = [i for i in INPUTS[name] if i not in have]
        if not lacking:
            computed.append(name)
        for i in lacking:
            if "." in i and i.split(".")[0] in absent_files:
                continue  # a column of a missing file: the file is named instead
            if i not in missing:
                missing.append(i)

    trade_cols = columns_of(trades, trade_columns, TRADE_COLUMNS)
    orders = orders_of(trades, as_of, "amount" in trade_cols)
    cases = cases_of(after_sales, as_of)
    sessions = sessions_of(chats, as_of)
    liable_known = after_sales is not None and "seller_liable" in columns_of(
        after_sales, after_sales_columns, AFTER_SALES_COLUMNS)
    if shop_ids is None:
        shop_ids = sorted({r.get("shop_id") or "default" for r in trades})
    in_card = {spec["metric"] for dim in sc["dimensions"] for spec in dim["metrics"]}

    out = {}
    for shop in shop_ids:
        every = order_metrics(shop, orders, cases, sc, as_of, inside, liable_known)
        every.update(chat_metrics(shop, sessions, sc, inside))
        metrics = {name: every[name] for name in computed}
        scored = score_shop(metrics, sc)
        block = {}
        for name in computed:
            m = metrics[name]
            block[name] = {
                "value": m["value"] if name == "valid_paid_orders" else _number(m["value"]),
                "numerator": _number(m["numerator"]), "denominator": m["denominator"],
                "points": _number(scored["points"].get(name)) if name in in_card else None,
                "floored": bool(scored["floored"].get(name, False)), "bad": m["bad"],
            }
        dims = {name: {"score": _number(d["score"]), "weight": d["weight"],
                       "protected": d["protected"]} for name, d in scored["dimensions"].items()}
        out[shop] = {
            "scorecard": sc["name"], "window_days": sc["window_days"], "stage": scored["stage"],
            "total": scored["total"], "display": scored["display"], "stars": scored["stars"],
            "example_bounds": example_bounds, "missing_inputs": missing,
            "dimensions": dims, "metrics": block,
        }
    return out
