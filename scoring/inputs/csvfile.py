"""Reading CSV files into raw frames: text decoded (encodings.py), every row numbered by the
line an editor shows, and rows that cannot be read rejected one by one (a ragged row, bytes
that are not text, a quote that never closes), so that the rows read are the lines the file
holds: nothing swallowed, nothing silently lost."""

from __future__ import annotations

import csv
import io
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from shopscore.scoring.engine.stages import note_read, watched
from shopscore.scoring.errors import InputFileError
from shopscore.scoring.inputs import encodings
from shopscore.scoring.inputs.columns import (
    DSR_COLUMNS,
    FALSE_WORDS,
    SERVICE_TIME_COLUMNS,
    TIME_COLUMNS,
    TRUE_WORDS,
)
from shopscore.scoring.inputs.raw import (
    REJECTED,
    RawFile,
    clean_header,
    first_line,
    refuse_duplicate_headers,
    text_mapper,
    wanted,
)

HEAD = 1 << 20  # the bytes that tell a file's encoding
BLOCK = 1 << 24  # the bytes the reader parses at a time: no line may be longer
UNCLOSED = "unclosed_quote"
ROUNDS = 20  # quotes that never close, set aside one by one; more and the file is refused


def read_csv(path: Path, encoding: str | None = None, keep=None) -> RawFile:
    """Read one CSV file (`keep`: header -> whether to read that column)."""
    head, whole = head_of(path)
    chosen, mixed = chosen_encoding(path, head, whole, encoding)
    names, include = header_columns(path, head, chosen, mixed, keep)
    frame, rows, ragged = read_records(path, path, chosen, encoding is not None, mixed, names,
                                       include)
    return RawFile(str(path), frame, rows, ragged, "csv", chosen,
                   [n for n in names if n] if include is not None else None)


def chosen_encoding(path: Path, head: bytes, whole: bool, encoding: str | None) -> tuple[str, bool]:
    """(the encoding to read the file in, whether its lines mix two encodings)."""
    if encoding is None:
        return encodings.detect(head, whole)
    if not encodings.known(encoding):
        raise InputFileError(path, f"unknown encoding {encoding!r}; fix --encoding "
                             "(e.g. utf-8 or gb18030)")
    return encoding, False


def header_columns(path: Path, head: bytes, chosen: str, mixed: bool, keep):
    """(the header's names, the columns to read), duplicate headers refused."""
    if mixed:  # the header as it reads once the lines are decoded one by one
        head = encodings.transcode(head, chosen)[0]
    names = _header_names(head, "utf-8" if mixed else chosen)
    refuse_duplicate_headers(path, names, keep)
    return names, wanted(names, keep)


def read_records(path: Path, source, chosen: str, forced: bool, mixed: bool, names: list,
                 include, before: int = 0, typed: bool = True):
    """(frame, line of each row, rejected rows) of a CSV source (the file, or a piece of it:
    its header line, then the lines after the first `before` lines of the file); `typed`
    false: every column read as text at once (an earlier piece could not be read typed)."""
    text, misfit = chosen, np.zeros(0, np.int64)
    if mixed:  # lines of two encodings: decoded line by line
        source, misfit = _transcoded(source, chosen)
        text = "utf-8"
    try:
        frame, rows, ragged = _parse(path, source, text, names, include, typed=typed)
    except _Undecodable:
        if forced:
            raise _misfit_error(path, chosen) from None
        # Bytes that are not text in the file's encoding (a cut download, a stray byte, a
        # line of another encoding): the file is read line by line and those rows rejected.
        source, misfit = _transcoded(source, chosen)
        text = "utf-8"
        frame, rows, ragged = _parse(path, source, text, names, include, typed=typed)
    starts = None
    if len(frame) + len(ragged) and _more_lines_than_rows(source, len(frame) + len(ragged)):
        source, frame, rows, ragged, starts = _close_quotes(path, source, text, names, include,
                                                            frame, rows, ragged, before, typed)
    if misfit.size:
        frame, rows, ragged = _reject_lines(frame, rows, ragged, misfit, starts)
    # Blank lines (every cell read empty) carry nothing: they are not rows. (Columns no
    # platform reads are not read, so a line filled only in those counts as blank.)
    blank = frame.isna().all(axis=1).to_numpy() if len(frame.columns) else np.zeros(0, bool)
    if blank.any():
        frame, rows = frame.loc[~blank].reset_index(drop=True), rows[~blank]
    if before:
        rows = rows + before
        if len(ragged):
            ragged = ragged.assign(row=ragged["row"].fillna(0).to_numpy(np.int64) + before)
    return frame, rows, ragged


