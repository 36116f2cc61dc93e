"""RULES.md section 2 (credit points), each expectation worked out by hand from the rule text."""

from datetime import datetime, timedelta

import pytest
from builders import line, run, shop, write_csv

from shopscore.scoring.engine.audit import audit
from shopscore.scoring.inputs.load import load
from shopscore.scoring.rules.profile import load_profile

FMT = "%Y-%m-%d %H:%M:%S"
DAY = timedelta(days=1)


def ts(text: str) -> datetime:
    return datetime.strptime(text, FMT)


def fmt(when: datetime) -> str:
    return when.strftime(FMT)


def trade(oid, created, credit, *, buyer="b1", item=None, rated_after=2 * DAY, **more):
    """A success line created at `created`, completed 1 day later and rated `rated_after`
    after creation (so always inside its 15-day rating window). Items default to one per
    order, so that the 14-day rule only applies where a test names the same item."""
    c = ts(created)
    return line(oid, buyer=buyer, item=item or f"i-{oid}", created=fmt(c),
                completed=fmt(c + DAY), rated=fmt(c + rated_after) if credit else None,
                credit=credit, **more)


def credit_of(rows, tmp_path, as_of):
    doc, _ = run(rows, tmp_path, as_of)
    return shop(doc)["credit"]


def audit_rows(rows, tmp_path, as_of):
    """(the shop's credit JSON, order_id -> the credit fate the engine decided for its line)."""
    profile = load_profile()
    data = load([write_csv(rows, tmp_path / "trades.csv")], profile.timezone)
    result, decisions = audit(data, profile, ts(as_of).replace(tzinfo=profile.tz))
    fate = dict(zip(decisions.lines["order_id"], decisions.credit["fate"], strict=True))
    return shop(result.to_dict())["credit"], fate


def fates(rows, tmp_path, as_of):
    """order_id -> the credit fate the engine decided for its (single) line."""
    return audit_rows(rows, tmp_path, as_of)[1]


def pnn(credit):
    return credit["positive"], credit["neutral"], credit["negative"]


# ---------------------------------------------------------------- default positive (默认好评)

AS_OF_DEFAULT = "2026-05-20 18:00:00"


def unrated(oid, seller_at, seller_credit="positive", **more):
    """A successful line the buyer never rated, rated by the seller at `seller_at`."""
    return line(oid, item=f"i-{oid}", created="2026-04-01 10:00:00",
                completed="2026-04-03 10:00:00", seller_rated_at=seller_at,
                seller_credit=seller_credit, **more)


def test_default_positive_due_exactly_at_as_of_counts(tmp_path):
    # seller positive 05-05 18:00:00 + 15 days = 05-20 18:00:00 = as_of: due <= as_of, counts.
    credit = credit_of([unrated("o1", "2026-05-05 18:00:00")], tmp_path, AS_OF_DEFAULT)
    assert pnn(credit) == (1, 0, 0)
    assert credit["default_positive"] == 1
    assert credit["score"] == 1
    assert credit["periods"]["7d"]["positive"] == 1


def test_default_positive_due_one_second_after_as_of_is_nothing(tmp_path):
    # seller positive 05-05 18:00:01 + 15 days = 05-20 18:00:01 > as_of: no rating at all.
    credit = credit_of([unrated("o1", "2026-05-05 18:00:01")], tmp_path, AS_OF_DEFAULT)
    assert pnn(credit) == (0, 0, 0)
    assert credit["default_positive"] == 0
    assert credit["score"] == 0
    assert credit["positive_rate"] is None
    assert credit["excluded_by_reason"] == {}


@pytest.mark.parametrize("seller_credit", ["neutral", "negative"])
def test_seller_neutral_or_negative_gives_no_default(tmp_path, seller_credit):
    # "A seller rating that is neutral or negative gives no default": due long before as_of,
    # and still nothing.
    credit = credit_of([unrated("o1", "2026-04-04 10:00:00", seller_credit)], tmp_path,
                       AS_OF_DEFAULT)
    assert pnn(credit) == (0, 0, 0)
    assert credit["default_positive"] == 0
    assert credit["score"] == 0


