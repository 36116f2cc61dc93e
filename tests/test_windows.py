"""The vectorised group helpers against their plain numpy meaning."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shopscore.scoring.engine.coded import where_true
from shopscore.scoring.engine.groups import group_first, group_numbers, is_in, sort_in_place
from shopscore.scoring.engine.ordering import sort_order


@pytest.mark.parametrize("low, high", [(0, 5), (-3, 3), (-(2**61), 2**61)])
def test_sort_in_place_is_a_stable_argsort(low, high):
    # Few distinct keys, so ties are many; the widest range leaves no room for a position
    # beside the key and takes the digit-at-a-time path.
    rng = np.random.default_rng(7)
    key = rng.choice(rng.integers(low, high, 50, dtype=np.int64), 1000)
    before = key.copy()
    order = sort_in_place(key)
    assert order.dtype == np.int32
    assert np.array_equal(order, np.argsort(before, kind="stable"))
    assert np.array_equal(key, np.sort(before))


def test_positions_are_int32():
    mask = np.array([False, True, True, False, True])
    assert where_true(mask).dtype == np.int32
    assert where_true(mask).tolist() == [1, 2, 4]
    group = np.array([4, 4, 7, 9, 9, 9])
    assert group_first(group).tolist() == [0, 0, 2, 3, 3, 3]
    assert group_numbers(group).tolist() == [0, 0, 1, 2, 2, 2]


@pytest.mark.parametrize("seed", range(5))
def test_sort_order_is_a_lexsort(seed):
    # Groups in no order, times out of order within groups and tied, ids whose categories
    # are not in text order: rows by (group, time, text of first, text of second, row).
    rng = np.random.default_rng(seed)
    n = 300
    group = rng.integers(0, 20, n).astype(np.int64)
    times = (np.datetime64("2026-06-01", "ns") + rng.integers(0, 4, n) * np.timedelta64(1, "h"))
    first = pd.Series(pd.Categorical(rng.choice(["b", "a10", "a9", "c"], n),
                                     categories=["c", "b", "a9", "a10"]))
    second = pd.Series(pd.Categorical(rng.choice(["x", "w", "y"], n)))
    idx = np.sort(rng.choice(n, 200, replace=False)).astype(np.int32)
    text = [np.unique(s.astype(str).to_numpy()[idx], return_inverse=True)[1] for s in (first, second)]
    expected = idx[np.lexsort((np.arange(len(idx)), text[1], text[0], times[idx], group[idx]))]
    rows, groups, ordered_times = sort_order(group[idx], times, idx, first, second)
    assert np.array_equal(rows, expected)
    assert np.array_equal(groups, group[rows])
    assert np.array_equal(ordered_times, times[rows])


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(-3, 60), max_size=50), st.lists(st.integers(-3, 60), max_size=10),
       st.sampled_from([1, 10**12]))
def test_is_in_is_np_isin(keys, chosen, scale):
    # Small spans take the table of marks; negative or far-apart keys take np.isin.
    keys = np.array(keys, dtype=np.int64) * scale
    chosen = np.array(chosen, dtype=np.int64) * scale
    assert (is_in(keys, chosen) == np.isin(keys, chosen)).all()
