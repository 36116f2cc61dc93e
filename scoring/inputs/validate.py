"""Row-level validation: raw columns in, typed canonical columns out, bad rows rejected by reason."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from shopscore.scoring.engine import ids
from shopscore.scoring.engine.memory import release_arrow_memory
from shopscore.scoring.engine.threads import two_at_a_time
from shopscore.scoring.inputs.amounts import parse_amounts
from shopscore.scoring.inputs.columns import (
    BOOL_COLUMNS,
    CREDITS,
    DEFAULT_SHOP,
    DSR_COLUMNS,
    FALSE_WORDS,
    ID_COLUMNS,
    ITEM_TITLE,
    REVISIONS,
    SERVICE_TIME_COLUMNS,
    STATUSES,
    TIME_COLUMNS,
    TRUE_WORDS,
)
from shopscore.scoring.inputs.times import native, parse_times_fast


class Rejector:
    """Collects the first reason each row is rejected for, with the column and the bad value.

    Per row it keeps one small integer (which flag took the row); the bad values are looked
    up only for the rejected rows, when the rejects are listed."""

    def __init__(self, n: int):
        self.taken = np.zeros(n, dtype=np.int16)  # 0: kept; k: rejected by flag k
        self.flags = [None]  # (reason, column, values) of each flag that took rows

    def flag(self, mask, code: str, column: str | None, values=None):
        mask = np.asarray(mask, dtype=bool)
        if not mask.any():  # the usual case: one quick pass
            return
        mask = mask & (self.taken == 0)
        if mask.any():
            if values is not None:  # keep the bad values only, not the column
                values = np.asarray(pd.Series(values).loc[np.flatnonzero(mask)].astype(object),
                                    dtype=object)  # values by row (a RangeIndex, or the bad rows)
            self.flags.append((code, column, values))
            self.taken[mask] = len(self.flags) - 1

    @property
    def rejected(self) -> np.ndarray:
        return self.taken > 0

    def listing(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(reason, column, value) of each rejected row, in row order."""
        rows = np.flatnonzero(self.taken)
        which = self.taken[rows]
        reason = np.full(len(rows), None, dtype=object)
        column = np.full(len(rows), None, dtype=object)
        value = np.full(len(rows), None, dtype=object)
        for k, (code, col, values) in enumerate(self.flags[1:], start=1):
            hit = which == k  # a flag took its rows in row order
            reason[hit], column[hit] = code, col
            if values is not None:
                value[hit] = values
        return reason, column, value









def lookup(series: pd.Series, translate, missing, dtype):
    """Translate a column of few distinct values through `translate(text) -> value`.

    Each distinct value is translated once (dictionary encoding), so this costs one pass over
    the rows whatever the vocabulary. Returns (values, present, bad): the translated values
    as `dtype` (`missing` where the cell is empty or bad), which rows had a value, which had
    one `translate` refused (it returns INVALID)."""
    arr = ids.arrow_of(series)
    enc = arr if pa.types.is_dictionary(arr.type) else pc.dictionary_encode(ids.text_of(arr))
    words = [w.strip().strip("\t") if w is not None else "" for w in enc.dictionary.to_pylist()]
    got = [translate(w) if w else INVALID for w in words]
    invalid = np.array([g is INVALID for g in got] + [False], dtype=bool)
    stripped = np.array([bool(w) for w in words] + [False], dtype=bool)
    table = np.array([missing if g is INVALID else g for g in got] + [missing], dtype=dtype)
    indices = enc.indices if enc.indices.null_count == 0 else enc.indices.fill_null(-1)
    idx = indices.to_numpy(zero_copy_only=False)
    # Most columns have no bad word, and many no blank: then those masks need no gather.
    nothing = np.zeros(len(idx), dtype=bool)
    present = stripped[idx] if enc.indices.null_count or not stripped[:-1].all() else ~nothing
    bad = (invalid & stripped)[idx] if invalid.any() else nothing
    return table[idx], present, bad


class _Invalid:
    def __repr__(self):
        return "INVALID"


INVALID = _Invalid()


def categorical(codes: np.ndarray, vocab) -> pd.Categorical:
    """A Categorical over a fixed vocabulary from the vocabulary index of each row (-1: none)."""
    return pd.Categorical.from_codes(np.asarray(codes, dtype=np.int8), categories=list(vocab),
                                     validate=False)


def _index_in(vocab):
    def translate(text: str):
        low = text.lower()
        return vocab.index(low) if low in vocab else INVALID
    return translate


def _bool(text: str):
    low = text.lower()
    return True if low in TRUE_WORDS else False if low in FALSE_WORDS else INVALID


