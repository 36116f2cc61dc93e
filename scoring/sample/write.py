"""The sample shop written out: the simulation's arrays formatted as text columns (Arrow,
straight from bytes) and written as CSV and typed Parquet, chunk by chunk."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from shopscore.scoring.sample.service import (
    CASE_REASONS,
    CASE_STATUSES,
    CASE_TYPES,
    SENDERS,
    after_sales,
    chats,
    service_orders,
)
from shopscore.scoring.sample.simulate import (
    CHUNK,
    COLUMNS,
    CREDIT_WORDS,
    DAY,
    DEFAULT_AS_OF,
    DSR_ITEMS,
    NO_CREDIT,
    NO_TIME,
    RATING_COLUMNS,
    REVISION_WORDS,
    STATUS_WORDS,
    TRADE_COLUMNS,
    orphans,
    simulate,
)


def _strings(data: np.ndarray, offsets: np.ndarray, valid=None) -> pa.Array:
    """A string array straight from its bytes and offsets (null where not valid)."""
    bitmap = None
    if valid is not None and not valid.all():
        bitmap = pa.py_buffer(np.packbits(valid, bitorder="little"))
    return pa.Array.from_buffers(pa.string(), len(offsets) - 1,
                                 [bitmap, pa.py_buffer(offsets), pa.py_buffer(data)])


def _fixed(buf: np.ndarray, valid=None) -> pa.Array:
    """Strings of one width from an (n, width) uint8 array."""
    n, width = buf.shape
    return _strings(np.ascontiguousarray(buf), np.arange(0, width * (n + 1), width, dtype=np.int32),
                    valid)


@cache
def _clock() -> np.ndarray:
    """"HH:MM:SS" of every second of a day, one uint64 of 8 bytes each."""
    s = np.arange(DAY)
    colon = np.full(DAY, 10)  # 48 + 10 is ":"
    digits = [s // 36000, s // 3600 % 10, colon, s // 600 % 6, s // 60 % 10, colon, s % 60 // 10, s % 10]
    text = 48 + np.stack(digits, axis=1)
    return text.astype(np.uint8).view(np.uint64).ravel()


def _times(offsets: np.ndarray, base: int) -> pa.Array:
    """"YYYY-MM-DD HH:MM:SS" of int32 seconds since `base` (local midnight)."""
    valid = offsets != NO_TIME
    sec = np.where(valid, offsets, 0).astype(np.int64)
    day = sec // DAY
    first = int(day.min()) if day.size else 0
    span = np.arange(base // DAY + first, base // DAY + (int(day.max()) if day.size else 0) + 1)
    dates = np.char.add(np.datetime_as_string(span.astype("datetime64[D]")).astype("S10"), b" ")
    buf = np.empty((sec.size, 19), np.uint8)
    buf[:, :11] = np.frombuffer(dates.tobytes(), np.uint8).reshape(-1, 11)[day - first]
    buf[:, 11:] = _clock()[sec - day * DAY].view(np.uint8).reshape(-1, 8)
    return _fixed(buf, valid)


def _ids(numbers, prefix: str = "") -> pa.Array:
    text = pa.array(numbers).cast(pa.string())
    return pc.binary_join_element_wise(prefix, text, "") if prefix else text


def _words(codes, vocab, offset: int = 0, missing=None) -> pa.Array:
    mask = None if missing is None else codes == missing
    return pc.take(pa.array(vocab, pa.string()), pa.array(codes.astype(np.int32) + offset, mask=mask))


def _digit(values) -> pa.Array:
    """Stars 1..5 as text; 0 is no score."""
    return _fixed((values + 48).astype(np.uint8).reshape(-1, 1), values > 0)


def _amounts(cents) -> pa.Array:
    frac = np.empty((cents.size, 3), np.uint8)
    frac[:, 0] = 46
    frac[:, 1] = 48 + cents % 100 // 10
    frac[:, 2] = 48 + cents % 10
    return pc.binary_join_element_wise(_ids(cents // 100), _fixed(frac), "")


def _rating_columns(part: dict, sim: dict) -> dict:
    names = _shop_names(sim)
    base = sim["base"]
    return {
        "shop_id": _words(part["shop"], names), "order_id": _ids(part["order"]),
        "line_id": _ids(part["line"]), "rated_at": _times(part["rated_at"], base),
        "credit": _words(part["credit"], CREDIT_WORDS, 1, NO_CREDIT),
        "revised_at": _times(part["revised_at"], base),
        "revised_to": _words(part["revised_to"], REVISION_WORDS, 0, -1),
        "seller_rated_at": _times(part["seller_rated_at"], base),
        "seller_credit": _words(part["seller_credit"], CREDIT_WORDS, 1, NO_CREDIT),
        "dsr_rated_at": _times(part["dsr_rated_at"], base),
        **{name: _digit(part["dsr"][:, j]) for j, name in enumerate(DSR_ITEMS)},
    }


def _part(sim: dict, lo: int, hi: int) -> dict:
    """Rows lo..hi as arrays: the lines' own columns, their orders' columns gathered."""
    part = {k: v[lo:hi] for k, v in sim["lines"].items()}
    oidx = part.pop("oidx")
    part.update({k: v[oidx] for k, v in sim["orders"].items()})
    part["line"] = part["order"] + part.pop("line_no")
    part["item"] = part["shop"].astype(np.int64) * sim["items_per_shop"] + part["item"]
    rows, stars, at = sim["conflict"]
    a, b = np.searchsorted(rows, [lo, hi])
    part["dsr"][rows[a:b] - lo] = stars[a:b]
    part["dsr_rated_at"][rows[a:b] - lo] = at[a:b]
    return part


def _table(sim: dict, lo: int, hi: int) -> pa.Table:
    """Rows lo..hi of the sample as a table of text columns (missing values are null)."""
    part = _part(sim, lo, hi)
    cols = _rating_columns(part, sim)
    cols.update({
        "buyer_id": _ids(100_000_000 + (part["buyer"].astype(np.int64) + 1) * 48_271 % 900_000_000,
                         "tb"),
        "item_id": _ids(600_000_000_000 + (part["item"] + 1) * 7_919_137 % 100_000_000_000),
        "created_at": _times(part["created_at"], sim["base"]),
        "completed_at": _times(part["completed_at"], sim["base"]),
        "status": _words(part["status"], STATUS_WORDS),
        "escrow": _words(part["escrow"], ("false", "true")),
        "refunded": _words(part["refunded"], ("false", "true")),
        "amount": _amounts(part["cents"]),
        **{name: _times(part[name], sim["base"]) for name in SERVICE_TIMES},
    })
    return pa.table({name: cols[name] for name in COLUMNS})


def _ratings(table: pa.Table) -> pa.Table:
    """The rows of a table that carry any rating, in the ratings file's columns."""
    present = [pc.is_valid(table[c]) for c in ("rated_at", "seller_rated_at", "dsr_rated_at")]
    return table.select(RATING_COLUMNS).filter(pc.or_(pc.or_(present[0], present[1]), present[2]))


