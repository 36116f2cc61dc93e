"""`shopscore audit`: the CLI prints the engine's own result, in every format, for every input."""

from __future__ import annotations

import json
import re
from datetime import datetime
from pathlib import Path

import pandas as pd
import pytest
from builders import line, write_csv
from typer.testing import CliRunner

from shopscore.cli.app import app
from shopscore.scoring.engine.audit import audit
from shopscore.scoring.inputs.load import load
from shopscore.scoring.rules.checks import load_checks
from shopscore.scoring.rules.industry import parse_industry
from shopscore.scoring.rules.profile import load_profile

AS_OF = "2026-10-31T12:00:00+08:00"
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
# A plain 80-column, colourless terminal: what a cron job or a pipe sees.
PLAIN = {"COLUMNS": "80", "LINES": "50", "FORCE_COLOR": None, "TTY_COMPATIBLE": None,
         "NO_COLOR": "1"}


def cli(*args, env=None):
    return CliRunner().invoke(app, [str(a) for a in args], env=env)


def dsr_line(order_id, buyer, item, day, stars, credit="positive", **more):
    """A successful line of October 2026 (created day D, completed D+3, rated D+4)."""
    return line(order_id, buyer=buyer, item=item, created=f"2026-10-{day:02d} 10:00:00",
                completed=f"2026-10-{day + 3:02d} 10:00:00",
                rated=f"2026-10-{day + 4:02d} 10:00:00", credit=credit,
                **{f"dsr_{name}": s for name, s in zip(("description", "service", "shipping",
                                                        "logistics"), stars, strict=False)},
                **more)


def g7_rows():
    """Golden case g7: 4 positives; description 4.75, service 4.75, shipping 5.0."""
    return [dsr_line("o0", "b0", "i0", 1, (5, 5, 5)), dsr_line("o1", "b1", "i1", 2, (5, 5, 5)),
            dsr_line("o2", "b2", "i2", 3, (5, 4, 5)), dsr_line("o3", "b3", "i3", 4, (4, 5, 5))]


def mixed_rows():
    """5 positives and 1 negative from six buyers: score 5 - 1 = 4 (1 heart), positive rate
    5/6 = 83.33%. DSR description all 5 (PASS); service (5*4 + 4 + 1)/6 = 4.1667 (FAIL);
    shipping all 5 (PASS); logistics all 4 (no check: not a seller item)."""
    service = [5, 5, 5, 5, 4, 1]
    return [dsr_line(f"o{i}", f"b{i}", f"i{i}", i + 1, (5, service[i], 5, 4),
                     credit="negative" if i == 5 else "positive") for i in range(6)]


def library(paths, as_of=AS_OF, *, ratings=None, profile=None, industry=None, checks=None,
            shop=None):
    """The engine's own result for the same input, as JSON would carry it."""
    prof = load_profile(profile)
    data = load([Path(p) for p in paths], prof.timezone, ratings)
    figures = parse_industry(industry, prof.dsr_items)
    result, _ = audit(data, prof, datetime.fromisoformat(as_of), figures, checks, shop)
    return json.loads(json.dumps(result.to_dict(), allow_nan=False))


def json_out(result) -> dict:
    """stdout holds exactly one JSON document (json.loads refuses anything around it)."""
    assert result.exit_code in (0, 1), (result.exit_code, result.stderr, result.exception)
    assert result.stdout.endswith("}\n")
    return json.loads(result.stdout)


def shop_of(doc, shop_id="shop1"):
    return next(s for s in doc["shops"] if s["shop_id"] == shop_id)


def plain(text: str) -> str:
    return ANSI.sub("", text)


# --- JSON: the CLI prints exactly the library's result ------------------------------------

def test_json_equals_library_result(tmp_path):
    path = write_csv(g7_rows(), tmp_path / "trades.csv")
    result = cli("audit", path, "--as-of", AS_OF, "--format", "json")
    doc = json_out(result)
    assert doc == library([path])
    assert result.exit_code == 0
    assert result.stderr == ""
    s = shop_of(doc)
    assert s["credit"]["score"] == 4
    assert s["dsr"]["description"]["score"] == pytest.approx(4.75)


