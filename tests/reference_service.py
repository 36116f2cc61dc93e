"""A deliberately plain, row-by-row reading of RULES.md section 6 (service metrics): the oracle's
first half. reference_experience.py holds the scorecard (section 7), the entry point and the
list of every DECISION taken here.

Every figure is kept exact (int, Fraction): a rate is numerator / denominator, a mean a total
(seconds, points or stars, as a Fraction) over a count. Rows are plain dicts, already typed
(naive local datetimes, strings, bools, ints; a missing value is None or an absent key).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from fractions import Fraction

METRICS = ("valid_paid_orders", "goods_score", "goods_good_rate", "quality_return_rate",
           "negative_feedback_rate", "pickup_hours_mean", "pickup_points_mean",
           "pickup_on_time_rate", "delivery_hours_mean", "delivery_on_time_rate",
           "logistics_return_rate", "aftersale_on_time_rate", "aftersale_review_hours_mean",
           "refund_hours_mean", "refund_rate", "platform_help_rate", "reply_seconds_mean",
           "reply_within_rate", "first_reply_seconds_mean", "chat_satisfaction_rate",
           "chat_dissatisfaction_rate")
# The rates whose bad count is their numerator; the other rates' is denominator - numerator.
BAD_IS_NUMERATOR = ("quality_return_rate", "negative_feedback_rate", "logistics_return_rate",
                    "refund_rate", "platform_help_rate", "chat_dissatisfaction_rate")
# The inputs each metric reads, named as missing_inputs names them (RULES.md section 6).
# DECISION: the table's definitions give each metric's inputs; a DSR's clock (dsr_rated_at,
# else rated_at) is not an input of its own (a DSR without one is a row error, and here
# never given); after_sales.return_received_at and after_sales.seller_liable are optional
# (a case without them simply has none).
_AFTER_CASES = ("after_sales", "after_sales.agreed_at", "after_sales.refunded_at")
INPUTS = {
    "valid_paid_orders": ("paid_at",),
    "goods_score": ("signed_at", "dsr_description"),
    "goods_good_rate": ("dsr_description",),
    "quality_return_rate": ("signed_at", "after_sales"),
    "negative_feedback_rate": ("signed_at", "dsr_description", "after_sales"),
    "pickup_hours_mean": ("paid_at", "collected_at"),
    "pickup_points_mean": ("paid_at", "collected_at"),
    "pickup_on_time_rate": ("paid_at", "collected_at", "after_sales"),
    "delivery_hours_mean": ("paid_at", "signed_at"),
    "delivery_on_time_rate": ("signed_at", "delivery_due_at"),
    "logistics_return_rate": ("paid_at", "after_sales"),
    "aftersale_on_time_rate": _AFTER_CASES,
    "aftersale_review_hours_mean": _AFTER_CASES,
    "refund_hours_mean": _AFTER_CASES,
    "refund_rate": ("paid_at", "after_sales", "after_sales.refunded_at"),
    "platform_help_rate": ("paid_at", "after_sales", "after_sales.escalated"),
    "reply_seconds_mean": ("chats",),
    "reply_within_rate": ("chats",),
    "first_reply_seconds_mean": ("chats",),
    "chat_satisfaction_rate": ("chats", "chats.rating"),
    "chat_dissatisfaction_rate": ("chats", "chats.rating"),
}
CLOCKS = ("paid_at", "collected_at", "signed_at", "delivery_due_at")
SENDER_ORDER = {"buyer": 0, "bot": 1, "agent": 2}


def exact(x) -> Fraction:
    """A profile number as the exact decimal it was written as (0.6 is 3/5, not the float)."""
    if isinstance(x, Fraction):
        return x
    if isinstance(x, float):
        return Fraction(repr(x))
    return Fraction(x)


def seconds_of_day(when: datetime) -> int:
    return when.hour * 3600 + when.minute * 60 + when.second


def clock(text: str) -> int:
    """'HH:MM' (or 'HH:MM:SS') as seconds after midnight."""
    parts = [int(p) for p in text.split(":")]
    return parts[0] * 3600 + parts[1] * 60 + (parts[2] if len(parts) > 2 else 0)


def in_daily(when: datetime, span) -> bool:
    """Whether the local time of day lies in [span[0], span[1]), across midnight when
    span[0] > span[1]. DECISION: equal ends make an empty span."""
    a, b, x = clock(span[0]), clock(span[1]), seconds_of_day(when)
    if a <= b:
        return a <= x < b
    return x >= a or x < b


def next_clock(when: datetime, text: str) -> datetime:
    """The first moment after `when` whose time of day is `text`."""
    s = clock(text)
    day = datetime(when.year, when.month, when.day)
    candidate = day + timedelta(seconds=s)
    if candidate <= when:
        candidate += timedelta(days=1)
    return candidate


def seconds(delta: timedelta) -> int:
    return delta.days * 86400 + delta.seconds  # timestamps have whole seconds


def rate(num: int, den: int, bad_is_numerator: bool) -> dict:
    return {"value": Fraction(num, den) if den else None, "numerator": num, "denominator": den,
            "bad": num if bad_is_numerator else den - num}


def mean(total: Fraction, count: int, bad=None) -> dict:
    """A mean: total in the metric's unit over count (empty: null, 0, 0)."""
    return {"value": Fraction(total) / count if count else None, "numerator": Fraction(total),
            "denominator": count, "bad": bad}


