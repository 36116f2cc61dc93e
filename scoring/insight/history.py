"""History of audits (nightly runs): every numeric figure of each shop per as_of, in SQLite.

One row per (shop_id, as_of, metric): `credit.score`, `credit.positive_rate`,
`dsr.description.score`, `dsr.description.count`, `dsr.items_below_industry`, ... — every
number of the shop's JSON (checks left out: their values are figures already stored). The
file is an ordinary SQLite database (stdlib sqlite3) in WAL mode with a busy timeout, so
that several audits writing at once all succeed; re-running an as_of replaces its figures.
"""

from __future__ import annotations

import fnmatch
import sqlite3
import time
from datetime import UTC, datetime
from pathlib import Path

from shopscore.scoring.errors import ShopscoreError
from shopscore.scoring.result import SCHEMA_VERSION
from shopscore.scoring.rules.profile import ALL_DSR_ITEMS

BUSY_TIMEOUT_S = 60.0
SCHEMA = """
CREATE TABLE IF NOT EXISTS metrics (
    shop_id     TEXT NOT NULL,
    as_of       TEXT NOT NULL,   -- ISO 8601 with the profile's offset, as in the JSON
    metric      TEXT NOT NULL,   -- dotted JSON path of the shop, e.g. dsr.description.score
    value,                       -- no type affinity: integers stay integers, floats floats
    profile     TEXT,
    recorded_at TEXT NOT NULL,   -- when this value was written (UTC)
    PRIMARY KEY (shop_id, as_of, metric)
)"""
UPSERT = """
INSERT INTO metrics (shop_id, as_of, metric, value, profile, recorded_at)
VALUES (?, ?, ?, ?, ?, ?)
ON CONFLICT(shop_id, as_of, metric) DO UPDATE SET
    value = excluded.value, profile = excluded.profile, recorded_at = excluded.recorded_at"""
# The figures `shopscore trend` shows when no --metric is given.
DEFAULT_METRICS = ("credit.score", "credit.positive_rate", "dsr.*.score",
                   "dsr.items_below_industry")


class HistoryError(ShopscoreError):
    """The history file cannot be opened, read or written."""


def shop_metrics(shop: dict) -> dict:
    """Every numeric leaf of a shop's JSON (booleans, text, nulls and checks left out)."""
    out = {}

    def walk(node, prefix):
        for key, value in node.items():
            path = f"{prefix}{key}"
            if isinstance(value, dict):
                walk(value, path + ".")
            elif isinstance(value, (int, float)) and not isinstance(value, bool):
                out[path] = value

    walk({k: v for k, v in shop.items() if k not in ("checks", "passed", "shop_id")}, "")
    return out


def _locked(exc: sqlite3.Error) -> bool:
    return isinstance(exc, sqlite3.OperationalError) and "locked" in str(exc).lower()


def _retry(action, deadline: float):
    """Run action, retrying while the database is locked by another writer (until deadline)."""
    while True:
        try:
            return action()
        except sqlite3.OperationalError as exc:
            if not _locked(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.02)


def connect(path, create: bool = True, timeout: float = BUSY_TIMEOUT_S) -> sqlite3.Connection:
    """Open (or create) the history database: WAL mode, a busy timeout, the metrics table."""
    path = Path(path)
    if not create and not path.is_file():
        raise HistoryError(f"history {path}: no such file (write one with "
                           f"shopscore audit ... --history {path})")
    deadline = time.monotonic() + timeout
    try:
        con = sqlite3.connect(str(path), timeout=timeout, isolation_level=None)
    except sqlite3.Error as exc:
        raise HistoryError(f"history {path}: cannot be opened ({exc})") from None
    try:
        con.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")
        if create:
            _retry(lambda: con.execute("PRAGMA journal_mode = WAL"), deadline)
            _retry(lambda: con.execute(SCHEMA), deadline)
        else:
            found = con.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' "
                                "AND name = 'metrics'").fetchone()
            if not found:
                raise HistoryError(f"history {path}: not a shopscore history (no metrics table)")
    except sqlite3.Error as exc:
        con.close()
        raise HistoryError(f"history {path}: cannot be used ({exc})") from None
    except HistoryError:
        con.close()
        raise
    return con


