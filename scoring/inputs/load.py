"""Loading input files (any platform's export) into one typed table of trade lines."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from shopscore.scoring.engine import ids
from shopscore.scoring.engine.memory import giving_back, release_arrow_memory
from shopscore.scoring.engine.stages import note_read, stage
from shopscore.scoring.engine.threads import meanwhile
from shopscore.scoring.errors import MissingColumnsError
from shopscore.scoring.inputs import platforms as plat
from shopscore.scoring.inputs.columns import (
    CANONICAL,
    DEFAULT_SHOP,
    ID_COLUMNS,
    ITEM_TITLE,
    REQUIRED_TRADES,
)
from shopscore.scoring.inputs.dataset import REJECT_COLUMNS, Dataset, FileAccount, expand_inputs
from shopscore.scoring.inputs.join import (
    LINE_KEYS,
    as_text,
    join_ratings,
    reject_duplicates,
    shared_orders,
)
from shopscore.scoring.inputs.read import RawFile, memory_error, partition_value, read_file
from shopscore.scoring.inputs.service_join import read_service_tables, with_service_tables
from shopscore.scoring.inputs.validate import clean_ids, validate


@dataclass
class _Input:
    """One file on its way in: read, mapped to canonical names, and given a role."""

    number: int
    raw: RawFile
    mapped: plat.Mapped
    role: str  # trades, details (lines that need an order report) or ratings
    rows_read: int = 0
    columns: list = field(default_factory=list)  # every canonical column, read or not yet
    first: list = field(default_factory=list)  # the canonical columns read first (ids)

    def rest(self) -> pd.DataFrame:
        """The columns left to read (a big Parquet file is read ids first), mapped to
        canonical names; an empty frame when every column is read."""
        if not self.raw.later:
            return pd.DataFrame(index=self.mapped.frame.index)
        with stage("read"):
            later = self.raw.read_later()
        return plat.map_columns(later, self.mapped.platform, taken=self.first).frame

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


def _role(columns, required: tuple = REQUIRED_TRADES) -> str:
    have = set(columns)
    if "order_id" in have and not {"status", "created_at"} & have and (
            {"credit", "seller_credit"} & have or any(c.startswith("dsr_") for c in have)):
        return "ratings"
    if set(required) <= have:
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


def _open(number: int, path: Path, platform: str, encoding, sheet,
          required: tuple = REQUIRED_TRADES) -> _Input:
    return input_of(number, read_input(path, encoding, sheet), platform, required)


def read_input(path: Path, encoding=None, sheet=None) -> RawFile:
    """One trade or rating file as read: the columns some platform names (ids first, for a
    Parquet file)."""
    with stage("read"):
        known = plat.known_headers()
        raw = read_file(path, encoding=encoding, sheet=sheet, keep=known.__contains__,
                        dictionary=plat.headers_of(FEW_WORDS), first=ids_only().__contains__)
    try:
        note_read(path, Path(path).stat().st_size)  # read through (a progress display counts it)
    except OSError:
        pass
    return raw


def input_of(number: int, raw: RawFile, platform: str,
             required: tuple = REQUIRED_TRADES) -> _Input:
    """A file's rows (all of them, or a partition's) mapped to canonical names and given
    their file's role; the platform is read off the headers unless given."""
    headers = list(raw.frame.columns) + raw.later
    name = platform if platform != "auto" else (plat.detect(headers) or "canonical")
    mapped = plat.map_columns(raw.frame, name)
    columns = list(mapped.frame.columns)
    if raw.later:  # their names now (mapping an empty frame), their values when validated
        rest = plat.map_columns(pd.DataFrame(columns=raw.later, dtype=object), name,
                                taken=columns)
        mapped.headers.update(rest.headers)
        columns += [c for c in rest.frame.columns if c not in columns]
    shop = partition_value(raw.path)  # a hive-partitioned dataset: shop_id=VALUE/part-*.parquet
    if shop is not None and "shop_id" not in columns:
        mapped.frame["shop_id"] = pd.Series(shop, index=mapped.frame.index,
                                             dtype=pd.StringDtype("pyarrow", na_value=np.nan))
        mapped.headers["shop_id"] = f"shop_id={shop} (from the path)"
        columns.append("shop_id")
    return _Input(number, raw, mapped, _role(columns, required), len(raw.frame) + len(raw.ragged),
                  columns, list(mapped.frame.columns))


@lru_cache(maxsize=1)
def ids_only() -> frozenset:
    """Headers every platform reads as an id column and never as another column: a Parquet
    file's id columns are read and coded first, its other columns after (less memory)."""
    coded = (*ID_COLUMNS, ITEM_TITLE)  # the title is coded like an id (it may be the item)
    others = (set(CANONICAL) - set(coded)) | set(plat.DERIVED)
    return plat.headers_of(coded) - plat.headers_of(others)


# Columns of few distinct words: a Parquet file's are read dictionary-encoded.
FEW_WORDS = ("shop_id", "status", "credit", "seller_credit", "revised_to")


