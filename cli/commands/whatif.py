"""`shopscore whatif`: how many 5-star scores each DSR item needs, how many 1-star scores it
can absorb; the same for the positive rate."""

from __future__ import annotations

from enum import StrEnum
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


class Shown(StrEnum):
    rounded = "rounded"
    truncated = "truncated"


def whatif(
    trades: Annotated[list[Path] | None, typer.Argument(help="Trade lines (CSV, Parquet, Excel); "
                                                            "omit them for the snapshot form "
                                                            "(--score and --count).")] = None,
    ratings: Ratings = None,
    as_of: AsOf = None,
    after_sales: AfterSales = None,
    chats: Chats = None,
    profile: Profile = "taobao",
    industry: Annotated[str | None, typer.Option(help="Industry averages, e.g. description=4.78,"
                                                 "service=4.80 (AVG[:BEST[:LOWEST]]).",
                                                 metavar="ITEM=AVG,...")] = None,
    target: Annotated[float | None, typer.Option("--target", "--min", help="The DSR bar to "
                                                 "reach or stay above (default from the "
                                                 "profile, 4.7).", metavar="SCORE")] = None,
    target_rate: Annotated[float, typer.Option("--target-rate", help="The positive-rate bar, "
                                               "a fraction (0.98 = 98%, a common campaign "
                                               "bar).", metavar="FRACTION")] = 0.98,
    item: Annotated[str | None, typer.Option(help="Snapshot: the DSR item (description, "
                                             "service, shipping, logistics; default "
                                             "description).", metavar="ITEM")] = None,
    score: Annotated[str | None, typer.Option(help="Snapshot: the mean the platform shows, "
                                              "e.g. 4.68.", metavar="SCORE")] = None,
    count: Annotated[int | None, typer.Option(help="Snapshot: the number of scores it shows.",
                                              min=1, metavar="N")] = None,
    industry_avg: Annotated[float | None, typer.Option("--industry-avg", help="Snapshot: the "
                                                       "industry average of the item.",
                                                       metavar="SCORE")] = None,
    shown: Annotated[Shown, typer.Option(help="Snapshot: how the shown score was cut to its "
                                         "decimals: rounded (detail pages) or truncated (the "
                                         "shop badge: 4.76 shows 4.7).",
                                         metavar="rounded|truncated")] = Shown.rounded,
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
    """How many 5-star scores each DSR item needs, how many 1-star scores it can absorb.

    From the data (the audit's counted scores of the last 180 days), or from a snapshot of
    what the platform shows (--score 4.68 --count 30566): the sum is then round(score x count),
    so the answers are approximate to the rounding of the shown score, and their range is shown
    when the score has too few decimals to pin the sum down. Also the positive rate: positives
    needed to reach --target-rate, negatives (or neutrals) absorbable before falling below it."""
    from shopscore.scoring import api
    from shopscore.scoring.errors import OptionError

    from ..console import emit_json, out, sources, user_errors
    from ..render_insight import snapshot_renderable, whatif_renderable

    snapshot = any(v is not None for v in (item, score, count))
    with user_errors(debug):
        if snapshot:
            if trades:
                raise OptionError("give either TRADES files or a snapshot (--score, "
                                      "--count), not both")
            doc = api.whatif_snapshot(score, count, item, target, industry_avg, industry,
                                      shown.value, profile, target_rate)
        else:
            if industry_avg is not None:
                raise OptionError("--industry-avg belongs to the snapshot form (--item, "
                                      "--score, --count); with TRADES files give --industry "
                                      "ITEM=AVG,...")
            chosen = sources(trades, ratings, platform, encoding, sheet, rejects, strict,
                     after_sales=after_sales, chats=chats,
                     memory=memory, partitions=partitions)
            doc = api.whatif(chosen, target, target_rate, industry, shop, profile, as_of)
    if fmt is Fmt.json:
        emit_json(doc)
    elif snapshot:
        out.print(snapshot_renderable(doc["snapshot"]))
    else:
        out.print(whatif_renderable(doc))
    raise typer.Exit(ExitStatus.OK)


def register(app: typer.Typer):
    app.command("whatif", epilog=EXIT_HELP, cls=Command,
                short_help="5-star scores each DSR item needs, 1-star scores it absorbs.")(whatif)