def test_json_failing_check_equals_library_and_exits_1(tmp_path):
    path = write_csv(mixed_rows(), tmp_path / "trades.csv")
    result = cli("audit", path, "--as-of", AS_OF, "--format", "json")
    doc = json_out(result)
    assert doc == library([path])
    assert result.exit_code == 1
    assert doc["passed"] is False
    checks = {c["metric"]: c["passed"] for c in shop_of(doc)["checks"]}
    assert checks == {"dsr.description.score": True, "dsr.service.score": False,
                      "dsr.shipping.score": True}


def test_json_stdout_is_only_json_when_rows_are_rejected(tmp_path):
    # The warning goes to stderr; stdout must still be one parseable JSON document.
    rows = g7_rows() + [dsr_line("o9", "b9", "i9", 5, (5, 5, 5), rated_at="yesterday")]
    path = write_csv(rows, tmp_path / "trades.csv")
    result = cli("audit", path, "--as-of", AS_OF, "--format", "json")
    doc = json_out(result)
    assert doc == library([path])
    assert "warning" in result.stderr
    assert "warning" not in result.stdout


# --- table and markdown ------------------------------------------------------------------

def test_table_renders_score_level_rate_items_and_verdicts(tmp_path):
    path = write_csv(mixed_rows(), tmp_path / "trades.csv")
    result = cli("audit", path, "--as-of", AS_OF, "--format", "table", env=PLAIN)
    assert result.exit_code == 1, (result.stderr, result.exception)
    text = plain(result.stdout)
    assert not text.lstrip().startswith("{")
    assert "1 heart" in text
    assert re.search(r"(?<![\d.])4(?![\d.])", text)  # the credit score
    assert "83.33%" in text  # 5/6 as a percentage with two decimals
    for item in ("description", "service", "shipping", "logistics"):
        assert item in text, f"DSR item {item!r} not shown in full at 80 columns"
    assert "PASS" in text and "FAIL" in text
    assert "4.16667" in text  # the failing service mean


def test_table_is_the_default_format(tmp_path):
    path = write_csv(mixed_rows(), tmp_path / "trades.csv")
    default = cli("audit", path, "--as-of", AS_OF, env=PLAIN)
    table = cli("audit", path, "--as-of", AS_OF, "--format", "table", env=PLAIN)
    assert default.exit_code == table.exit_code == 1
    assert default.stdout == table.stdout


def test_markdown_renders_score_level_rate_items_and_verdicts(tmp_path):
    path = write_csv(mixed_rows(), tmp_path / "trades.csv")
    result = cli("audit", path, "--as-of", AS_OF, "--format", "markdown")
    assert result.exit_code == 1, (result.stderr, result.exception)
    text = result.stdout
    assert re.search(r"[Ss]core\W+4\b", text)  # Credit score **4**
    assert "1 heart" in text
    assert "83.33%" in text
    for item in ("description", "service", "shipping"):
        assert re.search(rf"\b{item}\b", text), item
    assert "PASS" in text and "FAIL" in text
    assert "\x1b[" not in text  # plain text, fit for pasting


def test_percentage_is_rounded_half_up_to_two_decimals(tmp_path):
    # 45 positives, 3 neutrals, 4 negatives (golden g6 shopA): 45/52 = 0.8653846 -> 86.54%.
    rows = []
    for i in range(52):
        credit = "positive" if i < 45 else "neutral" if i < 48 else "negative"
        day = 1 + i % 20
        rows.append(line(f"o{i}", buyer=f"b{i}", item=f"i{i}", created=f"2026-08-{day:02d} 10:00:00",
                         completed=f"2026-08-{day + 3:02d} 10:00:00",
                         rated=f"2026-08-{day + 4:02d} 10:00:00", credit=credit))
    path = write_csv(rows, tmp_path / "trades.csv")
    for fmt in ("table", "markdown"):
        result = cli("audit", path, "--as-of", "2026-09-01T08:00:00+08:00", "--format", fmt,
                     env=PLAIN)
        assert result.exit_code == 1, (result.stderr, result.exception)
        assert "86.54%" in plain(result.stdout), fmt
        assert "3 hearts" in plain(result.stdout), fmt


