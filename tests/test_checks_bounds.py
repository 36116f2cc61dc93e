"""Checks that cannot be misread: rates are fractions in checks and JSON, percentages on
screen; a bound outside its metric's range is an error naming the likely intent (exit 2);
--checks adds to the default checks with --with-defaults (or with_defaults = true); the JSON
lists the DSR items for jq."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest
from builders import line, write_csv
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from shopscore.cli.app import app
from shopscore.scoring.rules.checks import bound_problem, metric_kind

AS_OF = "2026-10-31T12:00:00+08:00"
WIDE = {"COLUMNS": "160", "NO_COLOR": "1"}


def cli(*args, env=WIDE):
    return CliRunner().invoke(app, [str(a) for a in args], env=env)


def rows():
    """Four buyers, each a positive and DSR description 5, 5, 5, 4 (mean 4.75), service 5,
    shipping 5: positive rate 4/4 = 100%."""
    return [line(f"o{d}", buyer=f"b{d}", item=f"i{d}", created=f"2026-10-0{d} 10:00:00",
                 completed=f"2026-10-0{d + 3} 10:00:00", rated=f"2026-10-0{d + 4} 10:00:00",
                 credit="positive", dsr_description=4 if d == 4 else 5, dsr_service=5,
                 dsr_shipping=5) for d in range(1, 5)]


@pytest.fixture
def trades(tmp_path):
    return write_csv(rows(), tmp_path / "trades.csv")


def checks_file(tmp_path, text: str):
    path = tmp_path / "checks.toml"
    path.write_text(text, encoding="utf-8")
    return path


# --- bounds outside the metric's range ------------------------------------------------------

def test_a_percentage_bound_on_a_rate_is_an_error_naming_the_fraction(trades, tmp_path):
    path = checks_file(tmp_path, '[checks.rate]\nmetric = "credit.positive_rate"\nmin = 98\n')
    result = cli("audit", trades, "--as-of", AS_OF, "--checks", path)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "did you mean 0.98?" in result.stderr
    assert "[checks.rate] min = 98" in result.stderr and str(path) in result.stderr


def test_min_outside_the_dsr_range_is_an_error_naming_the_likely_bar(trades):
    for given_, hint in (("47", "did you mean 4.7?"), ("478", "did you mean 4.78?"),
                         ("98", "credit.positive_rate"), ("0.98", "1..5")):
        result = cli("audit", trades, "--as-of", AS_OF, "--min", given_)
        assert result.exit_code == 2, given_
        assert result.stderr.startswith(f"shopscore: error: --min {given_}:"), result.stderr
        assert hint in result.stderr, (given_, result.stderr)


def test_bounds_at_the_ends_of_the_range_are_fine(trades, tmp_path):
    path = checks_file(tmp_path, '[checks.all]\nmetric = "credit.positive_rate"\nmin = 1\n'
                                 '[checks.top]\nmetric = "dsr.description.score"\nmax = 5\n')
    result = cli("audit", trades, "--as-of", AS_OF, "--checks", path, "--format", "json")
    assert result.exit_code == 0, result.stderr  # 100% >= 100%, 4.75 <= 5


@given(st.floats(min_value=-1e6, max_value=1e6, allow_nan=False))
def test_a_bound_is_refused_exactly_when_outside_its_range(value):
    assert (bound_problem(value, "rate") is None) == (0 <= value <= 1)
    assert (bound_problem(value, "dsr") is None) == (1 <= value <= 5)
    assert bound_problem(value, None) is None


def test_which_metrics_are_rates_and_dsr_scores():
    assert metric_kind("credit.positive_rate") == "rate"
    assert metric_kind("dsr.description.shares.5") == "rate"
    assert metric_kind("experience.metrics.reply_within_rate.value") == "rate"
    assert metric_kind("dsr.service.score") == "dsr"
    assert metric_kind("dsr.service.badge") == "dsr"
    assert metric_kind("credit.score") is None
    assert metric_kind("dsr.items_below_industry") is None


# --- rates on screen --------------------------------------------------------------------

def test_a_rate_check_reads_as_percentages_on_screen(trades, tmp_path):
    # 4/4 = 100% against 98%: margin +2 points. JSON keeps fractions.
    path = checks_file(tmp_path, '[checks."positive rate"]\nmetric = "credit.positive_rate"\n'
                                 'min = 0.98\n')
    table = cli("audit", trades, "--as-of", AS_OF, "--checks", path)
    assert table.exit_code == 0
    row = next(r for r in table.stdout.splitlines() if "positive rate" in r and "PASS" in r)
    assert "100.00%" in row and "≥ 98.00%" in row and "+2.00%" in row
    assert ">= 0.98" not in table.stdout
    doc = json.loads(cli("audit", trades, "--as-of", AS_OF, "--checks", path, "--format",
                         "json").stdout)
    check = doc["shops"][0]["checks"][0]
    assert (check["min"], check["value"]) == (0.98, 1.0)


# --- --checks adds to the defaults, or replaces them ------------------------------------

def names(result) -> list[str]:
    assert result.exit_code in (0, 1), result.stderr
    return [c["name"] for c in json.loads(result.stdout)["shops"][0]["checks"]]


DEFAULTS = ["dsr.description >= 4.7", "dsr.service >= 4.7", "dsr.shipping >= 4.7"]


def test_checks_file_replaces_the_defaults_unless_asked_to_add(trades, tmp_path):
    path = checks_file(tmp_path, '[checks.rate]\nmetric = "credit.positive_rate"\nmin = 0.98\n')
    base = ("audit", trades, "--as-of", AS_OF, "--format", "json", "--checks", path)
    assert names(cli(*base)) == ["rate"]
    assert names(cli(*base, "--with-defaults")) == DEFAULTS + ["rate"]
    inside = checks_file(tmp_path, 'with_defaults = true\n[checks.rate]\n'
                                   'metric = "credit.positive_rate"\nmin = 0.98\n')
    assert names(cli("audit", trades, "--as-of", AS_OF, "--format", "json", "--checks",
                     inside)) == DEFAULTS + ["rate"]


def test_a_misspelt_top_level_key_is_an_error(trades, tmp_path):
    path = checks_file(tmp_path, 'with_default = true\n[checks.rate]\n'
                                 'metric = "credit.positive_rate"\nmin = 0.98\n')
    result = cli("audit", trades, "--as-of", AS_OF, "--checks", path)
    assert result.exit_code == 2 and "with_default" in result.stderr


def test_help_says_how_checks_add_to_the_defaults():
    text = " ".join(cli("audit", "--help").stdout.split())
    assert "--with-defaults" in text and "with_defaults = true" in text
    assert "replace the default DSR checks" in text


# --- jq-friendly JSON -----------------------------------------------------------------------

def test_dsr_items_list_every_item_with_its_name_and_keeps_the_keyed_objects(trades):
    doc = json.loads(cli("audit", trades, "--as-of", AS_OF, "--format", "json").stdout)
    dsr = doc["shops"][0]["dsr"]
    assert [(i["item"], i["seller"]) for i in dsr["items"]] == [
        ("description", True), ("service", True), ("shipping", True), ("logistics", False)]
    for item in dsr["items"]:  # the same figures as the keyed objects, which all stay
        assert {k: v for k, v in item.items() if k not in ("item", "seller")} == dsr[item["item"]]
    assert dsr["items"][0]["score"] == 4.75  # (5 + 5 + 5 + 4) / 4


JQ = ".shops[] | select(any(.dsr.items[]; .seller and .score < 4.72)) | .shop_id"


@pytest.mark.skipif(shutil.which("jq") is None, reason="jq is not installed")
def test_readme_jq_line_finds_a_seller_item_below_4_72(trades):
    # description 4.75 is above 4.72; at 4.76 the filter would be empty: check both ways.
    doc = cli("audit", trades, "--as-of", AS_OF, "--format", "json").stdout
    low = subprocess.run(["jq", "-r", JQ.replace("4.72", "4.76")], input=doc,
                         capture_output=True, text=True, check=True).stdout.split()
    high = subprocess.run(["jq", "-r", JQ], input=doc, capture_output=True, text=True,
                          check=True).stdout.split()
    assert (low, high) == (["shop1"], [])
