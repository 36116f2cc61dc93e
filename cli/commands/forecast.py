"""`shopscore forecast`: each DSR item's mean over the next days, as scores leave the window."""

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
    Memory,
    Partitions,
    Platform,
    Profile,
    Ratings,
    Rejects,
    Sheet,
    Shop,
    Strict,
    TableOrJson,
)
from ..status import ExitStatus, Fmt, exit_help

EXIT_HELP = exit_help("0 the answer was printed (whatever the scores)",
                      "2 could not run (bad usage, unreadable file, missing columns, --strict "
                      "and a rejected row)")


def forecast(
    trades: Annotated[list[Path], typer.Argument(help="Trade lines (CSV, Parquet, Excel).")],
    days: Annotated[int, typer.Option(help="How many days ahead.", min=1, max=3650,
                                        metavar="DAYS")] = 30,
    ratings: Ratings = None,
    as_of: AsOf = None,
    after_sales: AfterSales = None,
    chats: Chats = None,
    profile: Profile = "taobao",
    industry: Annotated[str | None, typer.Option(help="Industry figures (as for audit; shown "
                                                 "only in JSON).", metavar="ITEM=AVG,...")] = None,
    target: Annotated[float | None, typer.Option("--target", "--min", help="The bar each "
                                                 "seller item is held against (default from "
                                                 "the profile, 4.7).", metavar="SCORE")] = None,
    recent: Annotated[int, typer.Option(help="Days whose pace and star mix the second scenario "
                                        "repeats.", min=1, metavar="DAYS")] = 30,
    shop: Shop = None,
    fmt: TableOrJson = Fmt.table,
    platform: Platform = "auto",
    encoding: Encoding = None,
    sheet: Sheet = None,
    rejects: Rejects = None,
    strict: Strict = False,
    memory: Memory = None,
    partitions: Partitions = None,
    debug: Debug = False,
):
    """Project each DSR item's mean over the next days as scores leave the 180-day window.

    Two scenarios: no new scores at all, and new scores at the pace and star mix of the last
    --recent days (30). Shows the means at a few horizons, the first day each seller item
    would fall below the bar, and a chart of every day."""
    from shopscore.scoring import api

    from ..console import emit_json, out, sources, user_errors
    from ..render_insight import forecast_renderable

    chosen = sources(trades, ratings, platform, encoding, sheet, rejects, strict,
                     after_sales=after_sales, chats=chats,
                     memory=memory, partitions=partitions)
    with user_errors(debug):
        doc = api.forecast(chosen, days, target, recent, industry, shop, profile, as_of)
    if fmt is Fmt.json:
        emit_json(doc)
    else:
        out.print(forecast_renderable(doc, out.width))
    raise typer.Exit(ExitStatus.OK)


def register(app: typer.Typer):
    app.command("forecast", epilog=EXIT_HELP, cls=Command,
                short_help="Each DSR item's mean over the next days.")(forecast)
