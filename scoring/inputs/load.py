"""Loading input files (any platform's export) into one typed table of trade lines."""

from __future__ import annotations

import glob
from collections import Counter
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from shopscore.scoring.engine import ids
from shopscore.scoring.engine.coded import codes
from shopscore.scoring.engine.memory import giving_back, release_arrow_memory
from shopscore.scoring.engine.stages import stage
from shopscore.scoring.errors import InputFileError, MissingColumnsError
from shopscore.scoring.inputs import platforms as plat
from shopscore.scoring.inputs.columns import (
    CANONICAL,
    DEFAULT_SHOP,
    ID_COLUMNS,
    RATING_COLUMNS,
    REQUIRED_TRADES,
)
from shopscore.scoring.inputs.read import RawFile, partition_value, read_file
from shopscore.scoring.inputs.validate import clean_ids, validate

REJECT_COLUMNS = ["file", "row", "column", "value", "reason"]
INPUT_SUFFIXES = (".csv", ".txt", ".tsv", ".parquet", ".pq", ".xlsx", ".xlsm", ".xls")


@dataclass
class FileAccount:
    """What happened to the rows of one input file: read = used + rejected."""

    path: str
    role: str
    rows_read: int
    rows_rejected: int
    rejected_by_reason: dict
    platform: str = "canonical"
    encoding: str | None = None
    headers: dict = field(default_factory=dict)  # canonical column -> header in the file

    @property
    def rows_used(self) -> int:
        return self.rows_read - self.rows_rejected

    def to_dict(self) -> dict:
        return {"path": self.path, "role": self.role, "platform": self.platform,
                "rows_read": self.rows_read, "rows_used": self.rows_used,
                "rows_rejected": self.rows_rejected,
                "rejected_by_reason": dict(sorted(self.rejected_by_reason.items()))}


@dataclass
class Dataset:
    """Trade lines ready for scoring, the rating rows that matched no line, and the accounting."""

    lines: pd.DataFrame
    orphans: pd.DataFrame
    files: list = field(default_factory=list)
    rejects: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=REJECT_COLUMNS))

    @property
    def rows_read(self) -> int:
        return sum(f.rows_read for f in self.files)

    @property
    def rows_rejected(self) -> int:
        return sum(f.rows_rejected for f in self.files)

    @property
    def rejected_by_reason(self) -> dict:
        total = Counter()
        for f in self.files:
            total.update(f.rejected_by_reason)
        return dict(sorted(total.items()))


def expand_inputs(paths) -> list[Path]:
    """Files, directories (their export files, sorted) and glob patterns, in order given."""
    out = []
    for given in paths:
        text = str(given)
        if any(ch in text for ch in "*?[") and not Path(text).exists():
            matches = sorted(glob.glob(text, recursive=True))
            if not matches:
                raise InputFileError(text, "no file matches this pattern")
            out += [Path(m) for m in matches if Path(m).is_file()]
        elif Path(text).is_dir():
            found = sorted(p for p in Path(text).rglob("*")
                           if p.is_file() and p.suffix.lower() in INPUT_SUFFIXES
                           and not p.name.startswith("."))
            if not found:
                raise InputFileError(text, "this directory holds no CSV, Parquet or Excel file")
            out += found
        else:
            out.append(Path(text))
    return out


@dataclass
class _Input:
    """One file on its way in: read, mapped to canonical names, and given a role."""

    number: int
    raw: RawFile
    mapped: plat.Mapped
    role: str  # trades, details (lines that need an order report) or ratings
    rows_read: int = 0
    columns: list = field(default_factory=list)  # every canonical column, read or not yet

    def rest(self) -> pd.DataFrame:
        """The columns left to read (a big Parquet file is read ids first), mapped to
        canonical names; an empty frame when every column is read."""
        if not self.raw.later:
            return pd.DataFrame(index=self.mapped.frame.index)
        with stage("read"):
            later = self.raw.read_later()
        return plat.map_columns(later, self.mapped.platform).frame

    def complete(self):
        """Read the columns left to read into the mapped frame."""
        rest = self.rest()
        if len(rest.columns):
            self.mapped = replace(self.mapped, frame=pd.concat([self.mapped.frame, rest], axis=1))

    def release(self):
        """Drop this input's hold on the file's columns (validate consumes them), keeping
        only what the accounting needs (memory)."""
        # Fresh empty frames: a slice of the old ones would keep their buffers alive.
        self.raw.frame = pd.DataFrame(columns=list(self.raw.frame.columns))
        self.mapped = replace(self.mapped, frame=pd.DataFrame(
            columns=list(self.mapped.frame.columns)))


