"""Each vectorised primitive of scoring/engine/ against a plain Python loop over its rows.

The loops are the oracles: each is written from the primitive's docstring (what it computes),
not from how the vectorised code gets there. Inputs lean on the edges: no rows, one row,
one group or one key throughout, negative codes, int32 beside int64, keys too wide to pack
beside a position, categoricals with unused categories and missing values (code -1).
"""

from __future__ import annotations

import datetime

import numpy as np
import pandas as pd
from hypothesis import example, given, settings
from hypothesis import strategies as st

from shopscore.scoring.engine import ids
from shopscore.scoring.engine.coded import codes, distinct, is_value, lookup, position_dtype, where_true
from shopscore.scoring.engine.groups import (
    appearance_codes,
    combine_codes,
    group_first,
    group_numbers,
    group_starts,
    is_in,
    pair_order,
    sort_in_place,
    stable_order,
)
from shopscore.scoring.engine.ordering import sort_order, text_keys
from shopscore.scoring.engine.tally import (
    coded_reasons,
    is_code,
    merged,
    per_shop,
    reason_counts,
    shop_positions,
)
from shopscore.scoring.engine.windows import (
    anchored_windows,
    capped_running_total,
    clamped_running_total,
    group_cumsum,
    month_numbers,
)

FEW = settings(max_examples=200, deadline=None)
FEWER = settings(max_examples=100, deadline=None)

# Ids and words: empty text, digits that sort differently as text and as numbers, capitals,
# and characters beyond ASCII (one outside the Basic Multilingual Plane).
TEXTS = ["", "a", "b", "B", "a10", "a9", "10", "9", "é", "买", "\U0001f600", "z z"]
text = st.sampled_from(TEXTS)
maybe_text = st.none() | text  # None: missing
KINDS = ["object", "str", "category", "unused", "text_sorted"]


def column_of(values: list, kind: str, extra: list, shuffle) -> pd.Series:
    """A column of `values` (None: missing) in one of the forms the engine meets: plain text
    (object or str), or categorical, possibly with unused categories (`extra`), in any order,
    or made by ids.categorical with its categories said to be in text order."""
    if kind in ("object", "str"):
        return pd.Series(values, dtype=kind)
    if kind == "category":
        return pd.Series(pd.Categorical(values))
    present = sorted({v for v in values if v is not None} | set(extra))
    if kind == "unused":
        return pd.Series(pd.Categorical(values, categories=shuffle(present)))
    code = np.array([-1 if v is None else present.index(v) for v in values], dtype=np.int32)
    return pd.Series(ids.categorical(code, present, sorted_text=True))


@st.composite
def columns(draw, kinds=KINDS, max_size=30):
    """(the values, None for missing; the column holding them)."""
    values = draw(st.lists(maybe_text, max_size=max_size)
                  | st.lists(maybe_text, min_size=1, max_size=1)
                  | st.integers(0, max_size).flatmap(lambda n: maybe_text.map(lambda v: [v] * n)))
    kind = draw(st.sampled_from(kinds))
    extra = draw(st.lists(text, max_size=4))
    return values, column_of(values, kind, extra, lambda xs: draw(st.permutations(xs)))


def keyed(v):
    """A value as something that compares like the text, missing after every text."""
    return (1, "") if v is None else (0, v)


# ---------------------------------------------------------------------------- coded.py


@FEW
@given(st.integers(0, 2**63))
@example(2**31 - 1)
@example(2**31)
@example(0)
def test_position_dtype_equals_a_naive_loop(n):
    # The narrower of the two types that holds every position 0..n-1 and the count n itself.
    for wanted in (np.int32, np.int64):
        if n <= np.iinfo(wanted).max:
            break
    assert position_dtype(n) is wanted


@FEW
@given(st.lists(st.booleans(), max_size=60))
def test_where_true_equals_a_naive_loop(mask):
    got = where_true(np.array(mask, dtype=bool))
    assert got.dtype == position_dtype(len(mask))
    assert got.tolist() == [i for i, m in enumerate(mask) if m]


