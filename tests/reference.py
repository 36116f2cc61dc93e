"""A deliberately plain, row-by-row reading of RULES.md sections 1-3: the test oracle.

Written from RULES.md alone, independently of the engine in scoring/: plain Python over a
list of dict rows, with obvious loops (sort, walk, count). It is slow and simple on purpose.

A row is one trade line with the canonical columns of CONTRACT.md, already typed:
datetimes are naive local wall-clock `datetime` objects (Asia/Shanghai for taobao), ids and
vocabularies are strings, flags are bools, DSR values ints 1..5; a missing value is None or
an absent key. `escrow` defaults to True, `refunded` to False, `shop_id` to "default",
`line_id` to order_id + "-" + item_id, `dsr_rated_at` to `rated_at`.

Decisions this oracle takes where RULES.md leaves a choice (each one is written where it is
applied, marked DECISION):
- a buyer rating given after as_of, or on a trade created after as_of, is `after_as_of`
  before anything else is judged; so is a DSR given after as_of or on an order created after;
- a default positive needs a line with no buyer rating as of as_of: a rating that is
  excluded or deleted leaves no room for one; a rating given after as_of does not exist yet,
  so the line may take its default (and the late rating row is counted under after_as_of);
- the section 1 reasons are tried in the order the rule lists them (status, escrow, refund,
  window); the first failing one is the reason;
- a revision dated before its rating is invalid (anomaly `revision_before_rating`, a code
  RULES.md does not name), and the original rating is kept;
- revisions are applied before the tiny-trade rule; a deleted rating counts under `deleted`
  even on a tiny trade; an invalid revision of a tiny trade is still an anomaly;
- "the earliest one of its kind in the window" is the first in the group's order
  (created_at, order_id, line_id);
- DSR: the monthly cap is applied before the 180-day window (a stale order still takes one of
  the month's three places); the order's rating window starts at the earliest completed_at
  of its successful lines; `dsr_conflict` compares the four values (missing included) of the
  lines of the order whose DSR exists as of as_of, whether or not the order is eligible.
"""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

TZ = ZoneInfo("Asia/Shanghai")
RATING_WINDOW = timedelta(days=15)
DEFAULT_POSITIVE_DELAY = timedelta(days=15)
REVISION_WINDOW = timedelta(days=30)
SAME_ITEM_WINDOW = timedelta(days=14)
MONTHLY_CAP = 6
LOW_AMOUNT = 1.00
DSR_PER_MONTH = 3
DSR_WINDOW = timedelta(days=180)
PERIODS = (("7d", 7), ("30d", 30), ("180d", 180))
DSR_ITEMS = ("description", "service", "shipping", "logistics")
# The lowest score of each of the 20 credit levels (index 1..20).
LEVEL_MINIMUMS = (4, 11, 41, 91, 151, 251, 501, 1001, 2001, 5001, 10001, 20001, 50001, 100001,
                  200001, 500001, 1000001, 2000001, 5000001, 10000001)
POINTS = {"positive": 1, "neutral": 0, "negative": -1}


def level_index(score):
    index = 0
    for i, low in enumerate(LEVEL_MINIMUMS, start=1):
        if score >= low:
            index = i
    return index


def _local(when):
    """as_of as naive local time."""
    if when.tzinfo is not None:
        when = when.astimezone(TZ).replace(tzinfo=None)
    return when


def _get(row, key, default=None):
    value = row.get(key)
    return default if value is None else value


def normalise(row):
    """A copy of the row with every canonical column present and the documented defaults."""
    r = dict(row)
    r["shop_id"] = _get(row, "shop_id", "default")
    if r.get("line_id") is None:
        r["line_id"] = str(r["order_id"]) + "-" + str(r["item_id"])
    r["escrow"] = _get(row, "escrow", True)
    r["refunded"] = _get(row, "refunded", False)
    for key in ("completed_at", "amount", "rated_at", "credit", "revised_at", "revised_to",
                "seller_rated_at", "seller_credit"):
        r[key] = row.get(key)
    r["dsr_rated_at"] = _get(row, "dsr_rated_at", r["rated_at"])
    for item in DSR_ITEMS:
        r["dsr_" + item] = row.get("dsr_" + item)
    return r


