"""The loaded data and its accounting: the trade lines ready for scoring, the orphan rating rows,
and what became of every row of every file (read = used + rejected)."""

from __future__ import annotations

import glob
import os
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from shopscore.scoring.errors import InputFileError, OptionError, ShopscoreError

REJECT_COLUMNS = ["file", "row", "column", "value", "reason"]



INPUT_SUFFIXES = (".csv", ".txt", ".tsv", ".parquet", ".pq", ".xlsx", ".xlsm", ".xls")



@dataclass
class FileAccount:
    """What happened to the rows of one input file: read = used + rejected."""

    path: str
    role: str
    rows_read: int
    rows_rejected: int
    rejected_by_reason: dict
    platform: str = "canonical"
    encoding: str | None = None
    headers: dict = field(default_factory=dict)  # canonical column -> header in the file

    @property
    def rows_used(self) -> int:
        return self.rows_read - self.rows_rejected

    def to_dict(self) -> dict:
        return {"path": self.path, "role": self.role, "platform": self.platform,
                "rows_read": self.rows_read, "rows_used": self.rows_used,
                "rows_rejected": self.rows_rejected,
                "rejected_by_reason": dict(sorted(self.rejected_by_reason.items()))}



@dataclass
class Dataset:
    """Trade lines ready for scoring, the rating rows that matched no line, and the accounting."""

    lines: pd.DataFrame
    orphans: pd.DataFrame
    files: list = field(default_factory=list)
    rejects: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=REJECT_COLUMNS))
    trade_columns: frozenset = frozenset()  # the canonical columns the trade files carry
    after_sales: pd.DataFrame | None = None  # one row per case; None: no --after-sales file
    chats: pd.DataFrame | None = None  # one row per message; None: no --chats file
    service_columns: dict = field(default_factory=dict)  # "after_sales"/"chats" -> columns given
    # shop_id -> {a shop name the lines give: how many lines give it} (the export's 店铺名称)
    shop_names: dict = field(default_factory=dict)
    # the order ids trade rows of several shops hold (join.shared_orders: their hashes)
    shared_orders: object = None

    @property
    def rows_read(self) -> int:
        return sum(f.rows_read for f in self.files)

    @property
    def rows_rejected(self) -> int:
        return sum(f.rows_rejected for f in self.files)

    @property
    def rejected_by_reason(self) -> dict:
        total = Counter()
        for f in self.files:
            total.update(f.rejected_by_reason)
        return dict(sorted(total.items()))



AMBIGUOUS = "ambiguous_line"
AMBIGUOUS_SHOP = "ambiguous_shop"


def ratings_left_out(files: list) -> dict:
    """The rating rows left out because their line cannot be told (ambiguous_line: an order
    of several lines, and the rating names neither its line nor its item; ambiguous_shop: an
    order id lines of several shops hold, and the rating names no shop): how many, of how
    many rows of the rating files, and that share (None without a rating file)."""
    count = sum(f.rejected_by_reason.get(reason, 0) for f in files if f.role == "ratings"
                for reason in (AMBIGUOUS, AMBIGUOUS_SHOP))
    of = sum(f.rows_read for f in files if f.role == "ratings")
    return {"count": count, "of": of, "share": count / of if of else None}


def expand_inputs(paths) -> list[Path]:
    """Files, directories (their export files, sorted) and glob patterns, in order given."""
    out = []
    for given in paths:
        text = str(given)
        if any(ch in text for ch in "*?[") and not Path(text).exists():
            matches = sorted(glob.glob(text, recursive=True))
            if not matches:
                raise InputFileError(text, "no file matches this pattern")
            out += [Path(m) for m in matches if Path(m).is_file()]
        elif Path(text).is_dir():
            found = sorted(p for p in Path(text).rglob("*")
                           if p.is_file() and p.suffix.lower() in INPUT_SUFFIXES
                           and not p.name.startswith("."))
            if not found:
                raise InputFileError(text, "this directory holds no CSV, Parquet or Excel file")
            out += found
        else:
            out.append(Path(text))
    return out



def refuse_overwriting_inputs(inputs, outputs):
    """An output file (`outputs`: (option, path) pairs such as --rejects, --html) that is one
    of the input files, by the same path or by another name of the same file, is refused
    before anything is written: it would overwrite the only copy of an export."""
    outputs = [(option, Path(path)) for option, path in outputs if path is not None]
    if not outputs:
        return
    files = []
    for given in inputs:
        if given is None:
            continue
        try:
            files += expand_inputs([given])
        except ShopscoreError:  # the reading says what is wrong with it
            files.append(Path(given))
    for option, out in outputs:
        for path in files:
            if _same_file(out, path):
                raise OptionError(f"{option} {out}: that is the input file {path}; writing it "
                                  "would overwrite the export: give another path")


def _same_file(a: Path, b: Path) -> bool:
    try:
        if a.exists() and b.exists():
            return os.path.samefile(a, b)
        return a.resolve() == b.resolve()
    except OSError:
        return False
