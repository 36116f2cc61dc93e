"""Data made safe to show: every string of a result (shop ids, buyer nicks, file names, check
names) stripped of terminal control sequences and Rich markup before a table renders it, and
escaped before Markdown carries it. Renderers call these once, at their entry points."""

from __future__ import annotations

import dataclasses
import re

from rich.markup import escape

# ESC sequences whole (CSI `ESC [ ... letter`, OSC `ESC ] ... BEL or ESC \`, two-byte ESC x),
# then any other C0/C1 control and the bidirectional overrides that reorder what is shown.
_SEQUENCES = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?"
                        r"|\x9b[0-?]*[ -/]*[@-~]|\x9d[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?"
                        r"|\x1b[@-_]?")
_SPACES = re.compile(r"[\t\n\r\x0b\x0c\x85\u2028\u2029]")
_CONTROLS = re.compile(r"[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_MARKDOWN = re.compile(r"([\\`*_\[\]|~#>])")


def plain(text) -> str:
    """Text without control characters: escape sequences removed whole, line breaks and tabs
    made spaces (a data string never breaks a line of what is shown)."""
    text = _SEQUENCES.sub("", str(text))
    return _CONTROLS.sub("", _SPACES.sub(" ", text))


def terminal(text) -> str:
    """Text for a Rich renderable: plain, with its markup-like brackets escaped."""
    return escape(plain(text))


def markdown(text) -> str:
    """Text for Markdown: plain, `&` and `<` as HTML entities (no tag can open), and
    Markdown's own characters (backslash, backtick, * _ [ ] | ~ # >) backslash-escaped."""
    text = plain(text).replace("&", "&amp;").replace("<", "&lt;")
    return _MARKDOWN.sub(r"\\\1", text)


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
