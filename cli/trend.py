"""`shopscore trend` (issue 5): the figures `audit --history` stored, over time, with the change
since the previous audit. cli.app is imported only inside the command (see cli/app.py)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich import box
from rich.console import Group
from rich.table import Table
from rich.text import Text

from .options import Debug, Shop, TableOrJson
from .status import Fmt

EXIT_HELP = ("Exit codes: 0 the trend was printed; 2 could not run (no such history file, "
             "unknown --shop or --metric).")


def _is_rate(metric: str) -> bool:
    return metric.endswith("positive_rate") or ".shares." in metric


def _value(metric: str, value) -> str:
    from .render import num, percent

    if value is None:
        return "-"
    return percent(value) if _is_rate(metric) else num(value)


def _delta(metric: str, delta) -> Text:
    if delta is None:
        return Text("")
    if _is_rate(metric):
        text = f"{delta * 100:+.3f}pp"
    elif isinstance(delta, int):
        text = f"{delta:+d}"
    else:
        text = f"{delta:+.5f}"
    zero = delta == 0 or text.strip("+-0.p") == ""
    return Text(text, style="dim" if zero else "green" if delta > 0 else "red")


def _when(as_of: str) -> str:
    """2026-11-22 for a midnight as_of, else 2026-11-22 06:00; the offset left out."""
    text = as_of[:19].replace("T", " ")
    return text[:10] if text.endswith("00:00:00") else text[:16]


def trend_renderable(doc: dict, path) -> Group:
    """One table per shop: each figure over time (a section per figure), with the change."""
    parts = []
    for shop in doc["shops"]:
        table = Table(box=box.SIMPLE_HEAVY, title=f"Shop {shop['shop_id']}: {len(shop['as_of'])} "
                      f"audit(s) in {path}", title_justify="left")
        for col in ("figure", "as_of", "value", "change"):
            table.add_column(col, justify="right" if col in ("value", "change") else "left")
        for n, series in enumerate(shop["metrics"]):
            if n:
                table.add_section()
            for i, point in enumerate(series["points"]):
                table.add_row(series["metric"] if i == 0 else "", _when(point["as_of"]),
                              _value(series["metric"], point["value"]),
                              _delta(series["metric"], point["delta"]))
        parts.append(table)
    if not parts:
        parts.append(Text(f"{path}: no audits stored yet", style="dim"))
    return Group(*parts)


def register(app: typer.Typer):
    @app.command(epilog=EXIT_HELP)
    def trend(
        path: Annotated[Path, typer.Argument(help="The SQLite file written by "
                                                  "shopscore audit --history PATH.")],
        shop: Shop = None,
        metric: Annotated[list[str] | None, typer.Option(help="A figure to show, by its JSON "
                                                         "path (dsr.description.score, "
                                                         "credit.positive_rate, ...; globs "
                                                         "like dsr.*.score); repeat for more. "
                                                         "Default: credit score, positive rate, "
                                                         "DSR scores, items below industry.")]
        = None,
        fmt: TableOrJson = Fmt.table,
        debug: Debug = False,
    ):
        """Show each stored figure over time, with the change since the previous audit."""
        from shopscore.scoring.insight import history

        from .app import out, user_errors
        from .status import ExitStatus

        with user_errors(debug):
            rows = history.read(path)
            doc = history.trend(rows, shop, metric)
        if fmt is Fmt.json:
            doc = {"history": str(path), **doc}
            sys.stdout.write(json.dumps(doc, ensure_ascii=False, indent=2, allow_nan=False) + "\n")
        else:
            out.print(trend_renderable(doc, path))
        sys.stdout.flush()
        raise typer.Exit(ExitStatus.OK)
