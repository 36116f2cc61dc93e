"""A table laid out to a width, or not at all: cells are never cut (no `…`, no number broken
over two lines). A layout that does not fit returns None, and the caller tries the next one
(fewer decimals, shorter headers, a second line per row). Widths count terminal cells, so a
Chinese shop name takes two per character."""

from __future__ import annotations

from dataclasses import dataclass

from rich.cells import cell_len
from rich.text import Text

GAP = 2


@dataclass(frozen=True)
class Column:
    header: str  # may break at spaces into several lines
    right: bool = False  # numbers align right


def _header_lines(header: str, width: int) -> list[str]:
    """The header packed into lines of at most `width` cells, broken at spaces."""
    lines: list[str] = []
    for word in header.split():
        if lines and cell_len(lines[-1]) + 1 + cell_len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return lines or [""]


def _text(cell) -> Text:
    return cell if isinstance(cell, Text) else Text(str(cell))


def _pad(cell: Text, width: int, right: bool) -> Text:
    gap = " " * (width - cell.cell_len)
    out = Text(gap) if right else Text()
    out.append_text(cell)
    if not right:
        out.append(gap)
    return out


def grid(columns: list[Column], rows: list[list], width: int, indent: int = 0,
         rule: bool = True) -> list[Text] | None:
    """The lines of the table (header, a rule, one line per row), or None when it would be
    wider than `width`."""
    cells = [[_text(c) for c in row] for row in rows]
    widths = []
    for k, col in enumerate(columns):
        body = max((row[k].cell_len for row in cells), default=0)
        word = max((cell_len(w) for w in col.header.split()), default=0)
        widths.append(max(body, word))
    total = indent + sum(widths) + GAP * (len(columns) - 1)
    if total > width:
        return None
    heads = [_header_lines(col.header, w) for col, w in zip(columns, widths, strict=True)]
    height = max(len(h) for h in heads)
    lines = []
    for i in range(height):
        line = Text(" " * indent)
        for k, (col, head) in enumerate(zip(columns, heads, strict=True)):
            at = i - (height - len(head))  # headers sit on the rule
            part = Text(head[at] if at >= 0 else "", style="bold")
            line.append_text(_pad(part, widths[k], col.right))
            if k < len(columns) - 1:
                line.append(" " * GAP)
        lines.append(line)
    if rule:
        lines.append(Text(" " * indent + "─" * (total - indent), style="dim"))
    for row in cells:
        line = Text(" " * indent)
        for k, (col, cell) in enumerate(zip(columns, row, strict=True)):
            line.append_text(_pad(cell, widths[k], col.right))
            if k < len(columns) - 1:
                line.append(" " * GAP)
        lines.append(line)
    for line in lines:
        line.rstrip()  # in place
    return lines


def first_fit(layouts, width: int):
    """The lines of the first layout (a function of the width) that fits, else None."""
    for layout in layouts:
        lines = layout(width)
        if lines is not None:
            return lines
    return None


def wrapped(parts: list[Text], width: int, indent: int = 0, sep: str = "  ") -> list[Text]:
    """Parts (each kept whole) run into lines of at most `width` cells; a part wider than the
    width stands alone on its line."""
    lines: list[Text] = []
    line = None
    for part in parts:
        if line is not None and line.cell_len + len(sep) + part.cell_len <= width:
            line.append(sep)
            line.append_text(part)
            continue
        if line is not None:
            lines.append(line)
        line = Text(" " * indent)
        line.append_text(part)
    if line is not None:
        lines.append(line)
    return lines


def block(title: str, columns: list[Column], rows: list[list], width: int,
          caption: str | None = None, indent: int = 2) -> list[Text]:
    """A titled table at `width`: the grid when it fits, else each row as its first cell
    followed by `header value` pairs, wrapped (every value whole either way)."""
    lines = [Text(title, style="italic")]
    table = grid(columns, rows, width, indent=indent)
    if table is not None:
        lines += table
    else:
        for row in rows:
            cells = [_text(c) for c in row]
            parts = [cells[0]] + [Text(f"{col.header} ") + cell
                                  for col, cell in zip(columns[1:], cells[1:], strict=True)]
            lines += wrapped(parts, width, indent=indent)
    if caption:
        lines += wrapped([Text(part, style="dim") for part in caption.split("; ")], width,
                         indent=indent, sep="; ")
    return lines
