"""`shopscore audit`: the figures and checks of every shop, as a table, JSON or Markdown."""

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
    Format,
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
from ..status import EXIT_HELP, ExitStatus


def audit(
    trades: Annotated[list[Path], typer.Argument(help="Trade lines (CSV or Parquet); ratings as "
                                                     "columns or in --ratings.")],
    ratings: Ratings = None,
    after_sales: AfterSales = None,
    chats: Chats = None,
    as_of: Annotated[str | None, typer.Option("--as-of", help="The moment the audit describes "
                                              "(ISO 8601; default: now in the profile's time "
                                              "zone).", metavar="DATETIME")] = None,
    profile: Profile = "taobao",
    industry: Annotated[str | None, typer.Option(help="Industry figures, e.g. description=4.78,"
                                                 "service=4.80:4.95:4.50 (AVG[:BEST[:LOWEST]]).",
                                                 metavar="ITEM=AVG,...")]
    = None,
    checks: Annotated[Path | None, typer.Option(help="TOML file of named checks "
                                                "([checks.NAME] metric, min, max; rates as "
                                                "fractions, 0.98). They replace the default "
                                                "DSR checks, unless --with-defaults (or "
                                                "with_defaults = true in the file) adds them "
                                                "to the defaults.", metavar="FILE")] = None,
    with_defaults: Annotated[bool, typer.Option("--with-defaults", help="Run the --checks file's "
                                                "checks and the default DSR checks too.")]
    = False,
    min_: Annotated[float | None, typer.Option("--min", help="Bar for the default checks "
                                               "(every seller DSR item >= this, a score in "
                                               "1..5; default from the profile, 4.7).",
                                               metavar="SCORE")] = None,
    fmt: Annotated[Format, typer.Option("--format", help="Output format.",
                                        metavar="table|json|markdown|digest")] = Format.table,
    lang: Lang = None,
    shop: Shop = None,
    notify: Annotated[list[str] | None, typer.Option(help="Post the digest to a team chat's "
                                                     "group robot when a check fails or warns: "
                                                     "a DingTalk, WeCom or Feishu webhook URL "
                                                     "(or kind=URL: dingtalk=, wecom=, "
                                                     "feishu=); repeat for more. A failed post "
                                                     "is one line on stderr and never changes "
                                                     "the exit code.", metavar="URL")] = None,
    notify_always: Annotated[bool, typer.Option("--notify-always", help="Post the digest even "
                                                "when every check passes.")] = False,
    notify_secret_env: Annotated[str | None, typer.Option(
        "--notify-secret-env", help="The environment variable holding the robots' signing "
        "secret (default: SHOPSCORE_DINGTALK_SECRET, SHOPSCORE_FEISHU_SECRET; WeCom signs "
        "nothing).", metavar="NAME")] = None,
    rejects: Rejects = None,
    strict: Strict = False,
    platform: Platform = "auto",
    encoding: Encoding = None,
    sheet: Sheet = None,
    timings: Annotated[bool, typer.Option("--timings", help="Print the seconds spent in each stage (read, "
                                          "prepare, credit, dsr, summary, render) as one JSON "
                                          "line on stderr.")] = False,
    detail: Annotated[bool, typer.Option("--detail", help="With more than 5 shops, show every shop's "
                                         "tables too, not only the summary and the failing "
                                         "checks.")] = False,
    engine: Annotated[str, typer.Option(help="local, or dask: the audit's partitions by "
                                        "shop and buyer as tasks on a Dask cluster (the same "
                                        "result).", metavar="local|dask")] = "local",
    scheduler: Annotated[str | None, typer.Option(help="With --engine dask: the scheduler's "
                                                  "address, e.g. tcp://host:8786 (default: a "
                                                  "local cluster of 2 workers).", metavar="ADDRESS")]
    = None,
    quiet: Quiet = False,
    max_left_out: MaxLeftOut = None,
    memory: Memory = None,
    partitions: Partitions = None,
    history: Annotated[Path | None, typer.Option(help="Store this audit's figures per shop and "
                                                 "as_of in this SQLite file (the same as_of "
                                                 "again replaces them); shopscore trend shows "
                                                 "them.", metavar="FILE")] = None,
    debug: Debug = False,
):
    """Audit credit score, level, positive rate and DSR, and check them against campaign bars.

    \b
    Examples:
      shopscore audit orders.csv --as-of 2026-11-22
      shopscore audit exports/ --min 4.78 --format digest --lang zh
      shopscore audit exports/ --checks bars.toml --with-defaults --format json
      shopscore audit exports/ --notify "$DINGTALK_WEBHOOK" --notify "$WECOM_WEBHOOK"
    """
    from shopscore.scoring import api
    from shopscore.scoring.engine.stages import stage
    from shopscore.scoring.engine.stages import timings as stage_timings

    from ..console import err, out, sources, user_errors
    from ..progress import stage_progress, wanted

    chosen = sources(trades, ratings, platform, encoding, sheet, rejects, strict,
                     after_sales=after_sales, chats=chats, writes=(("--history", history),))
    with user_errors(debug):
        words = api.labels(lang)
        robots = api.notify_targets(notify or ())
        with stage_progress(wanted(trades, quiet), err, trades, extra=(ratings,)) as shown:
            done = api.audit(chosen, profile, as_of, industry, checks, min_, shop, engine,
                             scheduler, on_tasks=shown.tasks, with_defaults=with_defaults,
                             max_left_out=max_left_out, partitions=partitions, memory=memory)
        if history is not None:
            api.record_history(history, done.result)
    result = done.result
    with stage("render"):
        if fmt is Format.json:
            sys.stdout.write(json.dumps(result.to_dict(), ensure_ascii=False, indent=2,
                                        allow_nan=False) + "\n")
        elif fmt is Format.markdown:
            from ..render_markdown import audit_markdown

            sys.stdout.write(audit_markdown(result, words, detail))
        elif fmt is Format.digest:
            sys.stdout.write(api.digest_text(result, words) + "\n")
        else:
            from ..render import audit_shops_renderable

            out.print(audit_shops_renderable(result, words, detail, out.width))
        sys.stdout.flush()
    for problem in api.notify(result, robots, words, notify_always, notify_secret_env):
        err.print(f"shopscore: warning: {problem}", markup=False)
    if timings:
        sys.stderr.write(json.dumps({"timings": stage_timings()}) + "\n")
    raise typer.Exit(ExitStatus.OK if result.passed else ExitStatus.CHECK_FAILED)


def register(app: typer.Typer):
    app.command(epilog=EXIT_HELP, cls=Command,
                short_help="Audit credit, positive rate and DSR against campaign bars.")(audit)
