"""One input file as read (RawFile), and what every reader shares: header names cleaned, the
columns to read, refused headers, the text of an error."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa

from shopscore.scoring.errors import InputFileError

REJECTED = ["row", "value", "reason"]  # the columns of RawFile.ragged


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
        return tidy(self._reader())


def no_rejects() -> pd.DataFrame:
    return pd.DataFrame(columns=REJECTED)


def clean_header(name) -> str:
    return str(name).strip().lstrip("\ufeff").strip()


def wanted(names, keep) -> list | None:
    """The columns to read: those whose (cleaned) header `keep` accepts; None: all."""
    if keep is None:
        return None
    return [n for n in names if keep(clean_header(n))]


def refuse_duplicate_headers(path, names, keep=None):
    """Two columns of one name (after cleaning) that the audit reads: which one holds the
    data is unclear, so the file could not be read (a column nobody reads may repeat)."""
    seen = {}
    for number, name in enumerate(names, start=1):
        clean = clean_header(name)
        if not clean or (keep is not None and not keep(clean)):
            continue
        if clean in seen:
            raise InputFileError(path, f"the header names {clean!r} twice (columns "
                                 f"{seen[clean]} and {number}): which one holds the data is "
                                 "unclear; rename or remove one")
        seen[clean] = number


def tidy(frame: pd.DataFrame) -> pd.DataFrame:
    """Headers stripped of surrounding spaces; columns without a name dropped (trailing empty
    header cells carry nothing)."""
    frame.columns = [clean_header(c) for c in frame.columns]
    keep = [bool(c) and not c.startswith("Unnamed") for c in frame.columns]
    return frame if all(keep) else frame.loc[:, keep]


def text_mapper(dtype):
    if dtype == pa.string() or dtype == pa.large_string():
        return pd.StringDtype("pyarrow", na_value=np.nan)
    return pd.ArrowDtype(dtype)  # typed columns stay Arrow arrays: validate reads them


def first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
