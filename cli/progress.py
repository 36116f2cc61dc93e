"""A progress display on stderr for big inputs: each stage is shown as it completes.

Only when stderr is a terminal, the input is big (more than BIG_ROWS rows or BIG_BYTES of
files) and --quiet is not given; never on stdout. It watches the engine's stage timings, so
the engine knows nothing of it.
"""

from __future__ import annotations

import sys
import threading
from contextlib import contextmanager

from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from shopscore.scoring.engine.stages import timings
from shopscore.scoring.errors import ShopscoreError
from shopscore.scoring.inputs.dataset import expand_inputs

BIG_ROWS = 2_000_000
BIG_BYTES = 200 * 1024 * 1024
STAGES = ("read", "prepare", "credit", "dsr", "summary")
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

    def __init__(self, progress: Progress | None):
        self.progress = progress
        self.task = progress.add_task("read", total=len(STAGES)) if progress else None
        self.remote = False

    def tasks(self, done: int, total: int):
        self.remote = True
        if self.progress is not None:
            self.progress.update(self.task, description="shop tasks done on the cluster",
                                 completed=done, total=total)


@contextmanager
def stage_progress(enabled: bool, console: Console, paths=(), extra_files: int = 0):
    """Show the stages as they complete while the block runs (nothing when not enabled).
    `paths` are the inputs, `extra_files` any more files read (the read stage runs once per
    file)."""
    if not enabled:
        yield _Shown(None)
        return
    try:
        files = len(expand_inputs(paths)) + extra_files
    except ShopscoreError:
        files = 1
    progress = Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(),
                        TextColumn("{task.completed}/{task.total}"), TimeElapsedColumn(),
                        console=console, transient=True)
    shown = _Shown(progress)
    before = timings()
    stop = threading.Event()

    def changed(name: str, now: dict) -> bool:
        return name in now and now[name] != before.get(name)

    def watch():
        reported = set()
        reads = {before.get("read")}
        while True:
            finished = stop.wait(POLL_SECONDS)
            now = timings()
            # "read" runs once per file: it is complete when every file was seen read (or,
            # should a quick one slip between two looks, when the next stage is).
            reads.add(now.get("read"))
            read_all = len(reads) - 1 >= files or changed("prepare", now)
            done = [s for s in STAGES if changed(s, now) and (s != "read" or read_all)]
            for name in done:
                if name not in reported:
                    reported.add(name)
                    progress.console.print(f"  [green]✓[/] {name:<8} "
                                           f"{now[name] - before.get(name, 0.0):8.2f} s")
            pending = [s for s in STAGES if s not in reported]
            if pending and not shown.remote:
                progress.update(shown.task, completed=len(reported), description=pending[0])
            if finished:
                return

    with progress:
        thread = threading.Thread(target=watch, name="shopscore-progress", daemon=True)
        thread.start()
        try:
            yield shown
        finally:
            stop.set()
            thread.join()
