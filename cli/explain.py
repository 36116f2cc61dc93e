"""`shopscore explain` (issue 5): why a rating counted or not, rule by rule, in plain words.

cli/app.py registers this module's command (`register(app)`). cli.app is imported only inside
the command, so importing this module first never meets a half-initialised cli.app."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Group
from rich.padding import Padding
from rich.text import Text

from .options import Debug, Encoding, Platform, Sheet, Shop, Strict, TableOrJson
from .status import Fmt

EXIT_HELP = ("Exit codes: 0 the explanation was printed; 2 could not run (bad usage, no line "
             "matches, unreadable file, missing columns, --strict and a rejected row).")


def _style(rec: dict) -> str:
    if rec["counted"]:
        return "green"
    return "dim" if rec["fate"] == "unrated" else "red"


def _head(rec: dict) -> str:
    parts = [f"order {rec['order_id']}"]
    if rec.get("line_id") and rec["line_id"] != rec["order_id"]:
        parts[0] += f" line {rec['line_id']}"
    for key, word in (("buyer_id", "buyer"), ("item_id", "item")):
        if rec.get(key):
            parts.append(f"{word} {rec[key]}")
    for key, word in (("created_at", "created"), ("completed_at", "completed")):
        if rec.get(key):
            parts.append(f"{word} {rec[key][:16].replace('T', ' ')}")
            break
    return " · ".join(parts)


def _entry(rec: dict) -> Group:
    label, _, rest = rec["why"].partition(": ")
    body = Text(label.upper(), style=f"bold {_style(rec)}")
    body.append(f": {rest}" if rest else "")
    parts = [Text("• " + _head(rec), style="bold"), Padding(body, (0, 0, 0, 2), expand=False)]
    if rec.get("anomaly_why"):
        parts.append(Padding(Text(rec["anomaly_why"], style="yellow"), (0, 0, 0, 2), expand=False))
    return Group(*parts)


def _counts(table: dict) -> str:
    return ", ".join(f"{k} {v}" for k, v in table.items()) or "none"


def explanation_renderable(doc: dict) -> Group:
    sel = ", ".join(f"{k} {v}" for k, v in doc["selection"].items() if v is not None)
    s = doc["summary"]
    c, d = s["credit"], s["dsr"]
    parts = [Text(f"shopscore explain as of {doc['as_of']} (profile {doc['profile']}): {sel}",
                  style="bold")]
    parts.append(Text(f"\nCredit ratings ({len(doc['credit'])} line(s)): counted positive "
                      f"{c['positive']}, neutral {c['neutral']}, negative {c['negative']} "
                      f"(default positives {c['default_positive']}); excluded: "
                      f"{_counts(c['excluded_by_reason'])}; unrated lines {c['unrated_lines']}",
                      style="bold"))
    parts += [_entry(rec) for rec in doc["credit"]]
    parts.append(Text(f"\nDSR ({len(doc['dsr'])} order(s)): counted {d['counted']}; excluded: "
                      f"{_counts(d['excluded_by_reason'])}", style="bold"))
    parts += [_entry(rec) for rec in doc["dsr"]] or [Text("  no DSR-scored order", style="dim")]
    if s["anomalies_by_reason"]:
        parts.append(Text(f"\nAnomalies: {_counts(s['anomalies_by_reason'])}", style="yellow"))
    return Group(*parts)


def register(app: typer.Typer):
    @app.command(epilog=EXIT_HELP)
    def explain(
        trades: Annotated[list[Path], typer.Argument(help="Trade lines (CSV, Parquet or Excel); "
                                                         "ratings as columns or in --ratings.")],
        order: Annotated[str | None, typer.Option(help="Explain the lines of this order_id.")]
        = None,
        buyer: Annotated[str | None, typer.Option(help="Explain the lines of this buyer_id.")]
        = None,
        item: Annotated[str | None, typer.Option(help="Explain the lines of this item_id.")]
        = None,
        ratings: Annotated[Path | None, typer.Option(help="A second file of buyer ratings, "
                                                          "joined on order_id + line_id.")] = None,
        as_of: Annotated[str | None, typer.Option("--as-of", help="The moment the audit "
                                                  "describes (ISO 8601; default: now).")] = None,
        profile: Annotated[str, typer.Option(help="Rule profile: a built-in name or a TOML "
                                             "file.")] = "taobao",
        shop: Shop = None,
        fmt: TableOrJson = Fmt.table,
        platform: Platform = "auto",
        encoding: Encoding = None,
        sheet: Sheet = None,
        strict: Strict = False,
        debug: Debug = False,
    ):
        """Say why each rating of an order, buyer or item counted or not, and which rule decided.

        Every rating's fate (counted, unrated, or the reason code of the audit) with the rule
        behind it in plain words, naming the rating that took its place (same item within 14
        days), the month's running total (monthly cap) or the orders that took the month's
        three DSR places. It reads the very decisions the audit's figures are summed from."""
        from shopscore.scoring.engine.audit import audit as run_audit
        from shopscore.scoring.errors import OptionError
        from shopscore.scoring.insight.explain import explain as explain_lines
        from shopscore.scoring.rules.profile import load_profile

        from .app import load_inputs, out, parse_as_of, user_errors
        from .status import ExitStatus

        with user_errors(debug):
            if order is None and buyer is None and item is None:
                raise OptionError("explain needs --order ID, --buyer ID or --item ID: which "
                                  "ratings to explain")
            prof = load_profile(profile)
            when = parse_as_of(as_of, prof.tz)
            data = load_inputs(trades, prof, ratings, platform, encoding, sheet, None, strict)
            _, decisions = run_audit(data, prof, when, None, [], shop)
            doc = explain_lines(decisions, prof, when, order=order, buyer=buyer, item=item,
                                shop=shop)
            if not doc["credit"] and not doc["dsr"]:
                given = ", ".join(f"--{k} {v!r}" for k, v in doc["selection"].items()
                                  if v is not None)
                raise OptionError(f"{given}: no trade line or rating matches in the data")
        if fmt is Fmt.json:
            sys.stdout.write(json.dumps(doc, ensure_ascii=False, indent=2, allow_nan=False) + "\n")
        else:
            out.print(explanation_renderable(doc))
        sys.stdout.flush()
        raise typer.Exit(ExitStatus.OK)
