"""Reading input files (CSV, Parquet, Excel) into raw frames, with the source line of every
row: one entry point (read_file) that refuses what is no regular file and says when memory runs
out; csvfile.py and excel.py read their kinds, Parquet is read here."""

from __future__ import annotations

import stat
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from shopscore.scoring.errors import InputFileError
from shopscore.scoring.inputs.csvfile import read_csv
from shopscore.scoring.inputs.excel import read_excel
from shopscore.scoring.inputs.raw import (
    RawFile,
    clean_header,
    first_line,
    no_rejects,
    refuse_duplicate_headers,
    tidy,
    wanted,
)

__all__ = ["RawFile", "partition_value", "read_file", "memory_error"]


@dataclass
class ParquetPlan:
    """How a Parquet file is read: its headers, the columns read (`include`), those read
    first (`now`, the ids) and those left for later, the columns read dictionary-encoded."""

    path: Path
    names: list
    include: list
    now: list
    later: list
    words: list


def parquet_plan(path: Path, keep=None, dictionary=frozenset(), first=None) -> ParquetPlan:
    """The plan of read_file for a Parquet file, its schema checked (duplicate headers,
    nested columns)."""
    try:
        schema = pq.read_schema(path)
    except (OSError, pa.ArrowInvalid) as exc:
        raise InputFileError(path, f"not a readable Parquet file ({first_line(exc)})") from None
    names = schema.names
    refuse_duplicate_headers(path, names, keep)
    include = wanted(names, keep)
    include = names if include is None else include
    for name in include:  # a list, struct or map is no cell of a table
        kind = schema.field(name).type
        if pa.types.is_nested(kind):
            raise InputFileError(path, f"column {clean_header(name)!r} is nested ({kind}), "
                                 "not one value per row: write it as plain text or numbers")
    now = [n for n in include if first is None or first(clean_header(n))]
    if not now:  # nothing to read first: read it all at once
        now = include
    return ParquetPlan(Path(path), list(names), include, now,
                       [n for n in include if n not in now],
                       [n for n in include if clean_header(n) in dictionary])


def parquet_frame(plan: ParquetPlan, table: pa.Table) -> pd.DataFrame:
    """Some columns of a Parquet file as the readers give them: bytes as text, the columns of
    few words dictionary-encoded, every column Arrow-backed (validate reads the arrays)."""
    table = _binary_as_text(plan.path, table)
    for i, name in enumerate(table.column_names):
        kind = table.schema.field(i).type
        if name in plan.words and (pa.types.is_string(kind) or pa.types.is_large_string(kind)):
            table = table.set_column(i, name, pc.dictionary_encode(table.column(i)))
    return table.to_pandas(types_mapper=pd.ArrowDtype)


def parquet_piece(plan: ParquetPlan, table: pa.Table, rows: np.ndarray) -> RawFile:
    """Some rows of a Parquet file (all its columns read, `rows` their row numbers) as
    read_file gives the whole file: the ids first, the rest left for read_later."""
    frame = parquet_frame(plan, table.select(plan.now))
    raw = RawFile(str(plan.path), frame, rows, no_rejects(), "parquet", headers=list(plan.names),
                  later=list(plan.later),
                  _reader=lambda: parquet_frame(plan, table.select(plan.later)))
    return _tidied(raw)


