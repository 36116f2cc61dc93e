"""`shopscore report TRADES... --html FILE` (issue 5): the audit, star distributions, DSR trend
and forecast as one self-contained HTML page (scoring/report_html.py draws it).

cli/app.py registers this module's command (`register(app)`); cli.app is imported only inside
the command, so importing this module first never meets a half-initialised cli.app."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from .options import AsOf, Debug, Encoding, Platform, Profile, Ratings, Rejects, Sheet, Shop, Strict

EXIT_HELP = ("Exit codes: 0 the report was written and every check passed; 1 it was written and "
             "a check failed; 2 could not run (bad usage, unreadable file, missing columns, "
             "--strict and a rejected row, unwritable --html).")


def report(
    trades: Annotated[list[Path], typer.Argument(help="Trade lines (CSV, Parquet, Excel); "
                                                     "ratings as columns or in --ratings.")],
    html_path: Annotated[Path, typer.Option("--html", help="The HTML file to write.")],
    ratings: Ratings = None,
    as_of: AsOf = None,
    profile: Profile = "taobao",
    industry: Annotated[str | None, typer.Option(help="Industry figures, e.g. description=4.78,"
                                                 "service=4.80 (AVG[:BEST[:LOWEST]]).")] = None,
    checks: Annotated[Path | None, typer.Option(help="TOML file of named checks; replaces the "
                                                "default DSR checks.")] = None,
    min_: Annotated[float | None, typer.Option("--min", help="Bar for the default checks and "
                                               "the forecast (default from the profile, "
                                               "4.7).")] = None,
    shop: Shop = None,
    history: Annotated[Path | None, typer.Option(help="Draw the DSR and credit trends from this "
                                                 "SQLite file (written by audit --history); "
                                                 "default: the 180-day DSR mean of the last 90 "
                                                 "days, recomputed from the data.")] = None,
    days: Annotated[int, typer.Option(help="Days to forecast.", min=1, max=3650)] = 30,
    platform: Platform = "auto",
    encoding: Encoding = None,
    sheet: Sheet = None,
    rejects: Rejects = None,
    strict: Strict = False,
    debug: Debug = False,
):
    """Write the audit, star distributions, DSR trend and forecast as one HTML page.

    Self-contained: inline CSS and SVG charts, no scripts, no network. Exits like audit."""
    from shopscore.scoring.engine.audit import audit as run_audit
    from shopscore.scoring.engine.decide import local_as_of
    from shopscore.scoring.errors import OptionError
    from shopscore.scoring.insight.forecast import forecast as run_forecast
    from shopscore.scoring.report.html import build_report
    from shopscore.scoring.rules.checks import choose_checks
    from shopscore.scoring.rules.industry import parse_industry
    from shopscore.scoring.rules.profile import load_profile

    from .app import err, load_inputs, parse_as_of, user_errors
    from .status import ExitStatus

    with user_errors(debug):
        prof = load_profile(profile)
        when = parse_as_of(as_of, prof.tz)
        figures = parse_industry(industry, prof.dsr_items)
        chosen = choose_checks(prof, checks, min_)
        trend_doc = None
        if history is not None:
            from shopscore.scoring.insight import history as history_mod

            if not history.is_file():
                raise OptionError(f"--history {history}: no such file")
            trend_doc = history_mod.trend(history_mod.read(history))
        data = load_inputs(trades, prof, ratings, platform, encoding, sheet, rejects, strict)
        result, decisions = run_audit(data, prof, when, figures, chosen, shop)
        if shop is not None and not result.shops:
            raise OptionError(f"--shop {shop!r}: no such shop in the data")
        bar = prof.default_min if min_ is None else min_
        local = local_as_of(when, prof)
        found = run_forecast(decisions.dsr, prof, local, days, bar,
                             [s.shop_id for s in result.shops])
        page = build_report(result, prof, decisions.dsr, local, found, days, bar, trend_doc,
                            start=when.astimezone(prof.tz))
        try:
            html_path.write_text(page, encoding="utf-8")
        except OSError as exc:
            raise OptionError(f"--html {html_path}: cannot be written "
                              f"({exc.strerror or exc})") from None
    err.print(f"wrote {html_path}", markup=False)
    raise typer.Exit(ExitStatus.OK if result.passed else ExitStatus.CHECK_FAILED)


def register(app: typer.Typer):
    """Add `report` to the shopscore app."""
    app.command("report", epilog=EXIT_HELP)(report)