def test_a_buyer_rating_after_as_of_leaves_the_line_its_default_positive(tmp_path):
    # "Nothing after as_of exists": o1's buyer negative of 05-25 (after as_of 05-20 18:00) does
    # not exist yet, so as of as_of o1 is a line the buyer never rated; the seller's positive
    # of 05-01 18:00 fell due 05-16 18:00 <= as_of: the default positive counts (+1), and the
    # rating row read is counted under after_as_of, so that nothing read is lost.
    row = unrated("o1", "2026-05-01 18:00:00", rated="2026-05-25 10:00:00", credit="negative")
    credit, fate = audit_rows([row], tmp_path, AS_OF_DEFAULT)
    assert pnn(credit) == (1, 0, 0) and credit["score"] == 1
    assert credit["default_positive"] == 1
    assert credit["excluded_by_reason"] == {"after_as_of": 1}
    assert fate["o1"] == "counted"
    # The same line audited after 05-25: the buyer's negative exists and no default is given.
    later = credit_of([row], tmp_path, "2026-05-26 00:00:00")
    assert pnn(later) == (0, 0, 0) and later["default_positive"] == 0
    assert later["excluded_by_reason"] == {"outside_rating_window": 1}


def test_a_late_rating_with_no_default_due_is_only_after_as_of(tmp_path):
    # o1: buyer positive 05-25, after as_of; the seller's positive of 05-10 18:00 falls due
    # 05-25 18:00, after as_of too: nothing counts, the rating row is after_as_of (once).
    row = unrated("o1", "2026-05-10 18:00:00", rated="2026-05-25 10:00:00", credit="positive")
    credit = credit_of([row], tmp_path, AS_OF_DEFAULT)
    assert pnn(credit) == (0, 0, 0) and credit["default_positive"] == 0
    assert credit["excluded_by_reason"] == {"after_as_of": 1}


def test_explain_counts_a_late_rating_beside_its_default_as_the_audit_does(tmp_path):
    from shopscore.scoring.insight.explain import explain

    row = unrated("o1", "2026-05-01 18:00:00", rated="2026-05-25 10:00:00", credit="negative")
    profile = load_profile()
    data = load([write_csv([row], tmp_path / "trades.csv")], profile.timezone)
    when = ts(AS_OF_DEFAULT).replace(tzinfo=profile.tz)
    result, decisions = audit(data, profile, when)
    doc = explain(decisions, profile, when, order="o1")
    assert doc["summary"]["credit"]["excluded_by_reason"] == {"after_as_of": 1}
    assert doc["summary"]["credit"]["default_positive"] == 1
    record = doc["credit"][0]
    assert record["default"] and record["rating_after_as_of"] and "after as_of" in record["why"]


def test_default_positive_is_dated_seller_rated_at_plus_15_days(tmp_path):
    # as_of 05-20 18:00. o1: seller 04-30 18:00 (as_of - 20 d) -> due 05-15 18:00 (as_of - 5 d):
    # in the 7-day period. o2: seller 04-10 18:00 (as_of - 40 d) -> due 04-25 18:00
    # (as_of - 25 d): in the 30-day period, not the 7-day one.
    # 7d: 1 positive; 30d: 2; 180d: 2; older: 0; total: 2.
    rows = [unrated("o1", "2026-04-30 18:00:00"),
            line("o2", item="i-o2", created="2026-04-05 10:00:00",
                 completed="2026-04-08 10:00:00", seller_rated_at="2026-04-10 18:00:00",
                 seller_credit="positive")]
    credit = credit_of(rows, tmp_path, AS_OF_DEFAULT)
    assert credit["default_positive"] == 2
    periods = credit["periods"]
    assert periods["7d"] == {"positive": 1, "neutral": 0, "negative": 0}
    assert periods["30d"] == {"positive": 2, "neutral": 0, "negative": 0}
    assert periods["180d"] == {"positive": 2, "neutral": 0, "negative": 0}
    assert periods["older"] == {"positive": 0, "neutral": 0, "negative": 0}
    assert periods["total"] == {"positive": 2, "neutral": 0, "negative": 0}


