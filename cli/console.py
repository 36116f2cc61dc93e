"""The two consoles (results on stdout, diagnostics on stderr) and the one place a user error
becomes a sentence on stderr and exit 2."""

from __future__ import annotations

import json
import sys
import traceback
from contextlib import contextmanager

import typer
from rich.console import Console

from .safe import plain
from .status import ExitStatus

out = Console(highlight=False)
err = Console(stderr=True, highlight=False, soft_wrap=True)


@contextmanager
def user_errors(debug: bool):
    """Turn a user error into one sentence on stderr and exit 2 (the traceback with --debug).
    Anything else is a bug and goes on up (exit 3, see cli/app.py)."""
    from shopscore.scoring.errors import ShopscoreError

    try:
        yield
    except ShopscoreError as exc:
        if debug:
            traceback.print_exc()
        err.print(f"shopscore: error: {plain(exc)}", markup=False)
        raise typer.Exit(ExitStatus.ERROR) from None


def emit_json(doc: dict):
    """One JSON document on stdout (unrounded numbers, no NaN)."""
    sys.stdout.write(json.dumps(doc, ensure_ascii=False, indent=2, allow_nan=False) + "\n")
    sys.stdout.flush()


def warn_rejects(data, listed: bool):
    """One warning sentence per file with rejected rows (`listed`: --rejects wrote them)."""
    from shopscore.scoring.inputs.accounts import left_out_sentence, reject_sentences

    left_out = left_out_sentence(data.files)
    if left_out:  # first: it says how much of the ratings the figures stand on
        err.print(f"shopscore: warning: {left_out}", markup=False)
    for sentence in reject_sentences(data):
        err.print(f"shopscore: warning: {plain(sentence)}"
                  + ("" if listed else "; --rejects PATH lists them all"), markup=False)


def sources(files, ratings=None, platform="auto", encoding=None, sheet=None, rejects=None,
            strict=False, after_sales=None, chats=None, writes=(), memory=None,
            partitions=None):
    """The files a command reads (and `writes`: its other outputs, (option, path) pairs), as
    the use cases take them; rejected rows are warned of on stderr as soon as they are read."""
    from shopscore.scoring.api import Sources

    return Sources(tuple(files or ()), ratings, platform, encoding, sheet, rejects,
                   tuple(writes), strict,
                   after_sales=tuple(after_sales) if after_sales else None,
                   chats=tuple(chats) if chats else None,
                   on_read=lambda data: warn_rejects(data, rejects is not None),
                   memory=memory, partitions=partitions)
