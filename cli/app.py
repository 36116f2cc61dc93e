"""The `shopscore` commands: read options, call the engine, render, exit with ExitStatus."""

from __future__ import annotations

import json
import os
import sys
import traceback
from contextlib import contextmanager
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import pandas as pd
import typer
from rich.console import Console

from shopscore import __version__
from shopscore.scoring.engine.audit import audit as run_audit
from shopscore.scoring.engine.memory import keep_freed_memory
from shopscore.scoring.engine.stages import stage
from shopscore.scoring.engine.stages import timings as stage_timings
from shopscore.scoring.errors import OptionError, RejectedRowsError, ShopscoreError
from shopscore.scoring.inputs.load import load
from shopscore.scoring.inputs.platforms import names as platform_names
from shopscore.scoring.inputs.validation import validation_report
from shopscore.scoring.rules.checks import choose_checks
from shopscore.scoring.rules.industry import parse_industry
from shopscore.scoring.rules.profile import load_profile

try:  # Typer >= 0.29 carries its own copy of Click
    from typer._click.exceptions import UsageError
except ImportError:  # pragma: no cover - a Typer on top of Click
    from click.exceptions import UsageError

from .options import Debug, Encoding, Platform, Profile, Ratings, Rejects, Sheet, Shop, Strict
from .progress import stage_progress
from .progress import wanted as progress_wanted
from .render import audit_markdown, audit_shops_renderable, validation_renderable
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
            traceback.print_exc()
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
    """One warning sentence per file with rejected rows (an error with --strict)."""
    if rejects_path is not None:
        try:
            data.rejects.to_csv(rejects_path, index=False)
        except OSError as exc:
            raise OptionError(f"--rejects {rejects_path}: cannot be written "
                              f"({exc.strerror or exc})") from None
    sentences = []
    for account in data.files:
        if not account.rows_rejected:
            continue
        mine = data.rejects.loc[data.rejects["file"] == account.path]
        first = mine.iloc[0]
        where = f"row {first['row']}" + (f", column {first['column']}"
                                         if pd.notna(first["column"]) else "")
        reasons = ", ".join(f"{k} {v}" for k, v in account.rejected_by_reason.items())
        value = f" {str(first['value'])[:60]!r}" if pd.notna(first["value"]) else ""
        sentences.append(f"{account.path}: {account.rows_rejected} of {account.rows_read} rows "
                         f"rejected ({reasons}); first at {where}: {first['reason']}{value}")
    if not sentences:
        return
    if strict:
        raise RejectedRowsError("; ".join(sentences) + "; --strict turns rejected rows into an error")
    for sentence in sentences:
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
    history: Annotated[Path | None, typer.Option(help="Store this audit's figures per shop and "
                                                 "as_of in this SQLite file (the same as_of "
                                                 "again replaces them); shopscore trend shows "
                                                 "them.")] = None,
    debug: Debug = False,
):
    """Audit credit score, level, positive rate and DSR, and check them against campaign bars."""
    with user_errors(debug):
        prof = load_profile(profile)
        when = parse_as_of(as_of, prof.tz)
        figures = parse_industry(industry, prof.dsr_items)
        chosen = choose_checks(prof, checks, min_)
        if engine not in ("local", "dask") or (scheduler and engine != "dask"):
            raise OptionError(f"--engine {engine!r}: expected local or dask" if engine != "local"
                              else "--scheduler needs --engine dask")
        with stage_progress(progress_wanted(trades, quiet), err, trades,
                            extra_files=ratings is not None) as shown:
            if engine == "dask":
                from shopscore.scoring.engine.cluster import audit_distributed

                if ratings is not None:
                    raise OptionError("--ratings cannot be used with --engine dask: give the "
                                      "ratings as columns of the partitioned trade files")
                data, result = audit_distributed(
                    trades, prof, when, figures, chosen, shop, scheduler=scheduler,
                    platform=_platform(platform), encoding=encoding, sheet=sheet,
                    on_done=shown.tasks)
                _report_rejects(data, rejects, strict)
            else:
                data = load_inputs(trades, prof, ratings, platform, encoding, sheet, rejects,
                                   strict)
                result, _ = run_audit(data, prof, when, figures, chosen, shop)
        if shop is not None and not result.shops:
            raise OptionError(f"--shop {shop!r}: no such shop in the data")
        if history is not None:
            from shopscore.scoring.insight.history import record

            record(history, result)
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