# What an order report says of every line of its order (an item report's lines take these).
ORDER_LEVEL = ("shop_id", "shop_name", "buyer_id", "created_at", "completed_at", "status",
               "escrow")


def _fill_from_orders(details: _Input, orders: list[_Input]) -> pd.DataFrame:
    """Complete per-line rows (an item report) with their order's columns (the order report).
    Order-level amounts and refunds are not copied: a line's own say wins."""
    frame = details.mapped.frame.copy()
    frame["order_id"] = _id_text(frame["order_id"])
    pool = pd.concat([o.mapped.frame for o in orders], ignore_index=True)
    need = [c for c in ORDER_LEVEL if c in pool.columns and c not in frame.columns]
    # An order's refund is its line's when the order has one line only.
    single = [c for c in ("refunded",) if c in pool.columns and c not in frame.columns]
    whole = plat.STATUS_REFUNDED in pool.columns  # an order refunded by its status word
    if not need and not single and not whole:
        return frame
    pool["order_id"] = _id_text(pool["order_id"])
    pool = pool.dropna(subset=["order_id"]).drop_duplicates("order_id").set_index("order_id")
    filled = pool[need + single].reindex(frame["order_id"])
    filled.index = frame.index
    if single:
        alone = ~frame["order_id"].duplicated(keep=False).to_numpy()
        for col in single:
            filled[col] = filled[col].where(alone, "false")
    out = pd.concat([frame, filled], axis=1)
    if whole:  # 退款成功 says it of the order: every line of it was refunded
        said = pool[plat.STATUS_REFUNDED].reindex(frame["order_id"]).fillna(False)
        said = said.to_numpy(dtype=bool)
        if said.any():
            given = out["refunded"].astype("string[pyarrow]").astype(object).to_numpy() \
                if "refunded" in out else np.full(len(out), "false", dtype=object)
            out["refunded"] = pd.Series(np.where(said, "true", given), index=out.index,
                                        dtype="string[pyarrow]")
    return out


def _keys_of(rows: pd.DataFrame) -> pd.DataFrame:
    """The order and the line keys (join.LINE_KEYS) of some trade rows, as text; rows
    without an order id are left out (nothing can name them)."""
    keys = pd.DataFrame({"order": as_text(rows["order_id"]),
                         **({"shop": as_text(rows["shop_id"])} if "shop_id" in rows else {}),
                         **{k: as_text(rows[k]) for k in LINE_KEYS if k in rows}})
    return keys.loc[keys["order"].notna()]


def _validated(inp: _Input, frame: pd.DataFrame, tz: str, required: tuple,
               gone: list | None = None):
    """Validate one file's mapped rows; return (good rows, rejects frame). With `gone`, the
    keys of the rejected rows are appended to it."""
    raw = inp.raw
    have = set(frame.columns) | set(inp.columns)
    missing = [c for c in required if c not in have]
    if missing:
        raise _missing_columns_error(raw.path, missing, raw.headers,
                                     inp.mapped.platform)
    named_lines = "line_id" in have
    try:
        with giving_back(raw.kind != "parquet"):  # a Parquet file is read in parts, a CSV whole
            clean, rej = validate(frame, tz, required, more=inp.rest)
    except (MemoryError, pa.ArrowMemoryError):
        raise memory_error(raw.path) from None
    clean["_file"] = pd.Categorical.from_codes(np.zeros(len(clean), dtype=np.int8), [raw.path])
    clean["_fileno"] = np.int32(inp.number)
    clean["_row"] = raw.rows
    if not named_lines and "item_id" in clean:
        clean["line_id"] = _joined(clean["order_id"], clean["item_id"])
    elif not named_lines:  # no line and no item (an order export read for the service
        # metrics alone): each row is a line of its order, named by its row in the file
        clean["line_id"] = _joined(clean["order_id"], pd.Series(raw.rows.astype(str)))
    rejected = rej.rejected
    if gone is not None and rejected.any():  # the keys of the rejected lines (join.py)
        gone.append(_keys_of(clean.loc[rejected]))
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
         encoding: str | None = None, sheet: str | None = None, after_sales=None, chats=None,
         required: tuple = REQUIRED_TRADES) -> Dataset:
    """Read, map, validate and join the input files; every row read is used or rejected.
    `after_sales` and `chats` are files (or directories, globs) of those exports, None when
    not given; `required`: the trade-line columns the audit needs (CONTRACT.md: the credit
    and DSR rules'), the one list the missing-columns error is made from."""
    if isinstance(trades_paths, (str, bytes, Path)):
        trades_paths = [trades_paths]
    paths = expand_inputs(trades_paths)
    service = None
    if after_sales is not None or chats is not None:  # read on a second core meanwhile
        service = meanwhile(read_service_tables, tz, after_sales, chats, encoding, sheet)
    inputs = [_open(i, p, platform, encoding, sheet, required) for i, p in enumerate(paths)]
    if ratings_path is not None:
        inputs.append(ratings_input(_open(len(inputs), Path(ratings_path), platform, encoding,
                                          sheet, required)))
    with stage("prepare"):
        data = prepare(inputs, tz, required, cases=after_sales is not None)
    return data if service is None else with_service_tables(data, service.result())


