"""Forecast (issue 5): each DSR item's mean over the next days, checked against a plain
day-by-day recomputation of the window and against the audit itself at later as_of."""

from __future__ import annotations

import json
import random
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from builders import line, write_csv
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from shopscore.cli.app import app  # first: cli.app registers cli/whatif.py
from shopscore.scoring.engine.audit import audit, dsr_calendar
from shopscore.scoring.engine.decide import local_as_of
from shopscore.scoring.inputs.load import load
from shopscore.scoring.insight.forecast import forecast, project
from shopscore.scoring.rules.profile import load_profile

AS_OF = np.datetime64("2026-06-30T00:00:00", "ns")
DAY = np.timedelta64(1, "D")
SECOND = np.timedelta64(1, "s")
SAMPLE = Path(__file__).resolve().parent.parent / "sample_data" / "sample_shop.csv"


def cli(*args):
    return CliRunner().invoke(app, [str(a) for a in args])


def brute(scores, as_of, days, window=180, recent=30):
    """Day by day, score by score: [(count, sum)] of both scenarios for days 0..days.
    Times as plain integers of nanoseconds."""
    ns = 86400 * 10**9
    as_of = int(np.datetime64(as_of, "ns").astype(np.int64))
    scores = [(int(np.datetime64(at, "ns").astype(np.int64)), int(stars)) for at, stars in scores]
    recent_count = recent_sum = 0
    for at, stars in scores:
        if as_of - recent * ns < at <= as_of:
            recent_count += 1
            recent_sum += stars
    no_new, pace = [], []
    for d in range(days + 1):
        now = as_of + d * ns
        count = total = 0
        for at, stars in scores:
            if now - window * ns < at <= now:
                count += 1
                total += stars
        no_new.append((count, total))
        extra_count = extra_sum = 0.0
        for k in range(1, d + 1):  # day k's new scores, given at as_of + k days
            if now - window * ns < as_of + k * ns <= now:
                extra_count += recent_count / recent
                extra_sum += recent_sum / recent
        pace.append((count + extra_count, total + extra_sum))
    return no_new, pace


def first_fail(series, bar):
    for d, (count, total) in enumerate(series):
        if not (count > 0 and total / count >= bar):
            return d
    return None


def near_bar(series, bar) -> bool:
    return any(count > 0 and abs(total / count - bar) < 1e-9 for count, total in series)


# Scores inside the window: given at as_of minus whole days (the boundaries that matter) or
# minus any number of seconds.
offsets = st.one_of(st.integers(0, 179).map(lambda d: d * 86400),
                    st.integers(0, 180 * 86400 - 1))
score_lists = st.lists(st.tuples(offsets, st.integers(1, 5)), max_size=60)


@settings(max_examples=150, deadline=None)
@given(raw=score_lists, days=st.integers(0, 400), recent=st.sampled_from([1, 7, 30, 180]),
       bar=st.sampled_from([4.0, 4.5, 4.7, 4.8]))
def test_projection_equals_the_day_by_day_window(raw, days, recent, bar):
    scores = [(AS_OF - off * SECOND, stars) for off, stars in raw]
    at = np.array([a for a, _ in scores], dtype="datetime64[ns]")
    stars = np.array([s for _, s in scores], dtype=np.int64)
    proj, recent_count, recent_sum = project(at, stars, AS_OF, days, 180, recent, bar)
    no_new, pace = brute(scores, AS_OF, days, recent=recent)
    assert recent_count == sum(1 for a, _ in scores if a > AS_OF - recent * DAY)
    for name, series in (("no_new_scores", no_new), ("recent_pace", pace)):
        p = proj[name]
        np.testing.assert_allclose(p.count, [c for c, _ in series], rtol=1e-12, atol=1e-9)
        np.testing.assert_allclose(p.total, [t for _, t in series], rtol=1e-12, atol=1e-9)
        if name == "no_new_scores" or not near_bar(series, bar):
            assert p.first_fail_day == first_fail(series, bar)
    # With no new scores the sums are whole numbers and the mean is exactly the audit's.
    assert all(float(c).is_integer() for c in proj["no_new_scores"].count)


def dsr_order(i, rated: datetime, stars: int):
    """A successful, escrow-paid order scored `stars` on the three seller items, rated one day
    after it completed; every order has its own buyer (no first-three-a-month cap)."""
    fmt = "%Y-%m-%d %H:%M:%S"
    return line(f"o{i}", buyer=f"b{i}", item=f"i{i}",
                created=(rated - timedelta(days=4)).strftime(fmt),
                completed=(rated - timedelta(days=1)).strftime(fmt), rated=rated.strftime(fmt),
                credit="positive", dsr_description=stars, dsr_service=stars, dsr_shipping=stars)