def record(path, result) -> int:
    """Store an audit's figures (an AuditResult or its to_dict()), one transaction.

    Each shop's figures for the audit's as_of replace any stored before for that shop and
    as_of (upsert, and figures the new audit no longer has are removed). Returns rows written."""
    doc = result if isinstance(result, dict) else result.to_dict()
    stamp = datetime.now(UTC).isoformat()
    rows, keep = [], {}
    for shop in doc["shops"]:
        metrics = shop_metrics(shop)
        keep[shop["shop_id"]] = list(metrics)
        rows += [(shop["shop_id"], doc["as_of"], m, v, doc.get("profile"), stamp)
                 for m, v in metrics.items()]
    con = connect(path)
    deadline = time.monotonic() + BUSY_TIMEOUT_S

    def write():
        con.execute("BEGIN IMMEDIATE")
        try:
            con.executemany(UPSERT, rows)
            for shop_id, names in keep.items():
                marks = ", ".join("?" * len(names)) or "NULL"
                con.execute(f"DELETE FROM metrics WHERE shop_id = ? AND as_of = ? "
                            f"AND metric NOT IN ({marks})", (shop_id, doc["as_of"], *names))
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise

    try:
        _retry(write, deadline)
    except sqlite3.Error as exc:
        raise HistoryError(f"history {path}: cannot be written ({exc})") from None
    finally:
        con.close()
    return len(rows)


def read(path, shop: str | None = None) -> list[tuple]:
    """All stored rows (shop_id, as_of, metric, value), optionally of one shop."""
    con = connect(path, create=False)
    try:
        sql = "SELECT shop_id, as_of, metric, value FROM metrics"
        args = ()
        if shop is not None:
            sql, args = sql + " WHERE shop_id = ?", (shop,)
        return con.execute(sql, args).fetchall()
    except sqlite3.Error as exc:
        raise HistoryError(f"history {path}: cannot be read ({exc})") from None
    finally:
        con.close()


def _when(as_of: str):
    try:
        return datetime.fromisoformat(as_of)
    except ValueError:
        return datetime.max


def _item_order(metric: str):
    """DSR items in their usual order (description, service, shipping, logistics)."""
    parts = metric.split(".")
    rank = ALL_DSR_ITEMS.index(parts[1]) if len(parts) > 2 and parts[1] in ALL_DSR_ITEMS else 9
    return rank, metric


def select_metrics(known, patterns) -> list[str]:
    """The known metrics matching any pattern (exact names or globs like dsr.*.score),
    in the order the patterns are given; a pattern matching nothing is an error."""
    out = []
    for pattern in patterns:
        hits = [m for m in known if fnmatch.fnmatchcase(m, pattern)]
        if not hits:
            raise HistoryError(f"--metric {pattern!r}: no such figure in the history "
                               f"(e.g. {', '.join(sorted(known)[:6]) or 'none stored yet'})")
        out += [m for m in sorted(hits, key=_item_order) if m not in out]
    return out


def delta(value, previous):
    """value - previous, or None when either is missing."""
    if value is None or previous is None:
        return None
    return value - previous


def trend(rows, shop: str | None = None, metrics=None) -> dict:
    """Each figure over time, per shop: every stored as_of in order, the value and the change
    since the shop's previous as_of (None when either value is missing)."""
    by_shop: dict[str, dict] = {}
    for shop_id, as_of, metric, value in rows:
        if shop is None or shop_id == shop:
            by_shop.setdefault(shop_id, {}).setdefault(metric, {})[as_of] = value
    if shop is not None and shop not in by_shop:
        raise HistoryError(f"--shop {shop!r}: no such shop in the history "
                           f"(shops: {', '.join(sorted({r[0] for r in rows})) or 'none'})")
    known = sorted({m for figures in by_shop.values() for m in figures})
    if metrics:
        names = select_metrics(known, metrics)
    else:
        names = [m for p in DEFAULT_METRICS for m in sorted(known, key=_item_order)
                 if fnmatch.fnmatchcase(m, p)]
    shops = []
    for shop_id in sorted(by_shop):
        figures = by_shop[shop_id]
        dates = sorted({a for values in figures.values() for a in values}, key=_when)
        series = []
        for name in names:
            values = figures.get(name, {})
            points, previous = [], None
            for i, as_of in enumerate(dates):
                value = values.get(as_of)
                points.append({"as_of": as_of, "value": value,
                               "previous_as_of": dates[i - 1] if i else None,
                               "delta": delta(value, previous) if i else None})
                previous = value
            series.append({"metric": name, "points": points})
        shops.append({"shop_id": shop_id, "as_of": dates, "metrics": series})
    return {"schema_version": SCHEMA_VERSION, "shops": shops}