def _star(text: str):
    try:
        value = float(text)
    except ValueError:
        return INVALID
    return value if value in (1.0, 2.0, 3.0, 4.0, 5.0) else INVALID


def clean_ids(series: pd.Series):
    """Ids as a categorical of their text, stripped of spreadsheet wrappers; (ids, damaged)
    with damaged marking ids a spreadsheet turned into scientific notation (1.23457E+18)."""
    codes, damaged = ids.encode(series)
    return pd.Series(codes), damaged


def _text_type(dtype):
    return pd.StringDtype("pyarrow", na_value=np.nan) if pa.types.is_large_string(dtype) or \
        pa.types.is_string(dtype) else None


def _drop(frame: pd.DataFrame, col: str):
    """A column typed: let go of its text (release_arrow_memory says where its memory goes)."""
    del frame[col]
    release_arrow_memory()


def _encode_id(column: pd.Series):
    """(codes, damaged rows, their values) of one id column; the column is let go of."""
    coded, damaged = ids.encode(column)
    bad = None
    if damaged.any():  # keep the bad values only, by row
        rows = np.flatnonzero(damaged)
        bad = pd.Series(np.asarray(column.iloc[rows].astype(object), dtype=object), index=rows)
    return coded, damaged, bad


def _encode_ids(frame: pd.DataFrame, named: list):
    """Code the named id columns of `frame`, taking them out of it: (codes, damaged, bad
    values) per column, in the order named. Each column's text is let go of once coded."""
    rows = len(frame.index)
    columns = [frame.pop(col) for col in named]

    def work(k: int):
        column, columns[k] = columns[k], None
        found = _encode_id(column)
        del column
        release_arrow_memory()
        return found

    return two_at_a_time(work, range(len(named)), rows)