def head_of(path: Path) -> tuple[bytes, bool]:
    """(the first bytes of the file, whether that is all of it), refusing files that are no
    text CSV at all."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(HEAD + 1)
    except OSError as exc:
        raise InputFileError(path, f"the file cannot be read ({exc.strerror or exc})") from None
    if not head.strip(b" \t\r\n\xef\xbb\xbf"):
        raise InputFileError(path, "the file is empty; expected a header row naming the columns")
    if b"\x00" in head[:4096]:
        raise InputFileError(path, "not a text CSV file (it holds NUL bytes: is it a "
                             "spreadsheet or a compressed file? .xlsx and .parquet are read "
                             "by their extension)")
    return head[:HEAD], len(head) <= HEAD


def _transcoded(source, encoding: str) -> tuple[io.BytesIO, np.ndarray]:
    data, misfit = encodings.transcode(_bytes_of(source), encoding)
    return io.BytesIO(data), misfit


def _misfit_error(path: Path, encoding: str) -> InputFileError:
    found = encodings.first_misfit(path, encoding)
    where = f"line {found[0]} is not {encoding} text (byte 0x{found[2]:02x} at position " \
        f"{found[1]})" if found else f"the file is not {encoding} text"
    return InputFileError(path, f"{where}; fix --encoding (e.g. gb18030 or utf-8), or leave it "
                          "out to detect")


def _header_names(head: bytes, encoding: str) -> list[str]:
    """The header row's names, parsed the way the CSV reader will see them."""
    text = head.decode(encodings.python_codec(encoding), errors="replace")
    try:
        return next(csv.reader(io.StringIO(text, newline="")), [])  # CR ends too
    except csv.Error:
        return []


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


class _Undecodable(Exception):
    """Bytes the encoding cannot decode were met while reading."""


# Canonical columns a CSV reader may type as it reads: far cheaper than text, then parsing.
# One value it cannot read so (`0000-00-00`, `5.0`) and the file is read again as text, where
# validate judges every cell. Amounts stay text: the reader would take `nan` for a number.
_TYPED = {**{c: pa.timestamp("s") for c in TIME_COLUMNS + SERVICE_TIME_COLUMNS},
          **{c: pa.int8() for c in DSR_COLUMNS}, "escrow": pa.bool_(), "refunded": pa.bool_()}


def read_as_text(frame: pd.DataFrame) -> bool:
    """Whether a frame's columns that are read typed when every value allows came as text
    (a value refused them)."""
    return any(not isinstance(frame[c].dtype, pd.ArrowDtype) for c in frame.columns
               if clean_header(c) in _TYPED)


def _cased(words) -> list[str]:
    return sorted({v for w in words for v in (w, w.upper(), w.title())})


def _parse(path: Path, source, encoding: str, names: list[str], include,
           spanning: bool = False, typed: bool = True):
    """_parse_csv, its failures turned into one sentence about the file (`spanning`: cells
    may hold line breaks, so blocks are cut between records, never inside one)."""
    if isinstance(source, Path) and watched():  # a progress display counts the bytes read
        with _Counting(str(source), "rb") as counted:
            return _parse(path, counted, encoding, names, include, spanning, typed)
    if hasattr(source, "seek"):
        source.seek(0)
    try:
        return _parse_csv(source, encoding, names, include, typed=typed, spanning=spanning)
    except (UnicodeDecodeError, pa.ArrowInvalid) as exc:
        message = str(exc)
        if "UTF8" in message or "decode" in message.lower():
            raise _Undecodable() from None
        if "straddl" in message:  # a line longer than a block of the reader
            raise _long_line_error(path, source) from None
        if "newlines_in_values" in message and not spanning:  # a block cut inside a record
            return _parse(path, source, encoding, names, include, spanning=True, typed=typed)
        raise InputFileError(path, f"not a readable CSV file ({first_line(exc)})") from None


def _long_line_error(path: Path, source) -> InputFileError:
    """The first line longer than the reader's block, named."""
    line, begin, offset, found = 1, 0, 0, None
    stream = io.BytesIO(source.getvalue()) if hasattr(source, "getvalue") else open(path, "rb")
    with stream as fh:
        while found is None and (chunk := fh.read(BLOCK)):
            breaks = np.flatnonzero(np.frombuffer(chunk, np.uint8) == 10) + offset
            begins = np.append(begin, breaks[:-1] + 1)  # where each line ended here began
            long = np.flatnonzero(breaks - begins > BLOCK)
            if long.size:
                found = line + int(long[0])
                break
            if breaks.size:
                line, begin = line + len(breaks), int(breaks[-1]) + 1
            offset += len(chunk)
            if offset - begin > BLOCK:  # the line read so far is too long already
                found = line
    where = f"line {found}" if found is not None else "a line"
    return InputFileError(path, f"{where} is longer than {BLOCK >> 20} MiB (a cell that never "
                          "ends, or not a CSV file): a line longer than that cannot be read")


