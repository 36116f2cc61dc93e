"""`shopscore sample`: a realistic, deterministic sample shop to try the audit on."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ..helpfmt import Command
from ..options import Debug
from ..status import exit_help

EXIT_HELP = exit_help("0 the sample was written", "2 bad usage or an unwritable --out")


def sample(
    out_dir: Annotated[Path, typer.Option("--out", help="Directory to write the sample into.",
                                                 metavar="DIR")]
    = Path("sample_data"),
    lines: Annotated[int, typer.Option(help="Number of trade lines.", min=1, metavar="N")] = 3000,
    seed: Annotated[int, typer.Option(help="Random seed (same seed, same files).",
                                       metavar="N")] = 7,
    shops: Annotated[int, typer.Option(help="Number of shops.", min=1, metavar="N")] = 1,
    as_of: Annotated[str, typer.Option("--as-of", help="The audit date the sample is built "
                                       "around.", metavar="DATETIME")]
    = "2026-11-22T00:00:00+08:00",
    debug: Debug = False,
):
    """Generate a realistic, deterministic sample shop (CSV and Parquet)."""
    from shopscore.scoring import api

    from ..console import err, user_errors

    with user_errors(debug):
        paths = api.sample(out_dir, lines, seed, shops, as_of)
    for path in paths:
        err.print(f"wrote {path}", markup=False)


def register(app: typer.Typer):
    app.command(epilog=EXIT_HELP, cls=Command,
                short_help="Write a realistic sample shop (CSV, Parquet).")(sample)
