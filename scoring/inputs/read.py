"""Reading input files (CSV, Parquet) into raw frames, with the source line of every row."""

from __future__ import annotations

import csv
import io
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from shopscore.scoring.engine.stages import note_read, watched
from shopscore.scoring.errors import InputFileError
from shopscore.scoring.inputs.columns import (
    DSR_COLUMNS,
    FALSE_WORDS,
    SERVICE_TIME_COLUMNS,
    TIME_COLUMNS,
    TRUE_WORDS,
)


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
    headers: list | None = None  # every header of the file (the frame may hold fewer)
    later: list = field(default_factory=list)  # headers of columns left to read_later
    _reader: Callable[[], pd.DataFrame] | None = None  # reads the columns left

    def __post_init__(self):
        if self.headers is None:
            self.headers = list(self.frame.columns)

    def read_later(self) -> pd.DataFrame:
        """The columns left for later (a Parquet file read in two parts, `first`), read now:
        a frame of the same rows. Nothing is left afterwards."""
        later, self.later = self.later, []
        if not later:
            return pd.DataFrame(index=self.frame.index)
        return _tidy(self._reader())


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


def _clean_header(name) -> str:
    return str(name).strip().lstrip("\ufeff").strip()


def _wanted(names, keep) -> list | None:
    """The columns to read: those whose (cleaned) header `keep` accepts; None: all."""
    if keep is None:
        return None
    return [n for n in names if keep(_clean_header(n))]


def _read_csv(path: Path, encoding: str | None = None, keep=None) -> RawFile:
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
    include = _wanted(names, keep)
    source = _counted(path)
    try:
        frame, rows, ragged = _parse_csv(source, encoding, names, include)
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
        frame, rows, ragged = _parse_csv(io.BytesIO(text.encode("utf-8")), "utf-8", names,
                                         include)
        frame, rows, ragged = _reject_replaced(frame, rows, ragged)
    finally:
        if source is not path:
            source.close()
    if len(frame) and _more_lines_than_rows(path, len(frame) + len(ragged)):
        rows, ragged = _editor_lines(path, encoding, rows, ragged)
    # Blank lines (every cell read empty) carry nothing: they are not rows. (Columns no
    # platform reads are not read, so a line filled only in those counts as blank.)
    blank = frame.isna().all(axis=1).to_numpy() if len(frame.columns) else np.zeros(0, bool)
    if blank.any():
        frame, rows = frame.loc[~blank].reset_index(drop=True), rows[~blank]
    return RawFile(str(path), frame, rows, ragged, "csv", encoding,
                   [n for n in names if n] if include is not None else None)


class _Counting(io.FileIO):
    """A file that tells the stage clock how far it has been read (for a progress display)."""

    def read(self, size=-1):
        data = super().read(size)
        note_read(self.name, self.tell())
        return data

    def readinto(self, buffer):
        n = super().readinto(buffer)
        note_read(self.name, self.tell())
        return n


def _counted(path: Path):
    """The CSV as the reader takes it: its path, or a counting file when a progress display
    watches the bytes."""
    return _Counting(str(path), "rb") if watched() else path


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


# Canonical columns a CSV reader may type as it reads: far cheaper than text, then parsing.
# One value it cannot read so (`0000-00-00`, `￥1,234.50`, `5.0`) and the file is read again
# as text, where validate judges every cell.
_TYPED = {**{c: pa.timestamp("s") for c in TIME_COLUMNS + SERVICE_TIME_COLUMNS},
          **{c: pa.int8() for c in DSR_COLUMNS},
          "escrow": pa.bool_(), "refunded": pa.bool_(), "amount": pa.float64()}


def _cased(words) -> list[str]:
    return sorted({v for w in words for v in (w, w.upper(), w.title())})


def _parse_csv(source, encoding: str, names: list[str], include=None, threads: bool = True,
               typed: bool = True):
    """(frame of the columns, record number of each row, ragged rows) of one CSV source.

    Read with threads; the reader numbers rows only when it reads with one thread, so a file
    with ragged rows is read again that way to name their lines."""
    ragged = []
    types = {name: _TYPED.get(_clean_header(name), pa.string()) if typed else pa.string()
             for name in names}

    def on_ragged(row):
        ragged.append((row.number, (row.text or "")[:200], "ragged_row"))
        return "skip"

    # pyarrow reports a ragged row it cannot decode as an "unraisable" error: catch it.
    undecodable = []
    previous, sys.unraisablehook = sys.unraisablehook, undecodable.append
    try:
        # Ids and words are read as text (ids stay strings), canonical times, flags, stars
        # and amounts typed when every value allows. Empty lines are kept, so row k of the
        # table is line k + 2 of the file, as an editor shows it.
        table = pacsv.read_csv(
            source,
            read_options=pacsv.ReadOptions(block_size=1 << 24, use_threads=threads,
                                           encoding=_arrow_encoding(encoding)),
            parse_options=pacsv.ParseOptions(invalid_row_handler=on_ragged,
                                             ignore_empty_lines=False),
            convert_options=pacsv.ConvertOptions(
                column_types=types, strings_can_be_null=True,
                null_values=[""], quoted_strings_can_be_null=True,
                true_values=_cased(TRUE_WORDS), false_values=_cased(FALSE_WORDS),
                include_columns=include))
        frame = table.to_pandas(types_mapper=_text_mapper)
    except (pa.ArrowInvalid, UnicodeDecodeError) as exc:
        if undecodable:
            raise _Undecodable() from None
        if typed and "conversion error" in str(exc).lower():
            if hasattr(source, "seek"):
                source.seek(0)
            return _parse_csv(source, encoding, names, include, threads, typed=False)
        raise
    finally:
        sys.unraisablehook = previous
    if undecodable:
        raise _Undecodable()
    if threads and ragged:
        if hasattr(source, "seek"):
            source.seek(0)
        return _parse_csv(source, encoding, names, include, threads=False, typed=typed)
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


