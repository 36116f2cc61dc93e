"""Row-level validation: raw columns in, typed canonical columns out, bad rows rejected by reason."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .columns import (
    BOOL_COLUMNS,
    CREDITS,
    DEFAULT_SHOP,
    DSR_COLUMNS,
    FALSE_WORDS,
    ID_COLUMNS,
    REVISIONS,
    STATUSES,
    TIME_COLUMNS,
    TRUE_WORDS,
)

_OFFSET = r"(?:[zZ]|[+-]\d\d:?\d\d)$"


class Rejector:
    """Collects the first reason each row is rejected for, with the column and the bad value."""

    def __init__(self, n: int):
        self.reason = np.full(n, None, dtype=object)
        self.column = np.full(n, None, dtype=object)
        self.value = np.full(n, None, dtype=object)

    def flag(self, mask, code: str, column: str | None, values=None):
        mask = np.asarray(mask, dtype=bool) & pd.isna(self.reason)
        if mask.any():
            self.reason[mask] = code
            self.column[mask] = column
            if values is not None:
                self.value[mask] = np.asarray(values.astype(object), dtype=object)[mask]

    @property
    def rejected(self) -> np.ndarray:
        return ~pd.isna(self.reason)


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


_DAMAGED_ID = r"^[0-9](?:\.[0-9]+)?[eE]\+?[0-9]+$"
_ZERO_DATE = r"^0000-00-00"


def parse_times(series: pd.Series, tz: str):
    """Parse a column of timestamps into naive local wall-clock datetime64[ns].

    Values without an offset are local time already; values with one are converted.
    Returns (times, bad) where bad marks non-empty values that could not be parsed."""
    if isinstance(series.dtype, pd.DatetimeTZDtype):
        out = series.dt.tz_convert(tz).dt.tz_localize(None).astype("datetime64[ns]")
        return out.reset_index(drop=True), np.zeros(len(series), dtype=bool)
    if pd.api.types.is_datetime64_dtype(series):
        return series.astype("datetime64[ns]").reset_index(drop=True), np.zeros(len(series), bool)
    text = _text(series).reset_index(drop=True)
    text = text.where(~text.str.contains(_ZERO_DATE, regex=True).fillna(False))
    present = text.notna().to_numpy()
    out = pd.to_datetime(text, format="%Y-%m-%d %H:%M:%S", errors="coerce")
    todo = present & out.isna().to_numpy()
    if todo.any():
        rest = text[todo]
        has_offset = rest.str.contains(_OFFSET, regex=True).fillna(False).to_numpy(dtype=bool)
        parsed = pd.Series(pd.NaT, index=rest.index, dtype="datetime64[ns]")
        if has_offset.any():
            aware = pd.to_datetime(rest[has_offset], format="ISO8601", utc=True, errors="coerce")
            parsed[has_offset] = aware.dt.tz_convert(tz).dt.tz_localize(None)
        if (~has_offset).any():
            naive = rest[~has_offset].str.replace("/", "-", regex=False)
            parsed[~has_offset] = pd.to_datetime(naive, format="ISO8601", errors="coerce")
        out = out.astype("datetime64[ns]")
        out[todo] = parsed
    out = out.astype("datetime64[ns]")
    bad = present & out.isna().to_numpy()
    return out, bad


def validate(frame: pd.DataFrame, tz: str, required: tuple, columns_present=None):
    """Type the canonical columns of one file and reject bad rows.

    Returns (clean, rejector) where clean holds every row (rejected ones included, with
    whatever could be parsed) and rejector marks the rejected rows with their reason."""
    frame = frame.reset_index(drop=True)
    n = len(frame)
    rej = Rejector(n)
    out = pd.DataFrame(index=pd.RangeIndex(n))
    have = set(frame.columns)

    for col in ID_COLUMNS:
        if col in have:
            out[col] = _text(frame[col])
            damaged = out[col].str.contains(_DAMAGED_ID, regex=True).fillna(False).to_numpy(bool)
            rej.flag(damaged, "damaged_id", col, frame[col])
            if col in required or col == "shop_id":
                rej.flag(out[col].isna(), "missing_id", col)
            elif col == "line_id":
                rej.flag(out[col].isna(), "missing_id", col)
    if "shop_id" not in have:
        out["shop_id"] = pd.Series(DEFAULT_SHOP, index=out.index, dtype="string[pyarrow]")

    if "status" in have:
        status = _text(frame["status"]).str.lower()
        rej.flag(status.isna(), "missing_value", "status")
        rej.flag(status.notna() & ~status.isin(STATUSES), "bad_status", "status", frame["status"])
        out["status"] = status

    for col in TIME_COLUMNS:
        if col in have:
            times, bad = parse_times(frame[col], tz)
            rej.flag(bad, "bad_datetime", col, frame[col])
            out[col] = times
        else:
            out[col] = pd.Series(pd.NaT, index=out.index, dtype="datetime64[ns]")
    if "created_at" in required:
        rej.flag(out["created_at"].isna(), "missing_value", "created_at")
    if "status" in out:
        rej.flag((out["status"] == "success").fillna(False) & out["completed_at"].isna(),
                 "missing_value", "completed_at")

    for col, default in zip(BOOL_COLUMNS, (True, False), strict=True):
        if col in have:
            raw = frame[col]
            if pd.api.types.is_bool_dtype(raw):
                out[col] = raw.fillna(default).astype(bool).to_numpy()
                continue
            words = _text(raw).str.lower()
            truthy = words.isin(TRUE_WORDS).fillna(False).to_numpy(dtype=bool)
            falsy = words.isin(FALSE_WORDS).fillna(False).to_numpy(dtype=bool)
            rej.flag(words.notna().to_numpy() & ~truthy & ~falsy, "bad_bool", col, raw)
            out[col] = np.where(words.isna().to_numpy(), default, truthy)
        else:
            out[col] = default

    if "amount" in have:
        raw = frame["amount"]
        if not pd.api.types.is_numeric_dtype(raw):
            raw = _text(raw)
            cleaned = raw.str.replace(r"[¥￥元,\s]", "", regex=True)
        else:
            cleaned = raw
        amount = pd.to_numeric(cleaned, errors="coerce").astype("float64")
        rej.flag(raw.notna().to_numpy() & amount.isna().to_numpy(), "bad_amount", "amount", raw)
        out["amount"] = amount.to_numpy()

    for col, vocab, code in (("credit", CREDITS, "bad_credit"),
                             ("seller_credit", CREDITS, "bad_credit"),
                             ("revised_to", REVISIONS, "bad_revision")):
        if col in have:
            words = _text(frame[col]).str.lower()
            rej.flag(words.notna() & ~words.isin(list(vocab)), code, col, frame[col])
            out[col] = words
        else:
            out[col] = pd.Series(pd.NA, index=out.index, dtype="string[pyarrow]")

    for col in DSR_COLUMNS:
        if col in have:
            raw = frame[col]
            num = pd.to_numeric(_text(raw) if not pd.api.types.is_numeric_dtype(raw) else raw,
                                errors="coerce").astype("float64").to_numpy()
            present = raw.notna().to_numpy() if pd.api.types.is_numeric_dtype(raw) \
                else _text(raw).notna().to_numpy()
            ok = ~np.isnan(num) & (num >= 1) & (num <= 5) & (num == np.floor(num))
            rej.flag(present & ~ok, "bad_dsr", col, raw)
            out[col] = np.where(ok, num, np.nan)
        else:
            out[col] = np.nan

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
