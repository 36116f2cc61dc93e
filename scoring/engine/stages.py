"""Wall-clock time spent in each stage of a run (read, prepare, credit, dsr, summary, render)."""

from __future__ import annotations

import threading
import time
from contextlib import contextmanager

_TIMES: dict[str, float] = {}
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
