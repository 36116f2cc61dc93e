"""The clocks of RULES.md section 6: the 30-day window `as_of - window_days < t <= as_of`, times
of day (service hours), and the night clocks that move a start to the next morning."""

from __future__ import annotations

import numpy as np

DAY = np.timedelta64(1, "D")
MINUTE_NS = 60 * 10**9
DAY_MINUTES = 24 * 60
SECOND = np.timedelta64(1, "s")


def absent_after(times: np.ndarray, as_of: np.datetime64) -> np.ndarray:
    """Nothing after as_of exists: a time after it is treated as absent (NaT)."""
    times = np.asarray(times, dtype="datetime64[ns]")
    return np.where(times > as_of, np.datetime64("NaT"), times)


def in_window(times: np.ndarray, as_of: np.datetime64, days: int) -> np.ndarray:
    """Where `as_of - days < t <= as_of` (NaT: never)."""
    return (as_of - days * DAY < times) & (times <= as_of)


def minute_of_day(times: np.ndarray) -> np.ndarray:
    """The local time of day of each time, in minutes 0..1439 (the times are local)."""
    return (np.asarray(times, dtype="datetime64[ns]").view(np.int64) // MINUTE_NS) % DAY_MINUTES


def in_span(minutes: np.ndarray, span: tuple) -> np.ndarray:
    """Where a time of day lies in [span[0], span[1]), across midnight when span[0] > span[1]."""
    start, end = span
    if start <= end:
        return (minutes >= start) & (minutes < end)
    return (minutes >= start) | (minutes < end)


def after_night(times: np.ndarray, night: tuple) -> np.ndarray:
    """Each time, or, when its time of day lies in the night [night[0], night[1]), the next
    moment at night[1] (an order paid at 19:30 starts its pickup clock at 06:00 next day)."""
    times = np.asarray(times, dtype="datetime64[ns]")
    minutes = minute_of_day(times)
    moved = in_span(minutes, night) & ~np.isnat(times)
    day = times.astype("datetime64[D]").astype("datetime64[ns]")
    morning = day + night[1] * np.timedelta64(1, "m") + np.where(minutes >= night[1], DAY,
                                                                  np.timedelta64(0, "D"))
    return np.where(moved, morning, times)


def seconds(start: np.ndarray, end: np.ndarray) -> np.ndarray:
    """end - start in whole seconds ("timestamps have whole seconds": a fraction a file
    gives is dropped), as floats (NaN where either is missing)."""
    delta = (np.asarray(end, dtype="datetime64[ns]").astype("datetime64[s]")
             - np.asarray(start, dtype="datetime64[ns]").astype("datetime64[s]"))
    out = delta.astype(np.int64).astype(np.float64)
    out[np.isnat(delta)] = np.nan
    return out
