"""Two cores: independent steps run side by side in threads (numpy and pyarrow let go of the
interpreter while they work)."""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor

# From this many lines on, credit and DSR are decided side by side, DSR in a second thread:
# both only read the lines, and numpy and pyarrow let go of the interpreter while they work
# (10M lines on 2 cores: 5.2-6.8 s against 7.6 s one after the other). Their stage times
# then overlap.
SIDE_BY_SIDE_LINES = 500_000



def side_by_side(first, second, lines: int):
    """(first(), second()): for big inputs on two cores, second runs in another thread
    meanwhile; else one after the other."""
    if lines < SIDE_BY_SIDE_LINES or (os.cpu_count() or 1) < 2:
        return first(), second()
    with ThreadPoolExecutor(max_workers=1) as pool:
        later = pool.submit(second)
        return first(), later.result()



# Id columns of at least this many rows are coded two at a time (pyarrow and numpy let go of
# the interpreter while they work, so a second core halves the wait).
PARALLEL_ROWS = 500_000



def two_at_a_time(work, items, rows: int) -> list:
    """[work(item) for item in items], two at a time when the columns are big (numpy and
    pyarrow let go of the interpreter while they work) and the machine has two cores."""
    items = list(items)
    if rows < PARALLEL_ROWS or len(items) < 2 or (os.cpu_count() or 1) < 2:
        return [work(item) for item in items]
    with ThreadPoolExecutor(max_workers=2) as pool:
        return list(pool.map(work, items))

