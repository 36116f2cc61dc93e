"""Reading Excel workbooks (python-calamine): the chosen sheet's cells as text, with the row an
editor shows for each row. A sheet whose used range a stray far-away cell inflates (a value
left at XFD1048576: calamine would ask for the whole range, hundreds of GiB) is read from its
real cells only: the header's columns, and the rows that hold something."""

from __future__ import annotations

import os
import re
import tempfile
import zipfile
from pathlib import Path
from xml.etree import ElementTree

import numpy as np
import pandas as pd

from shopscore.scoring.errors import InputFileError
from shopscore.scoring.inputs.raw import RawFile, first_line, no_rejects, refuse_duplicate_headers

MOST_CELLS = 5_000_000  # a range above this many cells is read from its real cells only
SCAN_BYTES = 8 << 20  # a sheet's XML up to this size is always scanned for its real extent
TOO_MANY = 100_000_000  # real cells beyond this: the sheet could not be read

_DIMENSION = re.compile(rb'<dimension\s+ref="([A-Z]+)(\d+)(?::([A-Z]+)(\d+))?"')
_CELL = re.compile(rb'<c\b([^>]*?)(/>|>(.*?)</c>)', re.S)
_REF = re.compile(rb'\br="([A-Z]+)(\d+)"')
_NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
       "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
       "p": "http://schemas.openxmlformats.org/package/2006/relationships"}


def read_excel(path: Path, sheet: str | None, keep=None) -> RawFile:
    """Read the chosen sheet (`keep`: header -> whether the audit reads that column)."""
    from python_calamine import CalamineError, CalamineWorkbook

    try:
        names = CalamineWorkbook.from_path(str(path)).sheet_names
    except (CalamineError, OSError, ValueError) as exc:
        raise InputFileError(path, f"not a readable Excel file ({first_line(exc)})") from None
    chosen = _choose(path, names, sheet)
    source, lines = path, None
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        trimmed = _real_cells(path, names.index(chosen))
        if trimmed is not None:
            source, lines = trimmed
    try:
        book = CalamineWorkbook.from_path(str(source))
        cells = book.get_sheet_by_name(chosen).to_python()
    except (CalamineError, OSError, ValueError) as exc:
        raise InputFileError(path, f"not a readable Excel file ({first_line(exc)})") from None
    finally:
        if source != path:
            os.unlink(source)
    if not cells or not any(str(c).strip() for c in cells[0]):
        raise InputFileError(path, f"sheet {chosen!r} is empty; expected a header row")
    header = [str(c).strip() for c in cells[0]]
    refuse_duplicate_headers(path, header, keep)
    found = [h for h in header if h]
    width = len(header)
    body = [list(r[:width]) + [""] * (width - len(r)) for r in cells[1:]]
    frame = pd.DataFrame(body, columns=header, dtype=object)
    if keep is not None:  # only the columns the audit reads (an unread one may repeat)
        frame = frame.loc[:, [keep(h) for h in header]]
        header = [h for h in header if keep(h)]
    frame = frame.map(_cell_text).astype("string[pyarrow]")
    frame = frame.loc[:, [bool(h) for h in header]]
    rows = np.arange(2, len(frame) + 2, dtype=np.int64) if lines is None \
        else lines[1:len(frame) + 1]
    blank = frame.isna().all(axis=1).to_numpy()
    frame, rows = frame.loc[~blank].reset_index(drop=True), rows[~blank]
    return RawFile(str(path), frame, rows, no_rejects(), "xlsx", headers=found)


def _choose(path: Path, names: list, sheet: str | None) -> str:
    if sheet is None:
        return names[0]
    if sheet in names:
        return sheet
    if sheet.isdigit() and int(sheet) < len(names):
        return names[int(sheet)]
    raise InputFileError(path, f"has no sheet {sheet!r} (sheets: {', '.join(names)}); fix --sheet")


def _cell_text(value):
    """An Excel cell as text: integral numbers without '.0', times as ISO, empty as missing."""
    if value is None or value == "":
        return None
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    if hasattr(value, "isoformat"):
        return value.isoformat(sep=" ") if hasattr(value, "hour") else value.isoformat()
    return str(value)


def column_number(letters: bytes) -> int:
    """A = 1, Z = 26, AA = 27 ... XFD = 16384."""
    number = 0
    for letter in letters:
        number = number * 26 + letter - 64
    return number


def column_letters(number: int) -> str:
    out = ""
    while number:
        number, rest = divmod(number - 1, 26)
        out = chr(65 + rest) + out
    return out