def _parse_csv(source, encoding: str, names: list[str], include=None, threads: bool = True,
               typed: bool = True, spanning: bool = False):
    """(frame of the columns, record number of each row, ragged rows) of one CSV source.

    Read with threads; the reader numbers rows only when it reads with one thread, so a file
    with ragged rows is read again that way to name their lines."""
    ragged = []
    types = {name: _TYPED.get(clean_header(name), pa.string()) if typed else pa.string()
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
            read_options=pacsv.ReadOptions(block_size=BLOCK, use_threads=threads,
                                           encoding=_arrow_encoding(encoding)),
            parse_options=pacsv.ParseOptions(invalid_row_handler=on_ragged,
                                             ignore_empty_lines=False,
                                             newlines_in_values=spanning),
            convert_options=pacsv.ConvertOptions(
                column_types=types, strings_can_be_null=True,
                null_values=[""], quoted_strings_can_be_null=True,
                true_values=_cased(TRUE_WORDS), false_values=_cased(FALSE_WORDS),
                include_columns=include))
        frame = table.to_pandas(types_mapper=text_mapper)
    except (pa.ArrowInvalid, UnicodeDecodeError) as exc:
        if undecodable:
            raise _Undecodable() from None
        if typed and "conversion error" in str(exc).lower():
            if hasattr(source, "seek"):
                source.seek(0)
            return _parse_csv(source, encoding, names, include, threads, typed=False,
                              spanning=spanning)
        raise
    finally:
        sys.unraisablehook = previous
    if undecodable:
        raise _Undecodable()
    if threads and ragged:
        if hasattr(source, "seek"):
            source.seek(0)
        return _parse_csv(source, encoding, names, include, threads=False, typed=typed,
                          spanning=spanning)
    skipped = {number for number, _, _ in ragged if number is not None}
    rows = np.arange(2, 2 + len(frame) + len(skipped), dtype=np.int64)
    if skipped:
        rows = rows[~np.isin(rows, list(skipped))]
    return frame, rows[: len(frame)], pd.DataFrame(ragged, columns=REJECTED)


def _arrow_encoding(encoding: str) -> str:
    return "utf8" if encodings.is_utf8(encoding) else encoding


def _bytes_of(source) -> bytes:
    return source.getvalue() if hasattr(source, "getvalue") else Path(source).read_bytes()


def _more_lines_than_rows(source, rows: int) -> bool:
    """Whether the file has more line breaks than its header and rows need: then a quoted
    cell spans lines (a review text, say; or a quote that never closes)."""
    breaks = {b"\n": 0, b"\r": 0}
    chunks = [source.getvalue()] if hasattr(source, "getvalue") else None
    with (open(source, "rb") if chunks is None else io.BytesIO(chunks[0])) as fh:
        while chunk := fh.read(BLOCK):
            for mark in breaks:
                breaks[mark] += chunk.count(mark)
    # Lines end in LF (or CRLF); an old Mac export ends them in CR alone.
    return (breaks[b"\n"] or breaks[b"\r"]) > rows + 1


def _close_quotes(path, source, encoding, names, include, frame, rows, ragged, before=0,
                  typed=True):
    """For a file whose records span lines: each quote that never closes (it swallows the
    rows after it into one cell) is set aside, its line rejected as unclosed_quote and the
    rest read again; then record numbers become the lines an editor shows. Returns (source,
    frame, rows, ragged, the first line of each record)."""
    unclosed = []
    if _size(source) > BLOCK:  # blocks read side by side may have cut a record: read again,
        frame, rows, ragged = _parse(path, source, encoding, names, include, spanning=True,
                                     typed=typed)
    for _ in range(ROUNDS + 1):
        starts, openers = _records(source, encoding, len(names))
        if starts is None or not openers:
            break
        if len(unclosed) >= ROUNDS:
            raise InputFileError(path, f"line {unclosed[0][0] + before} opens a quoted cell "
                                 f"that never closes, and so do {len(openers)} more lines: fix the "
                                 "quotes (\") of the file")
        source, texts = _blanked(_bytes_of(source), openers, encoding)
        unclosed += [(line, text, UNCLOSED) for line, text in zip(openers, texts, strict=True)]
        frame, rows, ragged = _parse(path, source, encoding, names, include, spanning=True,
                                     typed=typed)
    if starts is not None:
        rows, ragged = _editor_lines(starts, rows, ragged)
    if unclosed:
        extra = pd.DataFrame(unclosed, columns=REJECTED)
        ragged = pd.concat([ragged, extra], ignore_index=True) if len(ragged) else extra
    return source, frame, rows, ragged, starts


