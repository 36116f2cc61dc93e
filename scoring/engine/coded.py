"""Columns as integer codes: every rule groups and compares by codes, never by strings."""

from __future__ import annotations

import numpy as np
import pandas as pd


def position_dtype(n: int) -> type:
    """The integer type for positions in (or row numbers of) n rows: int32, half the memory
    of int64, unless there are 2**31 rows or more."""
    return np.int32 if n < 2**31 else np.int64


def where_true(mask: np.ndarray) -> np.ndarray:
    """The positions where mask is True, in increasing order (np.flatnonzero(mask)), as
    position_dtype."""
    n = len(mask)
    kind = position_dtype(n)
    chosen = np.count_nonzero(mask)
    if chosen == n:  # every row (a filter that keeps all): no mask to apply
        return np.arange(n, dtype=kind)
    if chosen < n // 8:  # a few rows: found without a position per row
        return np.flatnonzero(mask).astype(kind, copy=False)
    return np.arange(n, dtype=kind)[mask]


def codes(series, rows=None, dtype=np.int64) -> np.ndarray:
    """Integer codes of an id column, of its `rows` when given, equal exactly where the values
    are (missing values get a code of their own), as `dtype`: a categorical's own codes
    (-1: missing), else dense codes 0.. over the whole column. With dtype=None a categorical
    keeps the width of its own codes (the codes themselves when no rows are given: read them,
    never write them), which is all combine_codes needs."""
    if isinstance(series, pd.Series) and isinstance(series.dtype, pd.CategoricalDtype):
        found = series.cat.codes.to_numpy()
        found = found if rows is None else found[rows]
        return found if dtype is None else found.astype(dtype)
    found = pd.factorize(pd.Series(series), use_na_sentinel=False)[0]
    found = found if rows is None else found[rows]
    return found.astype(np.int64 if dtype is None else dtype)


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
    index, values = pd.factorize(series, use_na_sentinel=True)  # each distinct value once
    found = [table.get(v, default) for v in values] + [default]
    return np.asarray(found, dtype=dtype)[index]  # -1 (missing): the default


def distinct(series: pd.Series) -> set:
    """The distinct non-missing values of a column (cheap for categoricals)."""
    if isinstance(series.dtype, pd.CategoricalDtype):
        found = series.cat.codes.to_numpy()
        used = np.bincount(found[found >= 0], minlength=len(series.cat.categories))
        return set(series.cat.categories[np.flatnonzero(used)])
    return set(series.dropna().unique())


def no_rows(n: int) -> np.ndarray:
    """n row references, all -1 (none), of position_dtype."""
    return np.full(n, -1, dtype=position_dtype(n))