@FEW
@given(columns(), st.data())
def test_codes_equals_a_naive_loop(column, data):
    values, series = column
    n = len(values)
    categorical = isinstance(series.dtype, pd.CategoricalDtype)
    rows = data.draw(st.none() | st.lists(st.integers(0, max(n - 1, 0)), max_size=n if n else 0))
    rows = None if rows is None else np.array(rows, dtype=data.draw(st.sampled_from([np.int32, np.int64])))
    dtype = data.draw(st.sampled_from([np.int64, np.int32, None] if categorical else [np.int64, None]))
    got = codes(series, rows, dtype=dtype)
    chosen = range(n) if rows is None else rows.tolist()
    assert len(got) == len(chosen)
    if categorical:
        # The categorical's own codes: a value's place among the categories, -1 when missing.
        cats = list(series.cat.categories)
        assert got.tolist() == [-1 if values[i] is None else cats.index(values[i]) for i in chosen]
        assert got.dtype == (series.cat.codes.dtype if dtype is None else dtype)
        return
    assert got.dtype == np.int64  # asked for int64, or None: a plain column has no codes of its own
    every = codes(series)
    distinct_values = {keyed(v) for v in values}  # all missing values are one
    assert sorted(set(every.tolist())) == list(range(len(distinct_values)))  # dense 0..k-1
    for i in range(n):
        for j in range(n):
            assert (every[i] == every[j]) == (keyed(values[i]) == keyed(values[j]))
    assert got.tolist() == [every[i] for i in chosen]


def test_codes_of_a_plain_column_come_as_the_dtype_asked_for():
    assert codes(pd.Series(["a", "b", "a"], dtype=object), dtype=np.int32).dtype == np.int32


@FEW
@given(columns(), text)
def test_is_value_equals_a_naive_loop(column, value):
    values, series = column
    got = is_value(series, value)
    assert got.dtype == bool
    assert got.tolist() == [v is not None and v == value for v in values]


LOOKUPS = [  # (dtype, what the table maps to, defaults)
    (np.int8, st.integers(-128, 127), st.sampled_from([-1, -9, 0])),
    (np.int64, st.integers(-(2**40), 2**40), st.sampled_from([-1, 2**40])),  # beyond 2**53: the case below
    (np.float64, st.integers(-5, 5).map(float), st.sampled_from([np.nan, -1.0])),
]


@FEW
@given(columns(), st.sampled_from(LOOKUPS).flatmap(
    lambda kind: st.tuples(st.just(kind[0]), st.dictionaries(text, kind[1], max_size=6), kind[2])))
def test_lookup_equals_a_naive_loop(column, table_of):
    values, series = column
    dtype, table, default = table_of
    got = lookup(series, table, default, dtype)
    expected = np.array([default if v is None else table.get(v, default) for v in values], dtype=dtype)
    assert got.dtype == expected.dtype
    assert np.array_equal(got, expected, equal_nan=dtype is np.float64)


def test_lookup_keeps_int64_values_beyond_2_to_the_53():
    got = lookup(pd.Series(["a", None], dtype=object), {"a": 2**53 + 1}, -1, np.int64)
    assert got.tolist() == [2**53 + 1, -1]


@FEW
@given(columns())
def test_distinct_equals_a_naive_loop(column):
    values, series = column
    found = set()
    for v in values:
        if v is not None:
            found.add(v)
    assert distinct(series) == found


# ---------------------------------------------------------------------------- groups.py

INTEGER_TYPES = [np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint32]


def integers_of(dtype, limit=None):
    """Integers that fit dtype (within -limit..limit when given)."""
    info = np.iinfo(dtype)
    low, high = int(info.min), int(info.max)
    if limit is not None:
        low, high = max(low, -limit), min(high, limit)
    return st.integers(low, high)


@st.composite
def keys(draw, dtypes=(np.int32, np.int64), low=None, max_size=40):
    """An integer array: few distinct values (many ties), values anywhere in the type's range
    (too wide to share a 64-bit word with a position), or one value throughout."""
    dtype = draw(st.sampled_from(dtypes))
    info = np.iinfo(dtype)
    low = int(info.min) if low is None else max(low, int(info.min))
    anywhere = st.integers(low, int(info.max))
    near = st.integers(max(low, -3), 12)
    few = st.sampled_from(draw(st.lists(anywhere, min_size=1, max_size=4)))
    values = draw(st.lists(few, max_size=max_size)
                  | st.lists(anywhere, max_size=max_size) | st.lists(near, max_size=max_size)
                  | st.integers(0, max_size).flatmap(lambda n: anywhere.map(lambda v: [v] * n)))
    return np.array(values, dtype=dtype)


