"""A progress display on stderr for big inputs: the bytes read against the inputs' size, then
each stage as it runs, ticked off when it completes (never a bar stuck at 0 of N stages).

Only when stderr is a terminal, the input is big (more than BIG_ROWS rows or BIG_BYTES of
files) and --quiet is not given; never on stdout. It watches the engine's stage timings and
the bytes the readers count while it asks them to (engine/stages.py), so the engine knows
nothing of it.
"""

from __future__ import annotations

import sys
import threading
from contextlib import contextmanager

from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from shopscore.scoring.engine.stages import (
    bytes_read,
    parts,
    reset_reading,
    timings,
    watch_reading,
)
from shopscore.scoring.errors import ShopscoreError
from shopscore.scoring.inputs.dataset import expand_inputs

BIG_ROWS = 2_000_000
BIG_BYTES = 200 * 1024 * 1024
STAGES = ("read", "prepare", "credit", "dsr", "summary")  # an audit's
REPORT_STAGES = STAGES + ("forecast", "html")
VALIDATE_STAGES = ("read", "prepare")
POLL_SECONDS = 0.1


def is_big(paths) -> bool:
    """More than BIG_BYTES of files, or Parquet files of more than BIG_ROWS rows in all."""
    try:
        files = expand_inputs(paths)
    except ShopscoreError:
        return False  # the audit itself says what is wrong
    size = rows = 0
    for f in files:
        try:
            size += f.stat().st_size
            if f.suffix.lower() in (".parquet", ".pq"):
                import pyarrow.parquet as pq

                rows += pq.read_metadata(f).num_rows
            elif f.suffix.lower() in (".csv", ".txt", ".tsv"):
                rows += _csv_rows(f)
        except Exception:  # noqa: BLE001 - only an estimate; the audit reports unreadable files
            continue
        if size > BIG_BYTES or rows > BIG_ROWS:
            return True
    return False


def _csv_rows(path) -> int:
    """The rows of a text file, estimated from the line length of its first MiB."""
    with open(path, "rb") as fh:
        head = fh.read(1 << 20)
    lines = head.count(b"\n")
    if not lines:
        return 0
    return int(path.stat().st_size / (len(head) / lines))


def wanted(paths, quiet: bool, stream=None) -> bool:
    stream = stream if stream is not None else sys.stderr
    try:
        tty = stream.isatty()
    except (AttributeError, ValueError):
        tty = False
    return tty and not quiet and is_big(paths)


class _Shown:
    """What the display shows; `tasks(done, total)` reports distributed tasks as they finish."""

    def __init__(self, progress: Progress | None, task=None):
        self.progress, self.task = progress, task
        self.remote = False

    def tasks(self, done: int, total: int):
        self.remote = True
        if self.progress is not None:
            self.progress.update(self.task, description="partition tasks done on the cluster",
                                 completed=done, total=total, amount=f"{done} of {total}")


def human(n: float) -> str:
    """Bytes as people read them: 1.4 GB, 230 MB, 12 kB."""
    for unit, size in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if n >= size:
            return f"{n / size:.1f} {unit}"
    return f"{int(n)} B"


def _sizes(paths, extra) -> int:
    try:
        files = expand_inputs(paths) + [p for p in extra if p is not None]
    except ShopscoreError:
        return 0
    total = 0
    for f in files:
        try:
            total += f.stat().st_size
        except OSError:
            continue
    return total


@contextmanager
def stage_progress(enabled: bool, console: Console, paths=(), extra=(), stages=STAGES):
    """While the block runs (when enabled): the bytes of the inputs read so far against their
    size, then each later stage by name with a spinner, each stage ticked off with its seconds
    as it completes. `extra`: more files read (a ratings file); `stages`: the command's."""
    if not enabled:
        yield _Shown(None)
        return
    total = _sizes(paths, extra)
    progress = Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(),
                        TextColumn("{task.fields[amount]}"), TimeElapsedColumn(),
                        console=console, transient=True)
    task = progress.add_task(f"{stages[0]} files", total=total or None,
                             amount=f"0 B of {human(total)}")
    shown = _Shown(progress, task)
    before = timings()
    reset_reading()
    watch_reading(True)
    stop = threading.Event()

    def changed(name: str, now: dict) -> bool:
        return name in now and now[name] != before.get(name)

    def watch():
        reported = []
        while True:
            finished = stop.wait(POLL_SECONDS)
            now, done_bytes = timings(), bytes_read()
            read_all = (total and done_bytes >= total) or any(
                changed(s, now) for s in stages[1:])
            for name in stages if parts() is None else stages[:1]:
                ready = changed(name, now) and (name != stages[0] or read_all)
                if ready and name not in reported:
                    reported.append(name)
                    progress.console.print(f"  [green]✓[/] {name:<8} "
                                           f"{now[name] - before.get(name, 0.0):8.2f} s")
            pending = [s for s in stages if s not in reported]
            split = parts()
            if split is not None and not shown.remote:  # a partitioned run: partitions done
                progress.update(task, description="partitions decided", total=split[1],
                                completed=split[0], amount=f"{split[0]} of {split[1]}")
            elif not shown.remote and stages[0] not in reported:
                progress.update(task, completed=min(done_bytes, total),
                                amount=f"{human(done_bytes)} of {human(total)}")
            elif not shown.remote and pending:
                progress.update(task, description=pending[0], total=None, completed=0,
                                amount=f"stage {len(reported) + 1} of {len(stages)}")
            if finished:
                return

    try:
        with progress:
            thread = threading.Thread(target=watch, name="shopscore-progress", daemon=True)
            thread.start()
            try:
                yield shown
            finally:
                stop.set()
                thread.join()
    finally:
        watch_reading(False)
