"""Exit codes, defined once (CONTRACT.md)."""

from enum import IntEnum


class ExitStatus(IntEnum):
    OK = 0  # the audit ran and every check passed
    CHECK_FAILED = 1  # the audit ran and at least one check failed
    ERROR = 2  # it could not run: bad usage, unreadable file, missing columns, --strict rejects


EXIT_HELP = ("Exit codes: 0 every check passed; 1 at least one check failed; "
             "2 could not run (bad usage, unreadable file, missing columns, --strict and a "
             "rejected row).")