# ---------------------------------------------------------------- revisions (修改/删除)

AS_OF_REVISION = "2026-06-30 00:00:00"


def rated(oid, credit, rated_at="2026-04-10 10:00:00", **more):
    """Created 04-05, completed 04-08 10:00, rated 04-10 10:00 (inside the window)."""
    return line(oid, item=f"i-{oid}", created="2026-04-05 10:00:00",
                completed="2026-04-08 10:00:00", rated=rated_at, credit=credit, **more)


def test_negative_revised_to_positive_within_30_days(tmp_path):
    # negative of 04-10 revised to positive on 04-25 (15 days later, within 30): counts as a
    # positive keeping its original rated_at 04-10 (as_of 06-30: 81 days ago, so in the 180-day
    # period but not the 30-day one).
    rows = [rated("o1", "negative", revised_at="2026-04-25 10:00:00", revised_to="positive")]
    doc, _ = run(rows, tmp_path, AS_OF_REVISION)
    s = shop(doc)
    assert pnn(s["credit"]) == (1, 0, 0)
    assert s["credit"]["score"] == 1
    assert s["credit"]["periods"]["30d"]["positive"] == 0
    assert s["credit"]["periods"]["180d"]["positive"] == 1
    assert s["anomalies_by_reason"] == {}


def test_neutral_revised_to_positive_within_30_days(tmp_path):
    # A neutral may be revised too: neutral -> positive, so positive 1, neutral 0.
    rows = [rated("o1", "neutral", revised_at="2026-04-11 10:00:00", revised_to="positive")]
    credit = credit_of(rows, tmp_path, AS_OF_REVISION)
    assert pnn(credit) == (1, 0, 0)


def test_revision_exactly_30_days_later_is_valid(tmp_path):
    # 04-10 10:00 + 30 days = 05-10 10:00:00; "within 30 days of rated_at (inclusive)": valid.
    rows = [rated("o1", "negative", revised_at="2026-05-10 10:00:00", revised_to="positive")]
    doc, _ = run(rows, tmp_path, AS_OF_REVISION)
    s = shop(doc)
    assert pnn(s["credit"]) == (1, 0, 0)
    assert s["credit"]["score"] == 1
    assert s["anomalies_by_reason"] == {}


def test_revision_30_days_and_1_second_late_is_anomaly_and_stays_negative(tmp_path):
    # 05-10 10:00:01 is past the 30 days: anomaly revision_after_30_days, original kept: -1.
    rows = [rated("o1", "negative", revised_at="2026-05-10 10:00:01", revised_to="positive")]
    doc, _ = run(rows, tmp_path, AS_OF_REVISION)
    s = shop(doc)
    assert pnn(s["credit"]) == (0, 0, 1)
    assert s["credit"]["score"] == -1
    assert s["anomalies_by_reason"] == {"revision_after_30_days": 1}


def test_revision_of_a_positive_is_anomaly_and_stays_positive(tmp_path):
    # "A positive rating can never be revised or deleted": revision_of_positive, kept: +1.
    rows = [rated("o1", "positive", revised_at="2026-04-12 10:00:00", revised_to="deleted")]
    doc, _ = run(rows, tmp_path, AS_OF_REVISION)
    s = shop(doc)
    assert pnn(s["credit"]) == (1, 0, 0)
    assert s["credit"]["score"] == 1
    assert s["credit"]["excluded_by_reason"] == {}
    assert s["anomalies_by_reason"] == {"revision_of_positive": 1}


def test_deleted_rating_is_excluded_and_gets_no_default_positive(tmp_path):
    # neutral of 04-10 deleted on 04-20 (valid): the line is unrated, counted under deleted,
    # and gets no default positive although the seller rated positive on 04-09 (due 04-24,
    # long before as_of). Nothing counts: score 0, positive_rate undefined.
    rows = [rated("o1", "neutral", revised_at="2026-04-20 10:00:00", revised_to="deleted",
                  seller_rated_at="2026-04-09 10:00:00", seller_credit="positive")]
    credit = credit_of(rows, tmp_path, AS_OF_REVISION)
    assert pnn(credit) == (0, 0, 0)
    assert credit["default_positive"] == 0
    assert credit["score"] == 0
    assert credit["positive_rate"] is None
    assert credit["excluded_by_reason"] == {"deleted": 1}