def _role(columns) -> str:
    have = set(columns)
    if "order_id" in have and not {"status", "created_at"} & have and (
            {"credit", "seller_credit"} & have or any(c.startswith("dsr_") for c in have)):
        return "ratings"
    if set(REQUIRED_TRADES) <= have:
        return "trades"
    if "order_id" in have and {"item_id", "line_id"} & have:
        return "details"
    return "trades"  # and the missing columns are reported


def _missing_columns_error(path: str, missing, found, platform: str) -> MissingColumnsError:
    accepted = "; ".join(f"{c}: {' / '.join(plat.accepted_headers(c))}" for c in missing)
    return MissingColumnsError(
        path, f"missing required column{'s' if len(missing) > 1 else ''} {', '.join(missing)} "
        f"(read as {platform}; headers accepted: {accepted}; found: "
        f"{', '.join(' '.join(str(h).split()) for h in found) or 'none'})")


def _open(number: int, path: Path, platform: str, encoding, sheet) -> _Input:
    with stage("read"):
        known = plat.known_headers()
        raw = read_file(path, encoding=encoding, sheet=sheet, keep=known.__contains__,
                        dictionary=plat.headers_of(FEW_WORDS), first=_ids_only().__contains__)
    headers = list(raw.frame.columns) + raw.later
    name = platform if platform != "auto" else (plat.detect(headers) or "canonical")
    mapped = plat.map_columns(raw.frame, name)
    columns = list(mapped.frame.columns)
    if raw.later:  # their names now (mapping an empty frame), their values when validated
        rest = plat.map_columns(pd.DataFrame(columns=raw.later, dtype=object), name)
        mapped.headers.update(rest.headers)
        columns += [c for c in rest.frame.columns if c not in columns]
    shop = partition_value(path)  # a hive-partitioned dataset: shop_id=VALUE/part-*.parquet
    if shop is not None and "shop_id" not in columns:
        mapped.frame["shop_id"] = pd.Series(shop, index=mapped.frame.index,
                                             dtype=pd.StringDtype("pyarrow", na_value=np.nan))
        mapped.headers["shop_id"] = f"shop_id={shop} (from the path)"
        columns.append("shop_id")
    return _Input(number, raw, mapped, _role(columns), len(raw.frame) + len(raw.ragged), columns)


@lru_cache(maxsize=1)
def _ids_only() -> frozenset:
    """Headers every platform reads as an id column and never as another column: a Parquet
    file's id columns are read and coded first, its other columns after (less memory)."""
    others = (set(CANONICAL) - set(ID_COLUMNS)) | set(plat.DERIVED)
    return plat.headers_of(ID_COLUMNS) - plat.headers_of(others)


# Columns of few distinct words: a Parquet file's are read dictionary-encoded.
FEW_WORDS = ("shop_id", "status", "credit", "seller_credit", "revised_to")


# What an order report says of every line of its order (an item report's lines take these).
ORDER_LEVEL = ("shop_id", "buyer_id", "created_at", "completed_at", "status", "escrow")


