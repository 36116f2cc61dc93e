"""Text encodings of CSV files: UTF-8 (with or without BOM) or GB18030 (a superset of GBK,
which Chinese back offices write), told apart line by line, so that a file mixing the two
(two exports concatenated) is decoded in the encoding most of its lines are written in, and
the lines that do not fit it are named, never turned into mojibake silently."""

from __future__ import annotations

import codecs

import numpy as np

BOM = b"\xef\xbb\xbf"


def python_codec(encoding: str) -> str:
    """The Python codec of an encoding name (UTF-8 read past its BOM)."""
    return "utf-8-sig" if is_utf8(encoding) else encoding


def is_utf8(encoding: str) -> bool:
    return encoding.lower().replace("-", "").replace("_", "") in ("utf8", "utf8sig")


def known(encoding: str) -> bool:
    try:
        codecs.lookup(encoding)
    except LookupError:
        return False
    return True


def _fits_utf8(line: bytes, final: bool = True) -> bool:
    """Whether the bytes are UTF-8 text (unless `final`, a character cut at the end is)."""
    try:
        codecs.getincrementaldecoder("utf-8")().decode(line, final=final)
    except UnicodeDecodeError:
        return False
    return True


def line_kinds(head: bytes, whole: bool) -> tuple[int, int]:
    """(lines holding non-ASCII text valid as UTF-8, lines not valid as UTF-8) among the first
    bytes of a file; unless `whole`, the last line may be cut anywhere (one character too)."""
    lines = head.split(b"\n")
    utf8 = other = 0
    for number, line in enumerate(lines, start=1):
        if line.isascii():
            continue
        if _fits_utf8(line, final=whole or number < len(lines)):
            utf8 += 1
        else:
            other += 1
    return utf8, other


def detect(head: bytes, whole: bool = False) -> tuple[str, bool]:
    """(encoding, mixed) of a file from its first bytes: UTF-8 when its lines are UTF-8 (or
    it opens with a BOM), GB18030 when none is; `mixed` when both kinds of lines occur, the
    encoding then being that of most lines (ties: UTF-8)."""
    utf8, other = line_kinds(head, whole)
    if head.startswith(BOM) or other == 0:
        return "utf-8", other > 0
    if utf8 == 0:
        return "gb18030", False
    return ("utf-8" if utf8 >= other else "gb18030"), True


def transcode(data: bytes, encoding: str) -> tuple[bytes, np.ndarray]:
    """The file as UTF-8, line by line, and the 1-based numbers of the lines that are not text
    in `encoding`: bytes UTF-8 cannot decode in a UTF-8 file; in a GB18030 file, lines written
    in UTF-8 (which GB18030 would turn into mojibake) and bytes it cannot decode. Those lines
    keep what text can be read (U+FFFD for the rest), and their rows are to be rejected. The
    header line is read in whichever of the two it is written in."""
    if data.startswith(BOM):
        data = data[len(BOM):]
    utf8 = is_utf8(encoding)
    codec = python_codec(encoding)
    out, misfit = [], []
    for number, line in enumerate(data.split(b"\n"), start=1):
        if line.isascii():
            out.append(line)
            continue
        fits = _fits_utf8(line)
        if fits and (utf8 or number == 1):
            out.append(line)
            continue
        if fits:  # a UTF-8 line in a GB18030 file: its text, but not this file's
            misfit.append(number)
            out.append(line)
            continue
        try:
            out.append(line.decode("utf-8" if utf8 else codec).encode("utf-8"))
            continue
        except UnicodeDecodeError:
            text = line.decode("utf-8" if utf8 else codec, errors="replace")
        if number > 1:
            misfit.append(number)
        out.append(text.encode("utf-8"))
    return b"\n".join(out), np.asarray(misfit, dtype=np.int64)


def first_misfit(path, encoding: str) -> tuple[int, int, int] | None:
    """(line, position in the line, byte) of the first byte `encoding` cannot decode."""
    codec = python_codec(encoding)
    with open(path, "rb") as fh:
        for number, line in enumerate(fh, start=1):
            try:
                line.decode(codec)
            except UnicodeDecodeError as exc:
                return number, exc.start + 1, line[exc.start]
    return None
