"""What became of the rows read, in words and in a file: one sentence per file with rejected
rows, and every rejected row written out (--rejects)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from shopscore.scoring.errors import (
    NothingToAuditError,
    OptionError,
    RatingsLeftOutError,
    RejectedRowsError,
)
from shopscore.scoring.inputs.dataset import (
    AMBIGUOUS,
    AMBIGUOUS_SHOP,
    Dataset,
    ratings_left_out,
)


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


# A cell a spreadsheet would run as a formula (OWASP "CSV injection"): = + - @, tab, CR.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
NUMBER = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"  # -1 is a number, never a formula


def write_rejects(data: Dataset, path: Path):
    """Every rejected row (file, row, column, value, reason) as CSV; every text cell that a
    spreadsheet would run as a formula (`=HYPERLINK(…)`, `-2+3+cmd|' /C calc'!A0`) is
    prefixed with `'`, so that it shows as text (the file name too)."""
    rejects = data.rejects.copy()
    for column in ("file", "column", "value", "reason"):
        if column in rejects:
            given = rejects[column]
            text = given.astype(object).where(given.notna(), "").astype(str)
            formula = text.str.startswith(FORMULA_START) & ~text.str.fullmatch(NUMBER)
            formula = formula.to_numpy(dtype=bool) & given.notna().to_numpy(dtype=bool)
            if formula.any():
                rejects[column] = given.astype(object).where(~formula, "'" + text)
    try:
        rejects.to_csv(path, index=False)
    except OSError as exc:
        raise OptionError(f"--rejects {path}: cannot be written ({exc.strerror or exc})") \
            from None


def refuse_rejects(data: Dataset):
    """--strict: any rejected row is an error naming each file's first one."""
    sentences = reject_sentences(data)
    if sentences:
        raise RejectedRowsError("; ".join(sentences)
                                + "; --strict turns rejected rows into an error")


LINE_ROLES = ("trades", "details")  # the roles of files that give trade lines


def ratings_only(path) -> NothingToAuditError:
    """The error of a run whose first file, and every other, holds ratings only."""
    return NothingToAuditError(path, "this is a ratings file (buyer ratings or DSR, no trade "
                               "status or creation time), not a trades file: give the trades "
                               "file first, ratings with --ratings")


def refuse_nothing_to_audit(files: list):
    """A run that read no trade line at all could not run (exit 2), whatever the reason: say
    which file is wrong and how (a ratings file given as the trades file, a header without
    rows, every row rejected)."""
    trades = [f for f in files if f.role in LINE_ROLES]
    if not trades:
        raise ratings_only(files[0].path)
    empty = [f for f in trades if f.rows_read == 0]
    if len(empty) == len(trades):
        raise NothingToAuditError(empty[0].path, "has a header but no data rows: nothing to "
                                  "audit")
    first = next(f for f in trades if f.rows_read)
    reasons = ", ".join(f"{k} {v}" for k, v in sorted(first.rejected_by_reason.items()))
    raise NothingToAuditError(first.path, f"none of its {first.rows_read} rows could be used "
                              f"({reasons}): nothing to audit; --rejects PATH lists them")


def left_out_sentence(files: list) -> str | None:
    """How many ratings were left out because their line cannot be told, or None."""
    left = ratings_left_out(files)
    if not left["count"]:
        return None
    why = []
    files = [f for f in files if f.role == "ratings"]
    if any(f.rejected_by_reason.get(AMBIGUOUS) for f in files):
        why.append("their order has several lines and the rating names neither its line "
                   "(line_id) nor its item (item_id or title)")
    if any(f.rejected_by_reason.get(AMBIGUOUS_SHOP) for f in files):
        why.append("their order id is held by lines of several shops and the rating names "
                   "no shop (shop_id)")
    return f"{left['count']} of {left['of']} ratings ({left['share']:.1%}) left out: " \
        + "; or ".join(why)


def refuse_left_out(files: list, bound: float, option: str):
    """Exit 2 when the share of ratings left out (ambiguous_line, ambiguous_shop) is over
    `bound`."""
    left = ratings_left_out(files)
    if left["share"] is not None and left["share"] > bound:
        raise RatingsLeftOutError(
            f"{left_out_sentence(files)}; that is more than {option} {bound:.1%}: give a "
            "ratings export with line ids (oid, 子订单编号), item ids and shops, or raise the "
            "bound")