@st.composite
def grouped(draw, dtypes=(np.int32, np.int64)):
    """A group key sorted by group (each group's rows together): groups of 1..12 rows under
    distinct keys, in increasing order or not, negative or not, or one group throughout."""
    dtype = draw(st.sampled_from(dtypes))
    sizes = draw(st.lists(st.integers(1, 12), max_size=8))
    names = draw(st.lists(integers_of(dtype, 2**40) | st.integers(-3, 3), min_size=len(sizes),
                          max_size=len(sizes), unique=True))
    if draw(st.booleans()):
        names.sort()
    return np.repeat(np.array(names, dtype=dtype), sizes)


@st.composite
def code_parts(draw):
    """1..4 integer code arrays of one length, of assorted integer types: codes from -1, or
    values within +-2**40, whose ranges (up to 2**41 + 1) multiply past 2**62 two or three
    at a time (the re-ranking path) while any one of them, times the number of rows, stays
    well inside int64."""
    n = draw(st.integers(0, 30))
    parts = []
    for _ in range(draw(st.integers(1, 4))):
        dtype = draw(st.sampled_from(INTEGER_TYPES))
        values = draw(st.sampled_from([integers_of(dtype, 2**40), integers_of(dtype, 3).filter(
            lambda v: v >= -1)]))  # wide, or codes with -1 for missing
        parts.append(np.array(draw(st.lists(values, min_size=n, max_size=n)), dtype=dtype))
    return tuple(parts)


WIDE = np.array([0, 2**40, -(2**40), 7, 2**40, 0], dtype=np.int64)


@FEW
@given(code_parts())
@example((WIDE, WIDE[::-1].copy(), WIDE))  # ranges of 2**41 + 1: re-ranked before parts 2 and 3
@example((np.zeros(0, dtype=np.int8), np.zeros(0, dtype=np.int64)))
def test_combine_codes_equals_a_naive_loop(parts):
    # Keys equal exactly when the combinations are, and sort like them (first part first).
    key = combine_codes(*parts)
    rows = list(zip(*(part.tolist() for part in parts), strict=True))
    assert key.dtype == np.int64
    assert len(key) == len(rows)
    for i in range(len(rows)):
        for j in range(len(rows)):
            assert (key[i] == key[j]) == (rows[i] == rows[j])
            assert (key[i] < key[j]) == (rows[i] < rows[j])


def test_combine_codes_with_a_part_too_wide_to_pack_after_re_ranking():
    key = combine_codes(np.array([0, 1]), np.array([0, 2**62]))
    assert key[0] < key[1]


@FEW
@given(keys(), keys(max_size=12))
def test_is_in_equals_a_naive_loop(found, chosen):
    # Small keys >= 0 take the table of marks, others np.isin; chosen may hold anything.
    got = is_in(found, chosen)
    wanted = set(chosen.tolist())
    assert got.dtype == bool
    assert got.tolist() == [k in wanted for k in found.tolist()]


@FEW
@given(keys(low=0))
def test_appearance_codes_equals_a_naive_loop(key):
    number = {}
    expected = []
    for k in key.tolist():
        if k not in number:
            number[k] = len(number)
        expected.append(number[k])
    got = appearance_codes(key)
    assert got.dtype == np.int64
    assert got.tolist() == expected


@FEW
@given(keys(dtypes=(np.int8, np.int16, np.int32, np.int64)))
def test_stable_order_equals_a_naive_loop(key):
    before = key.copy()
    values = key.tolist()
    expected = sorted(range(len(values)), key=lambda i: values[i])  # sorted() is stable
    got = stable_order(key)
    assert got.dtype == np.int64
    assert got.tolist() == expected
    assert np.array_equal(key, before)


@FEW
@given(keys(dtypes=(np.int64,)))
def test_sort_in_place_equals_a_naive_loop(key):
    values = key.tolist()
    expected = sorted(range(len(values)), key=lambda i: values[i])
    got = sort_in_place(key)
    assert got.dtype == position_dtype(len(values))
    assert got.tolist() == expected
    assert key.tolist() == sorted(values)