def orders_of(trades, as_of, amounts_known: bool) -> dict:
    """(shop_id, order_id) -> the order's clocks, amount and description score."""
    lines = {}
    for row in trades:
        shop = row.get("shop_id") or "default"
        lines.setdefault((shop, row["order_id"]), []).append(row)
    orders = {}
    for (shop, order_id), rows in lines.items():
        o = {"shop_id": shop, "order_id": order_id}
        for name in CLOCKS:
            values = [r[name] for r in rows if r.get(name) is not None]
            first = min(values) if values else None
            o[name] = first if first is not None and first <= as_of else None  # after: absent
        # DECISION: the amount is known when every line has one; the sum is exact decimal.
        known = amounts_known and all(r.get("amount") is not None for r in rows)
        o["amount"] = sum(exact(r["amount"]) for r in rows) if known else None
        o["description"] = description_of(rows, as_of)
        orders[(shop, order_id)] = o
    return orders


def description_of(rows, as_of):
    """(score, given_at) of the order's DSR description, or None: section 3's pick."""
    scored = []
    for r in rows:
        if not any(r.get(k) is not None for k in ("dsr_description", "dsr_service",
                                                  "dsr_shipping", "dsr_logistics")):
            continue
        given = r.get("dsr_rated_at") or r.get("rated_at")
        # DECISION: a DSR with no clock at all was never given; one after as_of not yet.
        if given is None or given > as_of:
            continue
        line_id = r.get("line_id") or f"{r['order_id']}-{r.get('item_id')}"
        scored.append((given, str(line_id), r.get("dsr_description")))
    if not scored:
        return None
    # DECISION: section 3 takes the earliest-rated line among those carrying any DSR item
    # (ties: line_id); when that line has no description, the order has no description score.
    scored.sort(key=lambda t: (t[0], t[1]))
    given, _, score = scored[0]
    return None if score is None else (int(score), given)


def cases_of(after_sales, as_of) -> dict:
    """(shop_id, order_id) -> that order's cases, each a dict with times after as_of absent."""
    by_order = {}
    for row in after_sales or ():
        applied = row.get("applied_at")
        # DECISION: a case applied after as_of (or without applied_at) does not exist yet.
        if applied is None or applied > as_of:
            continue
        c = dict(row)
        c["shop_id"] = row.get("shop_id") or "default"
        for name in ("agreed_at", "return_received_at"):
            if c.get(name) is not None and c[name] > as_of:
                c[name] = None
        # DECISION: `refunded` needs the status only; a blank refunded_at is not after as_of.
        c["is_refunded"] = c.get("status") == "refunded" and not (
            c.get("refunded_at") is not None and c["refunded_at"] > as_of)
        if c.get("refunded_at") is not None and c["refunded_at"] > as_of:
            c["refunded_at"] = None
        by_order.setdefault((c["shop_id"], c["order_id"]), []).append(c)
    return by_order


def first_case(cases):
    """The order's first after-sale: earliest applied_at, ties by aftersale_id (as text)."""
    if not cases:
        return None
    return min(cases, key=lambda c: (c["applied_at"], str(c["aftersale_id"])))


def review_seconds(case, night) -> int:
    start = case["applied_at"]
    if in_daily(start, night):
        start = next_clock(start, night[1])
    return max(0, seconds(case["agreed_at"] - start))


