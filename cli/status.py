"""Exit codes, defined once (CONTRACT.md), and the output choice the insight commands share."""

from enum import IntEnum, StrEnum


class ExitStatus(IntEnum):
    OK = 0  # the audit ran and every check passed
    CHECK_FAILED = 1  # the audit ran and at least one check failed
    ERROR = 2  # it could not run: bad usage, unreadable file, missing columns, --strict rejects


EXIT_HELP = ("Exit codes: 0 every check passed; 1 at least one check failed; "
             "2 could not run (bad usage, unreadable file, missing columns, --strict and a "
             "rejected row).")


class Fmt(StrEnum):
    """The output of the insight commands (explain, whatif, forecast, trend)."""

    table = "table"
    json = "json"
