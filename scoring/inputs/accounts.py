"""What became of the rows read, in words and in a file: one sentence per file with rejected
rows, and every rejected row written out (--rejects)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from shopscore.scoring.errors import OptionError, RejectedRowsError
from shopscore.scoring.inputs.dataset import Dataset


def reject_sentences(data: Dataset) -> list[str]:
    """One sentence per file with rejected rows: how many of how many, by reason, and the
    first one (row, column, reason, value)."""
    sentences = []
    for account in data.files:
        if not account.rows_rejected:
            continue
        mine = data.rejects.loc[data.rejects["file"] == account.path]
        first = mine.iloc[0]
        where = f"row {first['row']}" + (f", column {first['column']}"
                                         if pd.notna(first["column"]) else "")
        reasons = ", ".join(f"{k} {v}" for k, v in account.rejected_by_reason.items())
        value = f" {str(first['value'])[:60]!r}" if pd.notna(first["value"]) else ""
        sentences.append(f"{account.path}: {account.rows_rejected} of {account.rows_read} rows "
                         f"rejected ({reasons}); first at {where}: {first['reason']}{value}")
    return sentences


def write_rejects(data: Dataset, path: Path):
    """Every rejected row (file, row, column, value, reason) as CSV."""
    try:
        data.rejects.to_csv(path, index=False)
    except OSError as exc:
        raise OptionError(f"--rejects {path}: cannot be written ({exc.strerror or exc})") \
            from None


def refuse_rejects(data: Dataset):
    """--strict: any rejected row is an error naming each file's first one."""
    sentences = reject_sentences(data)
    if sentences:
        raise RejectedRowsError("; ".join(sentences)
                                + "; --strict turns rejected rows into an error")
