"""Wall-clock time spent in each stage of a run (read, prepare, credit, dsr, summary, render)."""

from __future__ import annotations

import time
from contextlib import contextmanager

_TIMES: dict[str, float] = {}


@contextmanager
def stage(name: str):
    """Add the time spent inside the block to the stage's total."""
    start = time.perf_counter()
    try:
        yield
    finally:
        _TIMES[name] = _TIMES.get(name, 0.0) + time.perf_counter() - start


def timings() -> dict[str, float]:
    """Seconds per stage so far, in the order the stages first ran."""
    return {k: round(v, 4) for k, v in _TIMES.items()}
