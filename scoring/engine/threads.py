"""Two cores: independent steps run side by side in threads (numpy and pyarrow let go of the
interpreter while they work)."""

from __future__ import annotations

import os
import threading
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




class _Later:
    """A call's result, computed in a thread started at once, or at result() on one core."""

    def __init__(self, work, args):
        self._work, self._args, self._thread, self._out, self._error = work, args, None, None, None
        if (os.cpu_count() or 1) >= 2:
            self._thread = threading.Thread(target=self._run, name="shopscore-meanwhile",
                                            daemon=True)
            self._thread.start()

    def _run(self):
        try:
            self._out = self._work(*self._args)
        except BaseException as exc:  # re-raised where the result is asked for
            self._error = exc

    def result(self):
        if self._thread is None:
            return self._work(*self._args)
        self._thread.join()
        if self._error is not None:
            raise self._error
        return self._out


def meanwhile(work, *args) -> _Later:
    """Start work(*args) on a second core while the caller goes on (numpy and pyarrow let go
    of the interpreter while they work); .result() waits for it and raises what it raised.
    If the caller fails first, the work is abandoned (a daemon thread)."""
    return _Later(work, args)


_END = object()


def ahead(items):
    """The items of an iterable in order, each next one made on a second core while the
    caller works on this one (a CSV piece parsed while the last one is routed); what making
    one raised is raised where it would have been met."""
    found = iter(items)
    if (os.cpu_count() or 1) < 2:
        yield from found
        return
    with ThreadPoolExecutor(max_workers=1) as pool:
        coming = pool.submit(next, found, _END)
        while (item := coming.result()) is not _END:
            coming = pool.submit(next, found, _END)
            yield item
