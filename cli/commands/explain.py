"""`shopscore explain`: why each rating of an order, buyer or item counted or not."""

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
    Sheet,
    Shop,
    Strict,
    TableOrJson,
)
from ..status import ExitStatus, Fmt, exit_help

EXIT_HELP = exit_help("0 the explanation was printed",
                      "2 could not run (bad usage, no line matches, unreadable file, missing "
                      "columns, --strict and a rejected row)")


def explain(
    trades: Annotated[list[Path], typer.Argument(help="Trade lines (CSV, Parquet or Excel); "
                                                     "ratings as columns or in --ratings.")],
    order: Annotated[str | None, typer.Option(help="Explain the lines of this order_id.",
                                              metavar="ID")]
    = None,
    buyer: Annotated[str | None, typer.Option(help="Explain the lines of this buyer_id.",
                                              metavar="ID")]
    = None,
    item: Annotated[str | None, typer.Option(help="Explain the lines of this item_id.",
                                             metavar="ID")]
    = None,
    metric: Annotated[str | None, typer.Option(help="Explain a service metric of the experience "
                                               "score (e.g. quality_return_rate, "
                                               "reply_seconds_mean): the orders, cases or chat "
                                               "rounds that cost it points, with their times.",
                                               metavar="NAME")] = None,
    limit: Annotated[int, typer.Option(help="With --metric: at most this many of each shop's "
                                       "(0: all).", min=0, metavar="N")] = 50,
    ratings: Ratings = None,
    as_of: AsOf = None,
    profile: Profile = "taobao",
    after_sales: AfterSales = None,
    chats: Chats = None,
    shop: Shop = None,
    fmt: TableOrJson = Fmt.table,
    platform: Platform = "auto",
    encoding: Encoding = None,
    sheet: Sheet = None,
    strict: Strict = False,
    memory: Memory = None,
    partitions: Partitions = None,
    debug: Debug = False,
):
    """Say why each rating of an order, buyer or item counted or not, and which rule decided;
    or (--metric) which orders, cases or chat rounds cost a service metric its points.

    Every rating's fate (counted, unrated, or the reason code of the audit) with the rule
    behind it in plain words, naming the rating that took its place (same item within 14
    days), the month's running total (monthly cap) or the orders that took the month's
    three DSR places. It reads the very decisions the audit's figures are summed from."""
    from shopscore.scoring import api

    from ..console import emit_json, out, sources, user_errors
    from ..render_experience import metric_explanation_renderable
    from ..render_insight import explanation_renderable

    chosen = sources(trades, ratings, platform, encoding, sheet, strict=strict,
                     after_sales=after_sales, chats=chats,
                     memory=memory, partitions=partitions)
    with user_errors(debug):
        doc = api.explain(chosen, order, buyer, item, shop, profile, as_of, metric, limit)
    if fmt is Fmt.json:
        emit_json(doc)
    elif metric is not None:
        out.print(metric_explanation_renderable(doc))
    else:
        out.print(explanation_renderable(doc))
    raise typer.Exit(ExitStatus.OK)


def register(app: typer.Typer):
    app.command(epilog=EXIT_HELP, cls=Command,
                short_help="Why each rating of an order, buyer or item counted or not.")(explain)
