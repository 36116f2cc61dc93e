"""Reading input files (CSV, Parquet) into raw frames, with the source line of every row."""

from __future__ import annotations

import csv
import io
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
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
    ragged: pd.DataFrame  # row, value, reason: rows unreadable as such (ragged_row, bad_bytes)
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
    if b"\x00" in head[:4096]:
        raise InputFileError(path, "not a text CSV file (it holds NUL bytes: is it a "
                             "spreadsheet or a compressed file? .xlsx and .parquet are read "
                             "by their extension)")
    forced = encoding is not None
    encoding = encoding or detect_encoding(head)
    try:
        "".encode(encoding)
    except LookupError:
        raise InputFileError(path, f"unknown encoding {encoding!r}; fix --encoding "
                             "(e.g. utf-8 or gb18030)") from None
    names = _header_names(head, encoding)
    try:
        frame, rows, ragged = _parse_csv(path, encoding, names)
    except (UnicodeDecodeError, _Undecodable, pa.ArrowInvalid) as exc:
        undecodable = isinstance(exc, (UnicodeDecodeError, _Undecodable)) or "UTF8" in str(exc) \
            or "decode" in str(exc).lower()
        if not undecodable:
            raise InputFileError(path, f"not a readable CSV file ({_first_line(exc)})") from None
        if forced:
            raise InputFileError(path, f"the file is not {encoding} text; fix --encoding "
                                 "(e.g. gb18030 or utf-8), or leave it out to detect") from None
        # A few bytes that are not valid text (a cut download, a stray byte): read them as
        # U+FFFD and go on; the rows they are in are rejected or show the damage.
        text = path.read_bytes().decode(_python_encoding(encoding), errors="replace")
        frame, rows, ragged = _parse_csv(io.BytesIO(text.encode("utf-8")), "utf-8", names)
        frame, rows, ragged = _reject_replaced(frame, rows, ragged)
    if len(frame) and _has_multiline_cells(frame):
        rows, ragged = _editor_lines(path, encoding, rows, ragged)
    # Blank lines (every cell empty) carry nothing: they are not rows.
    blank = frame.isna().all(axis=1).to_numpy() if len(frame.columns) else np.zeros(0, bool)
    if blank.any():
        frame, rows = frame.loc[~blank].reset_index(drop=True), rows[~blank]
    return RawFile(str(path), frame, rows, ragged, "csv", encoding)


def _python_encoding(encoding: str) -> str:
    return "utf-8-sig" if _arrow_encoding(encoding) == "utf8" else encoding


def _header_names(head: bytes, encoding: str) -> list[str]:
    """The header row's names, parsed the way the CSV reader will see them."""
    text = head.decode(_python_encoding(encoding), errors="replace")
    try:
        return next(csv.reader(io.StringIO(text)), [])
    except csv.Error:
        return []


class _Undecodable(Exception):
    """Bytes the encoding cannot decode were met while reading."""


def _parse_csv(source, encoding: str, names: list[str]):
    """(frame of text columns, record number of each row, ragged rows) of one CSV source."""
    ragged = []

    def on_ragged(row):
        ragged.append((row.number, (row.text or "")[:200], "ragged_row"))
        return "skip"

    # pyarrow reports a ragged row it cannot decode as an "unraisable" error: catch it.
    undecodable = []
    previous, sys.unraisablehook = sys.unraisablehook, undecodable.append
    try:
        # Every column is read as text (ids stay strings); typing happens in validate. One
        # thread and empty lines kept: the reader then numbers every row, so a rejected row
        # can be named by the line a user sees in an editor.
        table = pacsv.read_csv(
            source,
            read_options=pacsv.ReadOptions(block_size=1 << 24, use_threads=False,
                                           encoding=_arrow_encoding(encoding)),
            parse_options=pacsv.ParseOptions(invalid_row_handler=on_ragged,
                                             ignore_empty_lines=False),
            convert_options=pacsv.ConvertOptions(
                column_types={name: pa.string() for name in names}, strings_can_be_null=True,
                null_values=[""], quoted_strings_can_be_null=True))
        frame = table.to_pandas(types_mapper=_text_mapper)
    except (pa.ArrowInvalid, UnicodeDecodeError):
        if undecodable:
            raise _Undecodable() from None
        raise
    finally:
        sys.unraisablehook = previous
    if undecodable:
        raise _Undecodable()
    skipped = {number for number, _, _ in ragged if number is not None}
    rows = np.arange(2, 2 + len(frame) + len(skipped), dtype=np.int64)
    if skipped:
        rows = rows[~np.isin(rows, list(skipped))]
    return frame, rows[: len(frame)], pd.DataFrame(ragged, columns=["row", "value", "reason"])


def _reject_replaced(frame: pd.DataFrame, rows: np.ndarray, ragged: pd.DataFrame):
    """Rows holding bytes that were not text (now U+FFFD) are rejected as bad_bytes."""
    bad = np.zeros(len(frame), dtype=bool)
    for col in frame.columns:
        if pd.api.types.is_string_dtype(frame[col]):
            bad |= frame[col].str.contains("\ufffd", regex=False).fillna(False).to_numpy(bool)
    ragged = ragged.assign(reason=np.where(ragged["value"].astype(str).str.contains("\ufffd"),
                                           "bad_bytes", ragged["reason"])) if len(ragged) \
        else ragged
    if not bad.any():
        return frame, rows, ragged
    damaged = frame.loc[bad]
    text = damaged.astype(object).fillna("").astype(str).agg(",".join, axis=1)
    extra = pd.DataFrame({"row": rows[bad], "value": text.str.slice(0, 200).to_numpy(),
                          "reason": "bad_bytes"})
    ragged = pd.concat([ragged, extra], ignore_index=True) if len(ragged) else extra
    return frame.loc[~bad].reset_index(drop=True), rows[~bad], ragged


def _has_multiline_cells(frame: pd.DataFrame) -> bool:
    for col in frame.columns:
        values = frame[col]
        if pd.api.types.is_string_dtype(values):
            arr = pa.array(values, type=pa.large_string(), from_pandas=True)
            if pc.any(pc.match_substring(arr, "\n")).as_py():
                return True
    return False


def _editor_lines(path: Path, encoding: str, rows: np.ndarray, ragged: pd.DataFrame):
    """Record numbers turned into the line an editor shows, for files whose quoted cells span
    several lines (review texts). Costs one more pass over the file, only for such files."""
    starts, line = [], 1
    with open(path, encoding=_python_encoding(encoding), errors="replace", newline="") as fh:
        reader = csv.reader(fh)
        for _ in reader:
            starts.append(line)
            line = reader.line_num + 1
    starts = np.asarray(starts, dtype=np.int64)

    def to_line(record):
        record = np.asarray(record, dtype=np.int64)
        ok = (record >= 1) & (record <= len(starts))
        return np.where(ok, starts[np.clip(record - 1, 0, max(len(starts) - 1, 0))], record)

    ragged = ragged.assign(row=to_line(ragged["row"].fillna(0).to_numpy())) if len(ragged) \
        else ragged
    return to_line(rows), ragged


def _arrow_encoding(encoding: str) -> str:
    return "utf8" if encoding.lower().replace("-", "").replace("_", "") in ("utf8", "utf8sig") \
        else encoding


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
    return RawFile(str(path), frame, rows, pd.DataFrame(columns=["row", "value", "reason"]),
                   "parquet")


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
    return RawFile(str(path), frame, rows, pd.DataFrame(columns=["row", "value", "reason"]),
                   "xlsx")


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
