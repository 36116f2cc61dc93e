"""RULES.md section 3 (detailed seller ratings, DSR), each expectation worked out by hand."""

from datetime import datetime, timedelta

import pytest
from builders import line, run, shop

from shopscore.scoring.rules.industry import parse_industry
from shopscore.scoring.rules.profile import load_profile

FMT = "%Y-%m-%d %H:%M:%S"
DAY = timedelta(days=1)
AS_OF = "2026-12-31 00:00:00"
ITEMS = ("description", "service", "shipping", "logistics")


def ts(text: str) -> datetime:
    return datetime.strptime(text, FMT)


def fmt(when: datetime) -> str:
    return when.strftime(FMT)


def order(oid, completed, scores, *, buyer=None, created=None, dsr_at=None, line_id="L1",
          **more):
    """A successful one-line order (unless line_id says otherwise) completed at `completed`,
    created 2 days before unless given, DSR-scored 1 day after completion unless `dsr_at`.
    `scores` is (description, service, shipping, logistics), None for an unscored item, or
    one number for all four."""
    if not isinstance(scores, tuple):
        scores = (scores,) * 4
    done = ts(completed)
    row = line(oid, buyer=buyer or f"b-{oid}", item=f"i-{oid}-{line_id}", line_id=line_id,
               created=created or fmt(done - 2 * DAY), completed=completed,
               dsr_rated_at=dsr_at or fmt(done + DAY), **more)
    for name, value in zip(ITEMS, scores, strict=True):
        row[f"dsr_{name}"] = value
    return row


def dsr_of(rows, tmp_path, as_of=AS_OF, **kwargs):
    doc, _ = run(rows, tmp_path, as_of, **kwargs)
    return shop(doc)


def test_dsr_counts_per_order_not_per_line(tmp_path):
    # Order o1 has two lines carrying the same scores (5, 4, 5, 3): the order counts once.
    # o2 scores (3, 3, 3, 3). description (5 + 3) / 2 = 4.0 from 2 scores (per line it
    # would be (5 + 5 + 3) / 3); service (4 + 3) / 2 = 3.5; logistics (3 + 3) / 2 = 3.0.
    rows = [order("o1", "2026-11-01 10:00:00", (5, 4, 5, 3), buyer="b1", line_id="L1"),
            order("o1", "2026-11-01 10:00:00", (5, 4, 5, 3), buyer="b1", line_id="L2"),
            order("o2", "2026-11-02 10:00:00", 3)]
    s = dsr_of(rows, tmp_path)
    dsr = s["dsr"]
    assert dsr["description"]["count"] == 2
    assert dsr["description"]["score"] == 4.0
    assert dsr["service"]["score"] == 3.5
    assert dsr["shipping"]["score"] == 4.0
    assert dsr["logistics"]["score"] == 3.0
    assert dsr["excluded_by_reason"] == {}
    assert s["anomalies_by_reason"] == {}


def test_dsr_conflict_uses_the_earliest_rated_line(tmp_path):
    # o1's L1 (listed first) scored 3s at 11-02 10:00, its L2 scored 5s at 11-02 09:00.
    # Different values: anomaly dsr_conflict; the earliest-rated line is L2: all items 5.0,
    # the order counts once.
    rows = [order("o1", "2026-11-01 10:00:00", 3, buyer="b1", line_id="L1",
                  dsr_at="2026-11-02 10:00:00"),
            order("o1", "2026-11-01 10:00:00", 5, buyer="b1", line_id="L2",
                  dsr_at="2026-11-02 09:00:00")]
    s = dsr_of(rows, tmp_path)
    for name in ITEMS:
        assert s["dsr"][name]["score"] == 5.0
        assert s["dsr"][name]["count"] == 1
    assert s["anomalies_by_reason"] == {"dsr_conflict": 1}


