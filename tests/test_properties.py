"""Property tests: random small shops, the engine against the row-by-row oracle and invariants.

Times sit on a coarse grid around as_of (whole days, a few hours, one second or one minute
past a boundary) so that exactly 14/15/30/180 days, month ends and the caps come up often.
"""

from __future__ import annotations

import csv
import json
import os
import tempfile
from collections import defaultdict
from datetime import datetime, timedelta

from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st
from reference import DSR_ITEMS, TZ, comparable, differences, reference_audit

from shopscore.scoring.engine.audit import audit
from shopscore.scoring.inputs.load import load
from shopscore.scoring.rules.profile import load_profile

PROFILE = load_profile(None)
COLUMNS = ["shop_id", "order_id", "line_id", "buyer_id", "item_id", "created_at",
           "completed_at", "status", "escrow", "refunded", "amount", "rated_at", "credit",
           "revised_at", "revised_to", "seller_rated_at", "seller_credit", "dsr_rated_at",
           "dsr_description", "dsr_service", "dsr_shipping", "dsr_logistics"]
# Each engine run costs ~0.15 s (it reads a CSV), so the example counts are kept small and
# the whole file runs in ~35 s. Shrinking a failure takes thousands of runs (minutes):
# it is off unless SHOPSCORE_SHRINK=1; the unshrunk failing rows are printed as CSV anyway.
PHASES = [Phase.explicit, Phase.reuse, Phase.generate, Phase.target]
if os.environ.get("SHOPSCORE_SHRINK") == "1":
    PHASES.append(Phase.shrink)
