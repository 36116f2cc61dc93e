"""Vectorised group helpers: combined group codes, the anchored windows and the capped total."""

from __future__ import annotations

import numpy as np
import pandas as pd


def codes(series) -> np.ndarray:
    """Dense integer codes of an id column (missing values get a code of their own)."""
    if isinstance(series, pd.Series) and isinstance(series.dtype, pd.CategoricalDtype):
        return series.cat.codes.to_numpy().astype(np.int64)
    return pd.factorize(pd.Series(series), use_na_sentinel=False)[0].astype(np.int64)


def is_value(series: pd.Series, value) -> np.ndarray:
    """Where a (text or categorical) column equals value; missing is False."""
    return (series == value).fillna(False).to_numpy(dtype=bool)


def distinct(series: pd.Series) -> set:
    """The distinct non-missing values of a column (cheap for categoricals)."""
    if isinstance(series.dtype, pd.CategoricalDtype):
        used = np.unique(series.cat.codes.to_numpy())
        return set(series.cat.categories[used[used >= 0]])
    return set(series.dropna().unique())


def combine_codes(*parts) -> np.ndarray:
    """One dense code per distinct combination of the given integer code arrays."""
    out = np.zeros(len(parts[0]), dtype=np.int64)
    for part in parts:
        part = np.asarray(part, dtype=np.int64)
        part = part - part.min() if part.size else part
        out = out * (int(part.max()) + 1 if part.size else 1) + part
        out = pd.factorize(out)[0].astype(np.int64)
    return out


def sort_order(group, times, idx, first: pd.Series, second: pd.Series | None = None):
    """Row order by group, then time, then the text of `first`, then of `second`.

    `idx` selects the rows of the id columns `first`/`second` that group and times describe.
    The integer keys are sorted in bulk; only runs that tie on (group, time) — lines of one
    order, say — are put in text order of their ids, so no column of ids is ever sorted."""
    t = np.asarray(times).astype("datetime64[ns]").astype(np.int64)
    order = np.lexsort((t, group))
    g, ts = group[order], t[order]
    tie = (g[1:] == g[:-1]) & (ts[1:] == ts[:-1])
    if tie.any():
        mark = np.zeros(len(order), dtype=bool)
        mark[1:] |= tie
        mark[:-1] |= tie
        pos = np.flatnonzero(mark)
        sub = order[pos]
        rows = idx[sub]
        keys = {"g": group[sub], "t": t[sub],
                "a": np.asarray(first.iloc[rows].astype(object), dtype=object)}
        if second is not None:
            keys["b"] = np.asarray(second.iloc[rows].astype(object), dtype=object)
        perm = pd.DataFrame(keys).sort_values(list(keys), kind="stable").index.to_numpy()
        order[pos] = sub[perm]
    return order


def group_starts(group: np.ndarray) -> np.ndarray:
    """True where a new group begins in an array sorted by group."""
    start = np.ones(len(group), dtype=bool)
    start[1:] = group[1:] != group[:-1]
    return start


def anchored_windows(group: np.ndarray, times: np.ndarray, span) -> np.ndarray:
    """Window number of each row, rows sorted by (group, time).

    The first row of a group opens a window; every later row with time < anchor + span
    joins it; the first row at or after that opens the next window (RULES.md, 14 days)."""
    n = len(group)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    t = np.asarray(times).astype("datetime64[ns]").astype(np.int64)
    span = np.int64(np.timedelta64(span, "ns").astype(np.int64))
    # Rank the times so that (group, rank) fits one int64 key, then find for each row the
    # first row of its group at or after its time + span.
    ts = np.sort(t)
    uniq = ts[np.concatenate(([True], ts[1:] != ts[:-1]))] if len(ts) else ts
    rank = np.searchsorted(uniq, t)
    target = np.searchsorted(uniq, t + span)
    width = np.int64(len(uniq) + 1)
    key = group.astype(np.int64) * width + rank
    nxt = np.searchsorted(key, group.astype(np.int64) * width + target, side="left")
    is_anchor = np.zeros(n, dtype=bool)
    frontier = np.flatnonzero(group_starts(group))
    while frontier.size:
        is_anchor[frontier] = True
        step = nxt[frontier]
        ok = step < n
        step, frontier = step[ok], frontier[ok]
        frontier = step[group[step] == group[frontier]]
    return np.cumsum(is_anchor) - 1


def group_cumsum(group: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Running sum of values within each group (rows sorted by group)."""
    total = np.cumsum(values)
    first = np.maximum.accumulate(np.where(group_starts(group), np.arange(len(values)), 0))
    return total - total[first] + values[first]


def capped_running_total(group: np.ndarray, points: np.ndarray, cap: int) -> np.ndarray:
    """Which ratings count under a running total kept within -cap..+cap per group.

    Rows sorted by (group, order). A +1/-1 counts only if the total stays within bounds
    after adding it; otherwise it is dropped and the total is unchanged. Zeros always count.
    Groups whose plain running sum never leaves the bounds are settled without a loop; only
    groups that reach the cap are walked row by row."""
    n = len(points)
    keep = np.ones(n, dtype=bool)
    if n == 0:
        return keep
    running = group_cumsum(group, points)
    over = np.abs(running) > cap
    if not over.any():
        return keep
    bad_groups = np.unique(group[over])
    rows = np.flatnonzero(np.isin(group, bad_groups))
    total, current = 0, None
    for i, g, p in zip(rows.tolist(), group[rows].tolist(), points[rows].tolist(), strict=True):
        if g != current:
            current, total = g, 0
        if -cap <= total + p <= cap:
            total += p
        else:
            keep[i] = False
    return keep