def test_fourth_dsr_order_of_a_buyer_in_a_completion_month_is_capped(tmp_path):
    # Buyer b1, by completed_at: a (created 10-28, completed 11-01, 5), b (11-03, 5),
    # c (11-04, 4), d (created 10-30 - before b and c were created - but completed 11-06, 1).
    # November by success time holds a, b, c, d: d is the 4th -> dsr_monthly_cap.
    # e (created 11-28, completed 12-01, 4) is December's first: counts.
    # Counted: 5, 5, 4, 4 -> 18 / 4 = 4.5 (with d's 1 it would be 19 / 5 = 3.8).
    rows = [order("a", "2026-11-01 10:00:00", 5, buyer="b1", created="2026-10-28 10:00:00"),
            order("b", "2026-11-03 10:00:00", 5, buyer="b1", created="2026-11-01 10:00:00"),
            order("c", "2026-11-04 10:00:00", 4, buyer="b1", created="2026-11-02 10:00:00"),
            order("d", "2026-11-06 10:00:00", 1, buyer="b1", created="2026-10-30 10:00:00"),
            order("e", "2026-12-01 10:00:00", 4, buyer="b1", created="2026-11-28 10:00:00")]
    dsr = dsr_of(rows, tmp_path)["dsr"]
    for name in ITEMS:
        assert dsr[name]["score"] == 4.5
        assert dsr[name]["count"] == 4
    assert dsr["excluded_by_reason"] == {"dsr_monthly_cap": 1}


def test_dsr_monthly_cap_is_per_buyer(tmp_path):
    # b1 has 4 November orders (5, 5, 5, 1: the 1 is the 4th, capped); b2's one November order
    # (3) is b2's first. Counted 5, 5, 5, 3 -> 18 / 4 = 4.5.
    rows = [order(f"o{k}", f"2026-11-0{k} 10:00:00", v, buyer="b1")
            for k, v in ((1, 5), (2, 5), (3, 5), (4, 1))]
    rows.append(order("p1", "2026-11-05 10:00:00", 3, buyer="b2"))
    dsr = dsr_of(rows, tmp_path)["dsr"]
    assert dsr["description"]["score"] == 4.5
    assert dsr["description"]["count"] == 4
    assert dsr["excluded_by_reason"] == {"dsr_monthly_cap": 1}


def test_180_day_window_boundary(tmp_path):
    # as_of 12-31 00:00 - 180 days = 07-04 00:00:00. p1 scored exactly then (1s): not
    # as_of - 180 days < dsr_rated_at -> outside_dsr_window. p2 scored 1 s later (4s): counts.
    rows = [order("p1", "2026-07-01 00:00:00", 1, dsr_at="2026-07-04 00:00:00"),
            order("p2", "2026-07-01 00:00:00", 4, dsr_at="2026-07-04 00:00:01")]
    dsr = dsr_of(rows, tmp_path)["dsr"]
    assert dsr["description"]["score"] == 4.0
    assert dsr["description"]["count"] == 1
    assert dsr["excluded_by_reason"] == {"outside_dsr_window": 1}


def test_unscored_item_has_no_value(tmp_path):
    # o1 (5, -, 4, -), o2 (4, 4, 4, 4), o3 (-, -, -, 2). Per item, only the given scores count:
    # description 5, 4 -> 4.5 (2); service 4 -> 4.0 (1); shipping 4, 4 -> 4.0 (2);
    # logistics 4, 2 -> 3.0 (2). No default value for the unscored ones.
    rows = [order("o1", "2026-11-01 10:00:00", (5, None, 4, None)),
            order("o2", "2026-11-02 10:00:00", (4, 4, 4, 4)),
            order("o3", "2026-11-03 10:00:00", (None, None, None, 2))]
    dsr = dsr_of(rows, tmp_path)["dsr"]
    assert (dsr["description"]["score"], dsr["description"]["count"]) == (4.5, 2)
    assert (dsr["service"]["score"], dsr["service"]["count"]) == (4.0, 1)
    assert (dsr["shipping"]["score"], dsr["shipping"]["count"]) == (4.0, 2)
    assert (dsr["logistics"]["score"], dsr["logistics"]["count"]) == (3.0, 2)
    assert dsr["service"]["shares"] == {"1": 0, "2": 0, "3": 0, "4": 1.0, "5": 0}


