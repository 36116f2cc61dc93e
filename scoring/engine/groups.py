"""Groups of rows: combined group keys, stable sorts that keep positions, and where each group starts."""

from __future__ import annotations

import numpy as np
import pandas as pd

from shopscore.scoring.engine.coded import position_dtype

INT64_LIMIT = 2**62  # combined keys stay below this, with room to spare



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
            if span * width >= INT64_LIMIT:  # the part itself is too wide: its ranks too
                part = np.unique(part, return_inverse=True)[1].reshape(-1)
                low, width = 0, int(part.max()) + 1
        out *= width
        out += part
        if low:
            out -= low
        span *= width
    return out



def is_in(keys: np.ndarray, chosen: np.ndarray) -> np.ndarray:
    """Whether each integer key is one of `chosen` (np.isin(keys, chosen)): by a table of
    marks when the keys are >= 0 and span little more than their number (combined codes,
    say), which takes no sort; else by a hash table (pandas: ten times numpy's isin on
    combined codes of 50 shops, whose span is 50 times their number)."""
    keys = np.asarray(keys)
    if not keys.size or int(keys.min()) < 0 or int(keys.max()) >= 8 * keys.size + 1024:
        return pd.Series(keys, copy=False).isin(np.asarray(chosen)).to_numpy(dtype=bool)
    mark = np.zeros(int(keys.max()) + 1, dtype=bool)
    chosen = np.asarray(chosen)
    mark[chosen[(chosen >= 0) & (chosen < len(mark))]] = True  # others match no key
    return mark[keys]



def appearance_codes(key: np.ndarray) -> np.ndarray:
    """Dense codes 0.. of integer keys >= 0, numbered in the order each key first appears
    (pd.factorize(key)[0]), found by sorting (stable_order) rather than hashing."""
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
    """The rows of an integer key in key order, equal keys in row order: the positions that
    np.argsort(key, kind="stable") gives.

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



def pair_order(major: np.ndarray, minor: np.ndarray) -> np.ndarray:
    """The rows in (major, minor) order, ties in row order: the positions (position_dtype)
    that np.lexsort((minor, major)) gives, for integer arrays.

    Rows already in minor order within each major group (a log written as it happened, whose
    groups interleave) need one sort, by major alone, which fits a 64-bit word with room
    for the position; only otherwise is the combined key sorted."""
    key = np.array(major, dtype=np.int64)  # a copy: sorted in place
    order = sort_in_place(key)
    if len(key) < 2:
        return order
    after = np.asarray(minor)[order]
    if ((after[1:] >= after[:-1]) | (key[1:] != key[:-1])).all():
        return order
    return sort_in_place(combine_codes(major, minor))



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



NO_TIME = np.iinfo(np.int64).max  # a missing time, while taking minima over int64 nanoseconds


def group_min(number: np.ndarray, values: np.ndarray, count: int) -> np.ndarray:
    """Per group 0..count-1, the least of its rows' integer `values` (int64; the int64 maximum
    for a group without rows); `number` gives each row's group."""
    out = np.full(count, np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(out, number, values.astype(np.int64, copy=False))  # same dtype: fast
    return out


def group_max(number: np.ndarray, values: np.ndarray, count: int) -> np.ndarray:
    """Per group 0..count-1, the greatest of its rows' int8 `values` (0 for a group without
    rows); `number` gives each row's group."""
    out = np.zeros(count, dtype=np.int8)
    np.maximum.at(out, number, values)
    return out


def group_earliest(number: np.ndarray, times: np.ndarray, count: int) -> np.ndarray:
    """Per group 0..count-1, the earliest of its rows' times (NaT when none has one);
    `number` gives each row's group."""
    times = np.asarray(times, dtype="datetime64[ns]")
    out = np.full(count, NO_TIME, dtype=np.int64)
    np.minimum.at(out, number, np.where(np.isnat(times), NO_TIME, times.view(np.int64)))
    out[out == NO_TIME] = np.datetime64("NaT", "ns").view(np.int64)
    return out.view("datetime64[ns]")