@FEW
@given(st.lists(st.tuples(st.integers(0, 6), st.integers(-2**40, 2**40) | st.integers(0, 3)),
                max_size=40), st.booleans())
def test_pair_order_equals_a_naive_loop(pairs, in_minor_order):
    # A log in time order within each session (the one-sort path) or in any order.
    if in_minor_order:
        pairs = sorted(pairs, key=lambda p: p[1])
    major = np.array([p[0] for p in pairs], dtype=np.int64)
    minor = np.array([p[1] for p in pairs], dtype=np.int64)
    expected = sorted(range(len(pairs)), key=lambda i: pairs[i])  # stable: ties in row order
    got = pair_order(major, minor)
    assert got.tolist() == expected
    assert [p[0] for p in pairs] == major.tolist()  # its inputs left as they were


@FEW
@given(grouped())
def test_group_starts_equals_a_naive_loop(group):
    g = group.tolist()
    assert group_starts(group).tolist() == [g[i] not in g[:i] for i in range(len(g))]


@FEW
@given(grouped())
def test_group_first_equals_a_naive_loop(group):
    g = group.tolist()
    got = group_first(group)
    assert got.dtype == position_dtype(len(g))
    assert got.tolist() == [g.index(v) for v in g]


@FEW
@given(grouped())
def test_group_numbers_equals_a_naive_loop(group):
    g = group.tolist()
    in_order = list(dict.fromkeys(g))  # the groups in the order they come
    got = group_numbers(group)
    assert got.dtype == position_dtype(len(g))
    assert got.tolist() == [in_order.index(v) for v in g]


# ---------------------------------------------------------------------------- ordering.py


@FEW
@given(columns(), st.data())
def test_text_keys_equals_a_naive_loop(column, data):
    # Dense keys 0.. of the chosen rows (any rows, in any order, repeats allowed) that sort as
    # their text does, missing last.
    values, series = column
    n = len(values)
    rows = data.draw(st.lists(st.integers(0, n - 1), max_size=2 * n) if n else st.just([]))
    chosen = [keyed(values[r]) for r in rows]
    levels = sorted(set(chosen))
    got = text_keys(series, np.array(rows, dtype=data.draw(st.sampled_from([np.int32, np.int64]))))
    assert got.tolist() == [levels.index(v) for v in chosen]


HOUR = 3_600 * 10**9
BASE = int(np.datetime64("2026-06-01", "ns").view(np.int64))


@st.composite
def sort_order_inputs(draw):
    """(group of each chosen row, times of all rows, the chosen rows in any order, first and
    second id columns with their values): groups and times with many ties, or spread wide."""
    n = draw(st.integers(0, 30))
    ticks = draw(st.sampled_from([st.just(BASE), st.integers(0, 3).map(lambda h: BASE + h * HOUR),
                                  st.integers(-(2**62), 2**62)]))  # no NaT: sort_order takes none
    times = np.array(draw(st.lists(ticks, min_size=n, max_size=n)), dtype=np.int64).view("datetime64[ns]")
    idx = draw(st.permutations(range(n)))[:draw(st.integers(0, n))]
    few = draw(st.lists(st.integers(-2, 2) | st.integers(0, 2**62), min_size=1, max_size=4))
    group = draw(st.lists(st.sampled_from(few), min_size=len(idx), max_size=len(idx)))
    ids_of = []
    for _ in range(1 + draw(st.integers(0, 1))):
        values = draw(st.lists(maybe_text, min_size=n, max_size=n))
        extra = draw(st.lists(text, max_size=3))
        kind = draw(st.sampled_from(KINDS))
        ids_of.append((values, column_of(values, kind, extra, lambda xs: draw(st.permutations(xs)))))
    return (np.array(group, dtype=np.int64), times,
            np.array(idx, dtype=draw(st.sampled_from([np.int32, np.int64]))), ids_of)