def test_revision_after_as_of_does_not_exist_yet(tmp_path):
    # as_of 04-20: the negative of 04-10 exists, its revision of 04-25 does not (and neither
    # does o2's late revision of 05-11, so no anomaly either). negative 2, score -2.
    rows = [rated("o1", "negative", revised_at="2026-04-25 10:00:00", revised_to="positive"),
            rated("o2", "negative", revised_at="2026-05-11 10:00:00", revised_to="positive")]
    doc, _ = run(rows, tmp_path, "2026-04-20 00:00:00")
    s = shop(doc)
    assert pnn(s["credit"]) == (0, 0, 2)
    assert s["anomalies_by_reason"] == {}


def test_only_ratings_passing_section_1_are_examined_for_revisions(tmp_path):
    # o1's negative was given 04-24 10:00:01, after its window (completed 04-08 10:00 + 15 days
    # = 04-23 10:00): outside_rating_window. Its revision 60 days later is not examined: no
    # revision_after_30_days anomaly. Likewise o2, a closed line's positive "revised": no
    # revision_of_positive.
    rows = [rated("o1", "negative", rated_at="2026-04-24 10:00:01",
                  revised_at="2026-06-23 10:00:00", revised_to="positive"),
            rated("o2", "positive", status="closed", revised_at="2026-04-12 10:00:00",
                  revised_to="deleted")]
    doc, _ = run(rows, tmp_path, AS_OF_REVISION)
    s = shop(doc)
    assert pnn(s["credit"]) == (0, 0, 0)
    assert s["credit"]["excluded_by_reason"] == {"not_success": 1, "outside_rating_window": 1}
    assert s["anomalies_by_reason"] == {}


# ---------------------------------------------------------------- same item within 14 days

AS_OF_SAME = "2026-08-31 00:00:00"


@pytest.mark.parametrize(("second", "positives", "same_item"), [
    ("2026-06-15 10:00:00", 2, 0),  # anchor 06-01 10:00 + 14 days: not inside, a new window
    ("2026-06-15 09:59:59", 1, 1),  # 1 s earlier: created < anchor + 14 days, joins it
])
def test_exactly_14_days_after_the_anchor_opens_a_new_window(tmp_path, second, positives,
                                                            same_item):
    rows = [trade("o1", "2026-06-01 10:00:00", "positive", item="i1"),
            trade("o2", second, "positive", item="i1")]
    credit = credit_of(rows, tmp_path, AS_OF_SAME)
    assert pnn(credit) == (positives, 0, 0)
    assert credit["excluded_by_reason"] == ({"same_item_14d": same_item} if same_item else {})


def test_windows_are_anchored_not_chained(tmp_path):
    # Same buyer and item, positives on days 0/10/20 (06-01, 06-11, 06-21 at 10:00).
    # Window 1 is anchored at 06-01 and holds trades before 06-15 10:00: day 0 and day 10
    # (one positive counts, day 10 is same_item_14d). Day 20 is within 14 days of day 10, but
    # day 10 is no anchor: 06-21 >= 06-15 10:00, so day 20 opens window 2 and counts.
    # positive 2, same_item_14d 1.
    rows = [trade("o1", "2026-06-01 10:00:00", "positive", item="i1"),
            trade("o2", "2026-06-11 10:00:00", "positive", item="i1"),
            trade("o3", "2026-06-21 10:00:00", "positive", item="i1")]
    credit, got = audit_rows(rows, tmp_path, AS_OF_SAME)
    assert pnn(credit) == (2, 0, 0)
    assert credit["score"] == 2
    assert credit["excluded_by_reason"] == {"same_item_14d": 1}
    assert got == {
        "o1": "counted", "o2": "same_item_14d", "o3": "counted"}