SETTINGS = settings(max_examples=60, deadline=None, phases=PHASES,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def examples(n):
    """The shared settings with n examples."""
    return settings(SETTINGS, max_examples=n)


# as_of at month starts and ends, local time.
AS_OFS = [datetime(2026, 3, 1, 0, 0, 0), datetime(2026, 5, 31, 12, 0, 0),
          datetime(2026, 12, 31, 23, 0, 0), datetime(2027, 1, 1, 0, 0, 0)]
# How many days before as_of an order becomes successful: boundaries of every rule, often
# (a rating 0/1/7/14/15 days after success then lands on as_of - 7/30/180 days).
SPREAD_DAYS = [-2, -1, 0, 1, 2, 6, 7, 8, 14, 15, 16, 21, 22, 23, 27, 28, 29, 30, 31, 37, 44, 45,
               60, 150, 165, 166, 179, 180, 181, 187, 194, 195, 196, 200]
DAY, HOUR, SECOND = timedelta(days=1), timedelta(hours=1), timedelta(seconds=1)
EXTRA = [timedelta(0), timedelta(0), timedelta(0), 12 * HOUR, SECOND, -SECOND, timedelta(minutes=1)]
CREATED_BEFORE = [timedelta(0), HOUR, DAY, 2 * DAY, 3 * DAY, 14 * DAY]
REVISE_AFTER = [-DAY, timedelta(0), DAY, 29 * DAY, 30 * DAY, 30 * DAY + SECOND, 31 * DAY, 40 * DAY]
SELLER_AFTER = [timedelta(0), DAY, 5 * DAY, 15 * DAY]
AMOUNTS = [None, 0.01, 0.5, 1.0, 1.01, 9.9, 120.0]


def weighted(*pairs):
    """sampled_from with integer weights: ((value, weight), ...)."""
    return st.sampled_from([v for v, w in pairs for _ in range(w)])


# When a rating is given after success: mostly inside the 15-day window, its edges often.
RATE_AFTER = weighted((-HOUR, 1), (timedelta(0), 2), (SECOND, 1), (DAY, 4), (7 * DAY, 2),
                      (14 * DAY, 2), (15 * DAY, 2), (15 * DAY + SECOND, 1),
                      (15 * DAY + timedelta(minutes=1), 1), (16 * DAY, 1), (30 * DAY, 1))
RATE_INSIDE = weighted((timedelta(0), 2), (DAY, 6), (7 * DAY, 2), (15 * DAY, 1), (16 * DAY, 1))


@st.composite
def dsr_values(draw):
    values = {i: draw(st.one_of(st.none(), st.integers(1, 5), st.integers(4, 5))) for i in DSR_ITEMS}
    if all(v is None for v in values.values()):
        values[draw(st.sampled_from(DSR_ITEMS))] = draw(st.integers(1, 5))
    return values


@st.composite
def shops(draw):
    """(rows, as_of): typed canonical rows of 1-2 shops, and the audit's as_of (naive local)."""
    as_of = draw(st.sampled_from(AS_OFS))
    dense = draw(st.booleans())  # dense: one month-ish of trades, to reach the caps
    shop_ids = ["s1", "s2"][: draw(st.integers(1, 1 if dense else 2))]
    buyers = ["b1", "b2", "b3"][: draw(st.integers(1, 1 if dense else 3))]
    items = [f"i{k}" for k in range(draw(st.integers(4, 12) if dense else st.integers(1, 4)))]
    with_amount = draw(st.booleans())
    noise = 1 if dense else 2  # how often a line is closed/open, not escrow, refunded (in 20)
    rate_after = RATE_INSIDE if dense else RATE_AFTER
    p_credit = draw(st.sampled_from(["positive", "mixed", "negative"]))
    credits = {"positive": weighted(("positive", 12), ("neutral", 1), ("negative", 1), (None, 1)),
               "mixed": weighted(("positive", 2), ("neutral", 1), ("negative", 2), (None, 2)),
               "negative": weighted(("positive", 1), ("neutral", 1), ("negative", 12), (None, 1))}
    n_lines = draw(st.integers(15, 40)) if dense else draw(st.integers(1, 40))
    rows = []
    order_no = 0
    while len(rows) < n_lines:
        order_no += 1
        order_id = f"o{order_no:03d}"
        shop, buyer = draw(st.sampled_from(shop_ids)), draw(st.sampled_from(buyers))
        days = draw(st.integers(16, 40)) if dense else draw(st.one_of(
            st.sampled_from(SPREAD_DAYS), st.integers(-1, 220)))
        completed = as_of - days * DAY + draw(st.sampled_from(EXTRA))
        rate = rate_after
        pin = 0 if dense else draw(weighted((0, 6), (7, 1), (30, 1), (180, 1)))
        if pin:  # pinned: its ratings often land on as_of - 7/30/180 days (to the second)
            after = draw(RATE_INSIDE)
            completed = as_of - pin * DAY + draw(st.sampled_from([timedelta(0), SECOND, -SECOND])) - after
            rate = st.one_of(st.just(after), rate_after)
        created = completed - draw(st.sampled_from(CREATED_BEFORE))
        order_dsr = None
        for n in range(1, draw(weighted((1, 6), (2, 2), (3, 1))) + 1):
            if len(rows) >= n_lines:
                break
            status = draw(weighted(("success", 20 - 2 * noise), ("closed", noise), ("open", noise)))
            row = {"shop_id": shop, "order_id": order_id, "line_id": f"L{n}", "buyer_id": buyer,
                   "item_id": draw(st.sampled_from(items)), "created_at": created,
                   "completed_at": None, "status": status,
                   "escrow": draw(weighted((True, 20 - noise), (False, noise))),
                   "refunded": draw(weighted((False, 20 - noise), (True, noise)))}
            if status == "success":
                row["completed_at"] = completed + draw(weighted((timedelta(0), 5), (DAY, 1)))
            start = row["completed_at"] or created
            if with_amount:
                row["amount"] = draw(st.sampled_from(AMOUNTS))
            credit = draw(credits[p_credit])
            if credit is not None:
                row["credit"] = credit
                row["rated_at"] = start + draw(rate)
                if draw(weighted((False, 3 + 6 * dense), (True, 1))):
                    row["revised_at"] = row["rated_at"] + draw(st.sampled_from(REVISE_AFTER))
                    row["revised_to"] = draw(st.sampled_from(["positive", "deleted"]))
            if draw(weighted((False, 1), (True, 1))):
                row["seller_credit"] = draw(weighted(("positive", 4), ("neutral", 1), ("negative", 1)))
                seller_after = st.sampled_from(SELLER_AFTER)
                if pin and after >= 15 * DAY:  # the default falls due on the pinned boundary
                    seller_after = st.one_of(st.just(after - 15 * DAY), seller_after)
                row["seller_rated_at"] = start + draw(seller_after)
            if draw(weighted((False, 1), (True, 1))):
                if order_dsr is not None and draw(st.booleans()):
                    values = dict(order_dsr)  # the same scores on another line: no conflict
                else:
                    values = draw(dsr_values())
                order_dsr = values
                for item, v in values.items():
                    row["dsr_" + item] = v
                if credit is None or draw(st.booleans()):
                    row["dsr_rated_at"] = start + draw(rate)
            rows.append(row)
    return rows, as_of


def cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    return str(value)


def write_rows(rows, path, columns=None, extra_lines=()):
    columns = columns or [c for c in COLUMNS if any(c in r for r in rows)]
    with open(path, "w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh)
        out.writerow(columns)
        for r in rows:
            out.writerow([cell(r.get(c)) for c in columns])
        for line in extra_lines:
            out.writerow([line.get(c, "") for c in columns])
    return columns


def run_engine(rows, as_of, columns=None, extra_lines=()):
    """Write the rows to a CSV in a fresh temp dir and audit them: (JSON dict, Decisions)."""
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "trades.csv")
        write_rows(rows, path, columns, extra_lines)
        data = load([path], PROFILE.timezone)
        result, decisions = audit(data, PROFILE, as_of.replace(tzinfo=TZ))
        doc = result.to_dict()
        for f in doc["inputs"].get("files", []):
            f.pop("path", None)
        return doc, decisions


def describe(rows, as_of):
    """The rows as CSV text, for a failing example's message."""
    cols = [c for c in COLUMNS if any(c in r for r in rows)]
    text = [",".join(cols)] + [",".join(cell(r.get(c)) for c in cols) for r in rows]
    return f"as_of {as_of}\n" + "\n".join(text)


def _line(order, buyer, item, **more):
    row = {"shop_id": "s1", "order_id": order, "line_id": "L1", "buyer_id": buyer, "item_id": item,
           "created_at": datetime(2026, 3, 1, 10), "completed_at": datetime(2026, 3, 2, 10),
           "status": "success", "escrow": True, "refunded": False}
    row.update(more)
    return row


# A revision of a positive (an anomaly) beside a line without one: the engine must not count
# the other line's missing anomaly as a reason of its own.
ANOMALY_BESIDE_NONE = ([
    _line("o1", "b1", "i1", rated_at=datetime(2026, 3, 3, 10), credit="positive",
          revised_at=datetime(2026, 3, 4, 10), revised_to="deleted"),
    _line("o2", "b2", "i2", rated_at=datetime(2026, 3, 3, 10), credit="positive"),
], datetime(2026, 4, 1))


# A buyer rating given after as_of on a line whose seller positive fell due before: as of
# as_of the line is unrated and takes its default positive; the late rating row counts under
# after_as_of.
LATE_RATING_BESIDE_DEFAULT = ([
    _line("o1", "b1", "i1", seller_credit="positive", seller_rated_at=datetime(2026, 3, 3, 10),
          credit="negative", rated_at=datetime(2026, 4, 2, 10)),
    _line("o2", "b2", "i2", credit="positive", rated_at=datetime(2026, 4, 2, 10)),
], datetime(2026, 4, 1))


# 1. The vectorised engine equals the row-by-row reference on every figure.
@examples(100)
@example(ANOMALY_BESIDE_NONE)
@example(LATE_RATING_BESIDE_DEFAULT)
@given(shops())
def test_engine_equals_reference(case):
    rows, as_of = case
    doc, _ = run_engine(rows, as_of)
    ref = reference_audit(rows, as_of)
    engine = {s["shop_id"]: comparable(s) for s in doc["shops"]}
    assert sorted(engine) == sorted(ref), describe(rows, as_of)
    for sid in ref:
        diffs = differences(ref[sid], engine[sid])
        assert diffs == [], f"shop {sid}: {diffs}\n{describe(rows, as_of)}"


# 2. Nothing lost. Every line of the file has exactly one credit fate, default positives
# included (a default positive is the line's rating, counted as a positive), and a buyer
# rating given after as_of beside a default is counted once more, under after_as_of; so for
# one file:
#   rows_read + late ratings beside a default == rows_rejected + sum over shops of
#     (positive + neutral + negative + sum(credit.excluded_by_reason) + credit.unrated_lines)
# Rejected rows are mixed in: a bad status, a bad DSR value, a bad date, a duplicate line.
BAD_LINES = {
    "bad_status": {"shop_id": "s1", "order_id": "bad1", "line_id": "L1", "buyer_id": "b1",
                   "item_id": "i1", "created_at": "2026-01-01 00:00:00", "status": "shipped"},
    "bad_dsr": {"shop_id": "s1", "order_id": "bad2", "line_id": "L1", "buyer_id": "b1",
                "item_id": "i1", "created_at": "2026-01-01 00:00:00", "status": "success",
                "completed_at": "2026-01-02 00:00:00", "rated_at": "2026-01-03 00:00:00",
                "dsr_description": "7"},
    "bad_datetime": {"shop_id": "s2", "order_id": "bad3", "line_id": "L1", "buyer_id": "b1",
                     "item_id": "i1", "created_at": "yesterday", "status": "open"},
}


@examples(30)
@example(LATE_RATING_BESIDE_DEFAULT, ["bad_status"])
@given(shops(), st.lists(st.sampled_from(["bad_status", "bad_dsr", "bad_datetime", "duplicate"]),
                         max_size=4, unique=True))
def test_nothing_lost(case, kinds):
    rows, as_of = case
    first = rows[0]
    duplicate = {k: cell(first.get(k)) for k in ("shop_id", "order_id", "line_id")}
    duplicate.update(buyer_id="b9", item_id="i9", created_at="2026-01-01 00:00:00", status="open")
    bad = [duplicate if k == "duplicate" else BAD_LINES[k] for k in kinds]
    doc, decisions = run_engine(rows, as_of, COLUMNS, bad)
    inputs = doc["inputs"]
    assert inputs["rows_read"] == len(rows) + len(bad)
    assert inputs["rows_rejected"] == len(bad)
    accounted = 0
    for s in doc["shops"]:
        c = s["credit"]
        accounted += (c["positive"] + c["neutral"] + c["negative"]
                      + sum(c["excluded_by_reason"].values()) + c["unrated_lines"])
    late = int(decisions.credit["rating_after_as_of"].sum())
    assert inputs["rows_read"] + late == inputs["rows_rejected"] + accounted, \
        describe(rows, as_of)
    assert len(decisions.credit) == len(decisions.lines) == len(rows)


def _sorted_lines(lines, credit, mask):
    """(line, decision) records of the masked lines, in the rules' order."""
    keep = ["shop_id", "order_id", "line_id", "buyer_id", "item_id", "created_at"]
    recs = lines[keep].astype(object).to_dict("records")
    decs = credit[["points", "fate"]].to_dict("records")
    picked = [(recs[i], decs[i]) for i in range(len(recs)) if mask[i]]
    picked.sort(key=lambda t: (t[0]["created_at"], str(t[0]["order_id"]), str(t[0]["line_id"])))
    return picked


# 3. Caps are never exceeded, read from the engine's own decisions.
@examples(40)
@given(shops())
def test_caps_never_exceeded(case):
    rows, as_of = case
    _, decisions = run_engine(rows, as_of)
    lines, credit = decisions.lines, decisions.credit
    fate = credit["fate"].to_list()

    # Monthly cap: the counted net points per (shop, buyer, month of creation) at every prefix.
    totals = defaultdict(int)
    for line, dec in _sorted_lines(lines, credit, [f == "counted" for f in fate]):
        key = (line["shop_id"], line["buyer_id"], line["created_at"].year, line["created_at"].month)
        totals[key] += int(dec["points"])
        assert -6 <= totals[key] <= 6, (key, totals[key], describe(rows, as_of))

    # Same item within 14 days: anchored windows over the ratings that reached that rule.
    reached = [f in ("counted", "same_item_14d", "monthly_cap") for f in fate]
    anchors, seen = {}, defaultdict(int)
    for line, dec in _sorted_lines(lines, credit, reached):
        group = (line["shop_id"], line["buyer_id"], line["item_id"])
        created = line["created_at"]
        if group not in anchors or created >= anchors[group] + timedelta(days=14):
            anchors[group] = created
        if dec["fate"] == "counted":
            key = group + (anchors[group], int(dec["points"]))
            seen[key] += 1
            assert seen[key] == 1, (key, describe(rows, as_of))

    # DSR: at most 3 counted orders per (shop, buyer, month of the order's success).
    per_month = defaultdict(int)
    dsr = decisions.dsr
    for order in dsr.loc[dsr["fate"] == "counted"].to_dict("records"):
        done = order["completed_at"]
        key = (order["shop_id"], order["buyer_id"], done.year, done.month)
        per_month[key] += 1
        assert per_month[key] <= 3, (key, describe(rows, as_of))


# 4. DSR means lie in 1..5, shares sum to 1, and the badge truncates the mean to 1 decimal.
@examples(25)
@given(shops())
def test_dsr_figures_are_well_formed(case):
    rows, as_of = case
    doc, _ = run_engine(rows, as_of)
    for s in doc["shops"]:
        for item in DSR_ITEMS:
            it = s["dsr"][item]
            if it["count"] == 0:
                assert it["score"] is None and it["badge"] is None
                assert all(v == 0 for v in it["shares"].values())
                continue
            assert 1 <= it["score"] <= 5
            assert abs(sum(it["shares"].values()) - 1) < 1e-9
            assert sorted(it["shares"]) == ["1", "2", "3", "4", "5"]
            assert it["badge"] <= it["score"] < it["badge"] + 0.1
            assert round(it["badge"] * 10) == it["badge"] * 10


# 5. Shuffling the rows and the columns changes nothing in the JSON.
@examples(20)
@given(shops(), st.randoms(use_true_random=False))
def test_shuffled_input_gives_the_same_json(case, rnd):
    rows, as_of = case
    columns = [c for c in COLUMNS if any(c in r for r in rows)]
    doc, _ = run_engine(rows, as_of, columns)
    shuffled_rows, shuffled_cols = list(rows), list(columns)
    rnd.shuffle(shuffled_rows)
    rnd.shuffle(shuffled_cols)
    again, _ = run_engine(shuffled_rows, as_of, shuffled_cols)
    assert json.dumps(again, sort_keys=True) == json.dumps(doc, sort_keys=True), \
        describe(shuffled_rows, as_of)