@FEWER
@given(sort_order_inputs())
def test_sort_order_equals_a_naive_loop(inputs):
    group, times, idx, ids_of = inputs
    ticks = times.view(np.int64).tolist()

    def rank(k):  # what row k of idx is ordered by; its place in idx breaks the last ties
        return (group[k], ticks[idx[k]], *(keyed(values[idx[k]]) for values, _ in ids_of), k)

    order = sorted(range(len(idx)), key=rank)
    columns_given = [series for _, series in ids_of] + [None] * (2 - len(ids_of))
    rows, groups, ordered = sort_order(group.copy(), times, idx, *columns_given)
    assert rows.tolist() == [int(idx[k]) for k in order]
    assert groups.tolist() == [int(group[k]) for k in order]
    assert ordered.dtype == np.dtype("datetime64[ns]")
    assert ordered.view(np.int64).tolist() == [ticks[idx[k]] for k in order]


# ---------------------------------------------------------------------------- windows.py

NAT = np.iinfo(np.int64).min  # NaT as an integer
DAY = 86_400 * 10**9


@st.composite
def instants(draw, max_size=40):
    """Times as datetime64[ns]: a few months around 2026 (the table of days), or anywhere in
    datetime64[ns] (centuries apart: converted directly), with NaT or not."""
    near = st.integers(-400, 400).map(lambda d: BASE + d * DAY) | st.integers(BASE - 10**15, BASE + 10**15)
    anywhere = st.integers(NAT + 1, 2**63 - 1)
    tick = draw(st.sampled_from([near, anywhere, near | st.just(NAT), st.just(NAT)]))
    return np.array(draw(st.lists(tick, max_size=max_size)), dtype=np.int64).view("datetime64[ns]")


@FEW
@given(instants(), st.sampled_from(["ns", "ms"]))
@example(np.array([NAT, NAT], dtype=np.int64).view("datetime64[ns]"), "ns")
@example(np.array([NAT + 1, 2**63 - 1], dtype=np.int64).view("datetime64[ns]"), "ns")
def test_month_numbers_equals_a_naive_loop(times, unit):
    times = times.astype(f"datetime64[{unit}]")  # ms: rounded towards the earlier time
    before = times.copy()
    expected = []
    for t in times.astype("datetime64[ns]").view(np.int64).tolist():
        if t == NAT:
            expected.append(NAT)
        else:
            at = pd.Timestamp(t, unit="ns")
            expected.append((at.year - 1970) * 12 + at.month - 1)  # months since January 1970
    got = month_numbers(times)
    assert got.dtype == np.int64
    assert got.tolist() == expected
    assert np.array_equal(times, before, equal_nan=True)


def spans():
    """Window lengths as the rules write them (a timedelta64 of days) and otherwise: hours,
    nanoseconds, Python timedeltas; none at all, and longer than any group (but not so long
    that anchor + span leaves datetime64[ns]: that is the case below)."""
    return (st.integers(0, 30).map(lambda d: np.timedelta64(d, "D"))
            | st.integers(0, 100).map(lambda h: np.timedelta64(h, "h"))
            | st.integers(0, 100 * HOUR).map(lambda ns: np.timedelta64(ns, "ns"))
            | st.integers(0, 100).map(lambda h: datetime.timedelta(hours=h))
            | st.just(np.timedelta64(10_000, "D")))


@st.composite
def windows_inputs(draw):
    """(group, times) sorted by (group, time): times on whole hours (so that time == anchor +
    span comes up) or to the nanosecond, many per group or few."""
    hours = draw(st.sampled_from([st.integers(0, 3), st.integers(0, 72), st.integers(0, 2_000)]))
    tick = hours.map(lambda h: BASE + h * HOUR) | st.integers(BASE, BASE + 2_000 * HOUR)
    dtype = draw(st.sampled_from([np.int32, np.int64]))
    few = draw(st.lists(st.integers(-3, 3) | integers_of(dtype, 2**40), min_size=1, max_size=4))
    rows = sorted(draw(st.lists(st.tuples(st.sampled_from(few), tick), max_size=40)))
    group = np.array([g for g, _ in rows], dtype=dtype)
    times = np.array([t for _, t in rows], dtype=np.int64).view("datetime64[ns]")
    return group, times


@FEW
@given(windows_inputs(), spans())
@example((np.zeros(0, dtype=np.int64), np.zeros(0, dtype="datetime64[ns]")), np.timedelta64(14, "D"))
def test_anchored_windows_equals_a_naive_loop(inputs, span):
    group, times = inputs
    width = int(np.timedelta64(span, "ns").astype(np.int64))
    expected, window, anchor = [], -1, None
    for k, (g, t) in enumerate(zip(group.tolist(), times.view(np.int64).tolist(), strict=True)):
        if k == 0 or g != group[k - 1] or t >= anchor + width:  # a new group, or past the window
            window, anchor = window + 1, t
        expected.append(window)
    got = anchored_windows(group, times, span)
    assert got.tolist() == expected


