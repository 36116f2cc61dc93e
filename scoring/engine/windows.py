"""Vectorised group helpers: combined group codes, text-ordered sorts, the anchored windows
and the capped running total."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from shopscore.scoring.engine.ids import text_sorted

INT64_LIMIT = 2**62  # combined keys stay below this, with room to spare


def position_dtype(n: int) -> type:
    """The integer type for positions in (or row numbers of) n rows: int32, half the memory
    of int64, unless there are 2**31 rows or more."""
    return np.int32 if n < 2**31 else np.int64


def where_true(mask: np.ndarray) -> np.ndarray:
    """np.flatnonzero(mask), as positions of position_dtype."""
    return np.arange(len(mask), dtype=position_dtype(len(mask)))[mask]


def codes(series, rows=None, dtype=np.int64) -> np.ndarray:
    """Dense integer codes of an id column, of its `rows` when given (missing values get a
    code of their own), as `dtype`. With dtype=None a categorical keeps the width of its own
    codes (the codes themselves when no rows are given: read them, never write them), which
    is all combine_codes needs."""
    if isinstance(series, pd.Series) and isinstance(series.dtype, pd.CategoricalDtype):
        found = series.cat.codes.to_numpy()
        found = found if rows is None else found[rows]
        return found if dtype is None else found.astype(dtype)
    found = pd.factorize(pd.Series(series), use_na_sentinel=False)[0].astype(np.int64)
    return found if rows is None else found[rows]


def is_value(series: pd.Series, value) -> np.ndarray:
    """Where a (text or categorical) column equals value; missing is False."""
    if isinstance(series.dtype, pd.CategoricalDtype):  # compare the categories, not the rows
        found = np.flatnonzero(np.asarray(series.cat.categories == value, dtype=bool))
        if not found.size:
            return np.zeros(len(series), dtype=bool)
        return series.cat.codes.to_numpy() == found[0]  # categories are distinct
    return (series == value).fillna(False).to_numpy(dtype=bool)


def lookup(series: pd.Series, table: dict, default, dtype) -> np.ndarray:
    """Each row's value in `table` (keyed by the column's values); `default` for a value not
    in it and for missing ones. For a categorical, only the categories are looked up."""
    if isinstance(series.dtype, pd.CategoricalDtype):
        found = [table.get(c, default) for c in series.cat.categories] + [default]
        return np.asarray(found, dtype=dtype)[series.cat.codes.to_numpy()]  # -1: the default
    return series.map(table).fillna(default).to_numpy(dtype=dtype)


def distinct(series: pd.Series) -> set:
    """The distinct non-missing values of a column (cheap for categoricals)."""
    if isinstance(series.dtype, pd.CategoricalDtype):
        found = series.cat.codes.to_numpy()
        used = np.bincount(found[found >= 0], minlength=len(series.cat.categories))
        return set(series.cat.categories[np.flatnonzero(used)])
    return set(series.dropna().unique())


def combine_codes(*parts) -> np.ndarray:
    """One int64 key per combination of the given integer code arrays.

    Keys are equal exactly when the combinations are, and sort like the combinations (the
    first part most significant). They are not dense: use them to group and to sort, never
    as indices or sizes. Each part is shifted to start at 0 and the parts are packed by
    multiplication; only when the product of their ranges would leave int64 are the keys
    so far replaced by their ranks (a sort) to make room. Narrow parts are added as they
    are (no int64 copy of them is made)."""
    out = np.zeros(len(parts[0]), dtype=np.int64)
    span = 1  # the keys so far lie in 0..span-1
    for part in parts:
        part = np.asarray(part)
        if not np.can_cast(part.dtype, np.int64):
            part = part.astype(np.int64)
        if not part.size:
            continue
        low = int(part.min())
        width = int(part.max()) - low + 1
        if span * width >= INT64_LIMIT:
            out = np.unique(out, return_inverse=True)[1].reshape(-1).astype(np.int64)
            span = int(out.max()) + 1
        out *= width
        out += part
        if low:
            out -= low
        span *= width
    return out


def is_in(keys: np.ndarray, chosen: np.ndarray) -> np.ndarray:
    """np.isin(keys, chosen) for integer keys: by a table of marks when the keys are >= 0 and
    span little more than their number (combined codes, say), which takes no sort."""
    keys = np.asarray(keys)
    if not keys.size or int(keys.min()) < 0 or int(keys.max()) >= 8 * keys.size + 1024:
        return np.isin(keys, chosen)
    mark = np.zeros(int(keys.max()) + 1, dtype=bool)
    chosen = np.asarray(chosen)
    mark[chosen[(chosen >= 0) & (chosen < len(mark))]] = True  # others match no key
    return mark[keys]


def appearance_codes(key: np.ndarray) -> np.ndarray:
    """pd.factorize(key)[0] for integer keys >= 0: dense codes numbered in the order each key
    first appears, found by sorting (stable_order) rather than hashing."""
    n = len(key)
    if not n:
        return np.zeros(0, dtype=np.int64)
    order = stable_order(key)
    start = group_starts(key[order])
    first_seen = np.zeros(n, dtype=bool)
    first_seen[order[start]] = True  # each key's first row: stable, so its smallest
    number = (np.cumsum(first_seen) - 1)[order[start]]  # how many keys appeared before
    out = np.empty(n, dtype=np.int64)
    out[order] = number[np.cumsum(start) - 1]
    return out


def stable_order(key: np.ndarray) -> np.ndarray:
    """np.argsort(key, kind="stable") for an integer key.

    Each row's key (less the least key) is packed with its position into one 64-bit word and
    the words are sorted in place (far quicker than an argsort); the positions come back out
    of the low bits. A key too wide to share a word with the position is sorted a digit at a
    time, least significant first."""
    n = len(key)
    if n < 2:
        return np.arange(n, dtype=np.int64)
    key = np.asarray(key, dtype=np.int64)
    lowest = int(key.min())
    top = max((int(key.max()) - lowest).bit_length(), 1)
    word = key.view(np.uint64)  # unsigned: the differences below wrap to their exact value
    shift = n.bit_length()  # bits for a position
    bits = 64 - shift  # bits left for the key
    position = np.arange(n, dtype=np.uint32 if shift <= 32 else np.uint64)
    order = None
    for low in range(0, top, bits):
        packed = (word if order is None else word[order]) - np.uint64(lowest % 2**64)
        packed >>= np.uint64(low)
        if low + bits < top:
            packed &= np.uint64((1 << bits) - 1)
        packed <<= np.uint64(shift)
        packed |= position
        packed.sort()
        packed &= np.uint64((1 << shift) - 1)
        order = packed if order is None else order[packed]
    return order.view(np.int64)


def sort_in_place(key: np.ndarray) -> np.ndarray:
    """Sort an int64 array in place, stably, and return where each value came from: the
    positions (position_dtype) that np.argsort(key, kind="stable") gives.

    When the key's range leaves room for a position in a 64-bit word (the usual case), each
    value is packed with its position in the array itself and sorted there (as stable_order
    does, but with no second array of the key's size); otherwise stable_order sorts it."""
    n = len(key)
    lowest = int(key.min()) if n else 0
    top = max((int(key.max()) - lowest).bit_length(), 1) if n else 1
    shift = n.bit_length()  # bits for a position
    if n < 2 or top + shift > 64:
        order = stable_order(key).astype(position_dtype(n))
        key[:] = key[order]
        return order
    word = key.view(np.uint64)  # unsigned: the differences below wrap to their exact value
    word -= np.uint64(lowest % 2**64)
    word <<= np.uint64(shift)
    word |= np.arange(n, dtype=np.uint32 if shift <= 32 else np.uint64)
    word.sort()
    if position_dtype(n) is np.int32:  # the low 32 bits hold the position and some key bits
        order = word.astype(np.uint32)
        order &= np.uint32((1 << shift) - 1)
        order = order.view(np.int32)
    else:
        order = (word & np.uint64((1 << shift) - 1)).view(np.int64)
    word >>= np.uint64(shift)
    word += np.uint64(lowest % 2**64)
    return order


def text_keys(series: pd.Series, rows: np.ndarray) -> np.ndarray:
    """Dense integer keys of `series.iloc[rows]` that sort as the text of its values does
    (the lexicographic order of the strings, missing last)."""
    return _text_ranks(*_id_codes(series, rows))


def _id_codes(series: pd.Series, rows: np.ndarray) -> tuple[np.ndarray, pd.Index]:
    """Integer codes of `series.iloc[rows]`, equal exactly where the values are (-1: missing),
    and the values the codes stand for."""
    if isinstance(series.dtype, pd.CategoricalDtype):
        return series.cat.codes.to_numpy()[rows], series.cat.categories
    found, values = pd.factorize(series.iloc[rows])
    return found, pd.Index(values)


def _text_ranks(found: np.ndarray, values: pd.Index) -> np.ndarray:
    """The codes `found` of `values` as dense ranks in text order (missing last). Only the
    values used are looked at: categories made in text order (ids.text_sorted: number ids of
    one length) need no text at all; when the used values' codes follow their text anyway no
    text is sorted; otherwise they are put in text order by pyarrow."""
    # Code -1 (missing) addresses the extra last slot, which ranks after every value.
    used = np.zeros(len(values) + 1, dtype=bool)
    used[found] = True
    present = np.flatnonzero(used[:-1])
    rank = np.full(len(values) + 1, len(present), dtype=position_dtype(len(values) + 1))
    order = np.arange(len(present)) if text_sorted(values) else _text_order(values.take(present))
    rank[present[order]] = np.arange(len(present))
    return rank[found]


def _text_order(texts: pd.Index) -> np.ndarray:
    """Positions of distinct texts in lexicographic order (code point order, as Python and
    pyarrow compare strings); a cheap pass when they are in order already."""
    if texts.dtype == object:
        plain = texts.to_numpy()
        if (plain[:-1] < plain[1:]).all():
            return np.arange(len(plain))
        return pc.sort_indices(pa.array(plain)).to_numpy()
    arrow = pa.array(texts)
    if pc.all(pc.less(arrow[:-1], arrow[1:])).as_py() is not False:
        return np.arange(len(arrow))
    return pc.sort_indices(arrow).to_numpy()


def sort_order(group: np.ndarray, times: np.ndarray, idx: np.ndarray, first: pd.Series,
               second: pd.Series | None = None):
    """The rows `idx` in order by group, then time, then the text of `first`, then of
    `second`; returned with their groups and their times in that order (three arrays).

    `group` (int64) gives the group of each row of idx and is sorted in place: pass an array
    the caller no longer needs. `times` and the id columns `first`/`second` are whole
    columns, of which idx selects the rows. The rows are put in group order (sort_in_place),
    which keeps each group's rows in their order; only groups whose times are then out of
    order are sorted by time, and only runs that tie on (group, time) — lines of one order,
    say — are put in text order of their ids (text_keys), so no column of ids is ever
    sorted. The sort is stable: rows equal on every key keep their order in idx, as with
    np.lexsort."""
    rows = idx[sort_in_place(group)]
    ts = np.asarray(times, dtype="datetime64[ns]")[rows].view(np.int64)
    same = group[1:] == group[:-1]  # row i + 1 is of the group of row i
    back = np.less(ts[1:], ts[:-1])
    back &= same
    if back.any():  # the groups with a row earlier than the one before it, by time
        _order_groups_by_time(group, ts, rows, back)
    del back
    tie = np.equal(ts[1:], ts[:-1])
    tie &= same
    del same
    if tie.any():
        _order_ties_by_text(tie, rows, first, second)
    return rows, group, ts.view("datetime64[ns]")  # reordering within ties moves no group or time


def _order_groups_by_time(group: np.ndarray, ts: np.ndarray, rows: np.ndarray, back: np.ndarray):
    """Sort_order's time step: put the rows (and their times ts, both in place) of each group
    with a row earlier than the one before it (back[i]: row i + 1 is) in time order, stably."""
    number = group_numbers(group)
    unsorted = np.zeros(int(number[-1]) + 1, dtype=bool)
    unsorted[number[1:][back]] = True
    pos = where_true(unsorted[number])
    del unsorted
    # The rows at pos are in (group, row) order: sort them by time, then stably by group again.
    by_time = stable_order(ts[pos])
    in_groups = number[pos][by_time].astype(np.int64)
    del number
    by_time = by_time[sort_in_place(in_groups)]
    del in_groups
    rows[pos] = rows[pos][by_time]
    ts[pos] = ts[pos][by_time]


def _order_ties_by_text(tie: np.ndarray, rows: np.ndarray, first: pd.Series,
                        second: pd.Series | None):
    """Sort_order's text step: put each run of rows that tie on (group, time) (tie[i]: row
    i + 1 ties with row i) in text order of their ids, rows sorted in place."""
    joins = np.append(False, tie)  # ties with the row before it
    pos = where_true(joins | np.append(tie, False))
    joins = joins[pos]
    sub = rows[pos]
    run = (~joins).astype(position_dtype(len(pos)))  # the runs numbered 1..
    np.cumsum(run, out=run)
    within = joins[1:]
    ids = [_id_codes(col, sub) for col in (first, second) if col is not None]
    # An id that never differs inside a run cannot change the order of one: no text.
    ranks = [_text_ranks(found, values) for found, values in ids
             if (within & (found[1:] != found[:-1])).any()]
    del ids
    rows[pos] = sub[sort_in_place(combine_codes(run, *ranks))]


def month_numbers(times: np.ndarray) -> np.ndarray:
    """times.astype("datetime64[M]").astype(np.int64) (NaT stays the NaT integer), read from
    a table of the days the times span instead of converted one by one."""
    times = np.asarray(times, dtype="datetime64[ns]")
    nat = np.isnat(times)
    some_nat = nat.any()
    day = times.view(np.int64) // np.int64(86_400 * 10**9)
    dated = day[~nat] if some_nat else day
    if not dated.size or int(dated.max()) - int(dated.min()) > 100_000:  # none, or centuries
        return times.astype("datetime64[M]").astype(np.int64)
    first = dated.min()
    table = np.arange(first, dated.max() + 1).astype("datetime64[D]").astype("datetime64[M]")
    del dated
    if some_nat:
        day[nat] = first
    day -= first
    # Each day replaced by its month in the same array (mode="clip" reads each index before
    # writing its place; the days are all in range).
    out = np.take(table.view(np.int64), day, out=day, mode="clip")
    if some_nat:
        out[nat] = np.datetime64("NaT", "M").view(np.int64)
    return out


def group_starts(group: np.ndarray) -> np.ndarray:
    """True where a new group begins in an array sorted by group."""
    start = np.ones(len(group), dtype=bool)
    start[1:] = group[1:] != group[:-1]
    return start


def group_first(group: np.ndarray) -> np.ndarray:
    """Position (position_dtype) of the first row of each row's group (rows sorted by group)."""
    first = np.arange(len(group), dtype=position_dtype(len(group)))
    first *= group_starts(group)  # a group's first row keeps its position, the others 0
    np.maximum.accumulate(first, out=first)
    return first


def group_numbers(group: np.ndarray) -> np.ndarray:
    """Number (position_dtype) of each row's group, 0.. (rows sorted by group)."""
    number = group_starts(group).astype(position_dtype(len(group)))
    number[:1] = 0
    np.cumsum(number, out=number)
    return number


def anchored_windows(group: np.ndarray, times: np.ndarray, span) -> np.ndarray:
    """Window number of each row, rows sorted by (group, time).

    The first row of a group opens a window; every later row with time < anchor + span
    joins it; the first row at or after that opens the next window (RULES.md, 14 days).
    Anchors are found group-parallel: from each group's latest anchor, a binary search of
    the rest of its group finds the next one, until no group has one. Window numbers are
    of position_dtype."""
    n = len(group)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    t = np.asarray(times, dtype="datetime64[ns]").view(np.int64)
    span = np.int64(np.timedelta64(span, "ns").astype(np.int64))
    is_anchor = group_starts(group)
    starts = where_true(is_anchor)
    ends = np.empty_like(starts)  # each group's end, past its last row
    ends[:-1], ends[-1:] = starts[1:], n
    longer = ends - starts > 1  # single-row groups are settled already
    frontier, end = starts[longer], ends[longer]
    del starts, ends, longer
    while frontier.size:
        step = _first_at_least(t, frontier + 1, end, t[frontier] + span)
        found = step < end
        frontier, end = step[found], end[found]
        is_anchor[frontier] = True
    window = is_anchor.astype(position_dtype(n))
    window[0] = 0  # numbered from 0
    return np.cumsum(window, out=window)


def _first_at_least(t: np.ndarray, lo: np.ndarray, hi: np.ndarray, target: np.ndarray):
    """Per search, the first position in lo..hi-1 with t >= target (hi when none); t is
    sorted within each range. All searches advance together, halving their ranges."""
    lo, hi = lo.copy(), hi.copy()
    while True:
        open_ = np.flatnonzero(lo < hi)
        if not open_.size:
            return lo
        mid = lo[open_] + (hi[open_] - lo[open_]) // 2  # no lo + hi: it may leave int32
        below = t[mid] < target[open_]
        lo[open_[below]] = mid[below] + 1
        hi[open_[~below]] = mid[~below]


def group_cumsum(group: np.ndarray, values: np.ndarray, dtype=np.int64) -> np.ndarray:
    """Running sum of values within each group (rows sorted by group), summed as `dtype`
    (which must hold the plain running sum of all the rows)."""
    total = values.astype(dtype)
    np.cumsum(total, out=total)
    first = group_first(group)
    total -= total[first]
    total += values[first]
    return total


def capped_running_total(group: np.ndarray, points: np.ndarray, cap: int):
    """Which ratings count under a running total kept within -cap..+cap per group, and the
    running total after each row (of the ratings that count).

    Rows sorted by (group, order), points in -1..+1. A +1/-1 counts only if the total stays
    within bounds after adding it; otherwise it is dropped and the total is unchanged. Zeros
    always count. Groups whose plain running sum never leaves the bounds are settled at once;
    the others by clamped_running_total. Totals are of position_dtype (a sum of points in
    -1..+1 is no larger than the number of rows)."""
    points = np.asarray(points)
    keep = np.ones(len(points), dtype=bool)
    total = group_cumsum(group, points, position_dtype(len(points)))
    over = total > cap
    over |= total < -cap
    if not over.any():
        return keep, total
    number = group_numbers(group)
    reached = np.zeros(number[-1] + 1, dtype=bool)
    reached[number[over]] = True
    del over
    rows = where_true(reached[number])  # the rows of the groups that reach the cap
    g, p = number[rows], points[rows]
    total[rows] = clamped_running_total(g, p, -cap, cap)
    before = np.where(group_starts(g), 0, np.roll(total[rows], 1))
    keep[rows] = total[rows] - before == p
    return keep, total


def clamped_running_total(group: np.ndarray, steps: np.ndarray, low: int, high: int) -> np.ndarray:
    """Per group, the running total x_k = min(high, max(low, x_(k-1) + step_k)) from x = 0.

    Rows sorted by group. Each row is the map x -> clamp(x + a, lo, hi); maps of this form
    compose into one of the same form, so a segmented prefix scan (log2 of the longest group
    passes, each over all rows) gives every row the map of its group's rows so far."""
    n = len(steps)
    a = np.asarray(steps, dtype=np.int64).copy()
    lo = np.full(n, low, dtype=np.int64)
    hi = np.full(n, high, dtype=np.int64)
    first = group_first(group)
    reach = 1
    while reach < n:
        # Row i takes in the map of rows first..i-reach (already composed over `reach` rows).
        take = np.flatnonzero(np.arange(reach, n) - reach >= first[reach:]) + reach
        if not take.size:
            break
        prev = take - reach
        a_prev, lo_prev, hi_prev = a[prev], lo[prev], hi[prev]
        lo_take, hi_take, a_take = lo[take], hi[take], a[take]
        lo[take] = np.clip(lo_prev + a_take, lo_take, hi_take)
        hi[take] = np.clip(hi_prev + a_take, lo_take, hi_take)
        a[take] = a_prev + a_take
        reach *= 2
    return np.clip(a, lo, hi)
