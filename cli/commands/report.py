"""`shopscore report TRADES... --html FILE`: the audit, star distributions, DSR trend and
forecast as one self-contained HTML page (scoring/report/html.py draws it)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ..helpfmt import Command
from ..options import (
    AfterSales,
    AsOf,
    Chats,
    Debug,
    Encoding,
    Lang,
    MaxLeftOut,
    Memory,
    Partitions,
    Platform,
    Profile,
    Quiet,
    Ratings,
    Rejects,
    Sheet,
    Shop,
    Strict,
)
from ..status import ExitStatus, exit_help

EXIT_HELP = exit_help("0 the report was written and every check passed",
                      "1 it was written and a check failed",
                      "2 could not run (bad usage, unreadable file, missing columns, --strict "
                      "and a rejected row, unwritable --html)")


def report(
    trades: Annotated[list[Path], typer.Argument(help="Trade lines (CSV, Parquet, Excel); "
                                                     "ratings as columns or in --ratings.")],
    html_path: Annotated[Path, typer.Option("--html", help="The HTML file to write.",
                                                      metavar="FILE")],
    ratings: Ratings = None,
    as_of: AsOf = None,
    after_sales: AfterSales = None,
    chats: Chats = None,
    profile: Profile = "taobao",
    industry: Annotated[str | None, typer.Option(help="Industry figures, e.g. description=4.78,"
                                                 "service=4.80 (AVG[:BEST[:LOWEST]]).",
                                                 metavar="ITEM=AVG,...")] = None,
    checks: Annotated[Path | None, typer.Option(help="TOML file of named checks; replaces the "
                                                "default DSR checks (with --with-defaults: adds "
                                                "to them).", metavar="FILE")] = None,
    min_: Annotated[float | None, typer.Option("--min", help="Bar for the default checks and "
                                               "the forecast (default from the profile, "
                                               "4.7).", metavar="SCORE")] = None,
    shop: Shop = None,
    history: Annotated[Path | None, typer.Option(help="Draw the DSR and credit trends from this "
                                                 "SQLite file (written by audit --history); "
                                                 "default: the 180-day DSR mean of the last 90 "
                                                 "days, recomputed from the data.",
                                                 metavar="FILE")] = None,
    lang: Lang = None,
    with_defaults: Annotated[bool, typer.Option("--with-defaults", help="Run the --checks "
                                                "file's checks and the default DSR checks "
                                                "too.")] = False,
    days: Annotated[int, typer.Option(help="Days to forecast.", min=1, max=3650,
                                        metavar="DAYS")] = 30,
    platform: Platform = "auto",
    encoding: Encoding = None,
    sheet: Sheet = None,
    rejects: Rejects = None,
    strict: Strict = False,
    quiet: Quiet = False,
    max_left_out: MaxLeftOut = None,
    memory: Memory = None,
    partitions: Partitions = None,
    debug: Debug = False,
):
    """Write the audit, star distributions, DSR trend and forecast as one HTML page.

    Self-contained: inline CSS and SVG charts, no scripts, no network. Exits like audit."""
    from shopscore.scoring import api
    from shopscore.scoring.errors import OptionError

    from ..console import err, sources, user_errors
    from ..progress import REPORT_STAGES, stage_progress, wanted

    chosen = sources(trades, ratings, platform, encoding, sheet, rejects, strict,
                     after_sales=after_sales, chats=chats, writes=(("--html", html_path),),
                     memory=memory, partitions=partitions)
    with user_errors(debug):
        with stage_progress(wanted(trades, quiet), err, trades, (ratings,), REPORT_STAGES):
            page, done = api.report(chosen, days, history, industry, checks, min_, shop,
                                    profile, as_of, lang, with_defaults, max_left_out)
        try:
            html_path.write_text(page, encoding="utf-8")
        except OSError as exc:
            raise OptionError(f"--html {html_path}: cannot be written "
                              f"({exc.strerror or exc})") from None
    err.print(f"wrote {html_path}", markup=False)
    raise typer.Exit(ExitStatus.OK if done.result.passed else ExitStatus.CHECK_FAILED)


def register(app: typer.Typer):
    app.command("report", epilog=EXIT_HELP, cls=Command,
                short_help="The audit, charts and forecast as one HTML page.")(report)