# --- options -----------------------------------------------------------------------------

def test_industry_average_and_range_basis(tmp_path):
    path = write_csv(g7_rows(), tmp_path / "trades.csv")
    spec = "description=4.8,service=4.7:4.9:4.5"
    result = cli("audit", path, "--as-of", AS_OF, "--format", "json", "--industry", spec)
    doc = json_out(result)
    assert doc == library([path], industry=spec)
    dsr = shop_of(doc)["dsr"]
    # description: average only -> (4.75 - 4.8) / 4.8
    assert dsr["description"]["vs_industry_basis"] == "average"
    assert dsr["description"]["industry"] == 4.8
    assert dsr["description"]["vs_industry"] == pytest.approx((4.75 - 4.8) / 4.8, abs=1e-12)
    # service: above the average with a best figure -> (4.75 - 4.7) / (4.9 - 4.7) = 0.25
    assert dsr["service"]["vs_industry_basis"] == "range"
    assert dsr["service"]["industry"] == 4.7
    assert dsr["service"]["vs_industry"] == pytest.approx(0.25, abs=1e-9)
    # no figure for shipping: nothing to compare
    assert dsr["shipping"]["vs_industry"] is None
    assert dsr["shipping"]["vs_industry_basis"] is None
    assert dsr["items_below_industry"] == 1


def test_checks_file_replaces_default_checks(tmp_path):
    path = write_csv(g7_rows(), tmp_path / "trades.csv")
    checks = tmp_path / "checks.toml"
    checks.write_text('[checks.hearts]\nmetric = "credit.score"\nmin = 4\n\n'
                      '[checks.rate]\nmetric = "credit.positive_rate"\nmin = 0.99\nmax = 1\n',
                      encoding="utf-8")
    result = cli("audit", path, "--as-of", AS_OF, "--format", "json", "--checks", checks)
    doc = json_out(result)
    assert doc == library([path], checks=load_checks(checks))
    got = [(c["name"], c["metric"], c["passed"]) for c in shop_of(doc)["checks"]]
    assert got == [("hearts", "credit.score", True), ("rate", "credit.positive_rate", True)]
    assert result.exit_code == 0


def test_checks_file_can_fail_the_audit(tmp_path):
    path = write_csv(g7_rows(), tmp_path / "trades.csv")
    checks = tmp_path / "checks.toml"
    checks.write_text('[checks.crown]\nmetric = "credit.score"\nmin = 10001\n', encoding="utf-8")
    result = cli("audit", path, "--as-of", AS_OF, "--format", "json", "--checks", checks)
    doc = json_out(result)
    assert result.exit_code == 1
    [check] = shop_of(doc)["checks"]
    assert (check["name"], check["value"], check["passed"]) == ("crown", 4, False)


def test_min_changes_the_bar(tmp_path):
    # description 4.75 < 4.8 needs one more 5-star: (19 + 5) / 5 = 4.8.
    path = write_csv(g7_rows(), tmp_path / "trades.csv")
    result = cli("audit", path, "--as-of", AS_OF, "--format", "json", "--min", "4.8")
    doc = json_out(result)
    assert result.exit_code == 1
    checks = {c["metric"]: c for c in shop_of(doc)["checks"]}
    assert {c["min"] for c in checks.values()} == {4.8}
    assert checks["dsr.description.score"]["passed"] is False
    assert checks["dsr.description.score"]["five_star_needed"] == 1
    assert checks["dsr.shipping.score"]["passed"] is True
    default = json_out(cli("audit", path, "--as-of", AS_OF, "--format", "json"))
    assert {c["min"] for c in shop_of(default)["checks"]} == {4.7}


