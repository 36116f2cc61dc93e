"""Which partition each row belongs to. Every rule groups within one shop and buyer, so the
trade lines are split by a hash of (shop, buyer); a rating, an item report's line and an
after-sale case go where their order's lines went; a chat message goes by (shop, session).
Hashes of the ids' cleaned text (engine/ids.py): the same id written two ways goes to one
partition, and the split is the same on every run and every machine."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa

from shopscore.scoring.engine import ids

# Two hashes of different multipliers and seeds: an order is known by both, so that two
# orders whose first hashes collide are still told apart (see OrderMap).
_MULTIPLIERS = (0x100000001B3, 0x9E3779B185EBCA87)  # odd: invertible modulo 2**64
_SEEDS = (0, 0x243F6A8885A308D3)
_KEYS = (0, 1)
_MIX = np.uint64(0x9E3779B97F4A7C15)  # an odd multiplier: (shop, buyer) -> one 64-bit word
_WORD = 8  # bytes hashed at a time
# the low k bytes of a word (k = 0..8): the bytes of a string's last word
_KEEP = np.array([(1 << (8 * k)) - 1 for k in range(_WORD + 1)], dtype=np.uint64)


def text_hashes(words: pa.Array, key: int = 0) -> np.ndarray:
    """A 64-bit hash of each string: its length, then each 8 bytes of its UTF-8 (the last
    ones zero-filled) folded in by xor and an odd multiplier, then a final mix; computed over
    the Arrow buffers 8 bytes at a time, no Python string per value. Strings of one length
    that differ in one 8-byte word never collide."""
    words = words.cast(pa.large_string()) if not pa.types.is_large_string(words.type) else words
    words = words.fill_null("")
    n = len(words)
    if not n:
        return np.zeros(0, np.uint64)
    _, offsets, data = words.buffers()
    offsets = np.frombuffer(offsets, np.int64)[words.offset:words.offset + n + 1]
    raw = np.frombuffer(data, np.uint8) if data is not None else np.zeros(0, np.uint8)
    padded = np.zeros(len(raw) + _WORD, np.uint8)  # a word read at the last byte stays inside
    padded[:len(raw)] = raw
    # every 8 bytes starting at any byte, as one little-endian word (unaligned reads)
    word_at = np.ndarray((len(padded) - _WORD + 1,), dtype="<u8", buffer=padded, strides=(1,))
    start = offsets[:-1]
    length = offsets[1:] - start
    times = np.uint64(_MULTIPLIERS[key])
    total = length.astype(np.uint64) ^ np.uint64(_SEEDS[key])
    shortest = int(length.min())
    with np.errstate(over="ignore"):
        for at in range(0, int(length.max()), _WORD):
            if shortest > at:  # every string has a byte here
                word = word_at[start + at]
                if shortest < at + _WORD:
                    word &= _KEEP[np.minimum(length - at, _WORD)]
                total = (total ^ word) * times
                continue
            alive = np.flatnonzero(length > at)
            word = word_at[start[alive] + at] & _KEEP[np.minimum(length[alive] - at, _WORD)]
            total[alive] = (total[alive] ^ word) * times
    return spread(total)


def id_hashes(column, key: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """(a 64-bit hash of each row's cleaned id, whether the row has one): a categorical's
    distinct ids hashed once, other text row by row (coding it first costs more than
    hashing every row)."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        coded = column.array
        table = text_hashes(ids.text_of(pd.Series(coded.categories)), key) \
            if len(coded.categories) else np.zeros(0, np.uint64)
        code = np.asarray(coded.codes)
        return np.append(table, np.uint64(0))[code], code >= 0
    cleaned = ids.clean_text(column)
    present = cleaned.is_valid().to_numpy(zero_copy_only=False)
    return np.where(present, text_hashes(cleaned, key), np.uint64(0)), present


def coded_ids(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame with its shops coded once (few distinct: the shops routed are gathered
    from the codes); buyers and orders are hashed row by row (id_hashes)."""
    out = frame.copy(deep=False)
    if "shop_id" in out and not isinstance(out["shop_id"].dtype, pd.CategoricalDtype):
        out["shop_id"] = ids.encode(out["shop_id"])[0]
    return out


def spread(first: np.ndarray, second: np.ndarray | None = None) -> np.ndarray:
    """One well-mixed 64-bit word of one or two hashes (the pair's order matters)."""
    with np.errstate(over="ignore"):
        word = first * _MIX
        if second is not None:
            word ^= second
            word *= _MIX
        return word ^ (word >> np.uint64(29))


def partition_of(word: np.ndarray, partitions: int) -> np.ndarray:
    """Each word's partition, 0..partitions-1."""
    return (word % np.uint64(partitions)).astype(np.int32)


def line_partitions(frame: pd.DataFrame, rows: np.ndarray, partitions: int) -> np.ndarray:
    """Each trade row's partition: by (shop, buyer); a row without them by its order (it is
    rejected, and its order's ratings must find it); one without an order by its row."""
    n = len(frame)
    both = np.zeros(n, dtype=bool)
    if "buyer_id" in frame:
        buyer, has = id_hashes(frame["buyer_id"])
        shop, named = id_hashes(frame["shop_id"]) if "shop_id" in frame else \
            (np.zeros(n, np.uint64), np.ones(n, bool))
        both = has & named
        out = partition_of(spread(shop, buyer), partitions)
        if both.all():
            return out
    else:
        out = np.zeros(n, np.int32)
    rest = np.flatnonzero(~both)
    out[rest] = partition_of(spread(rows[rest].astype(np.uint64)), partitions)
    if "order_id" in frame and rest.size:
        column = frame["order_id"]
        if isinstance(column.dtype, pd.CategoricalDtype) and rest.size < n:
            column = column.iloc[rest].cat.remove_unused_categories()
        else:
            column = column.iloc[rest] if rest.size < n else column
        order, has = id_hashes(column)
        out[rest[has]] = partition_of(spread(order[has]), partitions)
    return out


class OrderMap:
    """Order -> the partition of its order's first trade row (in the order the files were
    given), for the rows that follow their order: ratings, item reports, after-sale cases.
    An order id that rows of several shops hold (`shared`, as inputs/join.shared_orders
    finds it) is looked up by (shop, order) for a row that names its shop."""

    def __init__(self):
        self._first: list = []  # (hash 1, hash 2, shop hash, partition) per file's rows

    def add(self, frame: pd.DataFrame, parts: np.ndarray):
        self.add_hashed(self.hashed(frame, parts))

    @staticmethod
    def hashed(frame: pd.DataFrame, parts: np.ndarray):
        """What add() keeps of some rows (their orders' two hashes, their shop's (0: none)
        and partitions): made where the rows are, added later in the files' order."""
        if "order_id" not in frame:
            return None
        one, has = id_hashes(frame["order_id"], _KEYS[0])
        two, _ = id_hashes(frame["order_id"], _KEYS[1])
        shop = id_hashes(frame["shop_id"])[0][has] if "shop_id" in frame else \
            np.zeros(int(has.sum()), np.uint64)
        return one[has], two[has], shop, parts[has]

    def add_hashed(self, entry):
        if entry is not None:
            self._first.append(entry)

    def freeze(self):
        def joined(k, kind):
            return np.concatenate([f[k] for f in self._first]) if self._first \
                else np.zeros(0, kind)
        one, two = joined(0, np.uint64), joined(1, np.uint64)
        shop, part = joined(2, np.uint64), joined(3, np.int32)
        self._first = []
        order = np.argsort(one, kind="stable")  # the first row of each order stays first
        first, second = one[order], two[order]
        if ((first[1:] == first[:-1]) & (second[1:] != second[:-1])).any():
            order = np.lexsort((two, one))  # two orders of one first hash: each its own run
        one, two, shop, part = one[order], two[order], shop[order], part[order]
        keep = np.ones(len(one), dtype=bool)
        keep[1:] = (one[1:] != one[:-1]) | (two[1:] != two[:-1])
        self._shared(one, shop, part, keep)
        one, two, part = one[keep], two[keep], part[keep]
        # Two orders of one first hash (about one chance in 10**7 at 10**6 orders): each
        # is found by its second hash among those of its first.
        self.one, self.two, self.part = one, two, part
        self.clashes = bool(len(one) > 1 and (one[1:] == one[:-1]).any())
        return self

    def _shared(self, one, shop, part, starts):
        """The orders held by rows of several shops (a row of no shop counts for none), and
        for those the partition of each (shop, order)'s first row."""
        run = np.cumsum(starts) - 1  # each row's order, the rows sorted by order
        named = np.flatnonzero(shop != 0)
        self.shared = self.by_shop = np.zeros(0, np.uint64)
        self.by_shop_part = np.zeros(0, np.int32)
        if not named.size:
            return
        first = np.flatnonzero(np.diff(run[named], prepend=-1))  # each order's first named
        low = np.minimum.reduceat(shop[named], first)
        high = np.maximum.reduceat(shop[named], first)
        many = run[named][first][low != high]
        if not many.size:
            return
        rows = named[np.isin(run[named], many)]
        self.shared = np.unique(one[rows])
        key = spread(shop[rows], one[rows])
        at = np.argsort(key, kind="stable")  # the first row of each (shop, order) stays first
        key, held = key[at], part[rows][at]
        new = np.ones(len(key), dtype=bool)
        new[1:] = key[1:] != key[:-1]
        self.by_shop, self.by_shop_part = key[new], held[new]

    def partitions(self, column, partitions: int, shops=None) -> np.ndarray:
        """The partition of each row's order; an order no trade row has (an orphan), by its
        own hash; a row without an order, 0. `shops`: the rows' shop column, when they name
        one (a shared order's row goes to its shop's rows of that order)."""
        one, has = id_hashes(column, _KEYS[0])
        out = np.zeros(len(one), dtype=np.int32)
        out[has] = partition_of(spread(one[has]), partitions)
        if not len(self.one):
            return out
        at = np.searchsorted(self.one, one)
        at = np.minimum(at, len(self.one) - 1)
        hit = has & (self.one[at] == one)
        if self.clashes:
            two, _ = id_hashes(column, _KEYS[1])
            twice = self.one[1:][self.one[1:] == self.one[:-1]]
            for row in np.flatnonzero(hit & np.isin(one, twice)):  # rare: those runs only
                lo = np.searchsorted(self.one, one[row], side="left")
                hi = np.searchsorted(self.one, one[row], side="right")
                match = np.flatnonzero(self.two[lo:hi] == two[row])
                hit[row] = bool(match.size)
                at[row] = lo + (match[0] if match.size else 0)
        out[hit] = self.part[at[hit]]
        if shops is not None and len(self.shared):
            shop, named = id_hashes(shops)
            rows = np.flatnonzero(hit & named & np.isin(one, self.shared))
            key = spread(shop[rows], one[rows])
            at = np.minimum(np.searchsorted(self.by_shop, key), len(self.by_shop) - 1)
            found = self.by_shop[at] == key
            out[rows[found]] = self.by_shop_part[at[found]]
            # a shop that holds no row of the order: an orphan, by its order's own hash
            out[rows[~found]] = partition_of(spread(one[rows[~found]]), partitions)
        return out


def chat_partitions(frame: pd.DataFrame, partitions: int) -> np.ndarray:
    """Each chat message's partition: by (shop, session), or by session without a shop."""
    session, has = id_hashes(frame["session_id"])
    if "shop_id" in frame:
        shop, named = id_hashes(frame["shop_id"])
        word = spread(np.where(named, shop, np.uint64(0)), session)
    else:
        word = spread(np.zeros(len(frame), np.uint64), session)
    out = partition_of(word, partitions)
    out[~has] = 0
    return out


class Selection:
    """Rows of some ids ({column: id}: the order, buyer, item or shop an explanation asks
    about), told by the hash routing gives each id, so an id written two ways matches as it
    is routed. A hash shared by two ids matches both: a partition too many, never one too
    few."""

    def __init__(self, wanted: dict):
        self.wanted = {col: text_hashes(ids.text_of(pd.Series([str(value)])))[0]
                       for col, value in wanted.items() if value is not None}

    def rows(self, frame: pd.DataFrame, lines: bool) -> np.ndarray:
        """Where the rows match: trade `lines` by every id their columns hold, other rows
        (ratings) by their order only, and none when no order is asked for."""
        keys = self.wanted if lines else {k: v for k, v in self.wanted.items() if k == "order_id"}
        if not keys:
            return np.zeros(len(frame), dtype=bool)
        match = np.ones(len(frame), dtype=bool)
        for col, want in keys.items():
            if col in frame:
                found, has = id_hashes(frame[col])
                match &= has & (found == want)
        return match
