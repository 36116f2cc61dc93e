"""The `shopscore` commands: read options, call the engine, render, exit with ExitStatus."""

from __future__ import annotations

import json
import sys
from contextlib import contextmanager
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from shopscore import __version__
from shopscore.scoring.audit import audit as run_audit
from shopscore.scoring.checks import default_checks, load_checks
from shopscore.scoring.errors import OptionError, RejectedRowsError, ShopscoreError
from shopscore.scoring.industry import parse_industry
from shopscore.scoring.load import load
from shopscore.scoring.profile import load_profile

from .render import audit_markdown, audit_renderable
from .status import EXIT_HELP, ExitStatus

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  help="Audit seller credit and DSR scores from marketplace exports. " + EXIT_HELP)
out = Console(highlight=False)
err = Console(stderr=True, highlight=False, soft_wrap=True)


class Format(StrEnum):
    table = "table"
    json = "json"
    markdown = "markdown"


@contextmanager
def user_errors(debug: bool):
    """Turn a user error into one sentence on stderr and exit 2 (the traceback with --debug)."""
    try:
        yield
    except ShopscoreError as exc:
        if debug:
            raise
        err.print(f"shopscore: error: {exc}", markup=False)
        raise typer.Exit(ExitStatus.ERROR) from None


def parse_as_of(text: str | None, tz) -> datetime:
    """An ISO 8601 date or datetime; without an offset it is the profile's local time."""
    if not text:
        return datetime.now(tz)
    try:
        value = datetime.fromisoformat(text.strip().replace(" ", "T", 1))
    except ValueError:
        raise OptionError(f"--as-of {text!r} is not an ISO 8601 date or datetime "
                          "(e.g. 2026-11-22T00:00:00+08:00)") from None
    return value if value.tzinfo else value.replace(tzinfo=tz)


def _version(value: bool):
    if value:
        out.print(f"shopscore {__version__}")
        raise typer.Exit()


@app.callback()
def _root(version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                                help="Print the version and exit.")] = False):
    """Audit seller credit and DSR scores from marketplace exports."""


def _report_rejects(data, rejects_path: Path | None, strict: bool):
    if rejects_path is not None:
        try:
            data.rejects.to_csv(rejects_path, index=False)
        except OSError as exc:
            raise OptionError(f"--rejects {rejects_path}: cannot be written ({exc.strerror})") \
                from None
    if not data.rows_rejected:
        return
    first = data.rejects.iloc[0]
    where = f"row {first['row']}" + (f", column {first['column']}" if first["column"] else "")
    reasons = ", ".join(f"{k} {v}" for k, v in data.rejected_by_reason.items())
    sentence = (f"{first['file']}: {data.rows_rejected} row(s) rejected ({reasons}); "
                f"first at {where}: {first['reason']}"
                + (f" {str(first['value'])[:60]!r}" if first["value"] is not None else ""))
    if strict:
        raise RejectedRowsError(sentence + "; --strict turns rejected rows into an error")
    err.print(f"shopscore: warning: {sentence}"
              + ("" if rejects_path else "; --rejects PATH lists them all"), markup=False)


