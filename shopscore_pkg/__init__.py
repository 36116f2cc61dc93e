"""shopscore: audit marketplace seller scores (credit, positive rate, DSR) from exports."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("shopscore")
except PackageNotFoundError:  # pragma: no cover - running from an uninstalled tree
    __version__ = "0+unknown"
