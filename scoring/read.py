"""Reading input files (CSV, Parquet) into raw frames, with the source line of every row."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from .errors import InputFileError


@dataclass
class RawFile:
    """One input file as read: its columns as found, the source row number of each row, and
    the rows that could not even be split into columns (ragged rows)."""

    path: str
    frame: pd.DataFrame
    rows: np.ndarray  # the 1-based row number of each frame row, as a user would count it
    ragged: pd.DataFrame  # columns row, value: rows with the wrong number of cells
    kind: str  # "csv" or "parquet"


def _read_csv(path: Path) -> RawFile:
    try:
        with open(path, "rb") as fh:
            head = fh.read(1 << 16)
    except OSError as exc:
        raise InputFileError(path, f"the file cannot be read ({exc.strerror})") from None
    if not head.strip():
        raise InputFileError(path, "the file is empty; expected a header row naming the columns")
    ragged = []

    def on_ragged(row):
        ragged.append((row.number, (row.text or "")[:200]))
        return "skip"

    try:
        # Every column is read as text (ids stay strings); typing happens in validate.
        table = pacsv.read_csv(
            path,
            read_options=pacsv.ReadOptions(block_size=1 << 24),
            parse_options=pacsv.ParseOptions(invalid_row_handler=on_ragged),
            convert_options=pacsv.ConvertOptions(
                column_types=_all_text(path), strings_can_be_null=True, null_values=[""],
                quoted_strings_can_be_null=True),
        )
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
        raise InputFileError(path, f"not a readable CSV file ({_first_line(exc)})") from None
    frame = table.to_pandas(types_mapper=_text_mapper)
    skipped = {number for number, _ in ragged if number is not None}
    rows = np.arange(2, 2 + len(frame) + len(skipped), dtype=np.int64)
    if skipped:
        rows = rows[~np.isin(rows, list(skipped))]
    rows = rows[: len(frame)]
    ragged_frame = pd.DataFrame(ragged, columns=["row", "value"])
    return RawFile(str(path), frame, rows, ragged_frame, "csv")


def _all_text(path: Path) -> dict:
    """Column types mapping every header name to text, so ids are never parsed as numbers."""
    try:
        first = pacsv.open_csv(path, read_options=pacsv.ReadOptions(block_size=1 << 16))
        names = first.schema.names
    except (pa.ArrowInvalid, StopIteration):
        return {}
    return {name: pa.string() for name in names}


def _text_mapper(dtype):
    if dtype == pa.string() or dtype == pa.large_string():
        return pd.StringDtype("pyarrow", na_value=np.nan)
    return None


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def _read_parquet(path: Path) -> RawFile:
    try:
        table = pq.read_table(path)
    except (OSError, pa.ArrowInvalid) as exc:
        raise InputFileError(path, f"not a readable Parquet file ({_first_line(exc)})") from None
    frame = table.to_pandas(types_mapper=_text_mapper)
    rows = np.arange(1, len(frame) + 1, dtype=np.int64)
    return RawFile(str(path), frame, rows, pd.DataFrame(columns=["row", "value"]), "parquet")


def read_file(path) -> RawFile:
    """Read one CSV or Parquet file; header names are stripped of surrounding spaces."""
    path = Path(path)
    if not path.exists():
        raise InputFileError(path, "no such file")
    if path.is_dir():
        raise InputFileError(path, "this is a directory, not a file")
    if path.suffix.lower() in (".parquet", ".pq"):
        raw = _read_parquet(path)
    else:
        raw = _read_csv(path)
    raw.frame.columns = [str(c).strip() for c in raw.frame.columns]
    return raw