def _fill_from_orders(details: _Input, orders: list[_Input]) -> pd.DataFrame:
    """Complete per-line rows (an item report) with their order's columns (the order report).
    Order-level amounts and refunds are not copied: a line's own say wins."""
    frame = details.mapped.frame.copy()
    frame["order_id"] = _id_text(frame["order_id"])
    pool = pd.concat([o.mapped.frame for o in orders], ignore_index=True)
    need = [c for c in ORDER_LEVEL if c in pool.columns and c not in frame.columns]
    # An order's refund is its line's when the order has one line only.
    single = [c for c in ("refunded",) if c in pool.columns and c not in frame.columns]
    if not need and not single:
        return frame
    pool["order_id"] = _id_text(pool["order_id"])
    pool = pool.dropna(subset=["order_id"]).drop_duplicates("order_id").set_index("order_id")
    filled = pool[need + single].reindex(frame["order_id"])
    filled.index = frame.index
    if single:
        alone = ~frame["order_id"].duplicated(keep=False).to_numpy()
        for col in single:
            filled[col] = filled[col].where(alone, "false")
    return pd.concat([frame, filled], axis=1)


def _validated(inp: _Input, frame: pd.DataFrame, tz: str, required: tuple):
    """Validate one file's mapped rows; return (good rows, rejects frame)."""
    raw = inp.raw
    have = set(frame.columns) | set(inp.columns)
    missing = [c for c in required if c not in have]
    if missing:
        raise _missing_columns_error(raw.path, missing, raw.headers,
                                     inp.mapped.platform)
    named_lines = "line_id" in have
    with giving_back(raw.kind != "parquet"):  # a Parquet file is read in parts, a CSV whole
        clean, rej = validate(frame, tz, required, more=inp.rest)
    clean["_file"] = pd.Categorical.from_codes(np.zeros(len(clean), dtype=np.int8), [raw.path])
    clean["_fileno"] = np.int32(inp.number)
    clean["_row"] = raw.rows
    if not named_lines and "item_id" in clean:
        clean["line_id"] = _joined(clean["order_id"], clean["item_id"])
    rejected = rej.rejected
    reason, column, value = rej.listing()
    rejects = pd.DataFrame({"file": raw.path, "fileno": inp.number, "row": raw.rows[rejected],
                            "column": column, "value": value, "reason": reason})
    if len(raw.ragged):
        rejects = pd.concat([rejects, pd.DataFrame(
            {"file": raw.path, "fileno": inp.number, "row": raw.ragged["row"], "column": None,
             "value": raw.ragged["value"], "reason": raw.ragged["reason"]})],
            ignore_index=True)
    if rejected.any():
        clean = clean.loc[~rejected].reset_index(drop=True)
    return clean, rejects


def _id_text(series: pd.Series) -> pd.Series:
    """Cleaned ids as plain text (for joining two reports on them)."""
    coded, _ = clean_ids(series)
    return coded.astype(pd.StringDtype("pyarrow", na_value=np.nan))


def _joined(order: pd.Series, item: pd.Series) -> pd.Series:
    """`order_id-item_id`, the line id of a line that has none (CONTRACT.md)."""
    text = pc.binary_join_element_wise(ids.text_of(order), ids.text_of(item),
                                       pa.scalar("-", pa.large_string()))
    return pd.Series(pd.array(text, dtype=pd.StringDtype("pyarrow", na_value=np.nan)),
                     index=order.index)


def _reject(rows: pd.DataFrame, mask, column, reason, rejects: list) -> pd.DataFrame:
    if mask.any():
        bad = rows.loc[mask]
        rejects.append(pd.DataFrame({"file": bad["_file"], "fileno": bad["_fileno"],
                                     "row": bad["_row"], "column": column, "value": None,
                                     "reason": reason}))
    return rows.loc[~mask].reset_index(drop=True)


def _reject_duplicates(good: pd.DataFrame, key: list, rejects: list) -> pd.DataFrame:
    """Rows repeating an earlier row's key are rejected. Only rows whose last key column
    (a coded line id) repeats can repeat a key: when line ids are unique, nothing to do."""
    last = good[key[-1]]
    if isinstance(last.dtype, pd.CategoricalDtype):
        codes = last.cat.codes.to_numpy()
        if len(codes) and codes[0] >= 0 and (codes[1:] > codes[:-1]).all():
            return good  # every line id once, in order: nothing can repeat
        seen = np.bincount(codes[codes >= 0], minlength=len(last.cat.categories))
        repeats = (codes < 0) | (seen[np.maximum(codes, 0)] > 1)
        if not repeats.any():
            return good
        dup = np.zeros(len(good), dtype=bool)
        dup[repeats] = good.loc[repeats, key].duplicated(keep="first").to_numpy()
    else:
        dup = good.duplicated(key, keep="first").to_numpy()
    return _reject(good, dup, ",".join(key), "duplicate", rejects)


