"""RULES.md sections 6 and 7 on the engine: every hand-worked table of the oracle's tests
(tests/test_reference_experience.py: window edges, night clocks, ties, unanswered rounds,
service hours, floor, protection with a null metric, rescaled weights, rounding half up,
growth stage, missing inputs) run through the real loader and engine, and the display table
of section 7 at its edges."""

from __future__ import annotations

import inspect
from datetime import datetime
from pathlib import Path

import pytest
import test_reference_experience as worked
from experience_data import cell, profile_toml

from shopscore.scoring import api
from shopscore.scoring.rules.scorecard import douyin_display, round_half_up, stars

TRADE_ORDER = ["shop_id", "order_id", "line_id", "buyer_id", "item_id", "created_at",
               "completed_at", "status", "amount", "paid_at", "collected_at", "signed_at",
               "delivery_due_at", "dsr_rated_at", "dsr_description"]


def _write(path: Path, rows: list, columns) -> Path:
    keys = list(columns) if columns is not None else list(dict.fromkeys(
        k for row in rows for k in row))
    with open(path, "w", encoding="utf-8", newline="") as fh:
        fh.write(",".join(keys) + "\n")
        for row in rows:
            fh.write(",".join(cell(row.get(k)) for k in keys) + "\n")
    return path


def engine_experience(folder: Path):
    """The engine in the oracle's shoes: the same rows and scorecard, written as the CLI
    reads them, audited, each shop's experience block returned."""
    def run(trades, after_sales, chats, as_of, scorecard, shop_ids=None, *, trade_columns=None,
            after_sales_columns=None, chats_columns=None, **_):
        rows = [{"created_at": datetime(2027, 1, 1), **r} for r in trades]
        columns = trade_columns
        if columns is not None:
            columns = [c for c in TRADE_ORDER if c in set(columns) | {"created_at"}] + \
                [c for c in columns if c not in TRADE_ORDER]
        for row in rows:  # lines of success need their completion (section 1 of the loader)
            if row.get("status") == "success" and not row.get("completed_at"):
                row["completed_at"] = datetime(2027, 1, 2)
        trades_csv = _write(folder / "trades.csv", rows, columns)
        profile = folder / "profile.toml"
        profile.write_text(profile_toml(scorecard), encoding="utf-8")
        sources = api.Sources(
            (trades_csv,),
            after_sales=None if after_sales is None else (
                _write(folder / "after_sales.csv", after_sales, after_sales_columns or
                       (list(after_sales[0]) if after_sales else
                        ["shop_id", "aftersale_id", "order_id", "type", "reason", "status",
                         "applied_at", "agreed_at", "return_received_at", "refunded_at",
                         "escalated"])),),
            chats=None if chats is None else (
                _write(folder / "chats.csv", chats, chats_columns or
                       (list(chats[0]) if chats else
                        ["shop_id", "session_id", "sent_at", "sender", "rating"])),))
        done = api.audit(sources, str(profile), as_of.isoformat(), checks=None)
        assert not done.data.rows_rejected, done.data.rejected_by_reason
        return {s.shop_id: s.experience.to_dict() for s in done.result.shops}
    return run


WORKED = [name for name, fn in inspect.getmembers(worked, inspect.isfunction)
          if name.startswith("test_") and fn.__module__ == worked.__name__
          and not inspect.signature(fn).parameters
          and "reference_experience(" in inspect.getsource(fn) + inspect.getsource(worked.experience)
          and "golden" not in name and "engine" not in name and "written" not in name]


@pytest.mark.parametrize("name", WORKED)
def test_the_engine_gives_the_hand_worked_figures(name, tmp_path, monkeypatch):
    monkeypatch.setattr(worked, "reference_experience", engine_experience(tmp_path))
    getattr(worked, name)()


def test_every_hand_worked_table_runs_on_the_engine():
    assert len(WORKED) >= 20, WORKED