def _size(source) -> int:
    return len(source.getvalue()) if hasattr(source, "getvalue") else Path(source).stat().st_size


def _records(source, encoding: str, width: int):
    """(the first line of each record, the lines whose quote swallows the rows after it), by
    Python's csv reader (it splits records as pyarrow does); (None, []) when it cannot."""
    stream = io.BytesIO(source.getvalue()) if hasattr(source, "getvalue") else open(source, "rb")
    text = io.TextIOWrapper(stream, encoding=encodings.python_codec(encoding),
                            errors="replace", newline="")
    starts, openers, lines = [], [], []

    def feed():
        for raw in text:
            lines.append(raw)
            yield raw

    limit = csv.field_size_limit()
    line = 1
    try:
        csv.field_size_limit(1 << 30)  # a cell as long as the file (pyarrow read it whole)
        reader = csv.reader(feed())
        for fields in reader:
            starts.append(line)
            if len(lines) > 1 and _swallows(lines, fields, width):
                openers.append(line)
            lines.clear()
            line = reader.line_num + 1
    except csv.Error:  # a file pyarrow reads but Python's csv does not: keep record numbers
        return None, []
    finally:
        csv.field_size_limit(limit)
        text.close()
    return np.asarray(starts, dtype=np.int64), openers


def _swallows(lines: list[str], fields: list[str], width: int) -> bool:
    """Whether a record spanning several lines is a quote that never closes (or closes rows
    later) rather than a cell holding line breaks: the record has the wrong number of cells,
    its quote is still open at its end, or a line inside it is a whole row by itself."""
    if len(fields) != width:
        return True
    try:
        list(csv.reader(lines, strict=True))
    except csv.Error:
        return True
    return width > 2 and any('"' not in inner and inner.count(",") == width - 1
                             for inner in lines[1:-1])


def _blanked(data: bytes, lines: list[int], encoding: str) -> tuple[io.BytesIO, list[str]]:
    """The file with the given lines emptied (their line breaks kept, so every other line
    keeps its number), and the text of each (its first 200 characters)."""
    codes = np.frombuffer(data, np.uint8)
    breaks = np.flatnonzero(codes == 10)
    if not breaks.size:  # lines ended by CR alone
        breaks = np.flatnonzero(codes == 13)
    begins = np.append(0, breaks + 1)
    ends = np.append(breaks, len(data))
    parts, texts, at = [], [], 0
    codec = encodings.python_codec(encoding)
    for line in sorted(lines):
        begin, end = int(begins[line - 1]), int(ends[line - 1])
        parts.append(data[at:begin])
        texts.append(data[begin:end].strip(b"\r").decode(codec, errors="replace")[:200])
        at = end
    parts.append(data[at:])
    return io.BytesIO(b"".join(parts)), texts


def _editor_lines(starts: np.ndarray, rows: np.ndarray, ragged: pd.DataFrame):
    """Record numbers turned into the line an editor shows (records spanning several lines)."""

    def to_line(record):
        record = np.asarray(record, dtype=np.int64)
        ok = (record >= 1) & (record <= len(starts))
        return np.where(ok, starts[np.clip(record - 1, 0, max(len(starts) - 1, 0))], record)

    ragged = ragged.assign(row=to_line(ragged["row"].fillna(0).to_numpy())) if len(ragged) \
        else ragged
    return to_line(rows), ragged


def _reject_lines(frame: pd.DataFrame, rows: np.ndarray, ragged: pd.DataFrame,
                  lines: np.ndarray, starts: np.ndarray | None):
    """The rows on the given lines (not text in the file's encoding) rejected as bad_bytes:
    a frame row leaves the frame, a ragged one takes that reason."""
    if starts is not None and len(starts):  # a line inside a record: that record's first
        lines = starts[np.clip(np.searchsorted(starts, lines, side="right") - 1, 0, None)]
    if len(ragged):
        hit = np.isin(ragged["row"].fillna(0).to_numpy(np.int64), lines)
        ragged = ragged.assign(reason=np.where(hit, "bad_bytes", ragged["reason"]))
    bad = np.isin(rows, lines)
    if not bad.any():
        return frame, rows, ragged
    text = frame.loc[bad].astype(object).fillna("").astype(str).agg(",".join, axis=1)
    extra = pd.DataFrame({"row": rows[bad], "value": text.str.slice(0, 200).to_numpy(),
                          "reason": "bad_bytes"})
    ragged = pd.concat([ragged, extra], ignore_index=True) if len(ragged) else extra
    return frame.loc[~bad].reset_index(drop=True), rows[~bad], ragged