def _read_parquet(path: Path, keep=None, dictionary=frozenset(), first=None) -> RawFile:
    plan = parquet_plan(path, keep, dictionary, first)

    def read(columns: list) -> pd.DataFrame:
        words = [n for n in columns if n in plan.words]
        try:
            table = pq.read_table(path, columns=columns, read_dictionary=words or None,
                                  pre_buffer=False)  # less memory
        except (OSError, pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
            raise InputFileError(path, f"not a readable Parquet file ({first_line(exc)})") \
                from None
        return parquet_frame(plan, table)

    frame = read(plan.now)
    rows = np.arange(1, len(frame) + 1, dtype=np.int64)
    return RawFile(str(path), frame, rows, no_rejects(), "parquet", headers=list(plan.names),
                   later=list(plan.later), _reader=lambda: read(plan.later))


def _binary_as_text(path: Path, table: pa.Table) -> pa.Table:
    """Columns of raw bytes read as UTF-8 text; bytes that are not text: the file is refused,
    naming the column."""
    for i, field in enumerate(table.schema):
        if pa.types.is_binary(field.type) or pa.types.is_large_binary(field.type):
            try:
                table = table.set_column(i, field.name, table.column(i).cast(pa.large_string()))
            except pa.ArrowInvalid:
                raise InputFileError(path, f"column {clean_header(field.name)!r} holds bytes "
                                     "that are not UTF-8 text; write it as text") from None
    return table


def read_file(path, encoding: str | None = None, sheet: str | None = None,
              keep=None, dictionary=frozenset(), first=None) -> RawFile:
    """Read one CSV, Parquet or Excel file; header names are stripped of surrounding spaces.
    With `keep` (header -> bool), CSV and Parquet columns it refuses are not read; Parquet
    columns named in `dictionary` (few distinct words) are read dictionary-encoded. With
    `first` (header -> bool), a Parquet file's other columns are left for `read_later`, so
    the two parts of a big file need not be in memory together."""
    path = Path(path)
    refuse_irregular(path)
    suffix = path.suffix.lower()
    try:
        if suffix in (".parquet", ".pq"):
            raw = _read_parquet(path, keep, dictionary, first)
        elif suffix in (".xlsx", ".xlsm", ".xls", ".xlsb", ".ods"):
            raw = read_excel(path, sheet, keep)
        else:
            raw = read_csv(path, encoding, keep)
    except (MemoryError, pa.ArrowMemoryError):
        raise memory_error(path) from None
    return _tidied(raw)


def _tidied(raw: RawFile) -> RawFile:
    raw.frame = tidy(raw.frame)
    raw.headers = [clean_header(c) for c in raw.headers]
    raw.later = [clean_header(c) for c in raw.later]
    return raw


def refuse_irregular(path: Path):
    """A path that is no regular file (missing, a directory, a FIFO, a device) is refused:
    reading a FIFO would wait for a writer forever."""
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        raise InputFileError(path, "no such file") from None
    except OSError as exc:
        raise InputFileError(path, f"the file cannot be read ({exc.strerror or exc})") from None
    if stat.S_ISDIR(mode):
        raise InputFileError(path, "this is a directory, not a file")
    if not stat.S_ISREG(mode):
        what = "a FIFO (named pipe)" if stat.S_ISFIFO(mode) else "a device or socket"
        raise InputFileError(path, f"not a regular file ({what}): give the export file itself")


def memory_error(path: Path) -> InputFileError:
    """Memory ran out while reading a file: say so, with roughly what it needs."""
    try:
        size = Path(path).stat().st_size
    except OSError:
        size = 0
    factor = 8 if Path(path).suffix.lower() in (".parquet", ".pq") else 3
    need = f"; reading it takes roughly {_size(size * factor)} of memory" if size else ""
    return InputFileError(path, f"not enough memory to read this file{need}: free memory, or "
                          "split the export (by month or by shop) and give the parts")


def _size(n: float) -> str:
    for unit in ("bytes", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return f"{n:.0f} {unit}" if unit == "bytes" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} TiB"


def partition_value(path, key: str = "shop_id") -> str | None:
    """The value of a hive-style `KEY=VALUE` directory in a file's path (the deepest one,
    URL-decoded as pyarrow and Spark write it); None when there is none."""
    from urllib.parse import unquote

    for part in reversed(Path(path).parent.parts):
        name, sep, value = part.partition("=")
        if sep and name == key:
            value = unquote(value)
            return value if value and value != "__HIVE_DEFAULT_PARTITION__" else None
    return None
