"""Data strings made safe to show, and figures formatted once for every output: `label()` is
the one gate every shop id, shop name, check name or path passes before it is rendered."""

from __future__ import annotations

import math
import numbers
import re
import unicodedata
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

# Terminal escape sequences, removed whole: CSI `ESC [ ... letter`, OSC `ESC ] ... BEL or
# ESC \`, their one-byte C1 forms, and any other two-byte `ESC x`.
_SEQUENCES = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?"
                        r"|\x9b[0-?]*[ -/]*[@-~]|\x9d[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?"
                        r"|\x1b[@-_]?")
# Control characters (C0, DEL, C1) and the invisible bidirectional overrides that could
# reorder or hide what follows them on a terminal, in a chat or a page.
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]+")
# Signs that change Markdown wherever they stand (a line of ours never starts with data, so
# `#`, `>` and `-` cannot start a heading, quote or list); a `<` that could open a tag
# becomes `&lt;`.
_MARKDOWN = re.compile(r"([\\`*_\[\]|~])")
_TAG = re.compile(r"<(?=[A-Za-z/!?])")


def label(text) -> str:
    """A data string as it may be shown anywhere: terminal escape sequences removed whole,
    other control characters and bidi overrides become one space, the ends are trimmed; None
    is empty."""
    if text is None:
        return ""
    return _UNSAFE.sub(" ", _SEQUENCES.sub("", str(text))).strip()


def md(text) -> str:
    """A data string for Markdown (chat, mail): label() with Markdown's signs escaped."""
    return _TAG.sub("&lt;", _MARKDOWN.sub(r"\\\1", label(text)))


def shop_label(shop_id, shop_name=None, with_id: bool = True) -> str:
    """The shop as an operator knows it: its name (the export's 店铺名称) with the id beside
    it, or the id alone when there is no name (or the name is the id)."""
    sid, name = label(shop_id), label(shop_name)
    if not name or name == sid:
        return sid
    return f"{name} ({sid})" if with_id else name


def width(text: str) -> int:
    """Display cells of text: East Asian wide and full-width characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 0 if unicodedata.combining(ch)
               else 1 for ch in text)


def percent(fraction, signed: bool = False, places: int = 2) -> str:
    """A fraction as a percentage, rounded half up (0.97945 -> 97.95%); '-' for none."""
    if fraction is None or (isinstance(fraction, float) and not math.isfinite(fraction)):
        return "-"
    quantum = Decimal(1).scaleb(-places)
    value = Decimal(repr(float(fraction) * 100)).quantize(quantum, rounding=ROUND_HALF_UP)
    return f"{value:+}%" if signed else f"{value}%"


def num(value, places: int = 5, signed: bool = False) -> str:
    """A figure: integers whole, others with `places` decimals; '-' for none."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "-"
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, numbers.Integral):
        return f"{int(value):+d}" if signed else str(int(value))
    return f"{value:+.{places}f}" if signed else f"{value:.{places}f}"


def badge(value) -> str:
    """The shop badge's one decimal (already truncated by the rules)."""
    return "-" if value is None else f"{value:.1f}"


def readable_time(iso: str) -> str:
    """An ISO 8601 moment as people read it: 2026-11-22 00:00 +08:00 (no seconds unless
    they are set, never microseconds)."""
    try:
        when = datetime.fromisoformat(iso)
    except (TypeError, ValueError):
        return label(iso)
    text = when.strftime("%Y-%m-%d %H:%M" + (":%S" if when.second else ""))
    offset = when.strftime("%z")
    return f"{text} {offset[:3]}:{offset[3:]}" if offset else text