def _more_lines_than_rows(path: Path, rows: int) -> bool:
    """Whether the file has more line breaks than its header and rows need: then a quoted
    cell spans lines (a review text, say), in a column read or not."""
    breaks = 0
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 24):
            breaks += chunk.count(b"\n")
    return breaks > rows + 1


def _editor_lines(path: Path, encoding: str, rows: np.ndarray, ragged: pd.DataFrame):
    """Record numbers turned into the line an editor shows, for files whose quoted cells span
    several lines (review texts). Costs one more pass over the file, only for such files."""
    starts, line = [], 1
    limit = csv.field_size_limit()
    try:
        csv.field_size_limit(1 << 30)  # a cell as long as the file (pyarrow read it whole)
        with open(path, encoding=_python_encoding(encoding), errors="replace",
                  newline="") as fh:
            reader = csv.reader(fh)
            for _ in reader:
                starts.append(line)
                line = reader.line_num + 1
    except csv.Error:  # a file pyarrow reads but Python's csv does not: keep record numbers
        return rows, ragged
    finally:
        csv.field_size_limit(limit)
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
    return pd.ArrowDtype(dtype)  # typed columns stay Arrow arrays: validate reads them


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def _read_parquet(path: Path, keep=None, dictionary=frozenset(), first=None) -> RawFile:
    try:
        names = pq.read_schema(path).names
    except (OSError, pa.ArrowInvalid) as exc:
        raise InputFileError(path, f"not a readable Parquet file ({_first_line(exc)})") from None
    include = _wanted(names, keep)
    include = names if include is None else include
    now = [n for n in include if first is None or first(_clean_header(n))]
    if not now:  # nothing to read first: read it all at once
        now = include

    def read(columns: list) -> pd.DataFrame:
        words = [n for n in columns if _clean_header(n) in dictionary]
        try:
            table = pq.read_table(path, columns=columns, read_dictionary=words or None,
                                  pre_buffer=False)  # less memory
        except (OSError, pa.ArrowInvalid) as exc:
            raise InputFileError(path, f"not a readable Parquet file ({_first_line(exc)})") \
                from None
        # Arrow-backed columns: no conversion (validate reads the Arrow arrays).
        return table.to_pandas(types_mapper=pd.ArrowDtype)

    frame = read(now)
    rows = np.arange(1, len(frame) + 1, dtype=np.int64)
    later = [n for n in include if n not in now]
    return RawFile(str(path), frame, rows, pd.DataFrame(columns=["row", "value", "reason"]),
                   "parquet", headers=list(names), later=later, _reader=lambda: read(later))


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


def read_file(path, encoding: str | None = None, sheet: str | None = None,
              keep=None, dictionary=frozenset(), first=None) -> RawFile:
    """Read one CSV, Parquet or Excel file; header names are stripped of surrounding spaces.
    With `keep` (header -> bool), CSV and Parquet columns it refuses are not read; Parquet
    columns named in `dictionary` (few distinct words) are read dictionary-encoded. With
    `first` (header -> bool), a Parquet file's other columns are left for `read_later`, so
    the two parts of a big file need not be in memory together."""
    path = Path(path)
    if not path.exists():
        raise InputFileError(path, "no such file")
    if path.is_dir():
        raise InputFileError(path, "this is a directory, not a file")
    suffix = path.suffix.lower()
    if suffix in (".parquet", ".pq"):
        raw = _read_parquet(path, keep, dictionary, first)
    elif suffix in (".xlsx", ".xlsm", ".xls", ".xlsb", ".ods"):
        raw = _read_excel(path, sheet)
    else:
        raw = _read_csv(path, encoding, keep)
    raw.frame = _tidy(raw.frame)
    raw.headers = [_clean_header(c) for c in raw.headers]
    raw.later = [_clean_header(c) for c in raw.later]
    return raw


def _tidy(frame: pd.DataFrame) -> pd.DataFrame:
    """Headers stripped of surrounding spaces; columns without a name dropped (trailing empty
    header cells carry nothing)."""
    frame.columns = [_clean_header(c) for c in frame.columns]
    keep = [bool(c) and not c.startswith("Unnamed") for c in frame.columns]
    return frame if all(keep) else frame.loc[:, keep]


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
