"""`shopscore audit`: the figures and checks of every shop, as a table, JSON or Markdown."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from ..options import Debug, Format, Profile, Shop, Strict
from ..status import EXIT_HELP, ExitStatus


def audit(
    trades: Annotated[list[Path], typer.Argument(help="Trade lines (CSV or Parquet); ratings as "
                                                     "columns or in --ratings.")],
    ratings: Annotated[Path | None, typer.Option(help="A second file of buyer ratings, joined "
                                                      "on order_id + line_id.")] = None,
    as_of: Annotated[str | None, typer.Option("--as-of", help="The moment the audit describes "
                                              "(ISO 8601; default: now in the profile's time "
                                              "zone).")] = None,
    profile: Profile = "taobao",
    industry: Annotated[str | None, typer.Option(help="Industry figures, e.g. description=4.78,"
                                                 "service=4.80:4.95:4.50 (AVG[:BEST[:LOWEST]]).")]
    = None,
    checks: Annotated[Path | None, typer.Option(help="TOML file of named checks "
                                                "(\\[checks.NAME] metric, min, max); replaces "
                                                "the default DSR checks.")] = None,
    min_: Annotated[float | None, typer.Option("--min", help="Bar for the default checks "
                                               "(every seller DSR item >= this; default from "
                                               "the profile, 4.7).")] = None,
    fmt: Annotated[Format, typer.Option("--format", help="Output format.")] = Format.table,
    shop: Shop = None,
    rejects: Annotated[Path | None, typer.Option(help="Write every rejected row (file, row, "
                                                 "column, value, reason) to this CSV.")] = None,
    strict: Strict = False,
    platform: Annotated[str, typer.Option(help="Export format: auto (from the headers), "
                                          "canonical, taobao, douyin, jd, pdd.")] = "auto",
    encoding: Annotated[str | None, typer.Option(help="Text encoding of CSV files (default: "
                                                 "detected, UTF-8 or GB18030).")] = None,
    sheet: Annotated[str | None, typer.Option(help="Excel sheet name or index (default: the "
                                              "first).")] = None,
    timings: Annotated[bool, typer.Option(help="Print the seconds spent in each stage (read, "
                                          "prepare, credit, dsr, summary, render) as one JSON "
                                          "line on stderr.")] = False,
    detail: Annotated[bool, typer.Option(help="With more than 5 shops, show every shop's "
                                         "tables too, not only the summary and the failing "
                                         "checks.")] = False,
    engine: Annotated[str, typer.Option(help="local, or dask: one task per shop of a "
                                        "hive-partitioned dataset (DIR/shop_id=…/*.parquet) "
                                        "on a Dask cluster.")] = "local",
    scheduler: Annotated[str | None, typer.Option(help="With --engine dask: the scheduler's "
                                                  "address, e.g. tcp://host:8786 (default: a "
                                                  "local cluster of 2 workers).")] = None,
    quiet: Annotated[bool, typer.Option(help="No progress display on stderr for big "
                                        "inputs.")] = False,
    max_left_out: Annotated[float | None, typer.Option(
        "--max-left-out", help="The share of ratings that may be left out because their line "
        "cannot be told (an order of several lines, a rating without line or item id); more "
        "is exit 2 (default: the profile's checks.max_ambiguous_share, 0.05).")] = None,
    history: Annotated[Path | None, typer.Option(help="Store this audit's figures per shop and "
                                                 "as_of in this SQLite file (the same as_of "
                                                 "again replaces them); shopscore trend shows "
                                                 "them.")] = None,
    debug: Debug = False,
):
    """Audit credit score, level, positive rate and DSR, and check them against campaign bars."""
    from shopscore.scoring import api
    from shopscore.scoring.engine.stages import stage
    from shopscore.scoring.engine.stages import timings as stage_timings

    from ..console import err, out, sources, user_errors
    from ..progress import stage_progress, wanted
    from ..render import audit_markdown, audit_shops_renderable

    chosen = sources(trades, ratings, platform, encoding, sheet, rejects, strict,
                     writes=(("--history", history),))
    with user_errors(debug):
        with stage_progress(wanted(trades, quiet), err, trades,
                            extra_files=ratings is not None) as shown:
            done = api.audit(chosen, profile, as_of, industry, checks, min_, shop, engine,
                             scheduler, on_tasks=shown.tasks, max_left_out=max_left_out)
        if history is not None:
            api.record_history(history, done.result)
    result = done.result
    with stage("render"):
        if fmt is Format.json:
            sys.stdout.write(json.dumps(result.to_dict(), ensure_ascii=False, indent=2,
                                        allow_nan=False) + "\n")
        elif fmt is Format.markdown:
            sys.stdout.write(audit_markdown(result) + "\n")
        else:
            out.print(audit_shops_renderable(result, detail))
        sys.stdout.flush()
    if timings:
        sys.stderr.write(json.dumps({"timings": stage_timings()}) + "\n")
    raise typer.Exit(ExitStatus.OK if result.passed else ExitStatus.CHECK_FAILED)


def register(app: typer.Typer):
    app.command(epilog=EXIT_HELP)(audit)
