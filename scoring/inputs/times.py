"""Timestamps as the rules read them: naive local wall-clock datetime64[ns], from typed columns
(Parquet, Excel) or text in the formats back offices export; a value no clock can hold is bad."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from shopscore.scoring.engine import ids

_OFFSET = r"(?:[zZ]|[+-]\d\d:?\d\d)$"


def _text(series: pd.Series) -> pd.Series:
    """Text values stripped of the wrappers spreadsheets add (`="…"`, a leading `'`, tabs);
    empty becomes missing."""
    if not (pd.api.types.is_string_dtype(series) or series.dtype == object):
        series = series.astype("string[pyarrow]").where(series.notna())
    out = series.astype("string[pyarrow]").str.strip()
    if out.str.contains(r'^(?:="|\'|=)', regex=True).any():
        out = out.str.replace(r'^="(.*)"$', r"\1", regex=True).str.replace(r"^'", "", regex=True)
        out = out.str.strip()
    return out.where(out != "")



_ZERO_DATE = r"^0000-00-00"



_LO, _HI = np.datetime64("1678-01-01", "us"), np.datetime64("2261-12-31", "us")



def _in_range(values) -> np.ndarray:
    """Parsed times as datetime64[ns]; those datetime64[ns] cannot hold become NaT."""
    arr = np.asarray(values, dtype="datetime64[us]")
    arr = np.where((arr < _LO) | (arr > _HI), np.datetime64("NaT", "us"), arr)
    return arr.astype("datetime64[ns]")



_NS = {"s": 1_000_000_000, "ms": 1_000_000, "us": 1_000, "ns": 1}



def _typed_times(values):
    """(times, bad) of a column typed as timestamps already (numpy, or a naive Arrow array):
    a time outside what the rules can hold (9999-12-31) is bad, as it is in text."""
    if isinstance(values, (pa.Array, pa.ChunkedArray)):  # integer arithmetic on raw units
        unit = _NS[values.type.unit]
        raw = np.asarray(values.to_numpy(zero_copy_only=False)).view(np.int64)  # NaT: missing
        missing = raw == np.iinfo(np.int64).min
        bad = (raw < -9_200_000_000 * (1_000_000_000 // unit)) | (
            raw > 9_200_000_000 * (1_000_000_000 // unit))
        bad &= ~missing
        out = raw if raw.flags.writeable else raw.copy()  # Arrow's own memory is read-only
        if unit != 1:
            np.multiply(out, unit, out=out)
        out[missing | bad] = np.iinfo(np.int64).min  # NaT
        return pd.Series(out.view("datetime64[ns]"), copy=False), bad
    out = _in_range(values)
    return pd.Series(out, copy=False), np.isnat(out) & ~np.isnat(np.asarray(values))



def parse_times(series: pd.Series, tz: str):
    """Parse a column of timestamps into naive local wall-clock datetime64[ns].

    Values without an offset are local time already; values with one are converted.
    Returns (times, bad) where bad marks non-empty values that could not be parsed."""
    if isinstance(series.dtype, pd.DatetimeTZDtype):
        return _typed_times(series.dt.tz_convert(tz).dt.tz_localize(None).to_numpy())
    if pd.api.types.is_datetime64_dtype(series):
        return _typed_times(series.to_numpy())
    stamps = native(series, combine=False)
    if stamps is not None and pa.types.is_timestamp(stamps.type):  # a typed Parquet column
        if stamps.type.tz is not None:
            stamps = pc.local_timestamp(stamps.cast(pa.timestamp(stamps.type.unit, tz=tz)))
        return _typed_times(stamps)
    text = _text(series).reset_index(drop=True)
    text = text.where(~text.str.contains(_ZERO_DATE, regex=True).fillna(False))
    present = text.notna().to_numpy()
    out = np.full(len(text), np.datetime64("NaT"), dtype="datetime64[ns]")
    if present.any():
        rest = text[present]
        has_offset = rest.str.contains(_OFFSET, regex=True).fillna(False).to_numpy(dtype=bool)
        parsed = np.full(len(rest), np.datetime64("NaT"), dtype="datetime64[ns]")
        if has_offset.any():
            aware = pd.to_datetime(rest[has_offset], format="ISO8601", utc=True, errors="coerce")
            local = aware.dt.tz_convert(tz).dt.tz_localize(None)
            parsed[has_offset] = _in_range(local.to_numpy())
        if (~has_offset).any():
            naive = rest[~has_offset].str.replace("/", "-", regex=False)
            parsed[~has_offset] = _in_range(pd.to_datetime(naive, format="ISO8601",
                                                           errors="coerce").to_numpy())
        out[present] = parsed
    bad = present & np.isnat(out)
    return pd.Series(out), bad



def native(series: pd.Series, combine: bool = True) -> pa.Array | pa.ChunkedArray | None:
    """The Arrow array behind an Arrow-backed pandas column (no copy; with combine=False its
    chunks stay chunks), else None."""
    get = getattr(series.array, "__arrow_array__", None)
    if get is None or isinstance(series.dtype, pd.CategoricalDtype):
        return None
    return ids.arrow_of(series, combine=combine)



_FIELDS = (r"^\s*(?P<year>\d{4})[-/](?P<month>\d{1,2})[-/](?P<day>\d{1,2})"
           r"(?:[ T](?P<hour>\d{1,2}):(?P<minute>\d{1,2})(?::(?P<second>\d{1,2}))?)?")


def _rolled_over(text: pa.Array, times: pa.Array) -> pa.Array:
    """Where a parsed time's date and clock differ from the numbers written: the parser rolled
    an impossible value over instead of refusing it."""
    parts = pc.extract_regex(text, _FIELDS)
    differs = pa.scalar(False)
    for name, field in (("year", pc.year), ("month", pc.month), ("day", pc.day),
                        ("hour", pc.hour), ("minute", pc.minute), ("second", pc.second)):
        written = pc.struct_field(parts, name)
        written = pc.cast(pc.if_else(pc.equal(written, ""), "0", written), pa.int64())
        differs = pc.or_(differs, pc.not_equal(written, field(times)))
    return differs


def _iso_cast(arr: pa.Array) -> pa.Array:
    """ISO 8601 text without an offset as timestamps: in nanoseconds (a fraction of a second
    allowed, `2025-10-18 00:03:31.000` as some exports write it), or in whole seconds when
    some date lies beyond what nanoseconds hold (9999-12-31: then found bad below)."""
    try:
        return arr.cast(pa.timestamp("ns"))
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return arr.cast(pa.timestamp("s"))


def parse_times_fast(series: pd.Series, tz: str):
    """Timestamps: the common `YYYY-MM-DD HH:MM:SS` parsed in bulk, the rest by parse_times."""
    if isinstance(series.dtype, pd.DatetimeTZDtype) or pd.api.types.is_datetime64_dtype(series) \
            or isinstance(series.dtype, pd.ArrowDtype) and pa.types.is_timestamp(
                series.dtype.pyarrow_dtype):
        return parse_times(series, tz)
    arr = ids.text_of(series)
    try:  # ISO 8601 without an offset, every value: one cast (it refuses impossible dates)
        fast = _iso_cast(arr)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        fast = pc.strptime(arr, format="%Y-%m-%d %H:%M:%S", unit="s", error_is_null=True)
        for fmt in ("%Y/%m/%d %H:%M", "%Y/%m/%d %H:%M:%S", "%Y-%m-%d %H:%M"):  # export habits
            if fast.null_count <= arr.null_count:
                break
            fast = pc.coalesce(fast, pc.strptime(arr, format=fmt, unit="s", error_is_null=True))
        # strptime rolls an impossible date over (2026-02-30 -> March 2, 10:00:61 -> 10:01:01):
        # such a value is left to parse_times, which refuses it.
        fast = pc.if_else(pc.fill_null(_rolled_over(arr, fast), False),
                          pa.scalar(None, fast.type), fast)
    if fast.type.unit == "s":  # (a cast to nanoseconds held every value in range already)
        seconds = fast.cast(pa.int64())
        # datetime64[ns] spans the years 1678..2261; a date beyond (9999-12-31) is no real date.
        outside = pc.fill_null(pc.or_(pc.less(seconds, -9_200_000_000),
                                      pc.greater(seconds, 9_200_000_000)), False)
        fast = pc.if_else(outside, pa.scalar(None, fast.type), fast)
    out = fast.cast(pa.timestamp("ns")).to_numpy(zero_copy_only=False)
    present = pc.fill_null(pc.greater(pc.utf8_length(arr), 0), False).to_numpy(
        zero_copy_only=False)
    todo = present & np.isnat(out)
    bad = np.zeros(len(out), dtype=bool)
    if todo.any():
        rest, rest_bad = parse_times(series[todo], tz)
        out[todo] = rest.to_numpy("datetime64[ns]")
        bad[todo] = rest_bad
    return pd.Series(out, dtype="datetime64[ns]", copy=False), bad