def _merge_roles(ratings: pd.DataFrame) -> pd.DataFrame:
    """A buyer's row and the seller's row of one line (rating exports with `role`) become one:
    among ratings of the same line, a seller-only row lends its seller rating to the buyer's."""
    pos = ratings["_pos"].to_numpy()
    matched = pos >= 0
    counts = np.bincount(pos[matched]) if matched.any() else np.zeros(0, dtype=np.int64)
    shared = matched.copy()
    shared[matched] = counts[pos[matched]] > 1
    seller_only = (ratings["credit"].isna() & ratings["seller_credit"].notna()).to_numpy()
    donors = np.flatnonzero(shared & seller_only)
    if not donors.size:
        return ratings
    takers = np.flatnonzero(shared & ~seller_only)
    donor_of = pd.Series(donors, index=pos[donors])
    donor_of = donor_of[~donor_of.index.duplicated()]
    has = np.isin(pos[takers], donor_of.index.to_numpy())
    takers = takers[has]
    given = donor_of.loc[pos[takers]].to_numpy()
    ratings = ratings.copy()
    for col in ("seller_credit", "seller_rated_at"):
        values = ratings[col].copy()
        fill = values.iloc[takers].isna().to_numpy()
        values.iloc[takers[fill]] = ratings[col].iloc[given[fill]].to_numpy()
        ratings[col] = values
    used = np.zeros(len(ratings), dtype=bool)
    used[np.unique(given)] = True
    return ratings.loc[~used].reset_index(drop=True)


def code_in(values, column: pd.Series) -> np.ndarray:
    """The code each value has among a categorical column's categories, or -1."""
    cats = ids.text_of(pd.Series(column.cat.categories))
    given = pa.array(np.asarray(values, dtype=object), type=pa.large_string(), from_pandas=True)
    found = pc.index_in(given, value_set=cats)
    return found.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64)


def _line_positions(lines: pd.DataFrame, order_ids, line_ids) -> np.ndarray:
    """The row of `lines` that holds each (order_id, line_id) pair, or -1."""
    oc = code_in(order_ids, lines["order_id"])
    lc = code_in(line_ids, lines["line_id"])
    width = np.int64(len(lines["line_id"].cat.categories) + 1)
    keys = oc.astype(np.int64) * width + lc
    keys[(oc < 0) | (lc < 0)] = -1
    line_keys = codes(lines["order_id"]) * width + codes(lines["line_id"])
    pos = pd.Index(line_keys).get_indexer(keys)
    pos[keys < 0] = -1
    return pos


