"""Rows in rule order: by group, then time, then the text of their ids (lines of one order tied on time)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from shopscore.scoring.engine.coded import codes, position_dtype, where_true
from shopscore.scoring.engine.groups import (
    combine_codes,
    group_min,
    group_numbers,
    sort_in_place,
    stable_order,
)
from shopscore.scoring.engine.ids import text_sorted
from shopscore.scoring.engine.windows import month_numbers


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



def grouped_in_order(columns, rows: np.ndarray, keys, times: np.ndarray, order_by,
                     by_month: bool = False):
    """The rows `rows` in rule order: grouped by the id columns `keys` of `columns` (a frame
    or a dict of columns; with by_month also by the calendar month of `times`), and within a
    group by time, then by the text of the `order_by` id columns. Returns (the rows in that
    order, each one's group key, each one's time) as sort_order does."""
    parts = [codes(columns[c], rows, dtype=None) for c in keys]
    if by_month:
        parts.append(month_numbers(np.asarray(times)[rows]))
    group = combine_codes(*parts)
    del parts
    return sort_order(group, times, rows, *(columns[c] for c in order_by))


def first_in_groups(number: np.ndarray, at: np.ndarray, rows: np.ndarray, ids: pd.Series,
                    count: int) -> np.ndarray:
    """Per group 0..count-1, the row first by (time `at`, text of the id column `ids`, row):
    rows at the same moment go by the text of their id (text_keys). `number`, `at` and `rows`
    describe the rows, one entry each."""
    at = at.astype(np.int64)  # NaT as the least integer: first, as in a sort of the integers
    best = at == group_min(number, at, count)[number]
    tied = np.flatnonzero(best & (np.bincount(number[best], minlength=count)[number] > 1))
    if tied.size:
        rank = text_keys(ids, rows[tied])
        best[tied] = rank == group_min(number[tied], rank, count)[number[tied]]
    return group_min(number[best], rows[best], count)