# The Parquet sample is typed as a warehouse writes it: times as timestamps (local wall
# clock, no offset), flags as booleans, amounts as numbers, stars as small integers.
SERVICE_TIMES = ("paid_at", "collected_at", "signed_at", "delivery_due_at")
_TIME_COLUMNS = ("created_at", "completed_at", "rated_at", "revised_at", "seller_rated_at",
                 "dsr_rated_at", *SERVICE_TIMES, "applied_at", "agreed_at",
                 "return_received_at", "refunded_at", "sent_at")
PARQUET_TYPES = {**{c: pa.timestamp("s") for c in _TIME_COLUMNS},
                 "escrow": pa.bool_(), "refunded": pa.bool_(), "amount": pa.float64(),
                 "escalated": pa.bool_(), "seller_liable": pa.bool_(), "rating": pa.int8(),
                 **{c: pa.int8() for c in DSR_ITEMS}}


def _typed(table: pa.Table) -> pa.Table:
    """The text table with the columns of PARQUET_TYPES typed."""
    cols = []
    for name in table.column_names:
        col, kind = table[name], PARQUET_TYPES.get(name)
        if kind == pa.timestamp("s"):
            col = pc.strptime(col, format="%Y-%m-%d %H:%M:%S", unit="s")
        elif kind is not None:
            col = col.cast(kind)
        cols.append(col)
    return pa.table(cols, names=table.column_names)