def load_inputs(files, prof, ratings, platform, encoding, sheet, rejects=None, strict=False):
    """Load the input files the way every command does, and report (or refuse) rejected rows."""
    data = load(files, prof.timezone, ratings, platform=_platform(platform), encoding=encoding,
                sheet=sheet)
    _report_rejects(data, rejects, strict)
    return data


def _platform(name: str) -> str:
    if name != "auto" and name not in platform_names():
        raise OptionError(f"--platform {name!r}: expected one of auto, {', '.join(platform_names())}")
    return name


@app.command(epilog=EXIT_HELP)
def validate(
    files: Annotated[list[Path], typer.Argument(help="Export files, directories or globs.")],
    ratings: Ratings = None,
    platform: Platform = "auto",
    encoding: Encoding = None,
    sheet: Sheet = None,
    examples: Annotated[int, typer.Option(help="Example rows shown per reason.", min=0)] = 3,
    fmt: Annotated[Format, typer.Option("--format", help="table or json.")] = Format.table,
    rejects: Rejects = None,
    strict: Strict = False,
    debug: Debug = False,
):
    """Say what each file was recognised as and which rows were rejected, without scoring."""
    with user_errors(debug):
        prof = load_profile("taobao")
        data = load_inputs(files, prof, ratings, platform, encoding, sheet, rejects)
    report = validation_report(data, examples)
    if fmt is Format.json:
        sys.stdout.write(json.dumps(report, ensure_ascii=False, indent=2, default=str) + "\n")
    else:
        out.print(validation_renderable(report))
    if strict and data.rows_rejected:
        raise typer.Exit(ExitStatus.ERROR)
    raise typer.Exit(ExitStatus.OK)


@app.command("profile", epilog=EXIT_HELP)
def show_profile(
    profile: Annotated[str, typer.Option(help="A built-in profile name or a TOML file.")]
    = "taobao",
    debug: Debug = False,
):
    """Print the active rule profile (every window, cap and level the rules use)."""
    with user_errors(debug):
        prof = load_profile(profile)
    sys.stdout.write(prof.text if prof.text.endswith("\n") else prof.text + "\n")


@app.command(epilog=EXIT_HELP)
def sample(
    out_dir: Annotated[Path, typer.Option("--out", help="Directory to write the sample into.")]
    = Path("sample_data"),
    lines: Annotated[int, typer.Option(help="Number of trade lines.", min=1)] = 3000,
    seed: Annotated[int, typer.Option(help="Random seed (same seed, same files).")] = 7,
    shops: Annotated[int, typer.Option(help="Number of shops.", min=1)] = 1,
    as_of: Annotated[str, typer.Option("--as-of", help="The audit date the sample is built "
                                       "around.")] = "2026-11-22T00:00:00+08:00",
    debug: Debug = False,
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


def _register_commands():
    """Commands that live in modules of their own: every module of this package with a
    `register(app)` function adds its commands (cli/explain.py, cli/whatif.py, ...)."""
    import importlib
    import pkgutil

    for info in sorted(pkgutil.iter_modules([str(Path(__file__).parent)]), key=lambda m: m.name):
        if info.name in ("app", "render", "status", "__main__"):
            continue
        module = importlib.import_module(f"{__package__}.{info.name}")
        if hasattr(module, "register"):
            module.register(app)


_register_commands()


def main():
    """The console script: usage errors become one sentence and exit 2, like every error."""
    keep_freed_memory()
    try:
        code = app(standalone_mode=False)
    except UsageError as exc:
        hint = f" (see: shopscore {exc.ctx.info_name} --help)" if exc.ctx and exc.ctx.parent \
            else " (see: shopscore --help)"
        err.print(f"shopscore: error: {exc.format_message()}{hint}", markup=False)
        _leave(ExitStatus.ERROR)
    except typer.Abort:
        err.print("shopscore: aborted", markup=False)
        _leave(ExitStatus.ERROR)
    _leave(code if isinstance(code, int) else 0)


def _leave(code: int):
    """Exit with `code` once the output is flushed, without the interpreter's teardown: every
    file is closed by now, and freeing a big audit's objects one by one only delays the
    exit status a cron job waits for (0.2 s at 10M lines)."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (BrokenPipeError, OSError):  # a reader that stopped early (| head)
            pass
    os._exit(int(code))
