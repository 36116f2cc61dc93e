"""Worked examples of the source articles and RULES.md section 4 (checks), figured by hand."""

import numpy as np
import pandas as pd
import pytest
from builders import line, run, shop

from shopscore.cli.render import percent
from shopscore.scoring.engine.summary import dsr_summary
from shopscore.scoring.rules.checks import Check, five_star_needed
from shopscore.scoring.rules.industry import Industry, compare, parse_industry
from shopscore.scoring.rules.profile import load_profile

AS_OF = "2026-12-31 00:00:00"
ITEMS = ("description", "service", "shipping", "logistics")


def rated(k, credit):
    """Line k of its own buyer and item, rated 2026-11-05 (inside its window)."""
    return line(f"o{k:05d}", buyer=f"b{k}", item=f"i{k}", created="2026-11-01 10:00:00",
                completed="2026-11-03 10:00:00", rated="2026-11-05 10:00:00", credit=credit)


def scored(k, stars, completed="2026-11-02 10:00:00"):
    """Order k of its own buyer, DSR-scored `stars` on all four items (a number or a tuple)."""
    if not isinstance(stars, tuple):
        stars = (stars,) * 4
    row = line(f"o{k:05d}", buyer=f"b{k}", item="i1", created="2026-11-01 10:00:00",
               completed=completed, dsr_rated_at="2026-11-03 10:00:00")
    for name, value in zip(ITEMS, stars, strict=True):
        row[f"dsr_{name}"] = value
    return row


# ---------------------------------------------------------------- positive rate 97.95%

def test_143_positives_of_146_show_as_97_95_percent(tmp_path):
    # 143 positives, 2 neutrals, 1 negative from distinct buyers: 146 counted ratings.
    # positive_rate = 143 / 146 = 0.979452... -> 97.95% (two decimals, half up).
    # score = 143 - 1 = 142: 4 hearts (91-150), level index 4.
    rows = ([rated(k, "positive") for k in range(143)]
            + [rated(143, "neutral"), rated(144, "neutral"), rated(145, "negative")])
    doc, _ = run(rows, tmp_path, AS_OF)
    credit = shop(doc)["credit"]
    assert (credit["positive"], credit["neutral"], credit["negative"]) == (143, 2, 1)
    assert credit["positive_rate"] == 143 / 146
    assert credit["score"] == 142
    assert credit["level"] == {"index": 4, "name": "4 hearts"}
    assert percent(143 / 146) == "97.95%"
    assert percent(credit["positive_rate"]) == "97.95%"


# ---------------------------------------------------------------- DSR of 30,566 scores

# Shares of the source article, 5..1 stars: 80.64 / 16.20 / 2.34 / 0.23 / 0.59 %.
# Share x 30566: 24648.42, 4951.69, 715.24, 70.30, 180.34. Rounded each: 24648 + 4952 + 715
# + 70 + 180 = 30565, one short; the largest remainder left rounded down is 5 stars (.42),
# so 5 stars get 24649. Counts: 5: 24649, 4: 4952, 3: 715, 2: 70, 1: 180 (sum 30566).
# Sum of stars: 5*24649 + 4*4952 + 3*715 + 2*70 + 1*180 = 123245 + 19808 + 2145 + 140 + 180
# = 145518; mean 145518 / 30566 = 4.76078..., about 4.7607; badge (truncated) 4.7.
COUNTS_30566 = {5: 24649, 4: 4952, 3: 715, 2: 70, 1: 180}
SHARES_PERCENT = {"5": 80.64, "4": 16.20, "3": 2.34, "2": 0.23, "1": 0.59}


def check_30566(item):
    assert sum(COUNTS_30566.values()) == 30566
    assert item.count == 30566
    assert item.total == 145518
    assert abs(item.score - 4.7607) < 5e-4
    assert item.score == 145518 / 30566
    assert item.badge == 4.7
    assert {k: round(v * 100, 2) for k, v in item.shares.items()} == SHARES_PERCENT
    assert sum(item.shares.values()) == pytest.approx(1.0)


def test_dsr_of_30566_scores_through_dsr_summary():
    profile = load_profile()
    stars = np.repeat(list(COUNTS_30566), list(COUNTS_30566.values())).astype("float64")
    orders = pd.DataFrame({"shop_id": "shop1", "order_id": [f"o{k}" for k in range(stars.size)],
                           "fate": "counted", "conflict": False})
    for name in ITEMS:
        orders[f"dsr_{name}"] = stars
    orphans = pd.DataFrame({"shop_id": [], "order_id": [], "credit_fate": [], "dsr_fate": []})
    dsr = dsr_summary(orders, orphans, profile, {})
    for name in ITEMS:
        check_30566(dsr.items[name])