def _resolve_lines(lines: pd.DataFrame, ratings: pd.DataFrame, rejects: list) -> pd.DataFrame:
    """Give each rating the line_id of its trade line (and its row there, `_pos`): the line it
    names when that line exists; else the only line of its order; else its order's line of
    the same item; else, for an order of several lines, it is ambiguous (rejected). A rating
    of an unknown order keeps what it has and becomes an orphan (`_pos` -1)."""
    order_of = ratings["order_id"].astype(object).to_numpy()
    line_of = (ratings["line_id"].astype(object).to_numpy(copy=True) if "line_id" in ratings
               else np.full(len(ratings), None, dtype=object))
    pos = _line_positions(lines, order_of, line_of)
    todo = np.flatnonzero(pos < 0)
    several = np.zeros(len(ratings), dtype=bool)
    if todo.size:
        line_codes = codes(lines["order_id"])
        per_order = np.bincount(line_codes[line_codes >= 0],
                                minlength=len(lines["order_id"].cat.categories))
        first_row = np.full(len(per_order), -1, dtype=np.int64)
        uniq, first = np.unique(line_codes[::-1], return_index=True)
        first_row[uniq[uniq >= 0]] = (len(line_codes) - 1 - first)[uniq >= 0]
        oc = code_in(order_of[todo], lines["order_id"])
        size = np.zeros(len(todo), dtype=np.int64)
        size[oc >= 0] = per_order[oc[oc >= 0]]
        single = todo[size == 1]
        pos[single] = first_row[oc[size == 1]]
        line_of[single] = lines["line_id"].to_numpy()[pos[single]]
        many = todo[size > 1]
        if many.size and "item_id" in ratings:
            guess = order_of[many] + "-" + ratings["item_id"].astype(object).fillna("").to_numpy()[many]
            hit = _line_positions(lines, order_of[many], guess)
            pos[many[hit >= 0]] = hit[hit >= 0]
            line_of[many[hit >= 0]] = guess[hit >= 0]
            many = many[hit < 0]
        several[many] = True
        unknown = todo[size == 0]
        line_of[unknown] = np.where(pd.isna(line_of[unknown]), order_of[unknown],
                                    line_of[unknown])
    ratings = ratings.assign(line_id=line_of, _pos=pos)
    return _reject(ratings, several, "line_id", "ambiguous_line", rejects)


def _join_ratings(lines: pd.DataFrame, ratings: pd.DataFrame, rejects: list):
    """Attach rating columns to their trade lines; return (lines, orphan rating rows)."""
    key = ["order_id", "line_id"]
    ratings = _resolve_lines(lines, ratings, rejects)
    ratings = _merge_roles(ratings)
    ratings = _reject_duplicates(ratings, key, rejects)
    pos = ratings["_pos"].to_numpy(dtype=np.int64)
    found = pos >= 0
    target, source = pos[found], np.flatnonzero(found)
    lines = lines.copy()
    for col in (c for c in RATING_COLUMNS if c in ratings):
        given = ratings[col]
        if isinstance(given.dtype, pd.CategoricalDtype):
            merged = lines[col].cat.codes.to_numpy(copy=True)
            merged[target] = given.cat.codes.to_numpy()[source]
            lines[col] = pd.Categorical.from_codes(merged, categories=given.cat.categories)
        else:
            merged = lines[col].to_numpy(copy=True)
            merged[target] = given.to_numpy()[source]
            lines[col] = merged
    return lines, ratings.loc[~found].drop(columns=["_pos"]).reset_index(drop=True)


def _no_lines(tz: str) -> pd.DataFrame:
    empty = pd.DataFrame({c: pd.Series([], dtype="string[pyarrow]")
                          for c in REQUIRED_TRADES + ("line_id",)})
    lines, _ = validate(empty, tz, REQUIRED_TRADES)
    return lines.assign(_file=pd.Series([], dtype=object), _fileno=pd.Series([], dtype=np.int64),
                        _row=pd.Series([], dtype=np.int64))


def encode_ids(frame: pd.DataFrame) -> pd.DataFrame:
    """Id columns as categoricals (integer codes + the distinct ids), built by pyarrow's
    dictionary encoding: every rule groups by codes, never by strings."""
    for col in ID_COLUMNS:
        if col in frame and not isinstance(frame[col].dtype, pd.CategoricalDtype):
            frame[col] = ids.encode(frame[col])[0]
    return frame


def load(trades_paths, tz: str, ratings_path=None, platform: str = "auto",
         encoding: str | None = None, sheet: str | None = None) -> Dataset:
    """Read, map, validate and join the input files; every row read is used or rejected."""
    if isinstance(trades_paths, (str, bytes, Path)):
        trades_paths = [trades_paths]
    paths = expand_inputs(trades_paths)
    inputs = [_open(i, p, platform, encoding, sheet) for i, p in enumerate(paths)]
    with stage("prepare"):
        return _prepare(inputs, tz, ratings_path, platform, encoding, sheet)