def test_anchored_windows_with_a_span_past_the_end_of_datetime64_ns():
    # A profile may set same_item_window_days this high (it must only be >= 0).
    times = np.array(["2026-06-01", "2026-06-01"], dtype="datetime64[ns]")
    got = anchored_windows(np.zeros(2, dtype=np.int64), times, np.timedelta64(100_000, "D"))
    assert got.tolist() == [0, 0]


GROUP_SUMS = [  # (type of the values, range of the values, type summed in)
    (np.int8, (-1, 1), np.int32),
    (np.int8, (-128, 127), np.int64),
    (np.int32, (-1000, 1000), np.int64),
    (np.int64, (-(2**40), 2**40), np.int64),
]


@FEW
@given(grouped(), st.sampled_from(GROUP_SUMS), st.data())
def test_group_cumsum_equals_a_naive_loop(group, kind, data):
    value_type, (low, high), dtype = kind
    values = data.draw(st.lists(st.integers(low, high), min_size=len(group), max_size=len(group)))
    expected, total = [], 0
    for k, v in enumerate(values):
        total = v if k == 0 or group[k] != group[k - 1] else total + v
        expected.append(total)
    got = group_cumsum(group, np.array(values, dtype=value_type), dtype)
    assert got.dtype == dtype
    assert got.tolist() == expected


@FEW
@given(grouped(), st.integers(0, 4), st.sampled_from([np.int8, np.int32, np.int64]), st.data())
def test_capped_running_total_equals_a_naive_loop(group, cap, dtype, data):
    n = len(group)
    points = data.draw(st.lists(st.integers(-1, 1), min_size=n, max_size=n)
                       | st.lists(st.sampled_from([1, 1, 1, 0, -1]), min_size=n, max_size=n))
    counts, totals, total = [], [], 0
    for k, p in enumerate(points):
        if k == 0 or group[k] != group[k - 1]:
            total = 0
        counts.append(p == 0 or -cap <= total + p <= cap)  # a step out of bounds is dropped
        if counts[-1]:
            total += p
        totals.append(total)
    keep, got = capped_running_total(group, np.array(points, dtype=dtype), cap)
    assert keep.dtype == bool
    assert got.dtype == position_dtype(len(points))
    assert keep.tolist() == counts
    assert got.tolist() == totals


@FEW
@given(grouped(), st.lists(st.integers(-6, 6), min_size=2, max_size=2).map(sorted),
       st.sampled_from([(np.int8, 4), (np.int32, 4), (np.int64, 4), (np.int64, 2**40)]), st.data())
def test_clamped_running_total_equals_a_naive_loop(group, bounds, kind, data):
    # Bounds on either side of 0 or both on one side (the start, 0, outside them).
    low, high = bounds
    dtype, reach = kind
    steps = data.draw(st.lists(st.integers(-reach, reach), min_size=len(group), max_size=len(group)))
    expected, x = [], 0
    for k, step in enumerate(steps):
        if k == 0 or group[k] != group[k - 1]:
            x = 0
        x = min(high, max(low, x + step))
        expected.append(x)
    got = clamped_running_total(group, np.array(steps, dtype=dtype), low, high)
    assert got.tolist() == expected


# ---------------------------------------------------------------------------- tally.py


@FEW
@given(columns(), st.booleans())
def test_coded_reasons_equals_a_naive_loop(column, as_list):
    values, series = column
    plain = not isinstance(series.dtype, pd.CategoricalDtype)
    code, names = coded_reasons(list(values) if as_list and plain else series)
    assert len(set(names)) == len(names)  # one code per reason
    assert code.tolist() == [-1 if v is None else names.index(v) for v in values]
    if plain:  # the names are the reasons found
        assert set(names) == {v for v in values if v is not None}
    else:  # a categorical's own categories, used or not, in their order
        assert names == [str(c) for c in series.cat.categories]