def test_logistics_is_reported_but_not_a_seller_item(tmp_path):
    # Two orders (5, 5, 5, 3): logistics 3.0 is reported. Industry description 4.8 and
    # logistics 4.8: description 5.0 is above, logistics 3.0 is below, but logistics is the
    # logistics provider's: items_below_industry 0. logistics vs_industry (3 - 4.8) / 4.8.
    # The default checks are the seller items only (description, service, shipping >= 4.7),
    # all 5.0: the shop passes although logistics is 3.0.
    profile = load_profile()
    industry = parse_industry("description=4.8,logistics=4.8", profile.dsr_items)
    rows = [order("o1", "2026-11-01 10:00:00", (5, 5, 5, 3)),
            order("o2", "2026-11-02 10:00:00", (5, 5, 5, 3))]
    s = dsr_of(rows, tmp_path, industry=industry)
    dsr = s["dsr"]
    assert dsr["logistics"]["score"] == 3.0
    assert dsr["logistics"]["position"] == "below"
    assert dsr["logistics"]["vs_industry"] == pytest.approx((3 - 4.8) / 4.8)
    assert dsr["description"]["position"] == "above"
    assert dsr["items_below_industry"] == 0
    assert "logistics" not in dsr["seller_items"]
    assert [c["metric"] for c in s["checks"]] == [
        "dsr.description.score", "dsr.service.score", "dsr.shipping.score"]
    assert s["passed"] is True


def test_shares_are_fractions_summing_to_one(tmp_path):
    # Six buyers score description 5, 5, 4, 3, 1, 5: shares 1: 1/6, 2: 0, 3: 1/6, 4: 1/6,
    # 5: 3/6 (sum 1); mean (3 x 5 + 4 + 3 + 1) / 6 = 23 / 6.
    rows = [order(f"o{k}", f"2026-11-0{k + 1} 10:00:00", (v, None, None, None))
            for k, v in enumerate((5, 5, 4, 3, 1, 5))]
    item = dsr_of(rows, tmp_path)["dsr"]["description"]
    assert item["shares"] == pytest.approx({"1": 1 / 6, "2": 0, "3": 1 / 6, "4": 1 / 6, "5": 3 / 6})
    assert sum(item["shares"].values()) == pytest.approx(1.0)
    assert item["score"] == pytest.approx(23 / 6)
    assert item["count"] == 6


@pytest.mark.parametrize(("fives", "fours", "mean", "badge"), [
    (19, 6, 4.76, 4.7),   # (95 + 24) / 25 = 119 / 25 = 4.76 -> truncated 4.7 (not 4.8)
    (79, 21, 4.79, 4.7),  # (395 + 84) / 100 = 479 / 100 = 4.79 -> 4.7
    (3, 0, 5.0, 5.0),     # 15 / 3 = 5.0 -> 5.0
    (7, 3, 4.7, 4.7),     # 47 / 10 = 4.7 exactly -> 4.7 (not 4.6)
])
def test_badge_truncates_toward_zero(tmp_path, fives, fours, mean, badge):
    start = ts("2026-11-01 10:00:00")
    stars = [5] * fives + [4] * fours
    rows = [order(f"o{k:03d}", fmt(start + k * timedelta(minutes=1)), v)
            for k, v in enumerate(stars)]
    s = dsr_of(rows, tmp_path)
    item = s["dsr"]["description"]
    assert item["count"] == fives + fours
    assert item["score"] == pytest.approx(mean)
    assert item["badge"] == badge
    # The check uses the full-precision mean, not the badge.
    check = next(c for c in s["checks"] if c["metric"] == "dsr.description.score")
    assert check["value"] == pytest.approx(mean)
    assert check["passed"] is True  # every mean here is >= 4.7 (4.7 itself included)