def _section1_reason(r):
    """Why this line cannot carry a rating (status, escrow, refund), or None if it can."""
    if r["status"] != "success":
        return "not_success"
    if not r["escrow"]:
        return "not_escrow"
    if r["refunded"]:
        return "refunded"
    return None


def _in_rating_window(completed, rated):
    return completed <= rated <= completed + RATING_WINDOW


def _order_key(r):
    return (r["created_at"], r["order_id"], r["line_id"])


def _bump(counter, key, n=1):
    counter[key] = counter.get(key, 0) + n


def credit_fates(rows, as_of):
    """Decide every line's credit rating. Returns one dict per line, in input order:
    {"row", "fate" ("counted", "unrated" or an exclusion code), "points", "at", "is_default",
    "anomaly"}."""
    as_of = _local(as_of)
    out = []
    for row in rows:
        r = normalise(row)
        d = {"row": r, "fate": "unrated", "points": None, "at": None, "is_default": False,
             "anomaly": None, "late": False}
        out.append(d)
        credit = r["credit"]
        if credit is not None and r["created_at"] <= as_of and r["rated_at"] > as_of:
            # DECISION: a rating that does not exist yet is after_as_of whatever else holds;
            # the line is unrated as of as_of and its default positive may apply.
            d["fate"], d["late"], credit = "after_as_of", True, None
        if credit is not None:
            rated = r["rated_at"]
            if rated > as_of or r["created_at"] > as_of:
                d["fate"] = "after_as_of"
                continue
            reason = _section1_reason(r)
            if reason is None and not _in_rating_window(r["completed_at"], rated):
                reason = "outside_rating_window"
            if reason is not None:
                d["fate"] = reason
                continue
            d["points"], d["at"] = POINTS[credit], rated
            revised = r["revised_at"]
            if revised is not None and revised <= as_of:
                if credit == "positive":
                    d["anomaly"] = "revision_of_positive"
                elif revised < rated:
                    # DECISION: "within 30 days of rated_at" starts at rated_at; a revision
                    # dated before its rating is invalid too (RULES.md names no code for it:
                    # the engine's `revision_before_rating` is used).
                    d["anomaly"] = "revision_before_rating"
                elif revised > rated + REVISION_WINDOW:
                    d["anomaly"] = "revision_after_30_days"
                elif r["revised_to"] == "deleted":
                    d["fate"], d["points"], d["at"] = "deleted", None, None
                    continue
                else:
                    d["points"] = 1  # keeps its original rated_at
            d["fate"] = "candidate"
        else:
            # Default positive: a rateable success line, unrated by the buyer, rated positive
            # by the seller, falls due seller_rated_at + 15 days.
            if r["created_at"] > as_of or _section1_reason(r) is not None:
                continue
            if r["seller_credit"] != "positive":
                continue
            due = r["seller_rated_at"] + DEFAULT_POSITIVE_DELAY
            if due > as_of:
                continue
            d["points"], d["at"], d["is_default"], d["fate"] = 1, due, True, "candidate"
            if d["late"]:  # the late rating row is counted apart, under after_as_of
                d["late_row"] = True
        # DECISION: the tiny-trade rule comes after revisions, before the 14-day rule.
        amount = r["amount"]
        if amount is not None and amount <= LOW_AMOUNT:
            d["fate"] = "low_amount"

    # Same item within 14 days: anchored windows per (shop, buyer, item).
    groups = {}
    for d in out:
        if d["fate"] == "candidate":
            r = d["row"]
            groups.setdefault((r["shop_id"], r["buyer_id"], r["item_id"]), []).append(d)
    for members in groups.values():
        members.sort(key=lambda d: _order_key(d["row"]))
        anchor = None
        seen = set()
        for d in members:
            created = d["row"]["created_at"]
            if anchor is None or created >= anchor + SAME_ITEM_WINDOW:
                anchor, seen = created, set()
            if d["points"] in seen:
                d["fate"] = "same_item_14d"
            else:
                seen.add(d["points"])

    # Monthly cap: running total per (shop, buyer, calendar month of created_at).
    groups = {}
    for d in out:
        if d["fate"] == "candidate":
            r = d["row"]
            month = (r["created_at"].year, r["created_at"].month)
            groups.setdefault((r["shop_id"], r["buyer_id"], month), []).append(d)
    for members in groups.values():
        members.sort(key=lambda d: _order_key(d["row"]))
        total = 0
        for d in members:
            if -MONTHLY_CAP <= total + d["points"] <= MONTHLY_CAP:
                total += d["points"]
                d["fate"] = "counted"
            else:
                d["fate"] = "monthly_cap"
    return out