def test_dsr_of_30566_orders_from_distinct_buyers(tmp_path):
    stars = np.repeat(list(COUNTS_30566), list(COUNTS_30566.values()))
    template = scored(0, 5)
    # The same rows as scored(k, star) for k = 0..30565, built column-wise (fast).
    table = {col: [value] * stars.size for col, value in template.items()}
    table["order_id"] = [f"o{k:05d}" for k in range(stars.size)]
    table["buyer_id"] = [f"b{k}" for k in range(stars.size)]
    for name in ITEMS:
        table[f"dsr_{name}"] = stars
    doc, result = run(table, tmp_path, AS_OF)
    s = result.shops[0]
    for name in ITEMS:
        check_30566(s.dsr.items[name])
    # 4.7608 >= 4.7: every default check passes with five_star_needed 0.
    assert all(c["passed"] and c["five_star_needed"] == 0 for c in shop(doc)["checks"])


# ---------------------------------------------------------------- credit levels

@pytest.mark.parametrize(("score", "index", "name"), [
    (3, 0, None),                 # below 4: no level
    (4, 1, "1 heart"),            # 4-10
    (10, 1, "1 heart"),
    (11, 2, "2 hearts"),          # 11-40
    (250, 5, "5 hearts"),         # 151-250
    (251, 6, "1 diamond"),        # 251-500
    (10000, 10, "5 diamonds"),    # 5001-10000
    (10001, 11, "1 crown"),       # 10001-20000
    (10000000, 19, "4 gold crowns"),  # 5000001-10000000
    (10000001, 20, "5 gold crowns"),  # 10000001 and more
])
def test_credit_level_boundaries(score, index, name):
    level = load_profile().level_of(score)
    if index == 0:
        assert level is None
    else:
        assert (level.index, level.name) == (index, name)


# ---------------------------------------------------------------- five-star scores needed

@pytest.mark.parametrize(("total", "count", "bound", "needed"), [
    # 100 scores averaging 4.6 (sum 460): 460 + 5n >= 4.7 (100 + n) <=> 0.3 n >= 10
    # <=> n >= 33.3: 34 (33 gives 625 / 133 = 4.6992; 34 gives 630 / 134 = 4.7015).
    (460, 100, 4.7, 34),
    # 4.5 from 4 scores (sum 18): 0.3 n >= 0.8 <=> n >= 2.67: 3 (33 / 7 = 4.714).
    (18, 4, 4.7, 3),
    # A bound above 5 cannot be reached: None.
    (48, 10, 5.1, None),
    # Already passing (4.8 >= 4.7, and exactly 4.7 >= 4.7): 0.
    (48, 10, 4.7, 0),
    (47, 10, 4.7, 0),
    # No score yet: n = 0 gives no mean; n = 1 gives 5 / 1 >= 4.7: 1.
    (0, 0, 4.7, 1),
])
def test_five_star_needed_by_hand(total, count, bound, needed):
    assert five_star_needed(total, count, bound) == needed


def test_check_reports_five_star_needed_and_margin(tmp_path):
    # Four orders scored 5, 5, 4, 4: mean 4.5 < 4.7; margin 4.5 - 4.7 = -0.2; needs 3 five-stars.
    rows = [scored(k, v) for k, v in enumerate((5, 5, 4, 4))]
    doc, _ = run(rows, tmp_path, AS_OF)
    for check in shop(doc)["checks"]:
        assert check["value"] == 4.5
        assert check["passed"] is False
        assert check["margin"] == pytest.approx(-0.2)
        assert check["five_star_needed"] == 3


# ---------------------------------------------------------------- industry comparison

@pytest.mark.parametrize(("score", "industry", "vs", "basis", "position"), [
    # Average only: (S - I) / I = (4.75 - 4.8) / 4.8.
    (4.75, Industry(4.8), (4.75 - 4.8) / 4.8, "average", "below"),
    (4.9, Industry(4.8), (4.9 - 4.8) / 4.8, "average", "above"),
    # Range basis above: (S - I) / (H - I) = 0.1 / 0.2 = 0.5.
    (4.9, Industry(4.8, 5.0, 4.4), 0.5, "range", "above"),
    # Range basis below: (S - I) / (I - L) = -0.2 / 0.4 = -0.5.
    (4.6, Industry(4.8, 5.0, 4.4), -0.5, "range", "below"),
    # Below, but no lowest score L given: the average basis, -0.2 / 4.8.
    (4.6, Industry(4.8, 5.0), (4.6 - 4.8) / 4.8, "average", "below"),
    # Zero denominators fall back to the average basis: H = I above, L = I below.
    (4.9, Industry(4.8, 4.8, 4.4), (4.9 - 4.8) / 4.8, "average", "above"),
    (4.6, Industry(4.8, 5.0, 4.8), (4.6 - 4.8) / 4.8, "average", "below"),
    # Equal is "level": 0 on either basis (S >= I takes the range formula when H is given).
    (4.8, Industry(4.8), 0.0, "average", "level"),
    (4.8, Industry(4.8, 5.0, 4.4), 0.0, "range", "level"),
])
def test_industry_comparison(score, industry, vs, basis, position):
    got_vs, got_basis, got_position = compare(score, industry)
    assert got_vs == pytest.approx(vs)
    assert (got_basis, got_position) == (basis, position)


