"""Exit codes, defined once (CONTRACT.md), and the output choice the insight commands share."""

from enum import IntEnum, StrEnum


class ExitStatus(IntEnum):
    OK = 0  # the audit ran and every check passed
    CHECK_FAILED = 1  # the audit ran and at least one check failed
    ERROR = 2  # it could not run: bad usage, unreadable file, missing columns, --strict rejects
    INTERNAL = 3  # a bug: the traceback is printed on stderr


INTERNAL_HELP = "3 internal error (a bug: the traceback is printed; please report it)"
EXIT_HELP = ("Exit codes: 0 every check passed; 1 at least one check failed; "
             "2 could not run (bad usage, unreadable file, missing columns, --strict and a "
             f"rejected row); {INTERNAL_HELP}.")


def exit_help(*meanings: str) -> str:
    """A command's own exit-code text: its meanings of 0.., then 3 (a bug)."""
    return "Exit codes: " + "; ".join((*meanings, INTERNAL_HELP)) + "."


class Fmt(StrEnum):
    """The output of the insight commands (explain, whatif, forecast, trend)."""

    table = "table"
    json = "json"
