"""`audit --history`: every figure per shop and as_of in SQLite; concurrent writers lose
nothing; the same as_of again replaces; `shopscore trend` shows the changes."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from shopscore.cli.app import app
from shopscore.scoring.errors import ShopscoreError
from shopscore.scoring.insight import history

SAMPLE = Path(__file__).resolve().parent.parent / "sample_data" / "sample_shop.csv"


def doc(as_of: str, score=10, rate=0.9, description=4.8, count=5, shop="s1", extra=None) -> dict:
    """A minimal audit JSON: the figures history stores are its numbers."""
    credit = {"score": score, "positive_rate": rate, "level": {"index": 1, "name": "1 heart"},
              "excluded_by_reason": dict(extra or {})}
    dsr = {"window_days": 180,
           "description": {"score": description, "count": count, "badge": 4.8,
                           "vs_industry_basis": None},
           "seller_items": ["description"], "items_below_industry": 0}
    return {"as_of": as_of, "profile": "taobao",
            "shops": [{"shop_id": shop, "credit": credit, "dsr": dsr, "anomalies_by_reason": {},
                       "checks": [{"name": "x", "value": 4.8, "passed": True}], "passed": True}]}


def stored(path) -> dict:
    con = sqlite3.connect(path)
    try:
        return {(s, a, m): v for s, a, m, v in
                con.execute("SELECT shop_id, as_of, metric, value FROM metrics")}
    finally:
        con.close()


def day(n: int) -> str:
    return f"2026-11-{n:02d}T00:00:00+08:00"


# --- what is stored ---------------------------------------------------------------------------

def test_every_number_of_the_shop_is_a_metric():
    got = history.shop_metrics(doc(day(1))["shops"][0])
    assert got == {"credit.score": 10, "credit.positive_rate": 0.9, "credit.level.index": 1,
                   "dsr.window_days": 180, "dsr.description.score": 4.8,
                   "dsr.description.count": 5, "dsr.description.badge": 4.8,
                   "dsr.items_below_industry": 0}


def test_record_stores_one_row_per_metric_keeping_types(tmp_path):
    path = tmp_path / "h.db"
    assert history.record(path, doc(day(1))) == 8
    rows = stored(path)
    assert len(rows) == 8
    assert rows[("s1", day(1), "credit.score")] == 10
    assert isinstance(rows[("s1", day(1), "credit.score")], int)
    assert rows[("s1", day(1), "dsr.description.score")] == 4.8
    con = sqlite3.connect(path)
    assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    con.close()


def test_the_same_as_of_twice_keeps_one_row_per_metric_with_the_later_values(tmp_path):
    path = tmp_path / "h.db"
    history.record(path, doc(day(1), score=10, extra={"monthly_cap": 2}))
    history.record(path, doc(day(2), score=11))
    history.record(path, doc(day(1), score=12, description=4.9))
    rows = stored(path)
    mine = {m: v for (s, a, m), v in rows.items() if a == day(1)}
    assert mine["credit.score"] == 12 and mine["dsr.description.score"] == 4.9
    # A figure the later audit no longer has is gone, not left over from the first run.
    assert "credit.excluded_by_reason.monthly_cap" not in mine
    assert len(mine) == 8
    assert rows[("s1", day(2), "credit.score")] == 11
    con = sqlite3.connect(path)
    dupes = con.execute("SELECT COUNT(*) FROM (SELECT shop_id, as_of, metric FROM metrics "
                        "GROUP BY 1, 2, 3 HAVING COUNT(*) > 1)").fetchone()[0]
    con.close()
    assert dupes == 0


# --- concurrent writers -----------------------------------------------------------------------

WORKER = textwrap.dedent("""
    import json, sys, time
    from shopscore.scoring.insight.history import record
    path, as_of, start, payload = sys.argv[1], sys.argv[2], float(sys.argv[3]), sys.argv[4]
    doc = json.loads(payload)
    doc["as_of"] = as_of
    time.sleep(max(0.0, start - time.time()))
    record(path, doc)