def _sheet_part(book: zipfile.ZipFile, index: int) -> str | None:
    """The zip member holding the index-th sheet's cells."""
    try:
        workbook = ElementTree.fromstring(book.read("xl/workbook.xml"))
        rels = ElementTree.fromstring(book.read("xl/_rels/workbook.xml.rels"))
    except (KeyError, ElementTree.ParseError):
        return None
    sheets = workbook.findall("m:sheets/m:sheet", _NS)
    if index >= len(sheets):
        return None
    rid = sheets[index].get(f"{{{_NS['r']}}}id")
    for rel in rels.findall("p:Relationship", _NS):
        if rel.get("Id") == rid:
            target = rel.get("Target", "")
            return target.lstrip("/") if target.startswith("/") else f"xl/{target}"
    return None


def _real_cells(path: Path, index: int):
    """(a copy of the workbook holding only the sheet's real cells, the row an editor shows
    for each row of the copy) when the sheet's used range is inflated; else None."""
    try:
        with zipfile.ZipFile(path) as book:
            part = _sheet_part(book, index)
            if part is None:
                return None
            size = book.getinfo(part).file_size
            with book.open(part) as fh:
                head = fh.read(1 << 16)
            found = _DIMENSION.search(head)
            if found and size > SCAN_BYTES and _area(found) <= MOST_CELLS:
                return None  # a big sheet whose range is its data
            xml = book.read(part)
    except (zipfile.BadZipFile, KeyError, OSError):
        return None  # calamine says what is wrong with the file
    cells = [(m.start(), m.end(), ref.group(1), int(ref.group(2)))
             for m in _CELL.finditer(xml) if (ref := _REF.search(m.group(1)))
             and m.group(3) and (b"<v" in m.group(3) or b"<is" in m.group(3))]
    if not cells:
        return None
    rows = np.array([c[3] for c in cells], dtype=np.int64)
    cols = np.array([column_number(c[2]) for c in cells], dtype=np.int64)
    if (rows.max() - rows.min() + 1) * (cols.max() - cols.min() + 1) <= MOST_CELLS:
        return None
    header = rows.min()
    width = int(cols[rows == header].max())  # the header's columns: the others carry nothing
    keep = cols <= width
    lines = np.unique(rows[keep])
    if len(lines) * width > TOO_MANY:
        raise InputFileError(path, f"sheet {index + 1} holds {len(lines)} rows of {width} "
                             "columns: too many cells to read; export it as CSV")
    return _write_copy(path, part, xml, [c for c, k in zip(cells, keep, strict=True) if k],
                       lines, width), lines


def _area(found) -> int:
    first_col, first_row, last_col, last_row = found.groups()
    if last_col is None:
        return 1
    return ((int(last_row) - int(first_row) + 1)
            * (column_number(last_col) - column_number(first_col) + 1))


def _write_copy(path: Path, part: str, xml: bytes, cells: list, lines: np.ndarray,
                width: int) -> Path:
    """The workbook with the sheet's cells replaced by `cells`, their rows numbered 1.. in
    order (`lines` the original row numbers), in a temporary file."""
    number = {int(line): k for k, line in enumerate(lines, start=1)}
    by_row: dict[int, list[bytes]] = {}
    for start, end, letters, row in cells:
        k = number[row]
        text = _REF.sub(b'r="' + letters + str(k).encode() + b'"', xml[start:end], count=1)
        by_row.setdefault(k, []).append(text)
    body = b"".join(b'<row r="%d">' % k + b"".join(found) + b"</row>"
                    for k, found in sorted(by_row.items()))
    open_at = xml.find(b"<sheetData")
    close_at = xml.find(b"</sheetData>")
    if open_at < 0:
        raise InputFileError(path, "not a readable Excel file (a sheet without sheetData)")
    after = close_at + len(b"</sheetData>") if close_at >= 0 else xml.find(b">", open_at) + 1
    head = _DIMENSION.sub(b'<dimension ref="A1:' + column_letters(width).encode()
                          + str(len(lines)).encode() + b'"', xml[:open_at])
    sheet = head + b"<sheetData>" + body + b"</sheetData>" + xml[after:]
    handle, name = tempfile.mkstemp(suffix=path.suffix.lower())
    os.close(handle)
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(name, "w", zipfile.ZIP_DEFLATED) as out:
        for item in src.infolist():
            out.writestr(item, sheet if item.filename == part else src.read(item.filename))
    return Path(name)