def test_one_of_each_kind_counts_in_a_window(tmp_path):
    # One window (06-01 .. 06-11, all before 06-15 10:00): the earliest positive (o1), the
    # earliest negative (o2) and the earliest neutral (o3) count; the second of each kind
    # (o4, o5, o6) is same_item_14d. positive 1, neutral 1, negative 1, score 0.
    rows = [trade("o1", "2026-06-01 10:00:00", "positive", item="i1"),
            trade("o2", "2026-06-03 10:00:00", "negative", item="i1"),
            trade("o3", "2026-06-05 10:00:00", "neutral", item="i1"),
            trade("o4", "2026-06-07 10:00:00", "positive", item="i1"),
            trade("o5", "2026-06-09 10:00:00", "negative", item="i1"),
            trade("o6", "2026-06-11 10:00:00", "neutral", item="i1")]
    credit, got = audit_rows(rows, tmp_path, AS_OF_SAME)
    assert pnn(credit) == (1, 1, 1)
    assert credit["score"] == 0
    assert credit["positive_rate"] == pytest.approx(1 / 3)
    assert credit["excluded_by_reason"] == {"same_item_14d": 3}
    assert got == {
        "o1": "counted", "o2": "counted", "o3": "counted",
        "o4": "same_item_14d", "o5": "same_item_14d", "o6": "same_item_14d"}


def test_other_item_and_other_buyer_count_separately(tmp_path):
    # (b1, i1): 06-01 + counts, 06-05 + is same_item_14d. (b1, i2) and (b2, i1) are groups of
    # their own: each counts. positive 3, same_item_14d 1.
    rows = [trade("o1", "2026-06-01 10:00:00", "positive", item="i1"),
            trade("o2", "2026-06-05 10:00:00", "positive", item="i1"),
            trade("o3", "2026-06-05 10:00:00", "positive", item="i2"),
            trade("o4", "2026-06-05 10:00:00", "positive", item="i1", buyer="b2")]
    credit = credit_of(rows, tmp_path, AS_OF_SAME)
    assert pnn(credit) == (3, 0, 0)
    assert credit["excluded_by_reason"] == {"same_item_14d": 1}


def test_same_created_at_ties_break_on_order_id_as_text(tmp_path):
    # Two positives of (b1, i1) created at the same instant: ties go by order_id, compared as
    # text ("o10" < "o9"), so o10 is the earliest and counts; o9 is same_item_14d.
    rows = [trade("o9", "2026-06-01 10:00:00", "positive", item="i1"),
            trade("o10", "2026-06-01 10:00:00", "positive", item="i1")]
    assert fates(rows, tmp_path, AS_OF_SAME) == {"o9": "same_item_14d", "o10": "counted"}


# ---------------------------------------------------------------- monthly cap (每月6分)

AS_OF_CAP = "2026-05-31 00:00:00"


def march(kinds, start_day=1):
    """One buyer (b1), a different item each, trades created on consecutive March days,
    ids o01, o02, ... in creation order."""
    return [trade(f"o{k + 1:02d}", f"2026-03-{start_day + k:02d} 10:00:00", kind)
            for k, kind in enumerate(kinds)]


def test_seven_positives_in_a_month_count_six(tmp_path):
    # Running total 1..6; the 7th would make +7: monthly_cap. positive 6, score +6.
    rows = march(["positive"] * 7)
    credit, got = audit_rows(rows, tmp_path, AS_OF_CAP)
    assert pnn(credit) == (6, 0, 0)
    assert credit["score"] == 6
    assert credit["excluded_by_reason"] == {"monthly_cap": 1}
    assert got["o07"] == "monthly_cap"


def test_seven_negatives_in_a_month_count_minus_six(tmp_path):
    # Running total -1..-6; the 7th would make -7: monthly_cap. negative 6, score -6.
    rows = march(["negative"] * 7)
    credit, got = audit_rows(rows, tmp_path, AS_OF_CAP)
    assert pnn(credit) == (0, 0, 6)
    assert credit["score"] == -6
    assert credit["excluded_by_reason"] == {"monthly_cap": 1}
    assert got["o07"] == "monthly_cap"


