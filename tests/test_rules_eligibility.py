"""RULES.md section 1 (which trade lines can be rated) and after_as_of, worked by hand."""

from builders import line, run, shop

# Every line below is created 2026-03-01 10:00 and completed 2026-03-04 10:00 (the builder's
# defaults), so its rating window is [2026-03-04 10:00:00, 2026-03-19 10:00:00].
AS_OF = "2026-04-30 00:00:00"


def credit_of(rows, tmp_path, as_of=AS_OF):
    doc, _ = run(rows, tmp_path, as_of)
    return shop(doc)["credit"]


def assert_nothing_lost(credit, ratings_read):
    # CONTRACT.md: every rating row read is either counted or excluded under a reason.
    counted = credit["positive"] + credit["neutral"] + credit["negative"]
    assert counted + sum(credit["excluded_by_reason"].values()) == ratings_read


def test_rated_exactly_15_days_after_completion_counts(tmp_path):
    # completed 03-04 10:00 + 15 days = 03-19 10:00:00; rated_at <= completed_at + 15 days holds.
    credit = credit_of([line("o1", rated="2026-03-19 10:00:00", credit="positive")], tmp_path)
    assert credit["positive"] == 1
    assert credit["score"] == 1
    assert credit["excluded_by_reason"] == {}


def test_15_days_and_one_second_is_outside_rating_window(tmp_path):
    # 03-19 10:00:01 > completed_at + 15 days: excluded as outside_rating_window, scores nothing.
    credit = credit_of([line("o1", rated="2026-03-19 10:00:01", credit="positive")], tmp_path)
    assert credit["positive"] == 0
    assert credit["score"] == 0
    assert credit["excluded_by_reason"] == {"outside_rating_window": 1}
    assert_nothing_lost(credit, 1)


def test_rated_at_completion_counts_and_before_completion_is_outside(tmp_path):
    # o1 rated at exactly completed_at (completed_at <= rated_at): counts.
    # o2 rated 1 s before completed_at: completed_at <= rated_at fails -> outside_rating_window.
    rows = [line("o1", rated="2026-03-04 10:00:00", credit="negative"),
            line("o2", buyer="b2", item="i2", rated="2026-03-04 09:59:59", credit="negative")]
    credit = credit_of(rows, tmp_path)
    assert credit["negative"] == 1
    assert credit["score"] == -1
    assert credit["excluded_by_reason"] == {"outside_rating_window": 1}
    assert_nothing_lost(credit, 2)


def test_closed_and_open_lines_are_not_success(tmp_path):
    # Only *success* lines can be rated: the closed line and the in-progress (open) line are
    # both excluded as not_success; the success line counts. positive 1, not_success 2.
    rows = [line("o1", status="closed", completed=None, rated="2026-03-05 10:00:00",
                 credit="negative"),
            line("o2", buyer="b2", item="i2", status="open", completed=None,
                 rated="2026-03-05 10:00:00", credit="negative"),
            line("o3", buyer="b3", item="i3", rated="2026-03-05 10:00:00", credit="positive")]
    credit = credit_of(rows, tmp_path)
    assert (credit["positive"], credit["neutral"], credit["negative"]) == (1, 0, 0)
    assert credit["score"] == 1
    assert credit["excluded_by_reason"] == {"not_success": 2}
    assert_nothing_lost(credit, 3)


def test_non_escrow_line_is_not_escrow(tmp_path):
    # Not paid through escrow (支付宝): cannot be rated -> not_escrow; the escrow line counts.
    rows = [line("o1", escrow="false", rated="2026-03-05 10:00:00", credit="negative"),
            line("o2", buyer="b2", item="i2", rated="2026-03-05 10:00:00", credit="positive")]
    credit = credit_of(rows, tmp_path)
    assert (credit["positive"], credit["negative"]) == (1, 0)
    assert credit["excluded_by_reason"] == {"not_escrow": 1}
    assert_nothing_lost(credit, 2)


