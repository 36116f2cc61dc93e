"""User errors: one small class per kind, each rendered as one sentence on stderr."""


class ShopscoreError(Exception):
    """A problem with the user's input or options (exit code 2), never a bug."""


class InputFileError(ShopscoreError):
    """An input file cannot be read or lacks what the audit needs."""

    def __init__(self, path, message, row=None, column=None):
        self.path, self.row, self.column = str(path), row, column
        where = self.path
        if row is not None:
            where += f", row {row}"
        if column is not None:
            where += f", column {column}"
        super().__init__(f"{where}: {message}")


class MissingColumnsError(InputFileError):
    """An input file lacks required canonical columns."""


class NothingToAuditError(InputFileError):
    """No trade line could be read: a ratings file given as the trades file, a header
    without rows, or every row rejected."""


class RatingsLeftOutError(ShopscoreError):
    """More ratings than the bound could not be joined to their line (ambiguous)."""


class ProfileError(ShopscoreError):
    """A rule profile is missing, malformed or inconsistent."""


class OptionError(ShopscoreError):
    """A command-line option value cannot be understood."""


class ChecksFileError(ShopscoreError):
    """A --checks file is malformed."""


class RejectedRowsError(ShopscoreError):
    """--strict was given and the input had rejected rows."""
