"""`shopscore profile`: the active rule profile, every number the rules use."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from ..helpfmt import Command
from ..options import Debug
from ..status import exit_help

EXIT_HELP = exit_help("0 the profile was printed", "2 no such profile, or an invalid one")


def show_profile(
    profile: Annotated[str, typer.Option(help="A built-in profile name or a TOML file.",
                                         metavar="NAME|FILE")]
    = "taobao",
    debug: Debug = False,
):
    """Print the active rule profile (every window, cap and level the rules use)."""
    from shopscore.scoring.rules.profile import load_profile

    from ..console import user_errors

    with user_errors(debug):
        prof = load_profile(profile)
    sys.stdout.write(prof.text if prof.text.endswith("\n") else prof.text + "\n")


def register(app: typer.Typer):
    app.command("profile", epilog=EXIT_HELP, cls=Command,
                short_help="Print the active rule profile.")(show_profile)