def run(rows, tmp_path, as_of: datetime, days=30, **kwargs):
    prof = load_profile()
    data = load([write_csv(rows, tmp_path / "trades.csv")], prof.timezone)
    result, decisions = audit(data, prof, as_of, checks=[])
    shops = [s.shop_id for s in result.shops]
    local = local_as_of(as_of, prof)
    return forecast(dsr_calendar(decisions, prof, local, shops), prof, local, days, shops=shops,
                    **kwargs), result


def hand_case():
    """as_of 2026-06-30 00:00; the window then starts 2026-01-01 00:00 (Jan..Jun is 180 days),
    and on day d at 2026-01-01 + d days.
    - 10 five-stars given 2026-01-20 12:00: they leave on day 20 (Jan 1 + d >= Jan 20 12:00
      <=> d >= 19.5);
    - 3 one-stars given 2026-03-01 12:00 (they leave on day 60);
    - 30 five-stars given 2026-06-15 12:00, inside the last 30 days (May 31 .. Jun 30):
      the recent pace is 30 / 30 = 1 score a day, all 5-star.
    Now: (50 + 3 + 150) / 43 = 203 / 43 = 4.72093 >= 4.7.
    No new scores: 4.72093 until day 19; day 20: (3 + 150) / 33 = 4.63636 < 4.7: fails day 20.
    Recent pace: day d (< 20) (203 + 5d) / (43 + d); day 20 (153 + 100) / (33 + 20)
    = 253 / 53 = 4.77358; day 30 (153 + 150) / 63 = 4.80952: never fails within 30 days."""
    rows = [dsr_order(i, datetime(2026, 1, 20, 12), 5) for i in range(10)]
    rows += [dsr_order(10 + i, datetime(2026, 3, 1, 12), 1) for i in range(3)]
    rows += [dsr_order(20 + i, datetime(2026, 6, 15, 12), 5) for i in range(30)]
    return rows


HAND_AS_OF = datetime.fromisoformat("2026-06-30T00:00:00+08:00")


def test_first_failing_day_by_hand(tmp_path):
    (shop,), result = run(hand_case(), tmp_path, HAND_AS_OF)
    assert result.shops[0].dsr.items["description"].score == 203 / 43
    item = shop.items["description"]
    assert (item.recent_count, item.recent_total) == (30, 150)
    no_new, pace = item.projections["no_new_scores"], item.projections["recent_pace"]
    assert list(no_new.count[:21]) == [43] * 20 + [33]
    assert no_new.score[19] == 203 / 43 and no_new.score[20] == 153 / 33
    assert (no_new.first_fail_day, no_new.first_pass_day) == (20, 0)
    assert pace.score[20] == pytest.approx(253 / 53) and pace.score[30] == pytest.approx(303 / 63)
    assert pace.score[5] == pytest.approx((203 + 25) / 48)
    assert (pace.first_fail_day, pace.first_pass_day) == (None, 0)
    assert shop.items["logistics"].projections["no_new_scores"].first_fail_day is None  # unscored
    # Day 60 the one-stars leave too; then everything is gone by day 166 (Jun 15 12:00).
    (longer,), _ = run(hand_case(), tmp_path, HAND_AS_OF, days=170)
    p = longer.items["description"].projections["no_new_scores"]
    assert p.count[60] == 30 and p.count[165] == 30 and p.count[166] == 0
    assert np.isnan(p.score[166])


def test_a_failing_shop_learns_when_it_recovers(tmp_path):
    # Swap: 10 one-stars on 2026-01-20 and 3 five-stars on 2026-03-01, 30 fives recently:
    # now (10 + 15 + 150) / 43 = 4.0698 fails; day 20 (15 + 150) / 33 = 5.0 passes.
    rows = [dsr_order(i, datetime(2026, 1, 20, 12), 1) for i in range(10)]
    rows += [dsr_order(10 + i, datetime(2026, 3, 1, 12), 5) for i in range(3)]
    rows += [dsr_order(20 + i, datetime(2026, 6, 15, 12), 5) for i in range(30)]
    (shop,), _ = run(rows, tmp_path, HAND_AS_OF)
    p = shop.items["service"].projections["no_new_scores"]
    assert (p.first_fail_day, p.first_pass_day) == (0, 20)


def test_no_new_scores_is_the_audit_at_a_later_as_of(tmp_path):
    # Every rating is before as_of, so auditing at as_of + d days sees exactly the scores of
    # day d of the no-new-scores scenario.
    rng = random.Random(5)
    start = datetime(2026, 6, 30)
    rows = [dsr_order(i, start - timedelta(seconds=rng.randrange(1, 200 * 86400)),
                      rng.choice([1, 3, 4, 5, 5, 5, 5])) for i in range(150)]
    rows += [dsr_order(200, start - timedelta(days=170), 2)]  # leaves exactly on day 10
    (shop,), _ = run(rows, tmp_path, HAND_AS_OF, days=60)
    prof = load_profile()
    data = load([tmp_path / "trades.csv"], prof.timezone)
    for d in (0, 1, 9, 10, 11, 25, 60):
        later, _ = audit(data, prof, HAND_AS_OF + timedelta(days=d), checks=[])
        for name in ("description", "service", "shipping"):
            item = later.shops[0].dsr.items[name]
            p = shop.items[name].projections["no_new_scores"]
            assert (p.count[d], p.total[d]) == (item.count, item.total), (d, name)
            assert (item.score is None and np.isnan(p.score[d])) or p.score[d] == item.score