def test_shop_filters_to_one_shop(tmp_path):
    # shopX passes every check; shopY has no ratings at all and fails them (golden g8).
    rows = g7_rows() + [dict(dsr_line("y1", "b7", "i1", 5, ()), shop_id="shopY", rated_at=None,
                             credit=None)]
    for r in rows[:4]:
        r["shop_id"] = "shopX"
    path = write_csv(rows, tmp_path / "trades.csv")
    both = cli("audit", path, "--as-of", AS_OF, "--format", "json")
    assert [s["shop_id"] for s in json_out(both)["shops"]] == ["shopX", "shopY"]
    assert both.exit_code == 1
    only = cli("audit", path, "--as-of", AS_OF, "--format", "json", "--shop", "shopX")
    doc = json_out(only)
    assert [s["shop_id"] for s in doc["shops"]] == ["shopX"]
    assert doc == library([path], shop="shopX")
    assert only.exit_code == 0


def test_ratings_file_joins_on_order_and_line(tmp_path):
    # Order o1 has two lines; L1 is refunded. The rating names line L2, so it counts:
    # had it been joined to L1 it would be excluded as `refunded`.
    trades = [line("o1", buyer="b1", item="i1", created="2026-10-01 10:00:00",
                   completed="2026-10-04 10:00:00", line_id="L1", refunded="true"),
              line("o1", buyer="b1", item="i2", created="2026-10-01 10:00:00",
                   completed="2026-10-04 10:00:00", line_id="L2")]
    for t in trades:
        del t["rated_at"], t["credit"]
    tpath = write_csv(trades, tmp_path / "trades.csv")
    rpath = tmp_path / "ratings.csv"
    pd.DataFrame([{"order_id": "o1", "line_id": "L2", "rated_at": "2026-10-05 10:00:00",
                   "credit": "positive", "dsr_description": 5, "dsr_service": 5,
                   "dsr_shipping": 5}]).to_csv(rpath, index=False)
    result = cli("audit", tpath, "--ratings", rpath, "--as-of", AS_OF, "--format", "json")
    doc = json_out(result)
    assert doc == library([tpath], ratings=rpath)
    credit = shop_of(doc)["credit"]
    assert (credit["positive"], credit["score"]) == (1, 1)
    assert credit["excluded_by_reason"] == {}
    assert doc["inputs"]["rows_read"] == 3  # 2 trade lines + 1 rating row
    assert result.exit_code == 0


def test_ratings_file_gives_the_same_figures_as_rating_columns(tmp_path):
    rows = g7_rows()
    one = write_csv(rows, tmp_path / "one.csv")
    frame = pd.read_csv(one, dtype=str)
    rating_cols = ["rated_at", "credit", "dsr_description", "dsr_service", "dsr_shipping"]
    frame.drop(columns=rating_cols).to_csv(tmp_path / "trades.csv", index=False)
    frame[["order_id", "line_id", *rating_cols]].to_csv(tmp_path / "ratings.csv", index=False)
    split = json_out(cli("audit", tmp_path / "trades.csv", "--ratings", tmp_path / "ratings.csv",
                         "--as-of", AS_OF, "--format", "json"))
    joined = json_out(cli("audit", one, "--as-of", AS_OF, "--format", "json"))
    assert split["shops"] == joined["shops"]


def test_parquet_gives_the_same_json_as_csv(tmp_path):
    csv = write_csv(g7_rows(), tmp_path / "trades.csv")
    frame = pd.read_csv(csv, dtype=str)  # ids stay strings
    for col in ("created_at", "completed_at", "rated_at"):
        frame[col] = pd.to_datetime(frame[col])
    for col in ("dsr_description", "dsr_service", "dsr_shipping"):
        frame[col] = pd.to_numeric(frame[col]).astype("Int64")
    for col in ("escrow", "refunded"):
        frame[col] = frame[col].map({"true": True, "false": False})
    pq = tmp_path / "trades.parquet"
    frame.to_parquet(pq, index=False)
    from_csv = json_out(cli("audit", csv, "--as-of", AS_OF, "--format", "json"))
    from_pq = json_out(cli("audit", pq, "--as-of", AS_OF, "--format", "json"))
    assert from_pq == library([pq])
    for doc in (from_csv, from_pq):
        for f in doc["inputs"]["files"]:
            f.pop("path")
    assert from_pq == from_csv


