"""The scoring engine: pure functions over pandas data, no command-line code."""
