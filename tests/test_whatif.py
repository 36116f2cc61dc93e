"""What if (issue 5): 5-star scores needed, 1-star scores absorbable, the positive rate, the
snapshot form, and `shopscore whatif` — hand-worked numbers in the comments."""

from __future__ import annotations

import json
import math
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from shopscore.cli.app import app  # first: cli.app registers cli/whatif.py
from shopscore.scoring.errors import OptionError
from shopscore.scoring.insight.whatif import (
    UNLIMITED,
    absorbable,
    item_whatif,
    negatives_absorbable,
    positives_needed,
    rate_whatif,
    snapshot_whatif,
    sum_range,
)
from shopscore.scoring.rules.checks import five_star_needed

SAMPLE = Path(__file__).resolve().parent.parent / "sample_data" / "sample_shop.csv"
AS_OF = "2026-11-22T00:00:00+08:00"


def cli(*args):
    return CliRunner().invoke(app, [str(a) for a in args])


# --- 5-star scores needed --------------------------------------------------------------------

def test_hundred_scores_of_4_6_need_34_five_stars_to_reach_4_7():
    # 100 scores averaging 4.6: sum 460. (460 + 5n) / (100 + n) >= 4.7 <=> 0.3 n >= 10
    # <=> n >= 33.3: 34. Check: (460 + 170) / 134 = 4.70149 >= 4.7; 33 gives
    # (460 + 165) / 133 = 4.69925 < 4.7.
    assert (460 + 170) / 134 >= 4.7 > (460 + 165) / 133
    answer = item_whatif("description", 460, 100, 4.7)
    assert answer.five_star_needed == 34 == five_star_needed(460, 100, 4.7)
    assert answer.score == 4.6
    assert answer.one_star_absorbable is None  # already below: nothing to absorb


# --- 1-star scores absorbable ----------------------------------------------------------------

def test_ten_fives_absorb_no_one_star_above_4_7():
    # 10 scores of 5 (sum 50): (50 + m) / (10 + m) >= 4.7 <=> 50 + m >= 47 + 4.7 m
    # <=> m <= 3 / 3.7 = 0.81: 0. One 1-star gives 51 / 11 = 4.636 < 4.7.
    assert 51 / 11 < 4.7
    assert absorbable(50, 10, 4.7) == 0


def test_twenty_fives_absorb_one_one_star_above_4_7():
    # 20 scores of 5 (sum 100): (100 + m) / (20 + m) >= 4.7 <=> m <= 6 / 3.7 = 1.62: 1.
    # 101 / 21 = 4.8095 >= 4.7; 102 / 22 = 4.636 < 4.7.
    assert 101 / 21 >= 4.7 > 102 / 22
    assert absorbable(100, 20, 4.7) == 1


def test_absorbable_includes_landing_exactly_on_the_bound():
    # Two 5s (sum 10), bound 3: (10 + m) / (2 + m) >= 3 <=> m <= 4 / 2 = 2, and with 2 the mean
    # is 12 / 4 = 3.0 exactly, which passes `mean >= bound`.
    assert absorbable(10, 2, 3) == 2
    # A mean exactly at the bound absorbs nothing: 47 / 10 = 4.7, then 48 / 11 = 4.36.
    assert absorbable(47, 10, 4.7) == 0


def test_absorbable_edge_cases():
    assert absorbable(0, 0, 4.7) is None  # no mean yet
    assert absorbable(46, 10, 4.7) is None  # 4.6: already below
    assert absorbable(46, 10, 1) == UNLIMITED  # 1-star scores never take a mean below 1
    # Absorbing 4-stars instead: (46 + 4m) / (10 + m) >= 4.5 <=> m <= 1 / 0.5 = 2.
    assert absorbable(46, 10, 4.5, stars=4) == 2


