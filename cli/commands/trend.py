"""`shopscore trend`: the figures `audit --history` stored, over time, with the change since
the previous audit."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from ..helpfmt import Command
from ..options import Debug, Shop, TableOrJson
from ..status import ExitStatus, Fmt, exit_help

EXIT_HELP = exit_help("0 the trend was printed",
                      "2 could not run (no such history file, unknown --shop or --metric)")


def trend(
    path: Annotated[Path, typer.Argument(help="The SQLite file written by "
                                              "shopscore audit --history PATH.")],
    shop: Shop = None,
    metric: Annotated[list[str] | None, typer.Option(help="A figure to show, by its JSON "
                                                     "path (dsr.description.score, "
                                                     "credit.positive_rate, ...; globs "
                                                     "like dsr.*.score); repeat for more. "
                                                     "Default: credit score, positive rate, "
                                                     "DSR scores, items below industry.",
                                                     metavar="PATH")]
    = None,
    fmt: TableOrJson = Fmt.table,
    debug: Debug = False,
):
    """Show each stored figure over time, with the change since the previous audit."""
    from shopscore.scoring import api

    from ..console import out, user_errors
    from ..render_insight import trend_renderable

    with user_errors(debug):
        doc = api.trend(path, shop, metric)
    if fmt is Fmt.json:
        doc = {"history": str(path), **doc}
        sys.stdout.write(json.dumps(doc, ensure_ascii=False, indent=2, allow_nan=False) + "\n")
    else:
        out.print(trend_renderable(doc, path))
    sys.stdout.flush()
    raise typer.Exit(ExitStatus.OK)


def register(app: typer.Typer):
    app.command(epilog=EXIT_HELP, cls=Command,
                short_help="Stored figures over time (audit --history).")(trend)