def dsr_fates(rows, as_of):
    """Decide every DSR-scored order. Returns one dict per order: {"shop_id", "order_id",
    "buyer_id", "completed_at", "values" {item: int or None}, "fate", "conflict"}."""
    as_of = _local(as_of)
    orders = {}
    for row in rows:
        r = normalise(row)
        orders.setdefault((r["shop_id"], r["order_id"]), []).append(r)
    out = []
    for (shop, order), lines in orders.items():
        scored = [r for r in lines if any(r["dsr_" + i] is not None for i in DSR_ITEMS)]
        if not scored:
            continue
        existing = [r for r in scored if r["dsr_rated_at"] <= as_of]
        d = {"shop_id": shop, "order_id": order, "buyer_id": lines[0]["buyer_id"],
             "completed_at": None, "values": None, "rated_at": None, "fate": None,
             "conflict": False}
        out.append(d)
        # Nothing after as_of exists: neither DSR given later nor an order created later.
        if not existing or min(r["created_at"] for r in lines) > as_of:
            d["fate"] = "after_as_of"
            continue
        existing.sort(key=lambda r: (r["dsr_rated_at"], r["line_id"]))
        first = existing[0]
        d["values"] = {i: first["dsr_" + i] for i in DSR_ITEMS}
        d["rated_at"] = first["dsr_rated_at"]
        d["conflict"] = any(tuple(r["dsr_" + i] for i in DSR_ITEMS)
                            != tuple(first["dsr_" + i] for i in DSR_ITEMS) for r in existing)
        successful = [r for r in lines if r["status"] == "success"]
        if successful:
            d["completed_at"] = min(r["completed_at"] for r in successful)
        if not successful:
            d["fate"] = "not_success"
        elif not any(r["escrow"] for r in successful):
            d["fate"] = "not_escrow"
        elif not any(r["escrow"] and not r["refunded"] for r in successful):
            d["fate"] = "refunded"
        elif not _in_rating_window(d["completed_at"], d["rated_at"]):
            d["fate"] = "outside_rating_window"
        else:
            d["fate"] = "eligible"

    # First three a month per (shop, buyer, month of the order's completed_at).
    groups = {}
    for d in out:
        if d["fate"] == "eligible":
            month = (d["completed_at"].year, d["completed_at"].month)
            groups.setdefault((d["shop_id"], d["buyer_id"], month), []).append(d)
    for members in groups.values():
        members.sort(key=lambda d: (d["completed_at"], d["order_id"]))
        for n, d in enumerate(members):
            d["fate"] = "capped" if n >= DSR_PER_MONTH else "kept"
    # DECISION: the 180-day window after the cap.
    for d in out:
        if d["fate"] == "capped":
            d["fate"] = "dsr_monthly_cap"
        elif d["fate"] == "kept":
            inside = as_of - DSR_WINDOW < d["rated_at"] <= as_of
            d["fate"] = "counted" if inside else "outside_dsr_window"
    return out


def _empty_tally():
    return {"positive": 0, "neutral": 0, "negative": 0}