def test_the_industry_average_is_a_second_bound():
    # 583 scores, sum 2781 (4.77015), industry 4.75: (2781 + m) / (583 + m) >= 4.75
    # <=> 2781 - 2769.25 >= 3.75 m <=> m <= 3.13: 3. Target 4.7: m <= (2781 - 2740.1) / 3.7
    # = 11.05: 11. Against an industry of 4.78 it is below (5★ needed: (4.78*583 - 2781)/0.22
    # = 26.1: 27).
    answer = item_whatif("description", 2781, 583, 4.7, industry=4.75)
    assert (answer.one_star_absorbable, answer.one_star_absorbable_before_industry) == (11, 3)
    assert answer.five_star_needed_for_industry == 0
    above = item_whatif("description", 2781, 583, 4.7, industry=4.78)
    assert above.one_star_absorbable_before_industry is None
    assert above.five_star_needed_for_industry == 27


def brute_absorbable(total, count, bound, stars=1, limit=10_000):
    if not count or total / count < bound:
        return None
    m = 0
    while m < limit and (total + stars * (m + 1)) / (count + m + 1) >= bound:
        m += 1
    return m


@given(count=st.integers(1, 400), data=st.data(),
       bound=st.integers(250, 500).map(lambda x: x / 100))
def test_absorbable_agrees_with_the_float_check_and_brute_force(count, data, bound):
    total = data.draw(st.integers(count, 5 * count))
    m = absorbable(total, count, bound)
    assert m == brute_absorbable(total, count, bound)
    if m is not None:
        assert (total + m) / (count + m) >= bound
        assert not (total + m + 1) / (count + m + 1) >= bound
        # and exactly: m is the floor of (total - b*count) / (b - 1)
        b = Fraction(str(bound))
        assert m == math.floor((total - b * count) / (b - 1))


# --- the positive rate -----------------------------------------------------------------------

def test_positives_needed_143_of_146_to_98_percent():
    # 143 / 146 = 97.945%. (143 + n) / (146 + n) >= 0.98 <=> 0.02 n >= 143.08 - 143
    # <=> n >= 4: 147 / 150 = 0.98 exactly; 3 gives 146 / 149 = 0.97987.
    assert 147 / 150 >= 0.98 > 146 / 149
    assert positives_needed(143, 146, 0.98) == 4
    assert negatives_absorbable(143, 146, 0.98) is None  # already below


def test_negatives_absorbable_98_positives():
    # 98 of 98 positive: 98 / (98 + m) >= 0.98 <=> m <= 98 / 0.98 - 98 = 2:
    # 98 / 100 = 0.98 passes, 98 / 101 = 0.9703 does not. Neutrals count the same.
    assert 98 / 100 >= 0.98 > 98 / 101
    answer = rate_whatif(98, 98, 0.98)
    assert (answer.positives_needed, answer.negatives_absorbable, answer.rate) == (0, 2, 1.0)


def test_positive_rate_edge_cases():
    assert positives_needed(0, 0, 0.98) == 1  # nothing rated: one positive makes 100%
    assert negatives_absorbable(0, 0, 0.98) is None
    assert positives_needed(9, 10, 1.0) is None  # a counted negative keeps it below 100%
    assert positives_needed(10, 10, 1.0) == 0
    assert negatives_absorbable(10, 10, 1.0) == 0
    assert positives_needed(10, 10, 1.5) is None
    # 2310 of 2357 (the sample shop): 98.006% >= 98%; one more negative: 2310 / 2358 = 97.96%.
    assert negatives_absorbable(2310, 2357, 0.98) == 0


@given(rated=st.integers(1, 500), data=st.data(), target=st.integers(1, 100).map(lambda x: x / 100))
def test_rate_answers_agree_with_the_float_check(rated, data, target):
    positive = data.draw(st.integers(0, rated))
    n = positives_needed(positive, rated, target)
    if n is not None:
        assert (positive + n) / (rated + n) >= target
        assert n == 0 or not (positive + n - 1) / (rated + n - 1) >= target
    m = negatives_absorbable(positive, rated, target)
    if m is not None:
        assert positive / (rated + m) >= target > positive / (rated + m + 1)


# --- the snapshot: a shown mean and a count ----------------------------------------------------