def _chunks(lines: int):
    return [(lo, min(lines, lo + CHUNK)) for lo in range(0, lines, CHUNK)]


def generate(lines: int, seed: int, shops: int = 1, as_of: datetime = DEFAULT_AS_OF) -> pd.DataFrame:
    """The sample's trade lines in the canonical columns, every value text (missing: NA)."""
    sim = _simulated(lines, seed, shops, as_of)
    return pa.concat_tables([_table(sim, lo, hi) for lo, hi in _chunks(lines)]).to_pandas()


def write_sample(out_dir, lines: int = 3000, seed: int = 7, shops: int = 1,
                 as_of: datetime = DEFAULT_AS_OF) -> list[Path]:
    """Write sample_shop.csv/.parquet (one table) and sample_trades.csv + sample_ratings.csv
    (the same data split in two, plus a few orphan ratings); return the paths written."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    sim = _simulated(lines, seed, shops, as_of)
    paths = [out_dir / f"sample_{name}" for name in
             ("shop.csv", "shop.parquet", "trades.csv", "ratings.csv")]
    schema = pa.schema([(name, pa.string()) for name in COLUMNS])
    options = pacsv.WriteOptions(quoting_style="none", quoting_header="none")
    with (pacsv.CSVWriter(paths[0], schema, write_options=options) as shop_csv,
          pq.ParquetWriter(paths[1], pa.schema([(c, PARQUET_TYPES.get(c, pa.string()))
                                                for c in COLUMNS])) as shop_parquet,
          pacsv.CSVWriter(paths[2], pa.schema([schema.field(c) for c in TRADE_COLUMNS]),
                          write_options=options) as trades_csv,
          pacsv.CSVWriter(paths[3], pa.schema([schema.field(c) for c in RATING_COLUMNS]),
                          write_options=options) as ratings_csv,
          ThreadPoolExecutor(max_workers=4) as pool):
        # Each chunk is written (in threads, one per file) while the next one is formatted;
        # a file's chunks still go in order, so the bytes never depend on timing.
        pending = []
        for lo, hi in _chunks(lines):
            table = _table(sim, lo, hi)
            for job in pending:
                job.result()
            pending = [pool.submit(shop_csv.write_table, table),
                       pool.submit(lambda t: shop_parquet.write_table(_typed(t)), table),
                       pool.submit(lambda t: trades_csv.write_table(t.select(TRADE_COLUMNS)), table),
                       pool.submit(lambda t: ratings_csv.write_table(_ratings(t)), table)]
        for job in pending:
            job.result()
        ratings_csv.write_table(pa.table(_rating_columns(orphans(sim, lines), sim))
                                .select(RATING_COLUMNS))
    return paths + write_service(out_dir, sim, seed)


def write_big_parquet(path, lines: int, seed: int = 7, shops: int = 50,
                      block: int = 10_000_000, as_of: datetime = DEFAULT_AS_OF) -> Path:
    """A Parquet sample of any size in bounded memory (the benchmark's 100M lines): blocks of
    `block` lines, each simulated as its own shops (shop-01.. numbered on across blocks, so
    that no two blocks share a shop), appended to one typed file in row groups of CHUNK."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    blocks = max(1, -(-lines // block))
    per_block = max(1, shops // blocks)
    width = max(2, len(str(per_block * blocks)))
    schema = pa.schema([(c, PARQUET_TYPES.get(c, pa.string())) for c in COLUMNS])
    with pq.ParquetWriter(path, schema) as out:
        for k in range(blocks):
            size = min(block, lines - k * block)
            sim = _simulated(size, seed + k, per_block, as_of)
            names = pa.array([f"shop-{k * per_block + j + 1:0{width}d}"
                              for j in range(per_block)])
            for lo, hi in _chunks(size):
                table = _typed(_table(sim, lo, hi))
                at = pc.index_in(table["shop_id"], pa.array(_shop_names(sim)))
                table = table.set_column(table.column_names.index("shop_id"), "shop_id",
                                         pc.take(names, at))
                out.write_table(table)
            del sim
    return path


def _simulated(lines: int, seed: int, shops: int, as_of: datetime) -> dict:
    """The simulation, with its orders' payment, pickup, sign-for and promised delivery."""
    sim = simulate(lines, seed, shops, as_of)
    sim["orders"].update(service_orders(sim, seed))
    return sim


def _shop_names(sim: dict) -> list:
    shops = sim["shops"]
    return [f"shop-{k + 1:0{max(2, len(str(shops)))}d}" for k in range(shops)]


def service_tables(sim: dict, seed: int) -> tuple[pa.Table, pa.Table]:
    """The after-sale cases and chat messages of the sample, as text tables in the canonical
    columns of CONTRACT.md."""
    orders, base = sim["orders"], sim["base"]
    names = _shop_names(sim)
    cases = after_sales(sim, seed)
    o = cases["order"]
    sales = pa.table({
        "shop_id": _words(orders["shop"][o], names),
        "aftersale_id": _ids(np.arange(len(o)) + 1_000_001, "AS"),
        "order_id": _ids(orders["order"][o]),
        "type": _words(cases["type"], CASE_TYPES), "reason": _words(cases["reason"], CASE_REASONS),
        "status": _words(cases["status"], CASE_STATUSES),
        **{c: _times(cases[c].astype(np.int32), base)
           for c in ("applied_at", "agreed_at", "return_received_at", "refunded_at")},
        "escalated": _words(cases["escalated"], ("false", "true")),
        "seller_liable": _words(cases["seller_liable"], ("false", "true"))})
    msgs = chats(sim, seed)
    o = msgs["order"]
    talk = pa.table({
        "shop_id": _words(orders["shop"][o], names),
        "session_id": _ids(msgs["session"] + 5_000_001, "S"),
        "buyer_id": _ids(100_000_000 + (orders["buyer"][o].astype(np.int64) + 1) * 48_271
                         % 900_000_000, "tb"),
        "sent_at": _times(msgs["sent_at"].astype(np.int32), base),
        "sender": _words(msgs["sender"], SENDERS),
        "rating": _digit(msgs["rating"].astype(np.int8))})
    return sales, talk


def write_douyin_sample(out_dir, lines: int = 2000, seed: int = 11,
                        as_of: datetime = DEFAULT_AS_OF) -> list[Path]:
    """The Douyin-shaped sample (one shop): its order, after-sales and chat exports."""
    from shopscore.scoring.sample.douyin import write_douyin

    return write_douyin(out_dir, _simulated(lines, seed, 1, as_of), seed)


def write_service(out_dir: Path, sim: dict, seed: int) -> list[Path]:
    """sample_after_sales and sample_chats, as CSV and as typed Parquet."""
    sales, talk = service_tables(sim, seed)
    paths = []
    for name, table in (("after_sales", sales), ("chats", talk)):
        csv_path, parquet_path = out_dir / f"sample_{name}.csv", out_dir / f"sample_{name}.parquet"
        pacsv.write_csv(table, csv_path, write_options=pacsv.WriteOptions(
            quoting_style="none", quoting_header="none"))
        pq.write_table(_typed(table), parquet_path)
        paths += [csv_path, parquet_path]
    return paths