@app.command(epilog=EXIT_HELP)
def audit(
    trades: Annotated[list[Path], typer.Argument(help="Trade lines (CSV or Parquet); ratings as "
                                                     "columns or in --ratings.")],
    ratings: Annotated[Path | None, typer.Option(help="A second file of buyer ratings, joined "
                                                      "on order_id + line_id.")] = None,
    as_of: Annotated[str | None, typer.Option("--as-of", help="The moment the audit describes "
                                              "(ISO 8601; default: now in the profile's time "
                                              "zone).")] = None,
    profile: Annotated[str, typer.Option(help="Rule profile: a built-in name or a TOML file.")]
    = "taobao",
    industry: Annotated[str | None, typer.Option(help="Industry figures, e.g. description=4.78,"
                                                 "service=4.80:4.95:4.50 (AVG[:BEST[:LOWEST]]).")]
    = None,
    checks: Annotated[Path | None, typer.Option(help="TOML file of named checks "
                                                "([checks.NAME] metric, min, max); replaces "
                                                "the default DSR checks.")] = None,
    min_: Annotated[float | None, typer.Option("--min", help="Bar for the default checks "
                                               "(every seller DSR item >= this; default from "
                                               "the profile, 4.7).")] = None,
    fmt: Annotated[Format, typer.Option("--format", help="Output format.")] = Format.table,
    shop: Annotated[str | None, typer.Option(help="Only this shop_id.")] = None,
    rejects: Annotated[Path | None, typer.Option(help="Write every rejected row (file, row, "
                                                 "column, value, reason) to this CSV.")] = None,
    strict: Annotated[bool, typer.Option(help="Any rejected row is an error (exit 2).")]
    = False,
    debug: Annotated[bool, typer.Option(help="Show tracebacks.")] = False,
):
    """Audit credit score, level, positive rate and DSR, and check them against campaign bars."""
    with user_errors(debug):
        prof = load_profile(profile)
        when = parse_as_of(as_of, prof.tz)
        figures = parse_industry(industry, prof.dsr_items)
        chosen = None
        if checks is not None:
            chosen = load_checks(checks)
            if min_ is not None:
                chosen = default_checks(prof.seller_items, min_) + chosen
        elif min_ is not None:
            chosen = default_checks(prof.seller_items, min_)
        data = load(trades, prof.timezone, ratings)
        _report_rejects(data, rejects, strict)
        result, _ = run_audit(data, prof, when, figures, chosen, shop)
        if shop is not None and not result.shops:
            raise OptionError(f"--shop {shop!r}: no such shop in the data")
    if fmt is Format.json:
        sys.stdout.write(json.dumps(result.to_dict(), ensure_ascii=False, indent=2,
                                    allow_nan=False) + "\n")
    elif fmt is Format.markdown:
        sys.stdout.write(audit_markdown(result) + "\n")
    else:
        out.print(audit_renderable(result))
    raise typer.Exit(ExitStatus.OK if result.passed else ExitStatus.CHECK_FAILED)


@app.command("profile")
def show_profile(
    profile: Annotated[str, typer.Option(help="A built-in profile name or a TOML file.")]
    = "taobao",
    debug: Annotated[bool, typer.Option(help="Show tracebacks.")] = False,
):
    """Print the active rule profile (every window, cap and level the rules use)."""
    with user_errors(debug):
        prof = load_profile(profile)
    sys.stdout.write(prof.text if prof.text.endswith("\n") else prof.text + "\n")


@app.command()
def sample(
    out_dir: Annotated[Path, typer.Option("--out", help="Directory to write the sample into.")]
    = Path("sample_data"),
    lines: Annotated[int, typer.Option(help="Number of trade lines.", min=1)] = 3000,
    seed: Annotated[int, typer.Option(help="Random seed (same seed, same files).")] = 7,
    shops: Annotated[int, typer.Option(help="Number of shops.", min=1)] = 1,
    as_of: Annotated[str, typer.Option("--as-of", help="The audit date the sample is built "
                                       "around.")] = "2026-11-22T00:00:00+08:00",
    debug: Annotated[bool, typer.Option(help="Show tracebacks.")] = False,
):
    """Generate a realistic, deterministic sample shop (CSV and Parquet)."""
    from shopscore.scoring.sample import write_sample

    with user_errors(debug):
        prof = load_profile("taobao")
        when = parse_as_of(as_of, prof.tz)
        try:
            paths = write_sample(out_dir, lines=lines, seed=seed, shops=shops, as_of=when)
        except OSError as exc:
            raise OptionError(f"--out {out_dir}: cannot be written ({exc.strerror})") from None
    for path in paths:
        err.print(f"wrote {path}", markup=False)


def main():
    app()