def test_dsr_rated_at_absent_means_rated_at(tmp_path):
    # No dsr_rated_at column: the DSR date is rated_at. q1 rated 12-20 (in the window): its
    # 5s count. q2 rated 2026-06-20, 194 days before as_of: outside_dsr_window (its 1s do not
    # count). Both credit positives count (the credit has no 180-day window).
    rows = [line("q1", buyer="b1", item="i1", created="2026-12-15 10:00:00",
                 completed="2026-12-18 10:00:00", rated="2026-12-20 10:00:00", credit="positive",
                 dsr_description=5, dsr_service=5, dsr_shipping=5, dsr_logistics=5),
            line("q2", buyer="b2", item="i2", created="2026-06-15 10:00:00",
                 completed="2026-06-18 10:00:00", rated="2026-06-20 10:00:00", credit="positive",
                 dsr_description=1, dsr_service=1, dsr_shipping=1, dsr_logistics=1)]
    assert all("dsr_rated_at" not in row for row in rows)
    s = dsr_of(rows, tmp_path)
    assert s["dsr"]["description"]["score"] == 5.0
    assert s["dsr"]["description"]["count"] == 1
    assert s["dsr"]["excluded_by_reason"] == {"outside_dsr_window": 1}
    assert s["credit"]["positive"] == 2


def test_dsr_outside_the_order_rating_window(tmp_path):
    # dsr_rated_at must lie in completed_at .. completed_at + 15 days: 11-16 10:00:01 after a
    # completion at 11-01 10:00 is outside_rating_window; 11-16 10:00:00 counts.
    rows = [order("o1", "2026-11-01 10:00:00", 1, dsr_at="2026-11-16 10:00:01"),
            order("o2", "2026-11-01 10:00:00", 5, dsr_at="2026-11-16 10:00:00")]
    dsr = dsr_of(rows, tmp_path)["dsr"]
    assert (dsr["description"]["score"], dsr["description"]["count"]) == (5.0, 1)
    assert dsr["excluded_by_reason"] == {"outside_rating_window": 1}


def test_dsr_on_a_refunded_line_of_a_rateable_order_counts(tmp_path):
    # Eligibility is judged on the order: o1's L1 (refunded) carries the DSR (4s), its L2 is
    # rateable (not refunded): the order has a rateable line, so the DSR counts: 4.0.
    # o2's only line is refunded: the order has no rateable line -> refunded.
    rows = [order("o1", "2026-11-01 10:00:00", 4, buyer="b1", line_id="L1", refunded="true"),
            line("o1", buyer="b1", item="i-o1-L2", line_id="L2", created="2026-10-30 10:00:00",
                 completed="2026-11-01 10:00:00"),
            order("o2", "2026-11-01 10:00:00", 1, buyer="b2", refunded="true")]
    dsr = dsr_of(rows, tmp_path)["dsr"]
    assert (dsr["description"]["score"], dsr["description"]["count"]) == (4.0, 1)
    assert dsr["excluded_by_reason"] == {"refunded": 1}


def test_dsr_cap_month_is_the_earliest_success_of_the_order(tmp_path):
    # Buyer b1: o1, o2, o3 completed 11-01, 11-02, 11-03 (5s). o4 has two lines: L1 completed
    # 10-31 23:00 (no DSR) and L2 completed 11-05 carrying the DSR (1s, given 11-06). The
    # order's success time is the earliest of its lines, 10-31 23:00: o4 is October's first
    # order and counts (by L2's own 11-05 it would be November's 4th).
    # Nothing capped: (5 + 5 + 5 + 1) / 4 = 4.0.
    rows = [order(f"o{k}", f"2026-11-0{k} 10:00:00", 5, buyer="b1") for k in (1, 2, 3)]
    rows += [line("o4", buyer="b1", item="i-o4-L1", line_id="L1", created="2026-10-29 10:00:00",
                  completed="2026-10-31 23:00:00"),
             order("o4", "2026-11-05 10:00:00", 1, buyer="b1", line_id="L2",
                   created="2026-10-29 10:00:00", dsr_at="2026-11-06 10:00:00")]
    dsr = dsr_of(rows, tmp_path)["dsr"]
    assert (dsr["description"]["score"], dsr["description"]["count"]) == (4.0, 4)
    assert dsr["excluded_by_reason"] == {}