def seller_seconds(case) -> int:
    total = seconds(case["agreed_at"] - case["applied_at"])  # DECISION: not clamped at 0
    if case.get("type") == "return_refund" and case.get("return_received_at") is not None \
            and case.get("refunded_at") is not None:
        total += seconds(case["refunded_at"] - case["return_received_at"])
    return total


def pickup_points(hours: Fraction, sc) -> Fraction:
    """The first row (hours ascending) whose hours >= the order's; beyond the last: beyond."""
    for bound, points in sorted(sc["pickup_points"], key=lambda row: exact(row[0])):
        if exact(bound) >= hours:
            return exact(points)
    return exact(sc["pickup_points_beyond"])


def order_metrics(shop, orders, cases, sc, as_of, inside, seller_liable_known) -> dict:
    """The order and after-sale metrics of one shop (all of them; the caller drops those
    whose inputs are missing)."""
    mine = [o for o in orders.values() if o["shop_id"] == shop]
    shop_cases = [c for key, cs in cases.items() if key[0] == shop for c in cs]
    low = exact(sc["low_amount_yuan"])
    quality, logistics = set(sc["quality_reasons"]), set(sc["logistics_reasons"])
    m = {}

    def reason(o):
        first = first_case(cases.get((shop, o["order_id"])))
        return None if first is None else first.get("reason")

    paid = [o for o in mine if o["paid_at"] is not None and inside(o["paid_at"])]
    valid = [o for o in paid if o["amount"] is None or o["amount"] > low]
    m["valid_paid_orders"] = {"value": len(valid), "numerator": len(valid),
                              "denominator": None, "bad": None}

    signed = [o for o in mine if o["signed_at"] is not None and inside(o["signed_at"])]
    scored = [o for o in signed if o["description"] is not None]
    stars = [o["description"][0] for o in scored]
    m["goods_score"] = mean(sum(stars), len(stars), bad=sum(1 for s in stars if s <= 2))
    given = [o for o in mine if o["description"] is not None and inside(o["description"][1])]
    good = sum(1 for o in given if o["description"][0] >= 4)
    m["goods_good_rate"] = rate(good, len(given), False)
    num = sum(1 for o in signed if reason(o) in quality)
    m["quality_return_rate"] = rate(num, len(signed), True)
    num = sum(1 for o in signed if reason(o) in quality
              or (o["description"] is not None and o["description"][0] <= 2))
    m["negative_feedback_rate"] = rate(num, len(signed), True)

    collected = [o for o in mine if o["collected_at"] is not None and inside(o["collected_at"])
                 and o["paid_at"] is not None]
    total_s, total_points = 0, Fraction(0)
    for o in collected:
        start = o["paid_at"]
        if in_daily(start, sc["pickup_night"]):
            start = next_clock(start, sc["pickup_night"][1])
        s = max(0, seconds(o["collected_at"] - start))
        total_s += s
        total_points += pickup_points(Fraction(s, 3600), sc)
    m["pickup_hours_mean"] = mean(Fraction(total_s, 3600), len(collected))
    m["pickup_points_mean"] = mean(total_points, len(collected))

    limit = timedelta(hours=float(sc["pickup_limit_hours"]))
    due, on_time = 0, 0
    for o in mine:
        if o["paid_at"] is None:
            continue
        deadline = o["paid_at"] + limit
        if not inside(deadline):
            continue
        first = first_case(cases.get((shop, o["order_id"])))
        if first is not None and first.get("type") == "refund_unshipped" \
                and first["applied_at"] < deadline:
            continue
        due += 1
        if o["collected_at"] is not None and o["collected_at"] <= deadline:
            on_time += 1
    m["pickup_on_time_rate"] = rate(on_time, due, False)

    delivered = [o for o in signed if o["paid_at"] is not None]
    # DECISION: delivery hours are not clamped at 0 (signed before paid would count negative).
    total_s = sum(seconds(o["signed_at"] - o["paid_at"]) for o in delivered)
    m["delivery_hours_mean"] = mean(Fraction(total_s, 3600), len(delivered))
    promised = [o for o in mine if o["delivery_due_at"] is not None
                and inside(o["delivery_due_at"])]
    num = sum(1 for o in promised
              if o["signed_at"] is not None and o["signed_at"] <= o["delivery_due_at"])
    m["delivery_on_time_rate"] = rate(num, len(promised), False)

    def liable_logistics(o):
        first = first_case(cases.get((shop, o["order_id"])))
        if first is None or first.get("reason") not in logistics:
            return False
        # DECISION: "ruled against the seller" is read on the same first case; blank = false.
        return bool(first.get("seller_liable")) if seller_liable_known else True
    m["logistics_return_rate"] = rate(sum(1 for o in paid if liable_logistics(o)), len(paid),
                                      True)

    refunded = [c for c in shop_cases if c["is_refunded"] and c.get("refunded_at") is not None
                and inside(c["refunded_at"]) and c.get("agreed_at") is not None]
    timed = [c for c in refunded if c.get("type") in ("refund_shipped", "return_refund")]
    reviews = [review_seconds(c, sc["review_night"]) for c in timed]
    limit_s = exact(sc["aftersale_limit_hours"]) * 3600
    m["aftersale_on_time_rate"] = rate(sum(1 for s in reviews if s <= limit_s), len(reviews),
                                       False)
    m["aftersale_review_hours_mean"] = mean(Fraction(sum(reviews), 3600), len(reviews))
    total_s = sum(seller_seconds(c) for c in refunded)
    m["refund_hours_mean"] = mean(Fraction(total_s, 3600), len(refunded))

    num = sum(1 for o in paid if any(c["is_refunded"] for c in cases.get((shop, o["order_id"]),
                                                                         ())))
    m["refund_rate"] = rate(num, len(paid), True)
    basis = paid
    if sc["help_basis"] == "aftersale_orders":
        basis = [o for o in paid if cases.get((shop, o["order_id"]))]
    num = sum(1 for o in basis if any(bool(c.get("escalated"))
                                      for c in cases.get((shop, o["order_id"]), ())))
    m["platform_help_rate"] = rate(num, len(basis), True)
    return m