def validate(frame: pd.DataFrame, tz: str, required: tuple, more=None):
    """Type the canonical columns of one file and reject bad rows.

    Returns (clean, rejector) where clean holds every row (rejected ones included, with
    whatever could be parsed) and rejector marks the rejected rows with their reason.
    The columns of `frame` are consumed: each is dropped once typed, so a big file's text
    is let go of column by column (the caller keeps no other reference to them). `more()`,
    when given, returns the file's other columns (same rows): they are read once the id
    columns are coded, so the two never take memory together."""
    index = frame.index
    if not (isinstance(index, pd.RangeIndex) and index.start == 0 and index.step == 1):
        frame = frame.reset_index(drop=True)
    n = len(frame)
    rej = Rejector(n)
    out = {}
    have = set(frame.columns)

    named = [col for col in ID_COLUMNS if col in have]
    for col, (coded, damaged, bad) in zip(named, _encode_ids(frame, named), strict=True):
        out[col] = coded
        rej.flag(damaged, "damaged_id", col, bad)
        if col in required or col in ("shop_id", "line_id"):
            rej.flag(coded.codes < 0, "missing_id", col)
    if more is not None:
        for col, values in more().items():
            frame[col] = values
        have = set(frame.columns) | set(named)
    if ITEM_TITLE in have:  # text that names the item (joins ratings), never a reason to reject
        out[ITEM_TITLE] = ids.encode(frame.pop(ITEM_TITLE))[0]
    if "shop_id" not in have:
        out["shop_id"] = pd.Categorical.from_codes(np.zeros(n, dtype=np.int8), [DEFAULT_SHOP])

    if "shop_name" in have:
        out["shop_name"] = shop_names(frame.pop("shop_name"))

    if "status" in have:
        status, present, bad = lookup(frame["status"], _index_in(STATUSES), -1, np.int8)
        rej.flag(~present, "missing_value", "status")
        rej.flag(bad, "bad_status", "status", frame["status"])
        out["status"] = categorical(status, STATUSES)
        _drop(frame, "status")

    dated = [col for col in TIME_COLUMNS + SERVICE_TIME_COLUMNS if col in have]
    parsed = dict(zip(dated, two_at_a_time(
        lambda col: parse_times_fast(frame[col], tz), dated, n), strict=True))
    for col in TIME_COLUMNS + SERVICE_TIME_COLUMNS:
        if col in have:
            times, bad = parsed.pop(col)
            rej.flag(bad, "bad_datetime", col, frame[col])
            out[col] = times
            _drop(frame, col)
        elif col in TIME_COLUMNS:  # the service times are kept only when given
            out[col] = pd.Series(np.full(n, np.datetime64("NaT"), dtype="datetime64[ns]"))
    if "created_at" in required:
        rej.flag(out["created_at"].isna().to_numpy(), "missing_value", "created_at")

    for col, default in zip(BOOL_COLUMNS, (True, False), strict=True):
        if col in have and pd.api.types.is_bool_dtype(frame[col]):
            out[col] = frame[col].fillna(default).astype(bool).to_numpy()
            _drop(frame, col)
        elif col in have:
            values, present, bad = lookup(frame[col], _bool, default, bool)
            rej.flag(bad, "bad_bool", col, frame[col])
            out[col] = values
            _drop(frame, col)
        else:
            out[col] = np.full(n, default)
    if "status" in out:  # a success line needs its success time, unless refunded (never rated)
        rej.flag((out["status"].codes == STATUSES.index("success"))
                 & out["completed_at"].isna().to_numpy() & ~out["refunded"],
                 "missing_value", "completed_at")

    if "amount" in have:
        out["amount"], bad = parse_amounts(frame["amount"])
        rej.flag(bad, "bad_amount", "amount", frame["amount"])
        _drop(frame, "amount")

    words = (("credit", CREDITS, "bad_credit"), ("seller_credit", CREDITS, "bad_credit"),
             ("revised_to", REVISIONS, "bad_revision"))
    present_words = [w for w in words if w[0] in have]
    looked_up = dict(zip((w[0] for w in present_words), two_at_a_time(
        lambda w: lookup(frame[w[0]], _index_in(tuple(w[1])), -1, np.int8),
        present_words, n), strict=True))
    for col, vocab, code in words:
        if col in have:
            values, present, bad = looked_up.pop(col)
            rej.flag(bad, code, col, frame[col])
            out[col] = categorical(values, vocab)
            _drop(frame, col)
        else:
            out[col] = categorical(np.full(n, -1, dtype=np.int8), vocab)

    for col in DSR_COLUMNS:
        if col in have and pd.api.types.is_numeric_dtype(frame[col]):
            typed = native(frame[col])
            if typed is not None and pa.types.is_integer(typed.type):  # stars as small ints
                stars = typed.fill_null(0).to_numpy(zero_copy_only=False)
                ok = (stars >= 1) & (stars <= 5)
                num = typed.cast(pa.float64()).to_numpy(zero_copy_only=False)  # NaN: none
            else:
                num = typed.cast(pa.float64()).to_numpy(zero_copy_only=False) \
                    if typed is not None else frame[col].astype("float64").to_numpy()
                ok = (num >= 1) & (num <= 5) & (num == np.floor(num))
            rej.flag(~np.isnan(num) & ~ok, "bad_dsr", col, frame[col])
            out[col] = np.where(ok, num, np.nan)
            _drop(frame, col)
        elif col in have:
            values, present, bad = lookup(frame[col], _star, np.nan, np.float64)
            rej.flag(bad, "bad_dsr", col, frame[col])
            out[col] = values
            _drop(frame, col)
        else:
            out[col] = np.full(n, np.nan)

    out = pd.DataFrame(out, copy=False)
    has_credit = out["credit"].notna().to_numpy()
    rej.flag(has_credit & out["rated_at"].isna().to_numpy(), "missing_value", "rated_at")
    rej.flag(out["seller_credit"].notna().to_numpy() & out["seller_rated_at"].isna().to_numpy(),
             "missing_value", "seller_rated_at")
    rev_at, rev_to = out["revised_at"].notna().to_numpy(), out["revised_to"].notna().to_numpy()
    rej.flag(rev_at & ~rev_to, "missing_value", "revised_to")
    rej.flag(rev_to & ~rev_at, "missing_value", "revised_at")
    rej.flag(rev_at & ~has_credit, "missing_value", "credit")
    out["dsr_rated_at"] = out["dsr_rated_at"].fillna(out["rated_at"])
    has_dsr = np.zeros(n, dtype=bool)
    for col in DSR_COLUMNS:
        has_dsr |= ~np.isnan(out[col].to_numpy())
    rej.flag(has_dsr & out["dsr_rated_at"].isna().to_numpy(), "missing_value", "dsr_rated_at")
    return out, rej


def shop_names(series: pd.Series) -> pd.Categorical:
    """The shop's name on each row as text categories (trimmed; blank is none)."""
    text = pc.utf8_trim_whitespace(ids.text_of(series))
    text = pc.if_else(pc.equal(text, ""), pa.scalar(None, pa.large_string()), text)
    coded = pc.dictionary_encode(text).combine_chunks() if isinstance(text, pa.ChunkedArray) \
        else pc.dictionary_encode(text)
    codes = coded.indices.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int32)
    return pd.Categorical.from_codes(codes, coded.dictionary.to_pylist())

