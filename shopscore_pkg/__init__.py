"""shopscore: audit marketplace seller scores (credit, positive rate, DSR) from exports."""


def __getattr__(name: str):
    # The version is looked up when asked for (importlib.metadata costs a few milliseconds
    # that `shopscore --help` need not pay).
    if name == "__version__":
        from importlib.metadata import PackageNotFoundError, version

        try:
            return version("shopscore")
        except PackageNotFoundError:  # pragma: no cover - running from an uninstalled tree
            return "0+unknown"
    raise AttributeError(f"module 'shopscore' has no attribute {name!r}")