def test_refunded_line_in_successful_order_other_line_counts(tmp_path):
    # Order o5 is successful; its line L1 was refunded (excluded as refunded, its negative
    # scores nothing), its line L2 was not (its positive counts): positive 1, score +1.
    rows = [line("o5", line_id="L1", item="i1", refunded="true",
                 rated="2026-03-05 10:00:00", credit="negative"),
            line("o5", line_id="L2", item="i2", refunded="false",
                 rated="2026-03-05 10:00:00", credit="positive")]
    credit = credit_of(rows, tmp_path)
    assert (credit["positive"], credit["neutral"], credit["negative"]) == (1, 0, 0)
    assert credit["score"] == 1
    assert credit["positive_rate"] == 1.0
    assert credit["excluded_by_reason"] == {"refunded": 1}
    assert_nothing_lost(credit, 2)


def test_rating_after_as_of_is_counted_as_after_as_of(tmp_path):
    # as_of 2026-03-10 12:00:00. o1 rated exactly at as_of exists (counts); o2 rated 1 s later
    # does not exist for the audit and is counted under after_as_of, not dropped.
    as_of = "2026-03-10 12:00:00"
    rows = [line("o1", rated="2026-03-10 12:00:00", credit="positive"),
            line("o2", buyer="b2", item="i2", rated="2026-03-10 12:00:01", credit="negative")]
    credit = credit_of(rows, tmp_path, as_of)
    assert (credit["positive"], credit["negative"]) == (1, 0)
    assert credit["score"] == 1
    assert credit["excluded_by_reason"] == {"after_as_of": 1}
    assert_nothing_lost(credit, 2)


def test_dsr_after_as_of_is_counted_as_after_as_of(tmp_path):
    # DSR given after as_of does not exist either: excluded from the DSR as after_as_of.
    # o1's DSR (5) at as_of counts; o2's DSR (1) 1 s after as_of does not: description 5.0.
    as_of = "2026-03-10 12:00:00"
    rows = [line("o1", dsr_rated_at="2026-03-10 12:00:00", dsr_description=5),
            line("o2", buyer="b2", item="i2", dsr_rated_at="2026-03-10 12:00:01",
                 dsr_description=1)]
    doc, _ = run(rows, tmp_path, as_of)
    dsr = shop(doc)["dsr"]
    assert dsr["description"]["score"] == 5.0
    assert dsr["description"]["count"] == 1
    assert dsr["excluded_by_reason"] == {"after_as_of": 1}


def test_dsr_eligibility_is_section_1_judged_on_the_order(tmp_path):
    # DSR on a closed order (not_success), a non-escrow order (not_escrow), an order whose only
    # line is refunded (refunded), an order scored 15 days + 1 s after completion
    # (outside_rating_window); only o5 (scored 4, inside the window) counts: description 4.0.
    base = {"dsr_rated_at": "2026-03-05 10:00:00"}
    rows = [line("o1", status="closed", completed=None, dsr_description=1, **base),
            line("o2", buyer="b2", item="i2", escrow="false", dsr_description=1, **base),
            line("o3", buyer="b3", item="i3", refunded="true", dsr_description=1, **base),
            line("o4", buyer="b4", item="i4", dsr_description=1,
                 dsr_rated_at="2026-03-19 10:00:01"),
            line("o5", buyer="b5", item="i5", dsr_description=4, **base)]
    doc, _ = run(rows, tmp_path, AS_OF)
    dsr = shop(doc)["dsr"]
    assert dsr["description"]["score"] == 4.0
    assert dsr["description"]["count"] == 1
    assert dsr["excluded_by_reason"] == {"not_escrow": 1, "not_success": 1,
                                         "outside_rating_window": 1, "refunded": 1}


def test_as_of_and_timestamps_with_an_offset_are_local_time(tmp_path):
    # as_of 2026-03-10T04:00:00+00:00 is 12:00:00 in Asia/Shanghai (UTC+8). o1 rated 12:00:00
    # local (no offset) is at as_of: counts. o2 rated 2026-03-10T04:00:01Z = 12:00:01 local:
    # after as_of.
    rows = [line("o1", rated="2026-03-10 12:00:00", credit="positive"),
            line("o2", buyer="b2", item="i2", rated="2026-03-10T04:00:01Z", credit="negative")]
    credit = credit_of(rows, tmp_path, "2026-03-10T04:00:00+00:00")
    assert (credit["positive"], credit["negative"]) == (1, 0)
    assert credit["excluded_by_reason"] == {"after_as_of": 1}