def test_snapshot_4_68_of_30566():
    # sum = round(4.68 * 30566) = round(143048.88) = 143049. A mean shown (rounded) as 4.68 lies
    # in [4.675, 4.685): sums from ceil(4.675 * 30566) = ceil(142896.05) = 142897 to
    # ceil(4.685 * 30566) - 1 = ceil(143201.71) - 1 = 143201.
    assert sum_range(Decimal("4.68"), 30566) == (143049, 142897, 143201)
    snap = snapshot_whatif("description", "4.68", 30566, 4.7)
    # 5★ needed: (4.7 * 30566 - 143049) / 0.3 = (143660.2 - 143049) / 0.3 = 2037.3: 2038;
    # at the ends of the range: (143660.2 - 143201) / 0.3 = 1530.7: 1531 and
    # (143660.2 - 142897) / 0.3 = 2544.
    assert snap.estimate.five_star_needed == 2038
    doc = snap.to_dict()
    assert doc["sum_range"] == [142897, 143201]
    assert doc["five_star_needed_range"] == [1531, 2544]
    assert doc["one_star_absorbable"] is None  # 4.68 is below 4.7 whatever the sum
    assert doc["exact"] is False


def test_snapshot_ranges_by_decimals():
    # "4.7" rounded, 10 scores: the mean is in [4.65, 4.75): sum in [46.5, 47.5): only 47.
    assert sum_range(Decimal("4.7"), 10) == (47, 47, 47)
    # 100 scores: [465, 475): 465 .. 474; round(470) = 470.
    assert sum_range(Decimal("4.7"), 100) == (470, 465, 474)
    # Truncated (the badge): [4.7, 4.8) * 100 = [470, 480): 470 .. 479.
    assert sum_range(Decimal("4.7"), 100, "truncated") == (470, 470, 479)
    # Five decimals pin 100 scores down: [4.679995, 4.680005) * 100 holds only 468.
    assert sum_range(Decimal("4.68000"), 100) == (468, 468, 468)
    assert snapshot_whatif("service", "4.68000", 100, 4.7).exact
    # A mean of 5 needs every score a 5.
    assert sum_range(Decimal("5"), 7) == (35, 32, 35)  # rounded: [4.5, 5.5) * 7: ceil(31.5) .. 35
    assert sum_range(Decimal("5.00"), 7) == (35, 35, 35)


def test_snapshot_range_gives_every_answer_of_its_sums():
    snap = snapshot_whatif("description", "4.7", 100, 4.7, industry=4.72)
    doc = snap.to_dict()
    lo, hi = doc["sum_range"]
    needed = [five_star_needed(t, 100, 4.7) for t in range(lo, hi + 1)]
    room = [absorbable(t, 100, 4.72) for t in range(lo, hi + 1)]
    assert doc["five_star_needed_range"] == [min(needed), max(needed)]
    known = [r for r in room if r is not None]
    assert doc["one_star_absorbable_before_industry_range"] == [None, max(known)]


def test_snapshot_without_any_matching_sum_is_a_user_error():
    # One score is a whole number of stars: none shows as 4.68.
    with pytest.raises(OptionError, match="4.68"):
        sum_range(Decimal("4.68"), 1)
    with pytest.raises(OptionError):
        snapshot_whatif("description", "six", 10, 4.7)
    with pytest.raises(OptionError):
        snapshot_whatif("description", "5.5", 10, 4.7)


# --- the command -----------------------------------------------------------------------------