def reference_audit(rows, as_of):
    """The figures of RULES.md sections 1-3, per shop_id."""
    as_of = _local(as_of)
    shops = {}
    for row in rows:
        sid = _get(row, "shop_id", "default")
        if sid not in shops:
            shops[sid] = {
                "credit": {"score": 0, "level_index": 0, "positive": 0, "neutral": 0,
                           "negative": 0, "default_positive": 0, "positive_rate": None,
                           "periods": {p: _empty_tally() for p in ("7d", "30d", "180d", "older",
                                                                   "total")},
                           "excluded_by_reason": {}, "unrated_lines": 0},
                "dsr": {"excluded_by_reason": {}},
                "anomalies_by_reason": {},
            }
    names = {1: "positive", 0: "neutral", -1: "negative"}
    for d in credit_fates(rows, as_of):
        shop = shops[d["row"]["shop_id"]]
        credit = shop["credit"]
        if d.get("late_row"):
            _bump(credit["excluded_by_reason"], "after_as_of")
        if d["anomaly"]:
            _bump(shop["anomalies_by_reason"], d["anomaly"])
        if d["fate"] == "unrated":
            credit["unrated_lines"] += 1
            continue
        if d["fate"] != "counted":
            _bump(credit["excluded_by_reason"], d["fate"])
            continue
        kind = names[d["points"]]
        credit[kind] += 1
        if d["is_default"]:
            credit["default_positive"] += 1
        periods = credit["periods"]
        for label, days in PERIODS:
            if as_of - timedelta(days=days) < d["at"] <= as_of:
                periods[label][kind] += 1
        if d["at"] <= as_of - timedelta(days=PERIODS[-1][1]):
            periods["older"][kind] += 1
        periods["total"][kind] += 1
    for shop in shops.values():
        credit = shop["credit"]
        credit["score"] = credit["positive"] - credit["negative"]
        credit["level_index"] = level_index(credit["score"])
        rated = credit["positive"] + credit["neutral"] + credit["negative"]
        credit["positive_rate"] = credit["positive"] / rated if rated else None

    stars = {sid: {i: [] for i in DSR_ITEMS} for sid in shops}
    for d in dsr_fates(rows, as_of):
        shop = shops[d["shop_id"]]
        if d["conflict"]:
            _bump(shop["anomalies_by_reason"], "dsr_conflict")
        if d["fate"] != "counted":
            _bump(shop["dsr"]["excluded_by_reason"], d["fate"])
            continue
        for item in DSR_ITEMS:
            if d["values"][item] is not None:
                stars[d["shop_id"]][item].append(int(d["values"][item]))
    for sid, shop in shops.items():
        for item in DSR_ITEMS:
            values = stars[sid][item]
            count = len(values)
            total = sum(values)
            shop["dsr"][item] = {
                "score": total / count if count else None,
                "count": count,
                "sum": total,
                "shares": {str(s): (values.count(s) / count if count else 0) for s in range(1, 6)},
            }
    return shops


def comparable(shop_json):
    """The same figures taken from one shop of the engine's JSON (result.to_dict())."""
    c = shop_json["credit"]
    out = {
        "credit": {"score": c["score"], "level_index": c["level"]["index"],
                   "positive": c["positive"], "neutral": c["neutral"], "negative": c["negative"],
                   "default_positive": c["default_positive"], "positive_rate": c["positive_rate"],
                   "periods": c["periods"], "excluded_by_reason": c["excluded_by_reason"]},
        "dsr": {"excluded_by_reason": shop_json["dsr"]["excluded_by_reason"]},
        "anomalies_by_reason": shop_json["anomalies_by_reason"],
    }
    if "unrated_lines" in c:
        out["credit"]["unrated_lines"] = c["unrated_lines"]
    for item in DSR_ITEMS:
        it = shop_json["dsr"][item]
        out["dsr"][item] = {"score": it["score"], "count": it["count"],
                            "shares": it["shares"]}
        if "sum" in it:
            out["dsr"][item]["sum"] = it["sum"]
    return out


def differences(ref, eng, tol=1e-9, path=""):
    """Paths where two nested figure dicts differ: numbers within tol, None only equals None,
    and a reason missing from a `..._by_reason` map counts as 0."""
    diffs = []
    reasons = path.endswith("_by_reason.")
    for key in sorted(set(ref) | set(eng)):
        a, b = ref.get(key), eng.get(key)
        if reasons:
            a, b = a or 0, b or 0
        if isinstance(a, dict) or isinstance(b, dict):
            diffs += differences(a or {}, b or {}, tol, f"{path}{key}.")
        elif a is None or b is None:
            if a is not b:
                diffs.append(f"{path}{key}: reference {a!r}, engine {b!r}")
        elif abs(a - b) > tol:
            diffs.append(f"{path}{key}: reference {a!r}, engine {b!r}")
    return diffs