def test_parse_industry_figures():
    items = load_profile().dsr_items
    assert parse_industry("description=4.78,service=4.80:4.95:4.50", items) == {
        "description": Industry(4.78), "service": Industry(4.80, 4.95, 4.50)}


def test_items_below_industry_counts_only_seller_items(tmp_path):
    # Two orders 5s and 4s: every item 4.5. Industry: description 4.8 (below, average basis:
    # -0.3 / 4.8 = -0.0625), service 4.8:5.0:4.4 (below, range: -0.3 / 0.4 = -0.75),
    # shipping 4.5 (level, 0), logistics 4.8 (below, but not a seller item).
    # items_below_industry = description + service = 2.
    profile = load_profile()
    industry = parse_industry("description=4.8,service=4.8:5.0:4.4,shipping=4.5,logistics=4.8",
                              profile.dsr_items)
    doc, _ = run([scored(0, 5), scored(1, 4)], tmp_path, AS_OF, industry=industry)
    dsr = shop(doc)["dsr"]
    assert dsr["description"]["vs_industry"] == pytest.approx(-0.0625)
    assert dsr["description"]["vs_industry_basis"] == "average"
    assert dsr["service"]["vs_industry"] == pytest.approx(-0.75)
    assert dsr["service"]["vs_industry_basis"] == "range"
    assert dsr["shipping"]["vs_industry"] == 0.0
    assert dsr["shipping"]["position"] == "level"
    assert dsr["logistics"]["position"] == "below"
    assert dsr["items_below_industry"] == 2


# ---------------------------------------------------------------- checks

def test_check_on_undefined_metric_fails_with_no_ratings(tmp_path):
    # An unrated successful line: no DSR (every item score null) and no credit rating
    # (positive_rate null). Every check on them fails with reason "no ratings".
    rows = [line("o1")]
    checks = [Check("dsr.description >= 4.7", "dsr.description.score", min=4.7),
              Check("rate", "credit.positive_rate", min=0.9)]
    doc, result = run(rows, tmp_path, AS_OF, checks=checks)
    s = shop(doc)
    for check in s["checks"]:
        assert check["value"] is None
        assert check["passed"] is False
        assert check["margin"] is None
        assert check["five_star_needed"] is None
        assert check["reason"] == "no ratings"
    assert s["passed"] is False
    assert result.passed is False


def test_default_checks_on_no_ratings_fail(tmp_path):
    doc, _ = run([line("o1")], tmp_path, AS_OF)
    checks = shop(doc)["checks"]
    assert [c["metric"] for c in checks] == [
        "dsr.description.score", "dsr.service.score", "dsr.shipping.score"]
    assert all(c["reason"] == "no ratings" and not c["passed"] for c in checks)


def test_max_bounds_and_margins(tmp_path):
    # 3 positives and 1 negative from distinct buyers: score 2, negative 1, rate 3/4.
    rows = [rated(0, "positive"), rated(1, "positive"), rated(2, "positive"),
            rated(3, "negative")]
    checks = [
        Check("no negative", "credit.negative", max=0),        # 1 > 0: margin 0 - 1 = -1, fails
        Check("one negative", "credit.negative", max=1),       # 1 <= 1: margin 0, passes
        Check("band", "credit.score", min=1, max=10),          # margins 2-1=1, 10-2=8: 1, passes
        Check("rate", "credit.positive_rate", min=0.8),        # 0.75 - 0.8 = -0.05, fails
        Check("green", "dsr.items_below_industry", max=1),     # 0 <= 1: margin 1, passes
    ]
    doc, _ = run(rows, tmp_path, AS_OF, checks=checks)
    s = shop(doc)
    got = {c["name"]: c for c in s["checks"]}
    assert (got["no negative"]["value"], got["no negative"]["margin"]) == (1, -1)
    assert got["no negative"]["passed"] is False
    assert (got["one negative"]["margin"], got["one negative"]["passed"]) == (0, True)
    assert (got["band"]["margin"], got["band"]["passed"]) == (1, True)
    assert got["rate"]["value"] == 0.75
    assert got["rate"]["margin"] == pytest.approx(-0.05)
    assert got["rate"]["passed"] is False
    assert got["rate"]["five_star_needed"] is None  # only DSR minimums report it
    assert (got["green"]["value"], got["green"]["margin"], got["green"]["passed"]) == (0, 1, True)
    assert all(c["reason"] is None for c in s["checks"])
    assert s["passed"] is False