def sessions_of(chats, as_of) -> dict:
    """(shop_id, session_id) -> its messages by as_of, in order (sent_at; ties: buyer, bot,
    agent; DECISION: full ties keep the file's order)."""
    sessions = {}
    for n, row in enumerate(chats or ()):
        if row.get("sent_at") is None or row["sent_at"] > as_of:
            continue
        key = (row.get("shop_id") or "default", row["session_id"])
        sessions.setdefault(key, []).append((row["sent_at"], SENDER_ORDER[row["sender"]], n, row))
    return {k: [t[3] for t in sorted(v, key=lambda t: t[:3])] for k, v in sessions.items()}


def rounds_of(messages) -> list:
    """[(start, answered_at or None)] of one session, in order."""
    rounds, seen_buyer, agent_since = [], False, False
    for msg in messages:
        if msg["sender"] == "buyer":
            if not seen_buyer or agent_since:
                rounds.append([msg["sent_at"], None])
            seen_buyer, agent_since = True, False
        elif msg["sender"] == "agent":
            if rounds and rounds[-1][1] is None:
                rounds[-1][1] = msg["sent_at"]
            agent_since = True
        # a bot message never answers and never closes a round
    return [tuple(r) for r in rounds]


def chat_metrics(shop, sessions, sc, inside) -> dict:
    unanswered, limit = exact(sc["unanswered_seconds"]), exact(sc["reply_limit_seconds"])
    hours = sc["service_hours"]

    def counts(when):
        return inside(when) and in_daily(when, hours)

    replies, within, firsts, rated, satisfied = [], 0, [], 0, 0
    for (sid, _), messages in sorted(sessions.items(), key=lambda kv: str(kv[0])):
        if sid != shop:
            continue
        for k, (start, answer) in enumerate(rounds_of(messages)):
            if not counts(start):
                continue
            response = Fraction(seconds(answer - start)) if answer is not None else unanswered
            replies.append(response)
            if answer is not None and response <= limit:
                within += 1
            if k == 0:
                firsts.append(response)
        if counts(messages[0]["sent_at"]):
            ratings = [msg["rating"] for msg in messages if msg.get("rating") is not None]
            if ratings:
                rated += 1
                satisfied += 1 if ratings[-1] >= 4 else 0
    return {
        "reply_seconds_mean": mean(sum(replies, Fraction(0)), len(replies)),
        "reply_within_rate": rate(within, len(replies), False),
        "first_reply_seconds_mean": mean(sum(firsts, Fraction(0)), len(firsts)),
        "chat_satisfaction_rate": rate(satisfied, rated, False),
        "chat_dissatisfaction_rate": rate(rated - satisfied, rated, True),
    }
