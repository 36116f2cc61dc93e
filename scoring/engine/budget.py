"""How many partitions an audit needs to stay within a memory budget: the input's size as read
into memory, estimated from each file before reading it, over the budget (--memory GiB;
default: a share of the machine's memory)."""

from __future__ import annotations

import math
import os
import stat
from pathlib import Path

GIB = 1 << 30
# Peak memory of an audit per unit of input, measured on the benchmark (bench/RESULTS.md):
# 10M Parquet lines peak at about 3.6 GiB (about 390 bytes a line), a CSV at about 1.4 times
# its bytes; a chat message or after-sale case costs about a third of a trade line.
PER_PARQUET_ROW = 400
PER_SERVICE_ROW = 140  # a chat message or an after-sale case in a Parquet file
PER_CSV_BYTE = 1.5
PER_SHEET_BYTE = 12.0  # an xlsx is zipped XML: its cells take far more room once read
SHARE = 1 / 8  # of the machine's memory, the default budget, at most CEILING
CEILING = 3 * GIB // 2
# What an audit holds beside its data: the interpreter and libraries, and in partitions the
# batches being routed (measured on 10M Parquet lines: peak = 0.4 GB + 480 bytes a line of
# the partition, and about 0.9 GB while routing).
BASE = 200 << 20
PARTITIONED = 600 << 20
LOWEST = 512 << 20  # a budget below this is refused: no partition could be that small
# Partitions in memory at once: one decided while the next is read back and validated on the
# second core (engine/partitioned.py), so each gets half the room.
LIVE = 2
MAX_PARTITIONS = 4096


def physical_memory() -> int | None:
    """The machine's physical memory in bytes, or None where it cannot be told."""
    try:
        return os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None


def default_budget() -> int:
    """A share of the machine's physical memory, in bytes, at most CEILING (1 GiB where it
    cannot be told)."""
    total = physical_memory()
    if total is None:
        return GIB
    return max(LOWEST, min(CEILING, int(total * SHARE)))


def estimated_bytes(paths, per_row: int = PER_PARQUET_ROW) -> int:
    """The memory these files take once read and typed, estimated before reading them."""
    total = 0
    for path in paths:
        path = Path(path)
        try:
            found = path.stat()
        except OSError:
            continue
        if not stat.S_ISREG(found.st_mode):  # a FIFO would block: the reading refuses it
            continue
        size = found.st_size
        suffix = path.suffix.lower()
        if suffix in (".parquet", ".pq"):
            total += _parquet_rows(path, size) * per_row
        elif suffix in (".xlsx", ".xlsm", ".xls", ".xlsb", ".ods"):
            total += int(size * PER_SHEET_BYTE)
        else:
            total += int(size * PER_CSV_BYTE)
    return total


def streamed(path) -> bool:
    """Whether a partitioned audit reads this file a batch at a time (Parquet and CSV; a
    workbook is read whole, so partitions would not bound its memory)."""
    return Path(path).suffix.lower() not in (".xlsx", ".xlsm", ".xls", ".xlsb", ".ods")


def _parquet_rows(path: Path, size: int) -> int:
    try:
        import pyarrow.parquet as pq

        return pq.ParquetFile(path).metadata.num_rows
    except Exception:  # unreadable here: the reading says why; its bytes are a guess
        return size // 10


def partitions_for(needed: int, budget: int) -> int:
    """1 when the whole input (`needed` bytes once read) fits the budget; else the fewest
    partitions whose share of it fits beside what partitioning itself holds."""
    if needed + BASE <= budget:
        return 1
    room = max(budget - PARTITIONED, LOWEST // 4) / LIVE
    return max(1, min(MAX_PARTITIONS, math.ceil(needed / room)))
