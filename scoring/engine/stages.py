"""Wall-clock time spent in each stage of a run (read, prepare, credit, dsr, summary, render),
and how far the input files have been read (bytes), for a progress display to watch."""

from __future__ import annotations

import threading
import time
from contextlib import contextmanager

_TIMES: dict[str, float] = {}
_READ: dict[str, int] = {}  # file -> the furthest byte read so far
_READ_LOCK = threading.Lock()
_WATCHED = [False]  # a display watches the bytes: readers count them as they read
_LOCAL = threading.local()  # per thread, the stages running: [name, when its clock started]


def _stop(entry: list, now: float):
    _TIMES[entry[0]] = _TIMES.get(entry[0], 0.0) + now - entry[1]


@contextmanager
def stage(name: str):
    """Add the time spent inside the block to the stage's total. A stage inside another
    (columns read while preparing) is that stage's time only, not the outer one's too."""
    running = _LOCAL.__dict__.setdefault("running", [])
    now = time.perf_counter()
    if running:
        _stop(running[-1], now)
    entry = [name, now]
    running.append(entry)
    try:
        yield
    finally:
        now = time.perf_counter()
        _stop(entry, now)
        running.remove(entry)
        if running:
            running[-1][1] = now


def timings() -> dict[str, float]:
    """Seconds per stage so far, in the order the stages first ran."""
    return {k: round(v, 4) for k, v in _TIMES.items()}


def watch_reading(on: bool):
    """Ask the readers to count the bytes they read (only a progress display wants that)."""
    _WATCHED[0] = on


def watched() -> bool:
    return _WATCHED[0]


def note_read(path, upto: int):
    """`path` has been read up to byte `upto` (reading it again adds nothing)."""
    key = str(path)
    with _READ_LOCK:
        if upto > _READ.get(key, 0):
            _READ[key] = upto


def reset_reading():
    """Forget what was read before (a new run's display starts from 0)."""
    with _READ_LOCK:
        _READ.clear()
        _PARTS.clear()


_PARTS: list = []  # [partitions done, partitions in all] of a partitioned run


def note_parts(done: int, total: int):
    """A partitioned run has decided `done` of its `total` partitions."""
    with _READ_LOCK:
        _PARTS[:] = [done, total]


def parts() -> tuple | None:
    """(done, total) partitions of a partitioned run, or None."""
    with _READ_LOCK:
        return tuple(_PARTS) if _PARTS else None


def bytes_read() -> int:
    """The bytes of input read so far, every file together."""
    with _READ_LOCK:
        return sum(_READ.values())
