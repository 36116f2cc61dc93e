"""A CSV file read a piece at a time, for an input bigger than memory: the file is cut between
records into pieces of about CHUNK bytes, and each piece (the header line, then its lines) is
read by the very code that reads a whole file (csvfile.read_records), its rows numbered by
the lines of the file. Only an encoding whose line breaks and quotes are single ASCII bytes
(UTF-8, GB18030/GBK, ...) can be cut so; another (UTF-16) is read whole."""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from shopscore.scoring.errors import InputFileError
from shopscore.scoring.inputs import csvfile, encodings
from shopscore.scoring.inputs.raw import RawFile, clean_header, tidy

# The bytes of a piece (16 MiB: some 80 thousand lines). A 9.7 GB CSV of 30M lines read as
# text peaked at 3.0 GiB in pieces of 64 MiB, 2.4 GiB of 32 and 1.6 GiB of 16, in 83, 79 and
# 83 s; 10M lines took 15.3 s in pieces of 64 MiB, 15.5-16.0 s of 16.
CHUNK = 1 << 24
# A quote open this long (one that never closes, or a quote inside a cell that is not
# quoted): the piece is cut at a line break anyway, and reading it sets that quote aside.
OPEN_QUOTE = 1 << 28
QUOTE = 34


@dataclass
class CsvStream:
    """How a CSV file is read in pieces: its encoding, headers, the columns read, and where
    its header line ends."""

    path: Path
    encoding: str
    mixed: bool  # lines of two encodings: each piece decoded line by line
    forced: bool  # the encoding was given (--encoding): bytes that do not fit are an error
    names: list  # the header's names as found
    include: list | None  # the columns read
    header: bytes  # the header line, line break included
    mark: bytes  # the byte that ends a line (LF; CR alone in an old Mac export)
    typed: bool = True  # false once a piece could not be read typed: the rest read as text

    @property
    def headers(self) -> list:
        return [clean_header(n) for n in self.names if n]


def csv_stream(path: Path, encoding: str | None = None, keep=None) -> CsvStream | None:
    """The plan of reading a CSV file in pieces; None when its encoding cannot be cut
    between bytes (it is to be read whole)."""
    head, whole = csvfile.head_of(path)
    chosen, mixed = csvfile.chosen_encoding(path, head, whole, encoding)
    if not encodings.is_utf8(chosen) and '\r\n"'.encode(chosen) != b'\r\n"':
        return None
    names, include = csvfile.header_columns(path, head, chosen, mixed, keep)
    mark = b"\n" if b"\n" in head or b"\r" not in head else b"\r"
    end = head.find(mark)
    if end < 0:  # a header line longer than the first bytes read, or no data lines at all
        end = len(head) if whole else _line_end(path, mark)
    return CsvStream(Path(path), chosen, mixed, encoding is not None, names, include,
                     head[: end + 1] if end < len(head) else _first_bytes(path, end + 1),
                     mark)


def csv_pieces(stream: CsvStream):
    """(the rows of each piece of the file as read_file reads a whole file's, the bytes of
    the file read so far), one piece at a time, in the file's order."""
    start = len(stream.header)
    for data, before, end in _cut(stream.path, start, stream.mark):
        source = io.BytesIO(stream.header + data)
        frame, rows, ragged = csvfile.read_records(stream.path, source, stream.encoding,
                                                   stream.forced, stream.mixed, stream.names,
                                                   stream.include, before, stream.typed)
        # A piece the typed reading refused was read twice; the next ones go straight to
        # text (a file whose times give milliseconds, say: every piece would be refused).
        stream.typed = stream.typed and not csvfile.read_as_text(frame)
        yield RawFile(str(stream.path), tidy(frame), rows, ragged, "csv", stream.encoding,
                      stream.headers), end


def _cut(path: Path, start: int, mark: bytes):
    """(piece, the lines of the file before it less the header's, where it ends) of the file
    from byte `start` on, each piece ending where a record ends: at a line break after an
    even number of quotes (a quoted cell may hold line breaks). A line longer than the
    reader's block is refused, naming it."""
    line, carry, at = 0, b"", start
    with open(path, "rb") as fh:
        fh.seek(start)
        while True:
            block = fh.read(CHUNK)
            data = carry + block if carry else block
            if not block:
                if data.strip(b"\r\n"):
                    yield data, line, at
                return
            at += len(block)
            codes = np.frombuffer(data, np.uint8)
            breaks = np.flatnonzero(codes == mark[0])
            _refuse_long(path, breaks, len(data), line + 2)
            quotes = np.flatnonzero(codes == QUOTE)
            del codes
            even = breaks[(np.searchsorted(quotes, breaks) & 1) == 0]
            if even.size:
                cut = int(even[-1]) + 1
            elif len(data) > OPEN_QUOTE and breaks.size:
                cut = int(breaks[-1]) + 1
            else:
                carry = data
                continue
            piece, carry = data[:cut], data[cut:]
            yield piece, line, at - len(carry)
            line += int(np.count_nonzero(breaks < cut))


def _refuse_long(path: Path, breaks: np.ndarray, size: int, first: int):
    """A line longer than the reader's block is refused (`breaks`: the line breaks of `size`
    bytes whose first line is line `first` of the file)."""
    lengths = np.diff(np.concatenate(([-1], breaks, [size])))
    long = np.flatnonzero(lengths > csvfile.BLOCK)
    if long.size:
        raise InputFileError(path, f"line {first + int(long[0])} is longer than "
                             f"{csvfile.BLOCK >> 20} MiB (a cell that never ends, or not a "
                             "CSV file): a line longer than that cannot be read")


def _line_end(path: Path, mark: bytes) -> int:
    """Where the first line ends (past the first bytes read)."""
    with open(path, "rb") as fh:
        at = 0
        while block := fh.read(CHUNK):
            found = block.find(mark)
            if found >= 0:
                return at + found
            at += len(block)
            if at > csvfile.BLOCK:
                raise InputFileError(path, f"line 1 is longer than {csvfile.BLOCK >> 20} MiB "
                                     "(not a CSV file?): a line longer than that cannot be read")
    return at


def _first_bytes(path: Path, n: int) -> bytes:
    with open(path, "rb") as fh:
        return fh.read(n)
