"""`shopscore validate`: what each file was read as, and which rows were rejected and why."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from ..helpfmt import Command
from ..options import (
    AfterSales,
    Chats,
    Debug,
    Encoding,
    Platform,
    Quiet,
    Ratings,
    Rejects,
    Sheet,
    Strict,
    TableOrJson,
)
from ..status import ExitStatus, Fmt, exit_help

EXIT_HELP = exit_help("0 the files were read (rejected rows are reported, not an error)",
                      "2 could not run (bad usage, unreadable file, missing columns; with "
                      "--strict, a rejected row)")


def validate(
    files: Annotated[list[Path], typer.Argument(help="Export files, directories or globs.")],
    ratings: Ratings = None,
    after_sales: AfterSales = None,
    chats: Chats = None,
    platform: Platform = "auto",
    encoding: Encoding = None,
    sheet: Sheet = None,
    examples: Annotated[int, typer.Option(help="Example rows shown per reason.", min=0,
                                            metavar="N")] = 3,
    fmt: TableOrJson = Fmt.table,
    rejects: Rejects = None,
    strict: Strict = False,
    quiet: Quiet = False,
    debug: Debug = False,
):
    """Say what each file was recognised as and which rows were rejected, without scoring."""
    from shopscore.scoring import api

    from ..console import err, out, sources, user_errors
    from ..progress import VALIDATE_STAGES, stage_progress, wanted
    from ..render import validation_renderable

    with user_errors(debug):
        chosen = sources(files, ratings, platform, encoding, sheet, rejects,
                         after_sales=after_sales, chats=chats)
        with stage_progress(wanted(files, quiet), err, files, (ratings,), VALIDATE_STAGES):
            data, report = api.validate(chosen, examples)
    if fmt is Fmt.json:
        sys.stdout.write(json.dumps(report, ensure_ascii=False, indent=2, default=str) + "\n")
    else:
        out.print(validation_renderable(report))
    if strict and data.rows_rejected:
        raise typer.Exit(ExitStatus.ERROR)
    raise typer.Exit(ExitStatus.OK)


def register(app: typer.Typer):
    app.command(epilog=EXIT_HELP, cls=Command,
                short_help="What each file was read as; which rows were rejected.")(validate)
