"""Timestamps as text: the bulk parser (parse_times_fast) gives what the careful one
(parse_times) gives, value for value, on the formats exports write — seconds or a fraction of
them, `/` or `-`, no seconds, impossible dates, dates no clock holds, offsets, junk — and a
column of `2025-10-18 00:03:31.000` (milliseconds, as some exports write) takes the bulk path."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from shopscore.scoring.inputs import times

TZ = "Asia/Shanghai"


@st.composite
def stamp(draw) -> str | None:
    kind = draw(st.sampled_from(["plain", "fraction", "slashes", "minutes", "impossible",
                                 "far", "offset", "junk", "empty", "none"]))
    y, mo, d = draw(st.integers(2000, 2030)), draw(st.integers(1, 12)), draw(st.integers(1, 28))
    h, mi, se = draw(st.integers(0, 23)), draw(st.integers(0, 59)), draw(st.integers(0, 59))
    base = f"{y:04d}-{mo:02d}-{d:02d} {h:02d}:{mi:02d}:{se:02d}"
    return {"plain": base,
            "fraction": base + draw(st.sampled_from([".000", ".5", ".123456"])),
            "slashes": f"{y:04d}/{mo}/{d} {h:02d}:{mi:02d}",
            "minutes": base[:16],
            "impossible": f"{y:04d}-02-30 {h:02d}:{mi:02d}:{se:02d}",
            "far": "9999-12-31 00:00:00",
            "offset": base + "+08:00",
            "junk": "soon",
            "empty": "",
            "none": None}[kind]


@settings(max_examples=200, deadline=None)
@given(st.lists(stamp(), min_size=1, max_size=12))
def test_the_bulk_parser_gives_what_the_careful_one_gives(values):
    column = pd.Series(values, dtype="string[pyarrow]")
    fast, fast_bad = times.parse_times_fast(column, TZ)
    slow, slow_bad = times.parse_times(column, TZ)
    assert np.array_equal(fast.to_numpy("datetime64[ns]"), slow.to_numpy("datetime64[ns]"),
                          equal_nan=True)
    assert fast_bad.tolist() == slow_bad.tolist()


def test_milliseconds_take_the_bulk_path(monkeypatch):
    column = pd.Series(["2025-10-18 00:03:31.000", "2025-10-19 12:00:00.250", None],
                       dtype="string[pyarrow]")
    monkeypatch.setattr(times, "parse_times", lambda *a: (_ for _ in ()).throw(AssertionError))
    found, bad = times.parse_times_fast(column, TZ)
    assert found.tolist()[:2] == [pd.Timestamp("2025-10-18 00:03:31"),
                                  pd.Timestamp("2025-10-19 12:00:00.250")]
    assert pd.isna(found.iloc[2]) and not bad.any()