def test_parquet_with_text_columns_gives_the_same_json_as_csv(tmp_path):
    csv = write_csv(g7_rows(), tmp_path / "trades.csv")
    pq = tmp_path / "trades.parquet"
    pd.read_csv(csv, dtype=str).to_parquet(pq, index=False)
    from_csv = json_out(cli("audit", csv, "--as-of", AS_OF, "--format", "json"))
    from_pq = json_out(cli("audit", pq, "--as-of", AS_OF, "--format", "json"))
    assert from_pq["shops"] == from_csv["shops"]


# --- rejected rows -----------------------------------------------------------------------

def bad_rows():
    """g7 plus two bad lines: file row 6 (bad created_at) and row 7 (a DSR of 7 stars)."""
    return g7_rows() + [dsr_line("o8", "b8", "i8", 5, (5, 5, 5), created_at="not-a-date"),
                        dsr_line("o9", "b9", "i9", 6, (7, 5, 5))]


def test_bad_row_still_audits_and_is_counted(tmp_path):
    path = write_csv(bad_rows(), tmp_path / "trades.csv")
    result = cli("audit", path, "--as-of", AS_OF, "--format", "json")
    doc = json_out(result)
    assert doc == library([path])
    assert result.exit_code == 0  # the 4 good lines still pass
    inputs = doc["inputs"]
    assert (inputs["rows_read"], inputs["rows_rejected"]) == (6, 2)
    assert inputs["rejected_by_reason"] == {"bad_datetime": 1, "bad_dsr": 1}
    [f] = inputs["files"]
    assert f["rows_read"] == f["rows_used"] + f["rows_rejected"]
    assert shop_of(doc)["credit"]["positive"] == 4


def test_bad_row_warns_on_stderr_with_file_row_and_column(tmp_path):
    path = write_csv(bad_rows(), tmp_path / "trades.csv")
    result = cli("audit", path, "--as-of", AS_OF, "--format", "json")
    err = result.stderr
    assert err.startswith("shopscore: warning: ")
    assert str(path) in err
    assert "row 6" in err and "column created_at" in err
    assert "--rejects" in err  # tells the user how to see them all
    assert "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


def test_rejects_file_lists_every_rejected_row(tmp_path):
    path = write_csv(bad_rows(), tmp_path / "trades.csv")
    out = tmp_path / "rejects.csv"
    result = cli("audit", path, "--as-of", AS_OF, "--format", "json", "--rejects", out)
    json_out(result)
    rejects = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert {"file", "row", "column", "reason"} <= set(rejects.columns)
    got = rejects[["file", "row", "column", "reason"]].to_dict("records")
    assert got == [{"file": str(path), "row": "6", "column": "created_at", "reason": "bad_datetime"},
                   {"file": str(path), "row": "7", "column": "dsr_description", "reason": "bad_dsr"}]
    assert "--rejects" not in result.stderr  # no advice to use what was used


def test_rejects_file_is_written_with_a_header_when_nothing_is_rejected(tmp_path):
    path = write_csv(g7_rows(), tmp_path / "trades.csv")
    out = tmp_path / "rejects.csv"
    result = cli("audit", path, "--as-of", AS_OF, "--format", "json", "--rejects", out)
    assert result.exit_code == 0
    assert result.stderr == ""
    rejects = pd.read_csv(out, dtype=str)
    assert len(rejects) == 0 and {"file", "row", "column", "reason"} <= set(rejects.columns)


