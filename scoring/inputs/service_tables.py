"""The after-sales and chat exports (--after-sales, --chats; RULES.md section 6): read as they
come (Taobao 退款管理, Douyin 售后单, 千牛 and 飞鸽 message logs, canonical CSV/Parquet/xlsx),
mapped through the alias table onto CONTRACT.md's columns, typed, bad rows rejected by reason.
A word the alias table does not know is rejected and reported, never guessed."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
import pandas as pd

from shopscore.scoring.engine import ids
from shopscore.scoring.errors import InputFileError, MissingColumnsError
from shopscore.scoring.inputs.columns import FALSE_WORDS, SERVICE_TABLES, TRUE_WORDS
from shopscore.scoring.inputs.platforms import table as alias_table
from shopscore.scoring.inputs.read import RawFile, read_file
from shopscore.scoring.inputs.times import parse_times_fast
from shopscore.scoring.inputs.validate import INVALID, Rejector, categorical, lookup

ROLE_WORDS = {"after_sales": "an after-sales export", "chats": "a chat record export"}
OPTION = {"after_sales": "--after-sales", "chats": "--chats"}
HELPERS = ("needs_return", "goods_state")  # Taobao: the case type from these two


@dataclass
class ServiceTable:
    """One kind of service file, every file of it read: the typed rows kept, and per file
    what was read and rejected."""

    kind: str  # "after_sales" or "chats"
    frame: pd.DataFrame  # typed canonical columns, plus _file (its path) and _row
    columns: frozenset  # the canonical columns the files carry
    files: list = field(default_factory=list)  # (path, platform, encoding, rows read, headers)
    rejects: list = field(default_factory=list)  # frames: file, row, column, value, reason


@lru_cache(maxsize=2)
def aliases(kind: str) -> dict:
    """Canonical column -> the headers that name it in some export (the first one found wins)."""
    return {c: tuple(h) for c, h in alias_table()[kind]["columns"].items()}


# Columns of few distinct words: a Parquet file's are read dictionary-encoded.
FEW_WORDS = {"after_sales": ("shop_id", "type", "reason", "status", "escalated", "seller_liable",
                             *HELPERS),
             "chats": ("shop_id", "sender")}


@lru_cache(maxsize=2)
def _headers(kind: str) -> tuple[frozenset, frozenset]:
    """(every header some export names a column of this kind by, those of few words): the
    columns read; any other (a message's text, an address) is never read."""
    known = aliases(kind)
    summary = alias_table()[kind].get("summary", {}).get("headers", [])
    few = frozenset(h for c in FEW_WORDS[kind] for h in known.get(c, ()))
    return frozenset(h for names in known.values() for h in names) | set(summary), few


@lru_cache(maxsize=8)
def words(kind: str, column: str) -> dict:
    """A word of the exports -> its canonical value (ASCII case-insensitive)."""
    out = {}
    for canonical, listed in alias_table()[kind]["words"].get(column, {}).items():
        for word in listed:
            out[word.strip().lower()] = canonical
    return out


def _platform(kind: str, headers) -> str:
    have = set(headers)
    for name, groups in alias_table()[kind].get("detect", {}).items():
        if any(set(group) <= have for group in groups):
            return name
    return "canonical"


def _mapped(raw: RawFile, kind: str) -> tuple[pd.DataFrame, dict]:
    """The file's columns under canonical names (an empty cell falls back to the next
    accepted header) and which header fed each."""
    picked, headers = {}, {}
    have = list(raw.frame.columns)
    for column, names in aliases(kind).items():
        found = [h for h in names if h in have]
        if not found:
            continue
        value, headers[column] = raw.frame[found[0]], found[0]
        for other in found[1:]:
            blank = value.isna() | (value.astype("string[pyarrow]").str.strip() == "")
            if blank.any():
                value = value.where(~blank.fillna(True), raw.frame[other])
        picked[column] = value
    return pd.DataFrame(picked, index=raw.frame.index, copy=False), headers


def _case_types(frame: pd.DataFrame) -> pd.Series:
    """Taobao's refund export names no case type: 是否需要退货 = 是 is a return; else the goods'
    state (货物状态) says whether the goods had shipped. Words of neither are left blank (and
    the row is rejected as missing its type)."""
    needs = frame["needs_return"].astype("string[pyarrow]").str.strip() \
        if "needs_return" in frame else pd.Series(pd.NA, index=frame.index, dtype="string[pyarrow]")
    state = frame["goods_state"].astype("string[pyarrow]").str.strip().map(
        words("after_sales", "goods_state")) if "goods_state" in frame else None
    kind = pd.Series(pd.NA, index=frame.index, dtype="string[pyarrow]")
    if state is not None:
        kind = kind.fillna(state.astype("string[pyarrow]"))
    returned = needs.str.lower().isin([w.lower() for w in ("是", "需要", "yes", "true", "1")])
    return kind.mask(returned.fillna(False), "return_refund")


def _word_index(kind: str, column: str, vocab: tuple):
    table = words(kind, column)

    def translate(text: str):
        value = table.get(text.strip().lower(), text.strip().lower())
        return vocab.index(value) if value in vocab else INVALID
    return translate


def _flag(text: str):
    low = text.strip().lower()
    if low in TRUE_WORDS:
        return True
    if low in FALSE_WORDS:
        return False
    return {"true": True, "false": False}.get(words("after_sales", "flag").get(low), INVALID)


def _stars(text: str):
    value = words("chats", "rating").get(text.strip().lower())
    if value is None:
        try:
            number = float(text)
        except ValueError:
            return INVALID
        value = str(int(number)) if number in (1.0, 2.0, 3.0, 4.0, 5.0) else None
    return float(value) if value is not None else INVALID


def _ratings(column: pd.Series):
    """A session rating per row: (stars 1..5 or NaN, present, bad). Numbers (a typed file)
    are judged as numbers; text through the words of the alias table."""
    if pd.api.types.is_numeric_dtype(column.dtype) and not pd.api.types.is_bool_dtype(
            column.dtype):
        number = column.to_numpy(dtype="float64", na_value=np.nan)
        present = ~np.isnan(number)
        good = np.isin(number, (1.0, 2.0, 3.0, 4.0, 5.0))
        return np.where(good, number, np.nan), present, present & ~good
    return lookup(column, _stars, np.nan, np.float64)


def _typed(frame: pd.DataFrame, kind: str, tz: str) -> tuple[pd.DataFrame, Rejector]:
    """Type one file's mapped columns; rejected rows keep whatever could be read."""
    spec = SERVICE_TABLES[kind]
    frame = frame.reset_index(drop=True)
    n, have = len(frame), set(frame.columns)
    rej, out = Rejector(n), {}
    for col in spec["ids"]:
        if col in have:
            coded, damaged = ids.encode(frame[col])
            out[col] = coded
            rej.flag(damaged, "damaged_id", col, frame[col])
            if col in spec["required"]:
                rej.flag(coded.codes < 0, "missing_id", col)
    for col in spec["labels"]:
        if col in have:
            out[col] = frame[col]  # as read: trimmed when shown
    for col, vocab in spec["words"].items():
        if col in have:
            values, present, bad = lookup(frame[col], _word_index(kind, col, vocab), -1, np.int8)
            rej.flag(~present, "missing_value", col)
            rej.flag(bad, f"bad_{col}", col, frame[col])
            out[col] = categorical(values, vocab)
    for col in spec["times"]:
        if col in have:
            times, bad = parse_times_fast(frame[col], tz)
            rej.flag(bad, "bad_datetime", col, frame[col])
            if col in spec["required"]:
                rej.flag(times.isna().to_numpy() & ~bad, "missing_value", col)
            out[col] = times.to_numpy("datetime64[ns]")
    for col in spec["bools"]:
        if col in have:
            values, present, bad = lookup(frame[col], _flag, False, bool)
            rej.flag(bad, "bad_bool", col, frame[col])
            out[col] = values
    if "rating" in have:
        values, present, bad = _ratings(frame["rating"])
        rej.flag(bad, "bad_rating", "rating", frame["rating"])
        out["rating"] = values
    return pd.DataFrame(out, copy=False), rej


def _refuse_summary(raw: RawFile, kind: str):
    """A per-agent summary report (客服绩效) holds counts and means, not messages."""
    listed = alias_table()["chats"].get("summary", {}).get("headers", [])
    if kind == "chats" and set(listed) & set(raw.headers) and "sender" not in _mapped(raw, kind)[1]:
        raise InputFileError(raw.path, "this is a per-agent summary report (客服绩效: counts "
                             "and means), not a log of messages: --chats needs the chat records "
                             "(聊天记录 / 会话记录), one row per message")


def read_service_files(kind: str, paths, tz: str, encoding=None, sheet=None,
                       number: int = 0) -> ServiceTable:
    """Read every file of one kind: each mapped, typed and checked for its required columns.
    `number` is the first file number of the accounting (after the trade files)."""
    frames, table = [], ServiceTable(kind, pd.DataFrame(), frozenset())
    columns = set()
    for k, path in enumerate(paths):
        known, few = _headers(kind)
        raw = read_file(path, encoding=encoding, sheet=sheet, keep=known.__contains__,
                        dictionary=few)
        _refuse_summary(raw, kind)
        mapped, headers = _mapped(raw, kind)
        if kind == "after_sales" and "type" not in mapped and set(HELPERS) & set(mapped):
            mapped["type"] = _case_types(mapped)
            headers["type"] = " + ".join(headers[h] for h in HELPERS if h in headers)
        mapped = mapped.drop(columns=[c for c in HELPERS if c in mapped])
        missing = [c for c in SERVICE_TABLES[kind]["required"] if c not in mapped]
        if missing:
            raise MissingColumnsError(
                raw.path, f"is not {ROLE_WORDS[kind]} that {OPTION[kind]} can read: missing "
                f"column{'s' if len(missing) > 1 else ''} {', '.join(missing)} (headers "
                f"accepted: " + "; ".join(f"{c}: {' / '.join(aliases(kind)[c])}" for c in missing)
                + f"; found: {', '.join(raw.headers) or 'none'})")
        typed, rej = _typed(mapped, kind, tz)
        typed["_file"] = pd.Categorical.from_codes(np.zeros(len(typed), np.int8), [raw.path])
        typed["_row"] = raw.rows
        reason, column, value = rej.listing()
        table.rejects.append(pd.DataFrame({
            "file": raw.path, "fileno": number + k, "row": raw.rows[rej.rejected],
            "column": column, "value": value, "reason": reason}))
        if len(raw.ragged):
            table.rejects.append(pd.DataFrame({
                "file": raw.path, "fileno": number + k, "row": raw.ragged["row"],
                "column": None, "value": raw.ragged["value"], "reason": raw.ragged["reason"]}))
        table.files.append((raw.path, _platform(kind, raw.headers), raw.encoding,
                            len(raw.frame) + len(raw.ragged), headers))
        columns |= set(mapped.columns)
        frames.append(typed.loc[~rej.rejected] if rej.rejected.any() else typed)
    frame = pd.concat(frames, ignore_index=True) if len(frames) > 1 else \
        frames[0].reset_index(drop=True) if frames else pd.DataFrame()
    if "_file" in frame and not isinstance(frame["_file"].dtype, pd.CategoricalDtype):
        frame["_file"] = frame["_file"].astype("category")  # the files' paths, once each
    for col in SERVICE_TABLES[kind]["ids"]:  # one set of categories across the files
        if col in frame and not isinstance(frame[col].dtype, pd.CategoricalDtype):
            frame[col] = ids.encode(frame[col].astype(object))[0]
    table.frame, table.columns = frame, frozenset(columns)
    return table
