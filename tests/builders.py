"""Tiny builders for hand-worked test tables: a row is a dict of canonical columns."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pandas as pd

from shopscore.scoring.engine.audit import audit
from shopscore.scoring.inputs.load import load
from shopscore.scoring.rules.profile import load_profile

COLUMNS = ["shop_id", "order_id", "line_id", "buyer_id", "item_id", "created_at",
           "completed_at", "status", "escrow", "refunded", "amount", "rated_at", "credit",
           "revised_at", "revised_to", "seller_rated_at", "seller_credit", "dsr_rated_at",
           "dsr_description", "dsr_service", "dsr_shipping", "dsr_logistics"]


def line(order_id, *, buyer="b1", item="i1", created="2026-03-01 10:00:00",
         completed="2026-03-04 10:00:00", status="success", rated=None, credit=None, **more):
    """One trade line; `rated`/`credit` give the buyer's rating, `more` any other column."""
    row = {"shop_id": "shop1", "order_id": order_id, "line_id": "L1", "buyer_id": buyer,
           "item_id": item, "created_at": created, "completed_at": completed,
           "status": status, "escrow": "true", "refunded": "false",
           "rated_at": rated, "credit": credit}
    row.update(more)
    return row


def write_csv(rows, path: Path) -> Path:
    frame = pd.DataFrame(rows)
    cols = [c for c in COLUMNS if c in frame.columns] + [c for c in frame.columns if c not in COLUMNS]
    frame[cols].to_csv(path, index=False)
    return path


def run(rows, tmp_path: Path, as_of: str, **kwargs):
    """Audit the rows as of `as_of` (ISO, local time if no offset); returns (result dict, result)."""
    profile = load_profile(kwargs.pop("profile", None))
    path = write_csv(rows, tmp_path / "trades.csv")
    data = load([path], profile.timezone)
    when = datetime.fromisoformat(as_of)
    if when.tzinfo is None:
        when = when.replace(tzinfo=profile.tz)
    result, decisions = audit(data, profile, when, **kwargs)
    return result.to_dict(), result


def shop(doc, shop_id="shop1"):
    """The JSON of one shop of an audit result dict."""
    return next(s for s in doc["shops"] if s["shop_id"] == shop_id)


def put(path: Path, text: str, encoding: str = "utf-8", newline: str = "\n") -> Path:
    """Write `text` as the back office does: its encoding (utf-8-sig = with BOM), its newline."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.replace("\n", newline).encode(encoding))
    return path


def ran(result) -> dict:
    """The audit ran (exit 0 or 1, no escaped exception) and stdout is one JSON document."""
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        repr(result.exception), result.stderr)
    assert result.exit_code in (0, 1), (result.exit_code, result.stderr)
    assert "Traceback" not in result.stderr
    return json.loads(result.stdout)