@pytest.mark.parametrize("total, display, star", [
    (50, 3.0, 3), (49, 3.0, 3), (54, 3.4, 3), (55, 3.5, 3.5), (59, 3.9, 3.5), (60, 4.0, 4),
    (61, 4.1, 4), (64, 4.1, 4), (65, 4.2, 4), (76, 4.4, 4), (77, 4.5, 4.5), (82, 4.6, 4.5),
    (88, 4.7, 4.5), (89, 4.8, 5), (96, 4.9, 5), (97, 5.0, 5), (100, 5.0, 5)])
def test_douyin_display_and_stars(total, display, star):
    # RULES.md 7: 4.0 + 0.1 x ceil((s - 60) / 4) above 60 (82: 4.0 + 0.1 x 6 = 4.6), 3.0 +
    # 0.1 x floor(s - 50) from 50 to 60, 3.0 below 50, at most 5.0 (97: 4.0 + 0.1 x 10 = 5.0).
    assert douyin_display(total) == display
    assert stars(display) == star


@pytest.mark.parametrize("value, decimals, rounded", [
    ("68.5", 0, 69), ("68.49", 0, 68), ("4.245", 2, 4.25), ("4.2449", 2, 4.24), ("70", 0, 70)])
def test_totals_are_rounded_half_up(value, decimals, rounded):
    from fractions import Fraction

    assert round_half_up(Fraction(value), decimals) == rounded


# ---------------------------------------------------------------- invariants (Hypothesis)

from experience_data import experience_datasets  # noqa: E402
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from typer.testing import CliRunner  # noqa: E402

from shopscore.cli.app import app  # noqa: E402

RATE_LIKE = ("_rate",)


def _run(ds, folder: Path) -> dict:
    import json

    folder.mkdir(parents=True, exist_ok=True)
    result = CliRunner().invoke(app, ["audit", *ds.write(folder)])
    assert result.exit_code in (0, 1), (result.exit_code, result.stderr, result.exception)
    return json.loads(result.stdout)


@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(ds=experience_datasets(), seed=st.randoms(use_true_random=False))
def test_shuffling_rows_changes_nothing_and_nothing_is_lost(ds, seed, tmp_path_factory):
    folder = tmp_path_factory.mktemp("shuffled")
    first = _run(ds, folder / "a")
    for name, rows in (("trades", ds.trades), ("after_sales", ds.after_sales),
                       ("chats", ds.chats)):
        if rows:
            order = list(range(len(rows)))
            seed.shuffle(order)
            ds.orders[name] = order
    second = _run(ds, folder / "b")
    assert [s["experience"] for s in first["shops"]] == [s["experience"] for s in second["shops"]]
    for doc in (first, second):
        # Every row of every table is used or rejected, and the rows are the file's lines.
        files = doc["inputs"]["files"]
        assert all(f["rows_read"] == f["rows_used"] + f["rows_rejected"] for f in files)
        written = {"trades": len(ds.trades), "after_sales": len(ds.after_sales or ()),
                   "chats": len(ds.chats or ())}
        for f in files:
            assert f["rows_read"] == written[f["role"]], f
        for shop in doc["shops"]:
            for metric, m in shop["experience"]["metrics"].items():
                if metric.endswith(RATE_LIKE) and m["value"] is not None:
                    assert 0 <= m["value"] <= 1, (metric, m)
                if m["denominator"]:
                    assert m["bad"] is None or 0 <= m["bad"] <= m["denominator"], (metric, m)


def test_the_customer_service_standards_ship_as_a_checks_file():
    # RULES.md 6: first response within 10 s, mean within 25 s, no buyer waiting over 20 s
    # (reply_within_rate with reply_limit_seconds = 20), as `--checks cs-standards`.
    from shopscore.scoring.rules.checks import read_checks

    checks, with_defaults = read_checks("cs-standards")
    assert with_defaults
    assert {(c.metric, c.min, c.max) for c in checks} == {
        ("experience.metrics.first_reply_seconds_mean.value", None, 10.0),
        ("experience.metrics.reply_seconds_mean.value", None, 25.0),
        ("experience.metrics.reply_within_rate.value", 1.0, None)}