def _prepare(inputs, tz, ratings_path, platform, encoding, sheet) -> Dataset:
    if ratings_path is not None:
        extra = _open(len(inputs), Path(ratings_path), platform, encoding, sheet)
        extra.role = "ratings"
        inputs.append(extra)
    orders = [i for i in inputs if i.role == "trades"]
    details = [i for i in inputs if i.role == "details"]
    if details and not orders:
        missing = [c for c in REQUIRED_TRADES if c not in details[0].mapped.frame.columns]
        raise _missing_columns_error(details[0].raw.path, missing,
                                     details[0].raw.headers,
                                     details[0].mapped.platform)

    parts, rejects = [], []
    expanded = set()
    for inp in details + orders if details else ():  # joined on their columns before validating
        inp.complete()
    for inp in details:
        frame = _fill_from_orders(inp, orders)
        expanded |= set(frame["order_id"].dropna())
        good, rej = _validated(inp, frame, tz, REQUIRED_TRADES)
        parts.append(good)
        rejects.append(rej)
    for inp in details:
        inp.release()
    for inp in orders:
        frame = inp.mapped.frame
        if expanded:  # orders whose lines came from an item report are those lines now
            ids, _ = clean_ids(frame["order_id"])
            frame = frame.loc[~ids.isin(expanded).fillna(False).to_numpy(bool)]
            inp.raw.rows = inp.raw.rows[~ids.isin(expanded).fillna(False).to_numpy(bool)]
            frame = frame.reset_index(drop=True)
        inp.release()  # validate consumes the columns of `frame`: nothing else holds them
        good, rej = _validated(inp, frame, tz, REQUIRED_TRADES)
        parts.append(good)
        rejects.append(rej)
        frame = None
    with giving_back(any(inp.raw.kind != "parquet" for inp in inputs)):
        release_arrow_memory()  # the text columns' memory
    if not parts:  # ratings alone: no trade line, so every rating is an orphan
        parts = [_no_lines(tz)]
    lines = pd.concat(parts, ignore_index=True) if len(parts) != 1 else parts[0]
    lines = encode_ids(lines)
    lines = _reject_duplicates(lines, ["shop_id", "order_id", "line_id"], rejects)

    orphans = lines.iloc[0:0]
    rating_inputs = [i for i in inputs if i.role == "ratings"]
    if rating_inputs:
        rparts = []
        for inp in rating_inputs:
            named_shop = "shop_id" in inp.mapped.frame.columns
            frame = inp.mapped.frame
            inp.release()
            good, rej = _validated(inp, frame, tz, ("order_id",))
            frame = None
            if not named_shop:
                shops = lines["shop_id"].unique()
                good["shop_id"] = shops[0] if len(shops) == 1 else DEFAULT_SHOP
            rparts.append(good)
            rejects.append(rej)
        ratings = pd.concat(rparts, ignore_index=True) if len(rparts) > 1 else rparts[0]
        lines, orphans = _join_ratings(lines, ratings, rejects)

    rejects = [r for r in rejects if len(r)]
    all_rejects = pd.concat(rejects, ignore_index=True) if rejects else \
        pd.DataFrame(columns=REJECT_COLUMNS + ["fileno"])
    per_file = all_rejects.groupby("fileno")["reason"].value_counts() if len(all_rejects) \
        else pd.Series(dtype=int)
    files = []
    for inp in inputs:
        counts = per_file.loc[inp.number].to_dict() if inp.number in per_file.index.get_level_values(
            0) else {}
        files.append(FileAccount(inp.raw.path, inp.role, inp.rows_read,
                                 int(sum(counts.values())),
                                 {str(k): int(v) for k, v in counts.items()},
                                 inp.mapped.platform, inp.raw.encoding, inp.mapped.headers))
    lines = encode_ids(lines.reset_index(drop=True))
    if len(all_rejects):
        all_rejects = all_rejects.sort_values(["fileno", "row"], kind="stable")
    return Dataset(lines=lines, orphans=orphans, files=files,
                   rejects=all_rejects[REJECT_COLUMNS].reset_index(drop=True))