def test_cli_whatif_json_matches_the_audit():
    audit = cli("audit", SAMPLE, "--as-of", AS_OF, "--format", "json")
    assert audit.exit_code == 0, audit.stderr
    shop = json.loads(audit.stdout)["shops"][0]
    result = cli("whatif", SAMPLE, "--as-of", AS_OF, "--format", "json",
                 "--industry", "description=4.78,service=4.80,shipping=4.79")
    assert result.exit_code == 0, (result.stderr, result.exception)
    doc = json.loads(result.stdout)
    assert (doc["command"], doc["mode"], doc["target"], doc["as_of"]) == ("whatif", "data", 4.7, AS_OF)
    mine = doc["shops"][0]
    assert mine["shop_id"] == shop["shop_id"]
    assert list(mine["dsr"]) == ["description", "service", "shipping"]
    for name, it in mine["dsr"].items():
        assert (it["sum"], it["count"], it["score"]) == (shop["dsr"][name]["sum"],
                                                         shop["dsr"][name]["count"],
                                                         shop["dsr"][name]["score"])
        check = next(c for c in shop["checks"] if c["metric"] == f"dsr.{name}.score")
        assert it["five_star_needed"] == check["five_star_needed"]
    # description 2781 / 583: 11 1-stars before 4.7 (worked above); below 4.78: 27 5-stars.
    assert mine["dsr"]["description"]["one_star_absorbable"] == 11
    assert mine["dsr"]["description"]["five_star_needed_for_industry"] == 27
    # shipping 2763 / 576 = 4.79688 against 4.79: (2763 + m) / (576 + m) >= 4.79
    # <=> m <= (2763 - 2759.04) / 3.79 = 1.04: 1.
    assert mine["dsr"]["shipping"]["one_star_absorbable_before_industry"] == 1
    rate = mine["positive_rate"]
    c = shop["credit"]
    assert (rate["positive"], rate["rated"]) == (c["positive"], c["positive"] + c["neutral"]
                                                 + c["negative"])
    assert rate["negatives_absorbable"] == 0 and rate["positives_needed"] == 0


def test_cli_whatif_table():
    result = cli("whatif", SAMPLE, "--as-of", AS_OF, "--target", "4.8")
    assert result.exit_code == 0, result.stderr
    text = result.stdout
    assert "target 4.8" in text and "description" in text and "Positive rate" in text
    # description 2781 / 583 to 4.8: (4.8 * 583 - 2781) / 0.2 = 17.4 / 0.2 = 87, landing exactly
    # on the bar: (2781 + 435) / 670 = 3216 / 670 = 4.8 (>= passes).
    assert 3216 / 670 >= 4.8
    assert " 87 " in text


def test_cli_whatif_snapshot_json():
    result = cli("whatif", "--item", "description", "--score", "4.68", "--count", "30566",
                 "--industry-avg", "4.75", "--format", "json")
    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout)
    assert doc["mode"] == "snapshot"
    snap = doc["snapshot"]
    assert (snap["sum"], snap["five_star_needed"], snap["industry"]) == (143049, 2038, 4.75)
    # to 4.75: (4.75 * 30566 - 143049) / 0.25 = (145188.5 - 143049) / 0.25 = 8558.
    assert snap["five_star_needed_for_industry"] == 8558


def test_cli_whatif_snapshot_table_says_it_is_approximate():
    result = cli("whatif", "--score", "4.68", "--count", "30566")
    assert result.exit_code == 0, result.stderr
    assert "Approximate" in result.stdout and "142897" in result.stdout


@pytest.mark.parametrize("args", [
    (),  # neither files nor a snapshot
    ("--score", "4.68"),  # no count
    ("--count", "10"),  # no score
    ("--score", "4.68", "--count", "1"),  # no single score shows as 4.68
    ("--score", "x", "--count", "10"),
    ("--score", "4.6", "--count", "10", "--item", "packaging"),
    ("--score", "4.6", "--count", "10", "--target", "6"),
    ("--score", "4.6", "--count", "10", "--target-rate", "1.5"),
    ("--score", "4.6", "--count", "0"),
    (SAMPLE, "--score", "4.6", "--count", "10"),  # both forms
    (SAMPLE, "--industry-avg", "4.7"),
    (SAMPLE, "--as-of", "yesterday"),
    (SAMPLE, "--as-of", AS_OF, "--shop", "nope"),
    ("no_such_file.csv",),
])
def test_cli_whatif_user_errors_exit_2(args):
    result = cli("whatif", *args)
    assert result.exit_code == 2, (args, result.stdout, result.exception)
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
