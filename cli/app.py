"""The `shopscore` program: the Typer app, its commands (cli/commands/, registered here), and
the one boundary where every outcome becomes an exit status (cli/status.py)."""

from __future__ import annotations

import atexit
import os
import sys
import traceback
from typing import Annotated

import typer

from .commands import audit, explain, forecast, profile, report, sample, trend, validate, whatif
from .helpfmt import CONTEXT
from .status import EXIT_HELP, ExitStatus

try:  # Typer >= 0.29 carries its own copy of Click
    from typer._click.exceptions import NoArgsIsHelpError, UsageError
except ImportError:  # pragma: no cover - a Typer on top of Click
    from click.exceptions import NoArgsIsHelpError, UsageError

# Plain help (rich_markup_mode=None): `shopscore --help` imports neither Rich nor pandas, and
# wraps to the terminal instead of cutting examples inside panels.
app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  rich_markup_mode=None, context_settings=CONTEXT,
                  help="Audit seller credit and DSR scores from marketplace exports. " + EXIT_HELP)


def _version(value: bool):
    if value:
        from shopscore import __version__

        sys.stdout.write(f"shopscore {__version__}\n")
        raise typer.Exit()


@app.callback()
def _root(version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                                help="Print the version and exit.")] = False):
    """Audit seller credit and DSR scores from marketplace exports."""


for _command in (audit, validate, profile, sample, explain, whatif, forecast, trend, report):
    _command.register(app)


def main():
    """The console script. Exit 0/1 is the audit's; a user error is one sentence and exit 2;
    anything else is a bug: its traceback and exit 3, never a failed check."""
    if not _only_help(sys.argv[1:]):  # help and version need neither pyarrow nor its memory
        from shopscore.scoring.engine.memory import keep_freed_memory

        keep_freed_memory()
    try:
        code = app(standalone_mode=False)
    except NoArgsIsHelpError as exc:  # bare `shopscore`: the help, as for a usage error
        sys.stderr.write(exc.ctx.get_help() + "\n")
        code = ExitStatus.ERROR
    except UsageError as exc:
        hint = f" (see: shopscore {exc.ctx.info_name} --help)" if exc.ctx and exc.ctx.parent \
            else " (see: shopscore --help)"
        _say(f"shopscore: error: {exc.format_message()}{hint}")
        code = ExitStatus.ERROR
    except typer.Abort:
        _say("shopscore: aborted")
        code = ExitStatus.ERROR
    except KeyboardInterrupt:
        _say("shopscore: interrupted")
        code = ExitStatus.ERROR
    except BrokenPipeError:  # the reader of stdout went away (| head): nothing to tell it
        code = ExitStatus.ERROR
    except Exception:  # noqa: BLE001 - the one place a bug becomes exit 3 (CONTRACT.md)
        from shopscore import __version__

        traceback.print_exc()
        _say(f"shopscore {__version__}: internal error (a bug, not your data): please report "
             "it with the traceback above")
        code = ExitStatus.INTERNAL
    _leave(code if isinstance(code, int) else ExitStatus.OK)


def _only_help(args: list[str]) -> bool:
    return not args or any(a in ("-h", "--help", "--version") for a in args)


def _say(line: str):
    sys.stderr.write(line + "\n")


def _leave(code: int):
    """Exit with `code` once the output is flushed and the exit handlers have run, without the
    interpreter's teardown: freeing a big audit's objects one by one only delays the exit
    status a cron job waits for (0.2 s at 10M lines)."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (BrokenPipeError, OSError):  # a reader that stopped early (| head)
            pass
    atexit._run_exitfuncs()  # what an ordinary exit would run: temporary files, clusters
    os._exit(int(code))