def test_seven_positives_then_seven_negatives(tmp_path):
    # Positives (03-01..07): +1..+6, the 7th (o07) is capped at +6. Negatives (03-08..14):
    # +6 -> +5, +4, +3, +2, +1, 0, -1: all 7 stay within -6..+6 and count.
    # positive 6, negative 7, score -1, monthly_cap 1.
    rows = march(["positive"] * 7 + ["negative"] * 7)
    credit, got = audit_rows(rows, tmp_path, AS_OF_CAP)
    assert pnn(credit) == (6, 0, 7)
    assert credit["score"] == -1
    assert credit["excluded_by_reason"] == {"monthly_cap": 1}
    assert [oid for oid, fate in got.items() if fate == "monthly_cap"] == ["o07"]


def test_seven_negatives_then_seven_positives(tmp_path):
    # Negatives: -1..-6, the 7th (o07) capped. Positives: -6 -> -5 .. +1, all 7 count.
    # positive 7, negative 6, score +1, monthly_cap 1.
    rows = march(["negative"] * 7 + ["positive"] * 7)
    credit, got = audit_rows(rows, tmp_path, AS_OF_CAP)
    assert pnn(credit) == (7, 0, 6)
    assert credit["score"] == 1
    assert credit["excluded_by_reason"] == {"monthly_cap": 1}
    assert got["o07"] == "monthly_cap"


def test_seven_positives_and_seven_negatives_alternating(tmp_path):
    # +,-,+,-,...: the running total swings between +1 and 0, never leaves -6..+6:
    # all 14 count. positive 7, negative 7, score 0, nothing excluded.
    rows = march(["positive", "negative"] * 7)
    credit = credit_of(rows, tmp_path, AS_OF_CAP)
    assert pnn(credit) == (7, 0, 7)
    assert credit["score"] == 0
    assert credit["excluded_by_reason"] == {}


def test_six_negatives_then_a_positive_then_a_negative_all_count(tmp_path):
    # -1..-6, then +1 -> -5, then -1 -> -6: all within -6..+6, all count. Total -6.
    rows = march(["negative"] * 6 + ["positive", "negative"])
    credit = credit_of(rows, tmp_path, AS_OF_CAP)
    assert pnn(credit) == (1, 0, 7)
    assert credit["score"] == -6
    assert credit["excluded_by_reason"] == {}


def test_month_boundary_by_local_created_at(tmp_path):
    # Six positives created 03-01..06 take March to +6. o07 created 03-31 23:59:59 is still
    # March: +7 -> monthly_cap. o08 created 04-01 00:00:00 is April, which starts at 0: +1 counts.
    # positive 7, monthly_cap 1.
    rows = march(["positive"] * 6) + [
        trade("o07", "2026-03-31 23:59:59", "positive"),
        trade("o08", "2026-04-01 00:00:00", "positive")]
    credit, got = audit_rows(rows, tmp_path, AS_OF_CAP)
    assert pnn(credit) == (7, 0, 0)
    assert credit["excluded_by_reason"] == {"monthly_cap": 1}
    assert got["o07"] == "monthly_cap"
    assert got["o08"] == "counted"


def test_month_is_that_of_trade_creation_not_rating(tmp_path):
    # o00 created 02-27, rated 03-01: a February trade (Feb total +1, counts).
    # o01..o06 created 03-02..07: March +6. o08 created 03-30 but rated 04-01: still a March
    # trade, +7 -> monthly_cap. positive 7, monthly_cap 1.
    rows = ([trade("o00", "2026-02-27 10:00:00", "positive")]
            + march(["positive"] * 6, start_day=2)
            + [trade("o08", "2026-03-30 10:00:00", "positive")])
    assert rows[0]["rated_at"] == "2026-03-01 10:00:00"
    assert rows[-1]["rated_at"] == "2026-04-01 10:00:00"
    credit, got = audit_rows(rows, tmp_path, AS_OF_CAP)
    assert pnn(credit) == (7, 0, 0)
    assert credit["excluded_by_reason"] == {"monthly_cap": 1}
    assert got["o00"] == "counted"
    assert got["o08"] == "monthly_cap"


