"""The DSR scores by day (engine/calendar.py) against a plain loop over the scored orders, the
forecast from them against the forecast from each score's own moment, and `ahead`
(engine/threads.py), which reads the next CSV piece meanwhile, against the plain loop."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shopscore.scoring.engine.calendar import (
    COUNTED_ONLY,
    OUTSIDE,
    calendar_days,
    calendar_of,
    calendar_tally,
)
from shopscore.scoring.engine.threads import ahead
from shopscore.scoring.insight.forecast import project
from shopscore.scoring.rules.profile import load_profile

PROFILE = load_profile("taobao")
AS_OF = np.datetime64("2026-11-22T00:00:00", "ns")
FATES = ["counted", "outside_dsr_window", "dsr_monthly_cap", "after_as_of"]
SECOND = np.timedelta64(1, "s")

order = st.tuples(
    st.integers(-1, 2),  # shop position (-1: none)
    st.sampled_from(FATES),
    st.one_of(st.none(), st.integers(-3 * 86400, 300 * 86400)),  # seconds before as_of
    *[st.one_of(st.none(), st.integers(1, 5)) for _ in PROFILE.dsr_items])


def frame_of(rows) -> tuple[pd.DataFrame, np.ndarray]:
    at = [np.datetime64("NaT", "ns") if r[2] is None else AS_OF - r[2] * SECOND for r in rows]
    frame = pd.DataFrame({"fate": pd.Categorical([r[1] for r in rows], categories=FATES),
                          "at": np.array(at, dtype="datetime64[ns]")})
    for k, name in enumerate(PROFILE.dsr_items):
        frame[f"dsr_{name}"] = [np.nan if r[3 + k] is None else float(r[3 + k]) for r in rows]
    return frame, np.array([r[0] for r in rows], dtype=np.int64)


@settings(max_examples=150, deadline=None)
@given(st.lists(order, max_size=40))
def test_calendar_tally_equals_a_naive_loop(rows):
    frame, shop = frame_of(rows)
    got = calendar_tally(frame, shop, 3, PROFILE, AS_OF)
    days = calendar_days(PROFILE)
    for k, name in enumerate(PROFILE.dsr_items):
        want = np.zeros((3, 2, days, 5), dtype=np.int64)
        for r in rows:
            kept = {"counted": COUNTED_ONLY, "outside_dsr_window": OUTSIDE}.get(r[1])
            if r[0] < 0 or kept is None or r[2] is None or r[3 + k] is None:
                continue
            day = r[2] // 86400  # whole days before as_of, rounded down
            if 0 <= day < days:
                want[r[0], kept, day, r[3 + k] - 1] += 1
        assert got[f"calendar:{name}"].tolist() == want.tolist()


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 179 * 86400 + 86399), st.integers(1, 5)), max_size=30),
       st.integers(0, 60), st.integers(1, 180))
def test_a_forecast_from_the_days_is_the_forecast_from_the_scores(scores, days, recent):
    # Counted scores within the window: the forecast from each score's own moment and from
    # the day it falls on (each standing at the start of its day) agree exactly.
    rows = [(0, "counted", ago, stars, stars, stars, stars) for ago, stars in scores]
    frame, shop = frame_of(rows)
    calendar = calendar_of(calendar_tally(frame, shop, 1, PROFILE, AS_OF), ["s"], PROFILE,
                           AS_OF)
    name = PROFILE.dsr_items[0]
    at, stars, times = calendar.scores("s", name)
    assert times.sum() == len(scores) and (np.diff(at) >= np.timedelta64(0)).all()
    by_day = project(at, stars, AS_OF, days, PROFILE.dsr_window_days, recent, 4.7, times)
    by_moment = project(frame["at"].to_numpy(), frame[f"dsr_{name}"].to_numpy(np.int64),
                        AS_OF, days, PROFILE.dsr_window_days, recent, 4.7)
    assert by_day[1:] == by_moment[1:]
    for scenario in by_moment[0]:
        one, two = by_day[0][scenario], by_moment[0][scenario]
        assert one.count.tolist() == two.count.tolist()
        assert one.total.tolist() == two.total.tolist()
        assert (one.first_fail_day, one.first_pass_day) == (two.first_fail_day,
                                                           two.first_pass_day)


@given(st.lists(st.integers(), max_size=50))
def test_ahead_gives_the_items_in_order(items):
    assert list(ahead(iter(items))) == items


def test_ahead_raises_where_the_item_would_have_been_met():
    def items():
        yield 1
        yield 2
        raise ValueError("the third")

    found = []
    with pytest.raises(ValueError, match="the third"):
        for item in ahead(items()):
            found.append(item)
    assert found == [1, 2]