def ratings_input(inp: _Input) -> _Input:
    """The file given with --ratings: ratings, whatever its columns."""
    inp.role = "ratings"
    return inp


def prepare(inputs: list, tz: str, required: tuple = REQUIRED_TRADES,
            shops: list | None = None, shared=None, cases: bool = False) -> Dataset:
    """Validate and join the opened inputs (input_of) into a Dataset. `shops`: every shop of
    the audit when these inputs are one partition of it (a rating that names no shop takes
    the one shop of all the trade lines, not of this partition's); None: these lines'.
    `shared`: likewise the orders lines of several shops hold (join.shared_orders), found
    here when ratings or after-sale `cases` are to be joined."""
    orders = [i for i in inputs if i.role == "trades"]
    details = [i for i in inputs if i.role == "details"]
    if details and not orders:
        missing = [c for c in required if c not in details[0].mapped.frame.columns]
        raise _missing_columns_error(details[0].raw.path, missing,
                                     details[0].raw.headers,
                                     details[0].mapped.platform)

    parts, rejects, gone = [], [], []
    expanded = set()
    for inp in details + orders if details else ():  # joined on their columns before validating
        inp.complete()
    for inp in details:
        frame = _fill_from_orders(inp, orders)
        expanded |= set(frame["order_id"].dropna())
        good, rej = _validated(inp, frame, tz, required, gone)
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
        good, rej = _validated(inp, frame, tz, required, gone)
        parts.append(good)
        rejects.append(rej)
        frame = None
    with giving_back(any(inp.raw.kind != "parquet" for inp in inputs)):
        release_arrow_memory()  # the text columns' memory
    if not parts:  # ratings alone: no trade line, so every rating is an orphan
        parts = [_no_lines(tz)]
    lines = pd.concat(parts, ignore_index=True) if len(parts) != 1 else parts[0]
    lines = encode_ids(lines)
    lines = reject_duplicates(lines, ["shop_id", "order_id", "line_id"], rejects)

    orphans = lines.iloc[0:0]
    gone = pd.concat(gone, ignore_index=True) if gone else None
    rating_inputs = [i for i in inputs if i.role == "ratings"]
    if shared is None and (rating_inputs or cases):
        shared = shared_orders(lines, gone)
    if rating_inputs:
        rparts = []
        for inp in rating_inputs:
            named_shop = "shop_id" in inp.mapped.frame.columns
            frame = inp.mapped.frame
            inp.release()
            good, rej = _validated(inp, frame, tz, ("order_id",))
            frame = None
            good = good.drop(columns=["shop_name"], errors="ignore")  # the lines name shops
            if not named_shop:  # the trades' one shop; with several, a rating's shop is
                # its line's, and an orphan's is unknown (counted in `inputs` only)
                if shops is None:
                    shops = list(lines["shop_id"].unique())
                good["shop_id"] = pd.Categorical.from_codes(
                    np.zeros(len(good), np.int8) if len(shops) == 1 else
                    np.full(len(good), -1, np.int8),
                    categories=[shops[0] if len(shops) == 1 else DEFAULT_SHOP])
            rparts.append(good)
            rejects.append(rej)
        ratings = pd.concat(rparts, ignore_index=True) if len(rparts) > 1 else rparts[0]
        lines, orphans = join_ratings(lines, ratings, rejects, gone, shared)

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
    lines, names = _take_shop_names(lines)
    if len(all_rejects):
        all_rejects = all_rejects.sort_values(["fileno", "row"], kind="stable")
    trade_columns = frozenset(c for i in inputs for c in i.columns)
    return Dataset(lines=lines, orphans=orphans, files=files,
                   rejects=all_rejects[REJECT_COLUMNS].reset_index(drop=True), shop_names=names,
                   trade_columns=trade_columns, shared_orders=shared)


def _take_shop_names(lines: pd.DataFrame) -> tuple[pd.DataFrame, dict]:
    """How many lines give each shop each name (the result shows the one most give), and the
    lines without the name column (the rules never read it)."""
    if "shop_name" not in lines:
        return lines, {}
    name = lines.pop("shop_name")
    name = name if isinstance(name.dtype, pd.CategoricalDtype) else name.astype("category")
    pairs = pd.DataFrame({"shop": lines["shop_id"].cat.codes.to_numpy(),
                          "name": name.cat.codes.to_numpy()})
    pairs = pairs[(pairs["name"] >= 0) & (pairs["shop"] >= 0)]
    counts = pairs.value_counts().reset_index(name="n")  # per distinct (shop, name)
    shops, names = lines["shop_id"].cat.categories, name.cat.categories
    out: dict = {}
    for shop, code, n in counts.itertuples(index=False):
        out.setdefault(str(shops[shop]), {})[str(names[code])] = int(n)
    return lines, out