""")


def test_eight_processes_writing_at_once_lose_nothing(tmp_path):
    path = tmp_path / "fresh.db"  # no file yet: they also race to create it
    start = time.time() + 2.0
    payload = json.dumps(doc("x"))
    procs = [subprocess.Popen([sys.executable, "-c", WORKER, str(path), day(n), str(start),
                               payload], stderr=subprocess.PIPE, text=True)
             for n in range(1, 9)]
    errors = [p.communicate(timeout=120)[1] for p in procs]
    assert [p.returncode for p in procs] == [0] * 8, errors
    rows = stored(path)
    assert len(rows) == 8 * 8
    assert {a for (_, a, _) in rows} == {day(n) for n in range(1, 9)}


def test_eight_threads_writing_at_once_lose_nothing(tmp_path):
    path = tmp_path / "threads.db"
    barrier = threading.Barrier(8)
    failures = []

    def write(n):
        barrier.wait()
        try:
            for shop in ("a", "b"):
                history.record(path, doc(day(n), score=n, shop=shop))
        except Exception as exc:  # noqa: BLE001 - reported below
            failures.append(exc)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(1, 9)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == []
    rows = stored(path)
    assert len(rows) == 2 * 8 * 8
    assert all(rows[(s, day(n), "credit.score")] == n for s in "ab" for n in range(1, 9))


# --- trend ------------------------------------------------------------------------------------

def test_trend_deltas_by_hand(tmp_path):
    path = tmp_path / "h.db"
    # Written out of order; as_of order is by time, not by writing.
    history.record(path, doc(day(3), score=12, rate=0.95, description=4.75))
    history.record(path, doc(day(1), score=10, rate=0.9, description=4.8))
    history.record(path, doc(day(2), score=13, rate=0.925, description=4.8))
    got = history.trend(history.read(path), metrics=["credit.score", "credit.positive_rate",
                                                     "dsr.*.score"])
    (shop,) = got["shops"]
    assert shop["as_of"] == [day(1), day(2), day(3)]
    series = {s["metric"]: s["points"] for s in shop["metrics"]}
    assert list(series) == ["credit.score", "credit.positive_rate", "dsr.description.score"]
    assert [p["value"] for p in series["credit.score"]] == [10, 13, 12]
    assert [p["delta"] for p in series["credit.score"]] == [None, 3, -1]
    assert [p["previous_as_of"] for p in series["credit.score"]] == [None, day(1), day(2)]
    assert series["credit.positive_rate"][1]["delta"] == pytest.approx(0.025)
    assert series["credit.positive_rate"][2]["delta"] == pytest.approx(0.025)
    assert series["dsr.description.score"][1]["delta"] == 0
    assert series["dsr.description.score"][2]["delta"] == pytest.approx(-0.05)


def test_trend_missing_value_has_no_delta():
    rows = [("s1", day(1), "credit.positive_rate", 0.9), ("s1", day(2), "credit.score", 3),
            ("s1", day(3), "credit.positive_rate", 0.8)]
    (shop,) = history.trend(rows, metrics=["credit.positive_rate"])["shops"]
    points = shop["metrics"][0]["points"]
    assert [p["value"] for p in points] == [0.9, None, 0.8]
    assert [p["delta"] for p in points] == [None, None, None]


def test_trend_errors(tmp_path):
    with pytest.raises(ShopscoreError, match="no such file"):
        history.read(tmp_path / "none.db")
    path = tmp_path / "h.db"
    history.record(path, doc(day(1)))
    with pytest.raises(ShopscoreError, match="--metric 'dsr.nothing'"):
        history.trend(history.read(path), metrics=["dsr.nothing"])
    with pytest.raises(ShopscoreError, match="--shop 'zz'"):
        history.trend(history.read(path), shop="zz")
    bad = tmp_path / "bad.db"
    bad.write_text("not a database " * 100, encoding="utf-8")
    with pytest.raises(ShopscoreError, match="history"):
        history.record(bad, doc(day(1)))


# --- the commands -----------------------------------------------------------------------------

def cli(*args):
    return CliRunner().invoke(app, [str(a) for a in args], prog_name="shopscore",
                              env={"COLUMNS": "200", "NO_COLOR": "1"})


def test_audit_history_then_trend(tmp_path):
    path = tmp_path / "nightly.db"
    for n in (21, 22, 22):  # the second 22 is a re-run: replaces, never duplicates
        result = cli("audit", SAMPLE, "--as-of", day(n), "--history", path, "--format", "json")
        assert result.exit_code == 0, (result.stderr, result.exception)
    figures = json.loads(result.stdout)["shops"][0]
    rows = stored(path)
    assert {a for (_, a, _) in rows} == {day(21), day(22)}
    assert rows[("shop-01", day(22), "credit.score")] == figures["credit"]["score"]
    assert rows[("shop-01", day(22), "dsr.description.score")] == figures["dsr"]["description"]["score"]
    assert rows[("shop-01", day(22), "dsr.description.count")] == figures["dsr"]["description"]["count"]
    assert rows[("shop-01", day(22), "dsr.items_below_industry")] == 0

    trend = cli("trend", path, "--format", "json", "--metric", "credit.score")
    assert trend.exit_code == 0, trend.stderr
    points = json.loads(trend.stdout)["shops"][0]["metrics"][0]["points"]
    assert points[1]["delta"] == points[1]["value"] - points[0]["value"]

    table = cli("trend", path, "--shop", "shop-01")
    assert table.exit_code == 0
    for metric in ("credit.score", "credit.positive_rate", "dsr.description.score",
                   "dsr.items_below_industry"):
        assert metric in table.stdout
    assert "2026-11-22" in table.stdout

    assert cli("trend", tmp_path / "none.db").exit_code == 2
    assert cli("trend", path, "--metric", "nope").exit_code == 2