def test_neutrals_are_never_capped(tmp_path):
    # Six positives (+6), three neutrals (0 each, always count), a positive (+7: capped), one
    # more neutral (counts). positive 6, neutral 4, monthly_cap 1.
    rows = march(["positive"] * 6 + ["neutral"] * 3 + ["positive", "neutral"])
    credit, got = audit_rows(rows, tmp_path, AS_OF_CAP)
    assert pnn(credit) == (6, 4, 0)
    assert credit["score"] == 6
    assert credit["excluded_by_reason"] == {"monthly_cap": 1}
    assert got["o10"] == "monthly_cap"


def test_monthly_cap_is_per_buyer(tmp_path):
    # b1: 7 positives in March (+6, one capped); b2: 2 positives in March (own total, +2).
    rows = march(["positive"] * 7) + [
        trade("p1", "2026-03-02 10:00:00", "positive", buyer="b2"),
        trade("p2", "2026-03-03 10:00:00", "positive", buyer="b2")]
    credit = credit_of(rows, tmp_path, AS_OF_CAP)
    assert pnn(credit) == (8, 0, 0)
    assert credit["excluded_by_reason"] == {"monthly_cap": 1}


# ---------------------------------------------------------------- tiny trades (1元以下)

def test_line_of_one_yuan_is_low_amount_and_1_01_counts(tmp_path):
    # 1.00 yuan "or less" scores nothing (low_amount), 0.50 likewise; 1.01 counts.
    rows = [trade("o1", "2026-06-01 10:00:00", "positive", amount="1.00"),
            trade("o2", "2026-06-02 10:00:00", "positive", amount="1.01"),
            trade("o3", "2026-06-03 10:00:00", "negative", amount="0.50")]
    credit, got = audit_rows(rows, tmp_path, AS_OF_SAME)
    assert pnn(credit) == (1, 0, 0)
    assert credit["score"] == 1
    assert credit["excluded_by_reason"] == {"low_amount": 2}
    assert got == {"o1": "low_amount", "o2": "counted", "o3": "low_amount"}


def test_without_amount_column_the_tiny_trade_rule_does_not_apply(tmp_path):
    # The same three ratings, no amount column: nothing is low_amount, all count.
    rows = [trade("o1", "2026-06-01 10:00:00", "positive"),
            trade("o2", "2026-06-02 10:00:00", "positive"),
            trade("o3", "2026-06-03 10:00:00", "negative")]
    assert all("amount" not in row for row in rows)
    credit = credit_of(rows, tmp_path, AS_OF_SAME)
    assert pnn(credit) == (2, 0, 1)
    assert credit["score"] == 1
    assert credit["excluded_by_reason"] == {}


def test_low_amount_is_excluded_before_the_14_day_rule(tmp_path):
    # (b1, i1): 06-01 1.00 yuan (+), 06-11 5.00 (+), 06-21 5.00 (+). The tiny line is excluded
    # first, so it anchors nothing: the window is anchored at 06-11 and holds 06-21
    # (< 06-25 10:00): one positive counts, one same_item_14d. positive 1.
    rows = [trade("o1", "2026-06-01 10:00:00", "positive", item="i1", amount="1.00"),
            trade("o2", "2026-06-11 10:00:00", "positive", item="i1", amount="5.00"),
            trade("o3", "2026-06-21 10:00:00", "positive", item="i1", amount="5.00")]
    credit = credit_of(rows, tmp_path, AS_OF_SAME)
    assert pnn(credit) == (1, 0, 0)
    assert credit["excluded_by_reason"] == {"low_amount": 1, "same_item_14d": 1}


def test_default_positive_on_a_tiny_line_scores_nothing(tmp_path):
    # The rating of a line of 1.00 yuan or less is excluded as low_amount, a default positive
    # as well (it is "treated like any other positive").
    rows = [line("o1", item="i1", created="2026-06-01 10:00:00", completed="2026-06-02 10:00:00",
                 seller_rated_at="2026-06-03 10:00:00", seller_credit="positive", amount="0.80")]
    credit = credit_of(rows, tmp_path, AS_OF_SAME)
    assert pnn(credit) == (0, 0, 0)
    assert credit["score"] == 0
    assert credit["excluded_by_reason"] == {"low_amount": 1}


