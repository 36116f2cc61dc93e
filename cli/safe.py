"""Data made safe to show: every string of a result (shop ids, buyer nicks, file names, check
names) stripped of terminal control sequences and Rich markup before a table renders it, and
escaped before Markdown carries it. Renderers call these once, at their entry points."""

from __future__ import annotations

import dataclasses

from rich.markup import escape

from shopscore.scoring.report.text import label, md


def plain(text) -> str:
    """Text without control characters or escape sequences (report/text.py's label()): a
    data string never breaks a line of what is shown."""
    return label(text)


def terminal(text) -> str:
    """Text for a Rich renderable that parses markup: plain, its brackets escaped."""
    return escape(plain(text))


def markdown(text) -> str:
    """Text for Markdown: plain, Markdown's signs escaped and `<` as `&lt;` (report/text.py's
    md())."""
    return md(text)


def scrubbed(value, clean=terminal):
    """A copy of a result (dataclasses, dicts, lists, tuples) with `clean` applied to every
    string in it, keys included; numbers and the rest as they are."""
    if isinstance(value, str):
        return clean(value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.replace(value, **{f.name: scrubbed(getattr(value, f.name), clean)
                                             for f in dataclasses.fields(value) if f.init})
    if isinstance(value, dict):
        return {scrubbed(k, clean): scrubbed(v, clean) for k, v in value.items()}
    if isinstance(value, tuple) and hasattr(value, "_fields"):
        return type(value)(*(scrubbed(v, clean) for v in value))
    if isinstance(value, (list, tuple)):
        return type(value)(scrubbed(v, clean) for v in value)
    return value