def test_row_numbers_count_blank_lines(tmp_path):
    # The bad row is on line 7 of the file (header, 2 rows, a blank line, 2 rows, the bad row):
    # the user opens the file at the row the warning names.
    path = write_csv(g7_rows(), tmp_path / "good.csv")
    lines = path.read_text(encoding="utf-8").splitlines()
    bad = write_csv([dsr_line("o9", "b9", "i9", 5, (5, 5, 5), created_at="not-a-date")],
                    tmp_path / "bad.csv").read_text(encoding="utf-8").splitlines()[1]
    text = "\n".join(lines[:3] + [""] + lines[3:] + [bad]) + "\n"
    assert text.splitlines()[6] == bad
    path.write_text(text, encoding="utf-8")
    out = tmp_path / "rejects.csv"
    result = cli("audit", path, "--as-of", AS_OF, "--format", "json", "--rejects", out)
    json_out(result)
    assert "row 7" in result.stderr, result.stderr
    assert pd.read_csv(out, dtype=str)["row"].tolist() == ["7"]


def test_ragged_row_is_rejected_with_its_row_number(tmp_path):
    # Line 4 has too few cells (ragged_row); the bad date is on line 7.
    path = write_csv(g7_rows(), tmp_path / "good.csv")
    lines = path.read_text(encoding="utf-8").splitlines()
    bad = write_csv([dsr_line("o9", "b9", "i9", 5, (5, 5, 5), created_at="not-a-date")],
                    tmp_path / "bad.csv").read_text(encoding="utf-8").splitlines()[1]
    text = "\n".join(lines[:3] + ["shop1,o7,L1,b7"] + lines[3:] + [bad]) + "\n"
    path.write_text(text, encoding="utf-8")
    out = tmp_path / "rejects.csv"
    doc = json_out(cli("audit", path, "--as-of", AS_OF, "--format", "json", "--rejects", out))
    assert doc["inputs"]["rejected_by_reason"] == {"bad_datetime": 1, "ragged_row": 1}
    rejects = pd.read_csv(out, dtype=str, keep_default_na=False)
    got = dict(zip(rejects["reason"], rejects["row"], strict=True))
    assert got == {"ragged_row": "4", "bad_datetime": "7"}


def test_warning_names_every_file_with_rejected_rows(tmp_path):
    # One bad trade line (trades.csv row 6) and one bad rating row (ratings.csv row 2).
    rows = g7_rows() + [dsr_line("o8", "b8", "i8", 5, (5, 5, 5), created_at="not-a-date")]
    tpath = write_csv(rows, tmp_path / "trades.csv")
    rpath = tmp_path / "ratings.csv"
    pd.DataFrame([{"order_id": "o0", "line_id": "L1", "rated_at": "2026-10-05 10:00:00",
                   "credit": "splendid"}]).to_csv(rpath, index=False)
    result = cli("audit", tpath, "--ratings", rpath, "--as-of", AS_OF, "--format", "json")
    doc = json_out(result)
    assert doc["inputs"]["rows_rejected"] == 2
    counts = {f["role"]: f["rows_rejected"] for f in doc["inputs"]["files"]}
    assert counts == {"trades": 1, "ratings": 1}
    # the warning must not pin both rejected rows on one file
    assert str(tpath) in result.stderr and str(rpath) in result.stderr, result.stderr


def test_same_file_twice_keeps_the_accounts_adding_up(tmp_path):
    # The second copy's 4 lines are duplicates: 8 read = 4 used + 4 rejected.
    path = write_csv(g7_rows(), tmp_path / "trades.csv")
    doc = json_out(cli("audit", path, path, "--as-of", AS_OF, "--format", "json"))
    inputs = doc["inputs"]
    assert inputs["rows_read"] == 8
    assert inputs["rejected_by_reason"] == {"duplicate": 4}
    assert inputs["rows_rejected"] == 4
    assert shop_of(doc)["credit"]["positive"] == 4