@FEW
@given(st.lists(text, unique=True, max_size=6), text, st.sampled_from([np.int8, np.int16]), st.data())
def test_is_code_equals_a_naive_loop(names, word, dtype, data):
    code = data.draw(st.lists(st.integers(-1, len(names) - 1), max_size=30))
    got = is_code(np.array(code, dtype=dtype), names, word)
    assert got.dtype == bool
    assert got.tolist() == [c >= 0 and names[c] == word for c in code]


@FEW
@given(st.integers(0, 4), st.integers(0, 5), st.sampled_from([np.int32, np.int64]),
       st.sampled_from([np.int8, np.int16, np.int64]), st.booleans(), st.data())
def test_per_shop_equals_a_naive_loop(shops, width, shop_type, code_type, masked, data):
    n = data.draw(st.integers(0, 40))
    shop = data.draw(st.lists(st.integers(-1, shops - 1), min_size=n, max_size=n))
    code = data.draw(st.lists(st.integers(-1, width + 2), min_size=n, max_size=n))
    mask = data.draw(st.lists(st.booleans(), min_size=n, max_size=n)) if masked else None
    expected = [[0] * width for _ in range(shops)]
    for k in range(n):
        if shop[k] >= 0 and 0 <= code[k] < width and (mask is None or mask[k]):
            expected[shop[k]][code[k]] += 1
    got = per_shop(np.array(shop, dtype=shop_type), np.array(code, dtype=code_type), width, shops,
                   None if mask is None else np.array(mask, dtype=bool))
    assert got.shape == (shops, width)
    assert got.tolist() == expected


@FEW
@given(st.lists(text, unique=True, max_size=6), st.data())
def test_reason_counts_equals_a_naive_loop(names, data):
    shops = data.draw(st.integers(0, 4))
    counts = st.sampled_from([0, 0, 0, 1, 2, 7])
    table = data.draw(st.lists(st.lists(counts, min_size=len(names), max_size=len(names)),
                               min_size=shops, max_size=shops))
    skip = tuple(data.draw(st.lists(st.sampled_from(names + ["absent"]), max_size=3)))
    expected = []
    for row in table:
        found = {}
        for j, count in enumerate(row):
            if count and names[j] not in skip:
                found[names[j]] = count
        expected.append(found)
    got = reason_counts(np.array(table, dtype=np.int64).reshape(shops, len(names)), names, skip)
    assert got == expected
    assert all(type(count) is int for found in got for count in found.values())


@FEW
@given(st.lists(st.dictionaries(text, st.integers(1, 50), max_size=5), max_size=4))
def test_merged_equals_a_naive_loop(tables):
    total = {}
    for table in tables:
        for reason, count in table.items():
            total[reason] = total.get(reason, 0) + count
    got = merged(*tables)
    assert list(got.items()) == sorted(total.items())  # summed, in sorted order of the codes


@FEW
@given(columns(), st.lists(text, unique=True, max_size=6))
def test_shop_positions_equals_a_naive_loop(column, shop_ids):
    values, series = column
    got = shop_positions(series, shop_ids)
    assert got.tolist() == [shop_ids.index(v) if v is not None and v in shop_ids else -1 for v in values]


# ---------------------------------------------------------------------------- ids.py
# encode is tested in test_ids.py.


@st.composite
def id_numbers(draw):
    """Integers as ids come: in order (no sort), nearly in order (one stable argsort) or in
    no order (hashed), with repeats, of int32 or int64, negative or not."""
    values = draw(keys(dtypes=(np.int32, np.int64)))
    order = draw(st.sampled_from(["as drawn", "sorted", "nearly"]))
    if order != "as drawn":
        values = np.sort(values)
    if order == "nearly" and len(values) > 2:
        at = draw(st.integers(0, len(values) - 2))
        values[[at, at + 1]] = values[[at + 1, at]]
    return values


@FEW
@given(id_numbers())
def test_dense_codes_equals_a_naive_loop(values):
    v = values.tolist()
    code, first = ids.dense_codes(values)
    code, first = code.tolist(), first.tolist()
    assert sorted(set(code)) == list(range(len(set(v))))  # dense 0..k-1 over the distinct values
    for i in range(len(v)):
        for j in range(len(v)):
            assert (code[i] == code[j]) == (v[i] == v[j])
    assert first == [code.index(c) for c in range(len(first))]  # each code's first row