# ---------------------------------------------------------------- figures

AS_OF_FIG = ts("2026-09-01 08:00:00")


def rated_at(oid, when: datetime, credit):
    """A line of its own buyer and item, rated at `when` (completed 1 day, created 3 days
    before)."""
    return line(oid, buyer=f"b-{oid}", item=f"i-{oid}", created=fmt(when - 3 * DAY),
                completed=fmt(when - DAY), rated=fmt(when), credit=credit)


def test_period_table_boundaries_positive_rate_and_level(tmp_path):
    second = timedelta(seconds=1)
    rows = [
        rated_at("r1", AS_OF_FIG, "positive"),                          # 7d (== as_of)
        rated_at("r2", AS_OF_FIG - 7 * DAY + second, "neutral"),        # 7d
        rated_at("r3", AS_OF_FIG - 7 * DAY, "negative"),                # 30d, not 7d
        rated_at("r4", AS_OF_FIG - 30 * DAY + second, "positive"),      # 30d
        rated_at("r5", AS_OF_FIG - 30 * DAY, "positive"),               # 180d, not 30d
        rated_at("r6", AS_OF_FIG - 180 * DAY + second, "negative"),     # 180d
        rated_at("r7", AS_OF_FIG - 180 * DAY, "positive"),              # older
        rated_at("r8", AS_OF_FIG - 200 * DAY, "positive"),              # older
        rated_at("r9", AS_OF_FIG - 400 * DAY, "positive"),              # older
    ]
    credit = credit_of(rows, tmp_path, fmt(AS_OF_FIG))
    periods = credit["periods"]
    # 7d = r1, r2; 30d adds r3, r4; 180d adds r5, r6; older = r7, r8, r9.
    assert periods["7d"] == {"positive": 1, "neutral": 1, "negative": 0}
    assert periods["30d"] == {"positive": 2, "neutral": 1, "negative": 1}
    assert periods["180d"] == {"positive": 3, "neutral": 1, "negative": 2}
    assert periods["older"] == {"positive": 3, "neutral": 0, "negative": 0}
    assert periods["total"] == {"positive": 6, "neutral": 1, "negative": 2}
    # score 6 - 2 = 4: level 1 (1 heart, 4-10). positive_rate 6 / (6 + 1 + 2) = 2/3.
    assert credit["score"] == 4
    assert credit["level"] == {"index": 1, "name": "1 heart"}
    assert credit["positive_rate"] == pytest.approx(6 / 9)


def test_score_below_4_has_no_level_and_no_ratings_no_rate(tmp_path):
    # 3 positives: score 3 < 4, level index 0, no name; positive_rate 3/3 = 1.
    rows = [rated_at(f"r{k}", AS_OF_FIG - DAY, "positive") for k in range(3)]
    credit = credit_of(rows, tmp_path, fmt(AS_OF_FIG))
    assert credit["score"] == 3
    assert credit["level"] == {"index": 0, "name": None}
    assert credit["positive_rate"] == 1.0


def test_calendar_month_is_the_local_month(tmp_path):
    # Six positives created 03-01..06 local take March to +6. o07 created 2026-03-31T15:59:59Z
    # = 03-31 23:59:59 in Shanghai: March, +7 -> monthly_cap. o08 created 2026-03-31T16:00:00Z
    # = 04-01 00:00:00 in Shanghai: April, counts (in UTC it would still be March).
    rows = march(["positive"] * 6) + [
        line("o07", item="i-o07", created="2026-03-31T15:59:59Z", completed="2026-04-01 10:00:00",
             rated="2026-04-02 10:00:00", credit="positive"),
        line("o08", item="i-o08", created="2026-03-31T16:00:00Z", completed="2026-04-01 10:00:00",
             rated="2026-04-02 10:00:00", credit="positive")]
    got = fates(rows, tmp_path, AS_OF_CAP)
    assert got["o07"] == "monthly_cap"
    assert got["o08"] == "counted"