def test_forecast_of_the_sample_equals_the_brute_force():
    prof = load_profile()
    as_of = datetime.fromisoformat("2026-11-22T00:00:00+08:00")
    data = load([SAMPLE], prof.timezone)
    result, decisions = audit(data, prof, as_of, checks=[])
    local = local_as_of(as_of, prof)
    (shop,) = forecast(dsr_calendar(decisions, prof, local, ["shop-01"]), prof, local, 45,
                       shops=["shop-01"])
    counted = decisions.dsr.loc[decisions.dsr["fate"] == "counted"]
    for name in prof.dsr_items:
        rows = counted.loc[counted[f"dsr_{name}"].notna()]
        scores = list(zip(rows["at"].to_numpy("datetime64[ns]"),
                          rows[f"dsr_{name}"].astype(int), strict=True))
        no_new, pace = brute(scores, local, 45)
        item = shop.items[name]
        assert item.projections["no_new_scores"].count[0] == result.shops[0].dsr.items[name].count
        for scenario, series in (("no_new_scores", no_new), ("recent_pace", pace)):
            p = item.projections[scenario]
            np.testing.assert_allclose(p.count, [c for c, _ in series], rtol=1e-12)
            np.testing.assert_allclose(p.total, [t for _, t in series], rtol=1e-12)


# --- the command -----------------------------------------------------------------------------

def test_cli_forecast_json(tmp_path):
    trades = write_csv(hand_case(), tmp_path / "trades.csv")
    result = cli("forecast", trades, "--as-of", "2026-06-30T00:00:00+08:00", "--format", "json")
    assert result.exit_code == 0, (result.stderr, result.exception)
    doc = json.loads(result.stdout)
    assert (doc["command"], doc["days"], doc["bar"], doc["recent_days"]) == ("forecast", 30, 4.7, 30)
    item = doc["shops"][0]["items"]["description"]
    assert item["checked"] and not doc["shops"][0]["items"]["logistics"]["checked"]
    no_new = item["no_new_scores"]
    assert no_new["first_fail_day"] == 20
    assert no_new["first_fail_at"] == "2026-07-20T00:00:00+08:00"
    assert len(no_new["days"]) == 31
    assert no_new["days"][20] == {"day": 20, "at": "2026-07-20T00:00:00+08:00",
                                  "score": 153 / 33, "count": 33, "sum": 153}
    assert item["recent_pace"]["first_fail_day"] is None
    assert item["recent"] == {"days": 30, "count": 30, "sum": 150, "daily_count": 1.0,
                              "daily_mean": 5.0}
    assert doc["shops"][0]["items"]["logistics"]["no_new_scores"]["days"][0]["score"] is None


def test_cli_forecast_table_and_chart(tmp_path):
    trades = write_csv(hand_case(), tmp_path / "trades.csv")
    result = cli("forecast", trades, "--as-of", "2026-06-30T00:00:00+08:00", "--days", "45")
    assert result.exit_code == 0, result.stderr
    text = result.stdout
    assert "07-20 (d20)" in text and "never" in text
    for horizon in ("+1d", "+7d", "+14d", "+30d", "+45d"):
        assert horizon in text
    assert "4.72093" in text and "4.63636" in text
    assert any(ch in text for ch in "▁▂▃▄▅▆▇█")


def test_cli_forecast_target_moves_the_failing_day(tmp_path):
    # With a bar of 4.8 the shop fails now (4.72093); with 4.6 never (4.63636 on day 20).
    trades = write_csv(hand_case(), tmp_path / "trades.csv")
    for bar, day in (("4.8", 0), ("4.6", None)):
        result = cli("forecast", trades, "--as-of", "2026-06-30T00:00:00+08:00", "--target", bar,
                     "--format", "json")
        assert result.exit_code == 0
        item = json.loads(result.stdout)["shops"][0]["items"]["description"]
        assert item["no_new_scores"]["first_fail_day"] == day


@pytest.mark.parametrize("args", [
    (),
    ("--days", "0"),
    ("--recent", "181"),
    ("--target", "7"),
    ("--as-of", "later"),
    ("--shop", "nope"),
])
def test_cli_forecast_user_errors_exit_2(args):
    result = cli("forecast", *(() if not args else (SAMPLE,)), *args)
    assert result.exit_code == 2, (args, result.stdout, result.exception)
    assert result.stdout == ""
