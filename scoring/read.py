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
    kind: str  # "csv", "parquet" or "xlsx"
    encoding: str | None = None  # the text encoding a CSV was read with


def detect_encoding(head: bytes) -> str:
    """UTF-8 (with or without BOM) when the bytes decode as UTF-8, else GB18030 (a superset
    of GBK, which Chinese back offices write)."""
    if head.startswith(b"\xef\xbb\xbf"):
        return "utf-8"
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 4:  # not just a character cut at the sample's end
            return "gb18030"
    return "utf-8"


def _read_csv(path: Path, encoding: str | None = None) -> RawFile:
    try:
        with open(path, "rb") as fh:
            head = fh.read(1 << 20)
    except OSError as exc:
        raise InputFileError(path, f"the file cannot be read ({exc.strerror or exc})") from None
    if not head.strip(b" \t\r\n\xef\xbb\xbf"):
        raise InputFileError(path, "the file is empty; expected a header row naming the columns")
    encoding = encoding or detect_encoding(head)
    if b"\x00" in head[:4096]:
        raise InputFileError(path, "not a text CSV file (it holds NUL bytes: is it a "
                             "spreadsheet or a compressed file? .xlsx and .parquet are read "
                             "by their extension)")
    ragged = []

    def on_ragged(row):
        ragged.append((row.number, (row.text or "")[:200]))
        return "skip"

    try:
        # Every column is read as text (ids stay strings); typing happens in validate.
        table = pacsv.read_csv(
            path,
            # One thread, empty lines kept: the reader then numbers every line, so a
            # rejected row can be named by the line a user sees in an editor.
            read_options=pacsv.ReadOptions(block_size=1 << 24, use_threads=False,
                                           encoding=_arrow_encoding(encoding)),
            parse_options=pacsv.ParseOptions(invalid_row_handler=on_ragged,
                                             ignore_empty_lines=False),
            convert_options=pacsv.ConvertOptions(
                column_types=_all_text(path, encoding), strings_can_be_null=True,
                null_values=[""],
                quoted_strings_can_be_null=True),
        )
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, UnicodeDecodeError, LookupError) as exc:
        hint = "" if not isinstance(exc, (UnicodeDecodeError, LookupError)) and "UTF8" not in \
            str(exc) else f"; it is not {encoding}: pass --encoding (e.g. gb18030 or utf-8)"
        raise InputFileError(path, f"not a readable CSV file ({_first_line(exc)}){hint}") \
            from None
    frame = table.to_pandas(types_mapper=_text_mapper)
    skipped = {number for number, _ in ragged if number is not None}
    rows = np.arange(2, 2 + len(frame) + len(skipped), dtype=np.int64)
    if skipped:
        rows = rows[~np.isin(rows, list(skipped))]
    rows = rows[: len(frame)]
    # Blank lines (every cell empty) carry nothing: they are not rows.
    blank = frame.isna().all(axis=1).to_numpy() if len(frame.columns) else np.zeros(0, bool)
    if blank.any():
        frame, rows = frame.loc[~blank].reset_index(drop=True), rows[~blank]
    ragged_frame = pd.DataFrame(ragged, columns=["row", "value"])
    return RawFile(str(path), frame, rows, ragged_frame, "csv", encoding)


def _arrow_encoding(encoding: str) -> str:
    return "utf8" if encoding.lower().replace("-", "").replace("_", "") in ("utf8", "utf8sig") \
        else encoding


def _all_text(path: Path, encoding: str) -> dict:
    """Column types mapping every header name to text, so ids are never parsed as numbers."""
    try:
        first = pacsv.open_csv(path, read_options=pacsv.ReadOptions(
            block_size=1 << 16, encoding=_arrow_encoding(encoding)))
        names = first.schema.names
    except (pa.ArrowInvalid, StopIteration, UnicodeDecodeError, LookupError):
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


def _read_excel(path: Path, sheet: str | None) -> RawFile:
    from python_calamine import CalamineError, CalamineWorkbook

    try:
        book = CalamineWorkbook.from_path(str(path))
        names = book.sheet_names
        if sheet is None:
            chosen = names[0]
        elif sheet in names:
            chosen = sheet
        elif sheet.isdigit() and int(sheet) < len(names):
            chosen = names[int(sheet)]
        else:
            raise InputFileError(path, f"has no sheet {sheet!r} (sheets: {', '.join(names)}); "
                                 "fix --sheet")
        cells = book.get_sheet_by_name(chosen).to_python()
    except (CalamineError, OSError, ValueError) as exc:
        raise InputFileError(path, f"not a readable Excel file ({_first_line(exc)})") from None
    if not cells or not any(str(c).strip() for c in cells[0]):
        raise InputFileError(path, f"sheet {chosen!r} is empty; expected a header row")
    header = [str(c).strip() for c in cells[0]]
    width = len(header)
    body = [list(r[:width]) + [""] * (width - len(r)) for r in cells[1:]]
    frame = pd.DataFrame(body, columns=header, dtype=object)
    frame = frame.map(_cell_text).astype("string[pyarrow]")
    frame = frame.loc[:, [bool(h) for h in header]]
    rows = np.arange(2, len(frame) + 2, dtype=np.int64)
    blank = frame.isna().all(axis=1).to_numpy()
    frame, rows = frame.loc[~blank].reset_index(drop=True), rows[~blank]
    return RawFile(str(path), frame, rows, pd.DataFrame(columns=["row", "value"]), "xlsx")


def _cell_text(value):
    """An Excel cell as text: integral numbers without '.0', times as ISO, empty as missing."""
    if value is None or value == "":
        return None
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    if hasattr(value, "isoformat"):
        return value.isoformat(sep=" ") if hasattr(value, "hour") else value.isoformat()
    return str(value)


def read_file(path, encoding: str | None = None, sheet: str | None = None) -> RawFile:
    """Read one CSV, Parquet or Excel file; header names are stripped of surrounding spaces."""
    path = Path(path)
    if not path.exists():
        raise InputFileError(path, "no such file")
    if path.is_dir():
        raise InputFileError(path, "this is a directory, not a file")
    suffix = path.suffix.lower()
    if suffix in (".parquet", ".pq"):
        raw = _read_parquet(path)
    elif suffix in (".xlsx", ".xlsm", ".xls", ".xlsb", ".ods"):
        raw = _read_excel(path, sheet)
    else:
        raw = _read_csv(path, encoding)
    raw.frame.columns = [str(c).strip().lstrip("\ufeff").strip() for c in raw.frame.columns]
    keep = [bool(c) and not c.startswith("Unnamed") for c in raw.frame.columns]
    if not all(keep):  # trailing empty header cells: columns with no name carry nothing
        raw.frame = raw.frame.loc[:, keep]
    return raw
