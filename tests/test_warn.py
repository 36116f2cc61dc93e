"""Early warning: a check's `warn` band. A value inside [min, min + warn) or (max - warn, max]
passes, but as WARN; the exit code stays 0."""

from __future__ import annotations

import json

import pytest
from builders import line, write_csv
from typer.testing import CliRunner

from shopscore.cli.app import app
from shopscore.scoring.errors import ChecksFileError, ProfileError
from shopscore.scoring.rules.checks import Check, default_checks, evaluate, load_checks
from shopscore.scoring.rules.profile import load_profile, parse_profile

AS_OF = "2026-10-31T12:00:00+08:00"


def rate(value) -> dict:
    return {"credit": {"positive_rate": value}, "dsr": {"items_below_industry": value}}


# --- the band, by hand ----------------------------------------------------------------------

@pytest.mark.parametrize("value, status", [
    (4.69, "fail"), (4.6999999, "fail"),
    (4.7, "warn"), (4.71, "warn"), (4.7299999, "warn"),
    (4.73, "pass"),  # min + warn is outside the band: the band is [4.7, 4.73)
    (4.8, "pass"),
])
def test_min_band(value, status):
    check = Check("rate", "credit.positive_rate", min=4.7, warn=0.03)
    got = evaluate(check, rate(value))
    assert got.status == status
    assert got.passed is (status != "fail")
    assert got.to_dict()["status"] == status and got.to_dict()["warn"] == 0.03


@pytest.mark.parametrize("value, status", [
    (0.04, "pass"),  # max - warn is outside the band: the band is (0.04, 0.05]
    (0.0400001, "warn"), (0.05, "warn"), (0.0500001, "fail"),
])
def test_max_band(value, status):
    got = evaluate(Check("rate", "credit.positive_rate", max=0.05, warn=0.01), rate(value))
    assert (got.status, got.passed) == (status, status != "fail")


@pytest.mark.parametrize("value, status", [(0, "pass"), (1, "warn"), (2, "fail")])
def test_integer_max_band(value, status):
    check = Check("green", "dsr.items_below_industry", max=1, warn=1)
    assert evaluate(check, rate(value)).status == status


def test_both_bounds_warn_on_either_side():
    check = Check("band", "credit.positive_rate", min=0.9, max=1.0, warn=0.02)
    assert [evaluate(check, rate(v)).status for v in (0.89, 0.9, 0.95, 0.99, 1.0, 1.01)] == \
        ["fail", "warn", "pass", "warn", "warn", "fail"]


def test_no_band_never_warns():
    for warn in (None, 0.0):
        check = Check("rate", "credit.positive_rate", min=0.9, warn=warn)
        assert evaluate(check, rate(0.9)).status == "pass"
        assert evaluate(check, rate(0.8)).status == "fail"


def test_undefined_metric_fails_with_its_band():
    got = evaluate(Check("rate", "credit.positive_rate", min=0.9, warn=0.01), rate(None)).to_dict()
    assert (got["status"], got["passed"], got["warn"], got["reason"]) == \
        ("fail", False, 0.01, "no ratings")


# --- where the band comes from ------------------------------------------------------------

def test_checks_file_warn_key(tmp_path):
    path = tmp_path / "checks.toml"
    path.write_text('[checks.d]\nmetric = "dsr.description.score"\nmin = 4.7\nwarn = 0.03\n'
                    '[checks.r]\nmetric = "credit.positive_rate"\nmin = 0.98\n', encoding="utf-8")
    assert [(c.name, c.warn) for c in load_checks(path)] == [("d", 0.03), ("r", None)]


@pytest.mark.parametrize("value", ["-0.1", '"a lot"', "true"])
def test_checks_file_bad_warn(tmp_path, value):
    path = tmp_path / "checks.toml"
    path.write_text(f'[checks.d]\nmetric = "dsr.description.score"\nmin = 4.7\nwarn = {value}\n',
                    encoding="utf-8")
    with pytest.raises(ChecksFileError, match="warn"):
        load_checks(path)


def warn_profile(text: str, warn: str | None) -> str:
    body = "default_min = 4.7" + (f"\nwarn = {warn}" if warn is not None else "")
    return text.replace("default_min = 4.7", body, 1)


def test_profile_warn_reaches_the_default_checks():
    base = load_profile("taobao")
    assert base.default_warn is None  # taobao: no band
    prof = parse_profile(warn_profile(base.text, "0.03"), "mine")
    assert prof.default_warn == 0.03
    assert {c.warn for c in default_checks(prof.seller_items, 4.7, prof.default_warn)} == {0.03}
    with pytest.raises(ProfileError, match="checks.warn"):
        parse_profile(warn_profile(base.text, "-1"), "bad")


# --- the command: WARN shown, exit 0 --------------------------------------------------------

def shop_at_4_7(tmp_path):
    """10 buyers, description 5 x7 and 4 x3: mean exactly 4.7; service and shipping all 5."""
    rows = [line(f"o{d}", buyer=f"b{d}", item=f"i{d}", created="2026-10-01 10:00:00",
                 completed="2026-10-03 10:00:00", rated="2026-10-04 10:00:00", credit="positive",
                 dsr_description=4 if d < 3 else 5, dsr_service=5, dsr_shipping=5)
            for d in range(10)]
    return write_csv(rows, tmp_path / "trades.csv")


def cli(*args):
    return CliRunner().invoke(app, [str(a) for a in args], prog_name="shopscore",
                              env={"COLUMNS": "200", "NO_COLOR": "1"})


@pytest.fixture
def warned(tmp_path):
    trades = shop_at_4_7(tmp_path)
    prof = tmp_path / "warn.toml"
    prof.write_text(warn_profile(load_profile("taobao").text, "0.03"), encoding="utf-8")
    return trades, prof


def test_cli_warn_exits_0_with_json_status(warned):
    trades, prof = warned
    result = cli("audit", trades, "--as-of", AS_OF, "--profile", prof, "--format", "json")
    assert result.exit_code == 0, (result.stderr, result.exception)
    checks = {c["metric"]: c for c in json.loads(result.stdout)["shops"][0]["checks"]}
    d = checks["dsr.description.score"]
    assert (d["value"], d["passed"], d["status"], d["warn"]) == (4.7, True, "warn", 0.03)
    assert checks["dsr.service.score"]["status"] == "pass"
    assert json.loads(result.stdout)["passed"] is True


def test_cli_warn_in_table_and_markdown(warned):
    trades, prof = warned
    table = cli("audit", trades, "--as-of", AS_OF, "--profile", prof)
    assert table.exit_code == 0
    assert "all checks pass, 1 WARN" in " ".join(table.stdout.split())  # at any width
    row = next(r for r in table.stdout.splitlines() if "dsr.description" in r)
    assert "! WARN" in row and "≥ 4.7 (warn < 4.73)" in row  # symbol and word
    md = cli("audit", trades, "--as-of", AS_OF, "--profile", prof, "--format", "markdown")
    assert md.exit_code == 0
    assert "| dsr.description >= 4.7 | **! WARN** | 4.70000 | ≥ 4.7 (warn < 4.73) |" in md.stdout


def test_cli_checks_file_warn_and_min(warned, tmp_path):
    trades, prof = warned
    checks = tmp_path / "checks.toml"
    checks.write_text('[checks.d]\nmetric = "dsr.description.score"\nmin = 4.7\nwarn = 0.01\n',
                      encoding="utf-8")
    result = cli("audit", trades, "--as-of", AS_OF, "--checks", checks, "--format", "json")
    assert result.exit_code == 0
    assert [c["status"] for c in json.loads(result.stdout)["shops"][0]["checks"]] == ["warn"]
    # --min with a profile band: the default checks carry the band; 4.7 < 4.75 fails.
    result = cli("audit", trades, "--as-of", AS_OF, "--profile", prof, "--min", "4.75",
                 "--format", "json")
    assert result.exit_code == 1
    got = json.loads(result.stdout)["shops"][0]["checks"]
    assert [(c["status"], c["warn"]) for c in got] == [("fail", 0.03), ("pass", 0.03),
                                                       ("pass", 0.03)]


def test_cli_without_band_reports_pass_and_null_warn(warned):
    trades, _ = warned
    result = cli("audit", trades, "--as-of", AS_OF, "--format", "json")
    assert result.exit_code == 0
    got = json.loads(result.stdout)["shops"][0]["checks"]
    assert {(c["status"], c["warn"]) for c in got} == {("pass", None)}


def test_cli_bad_profile_warn_exits_2(tmp_path):
    trades = shop_at_4_7(tmp_path)
    prof = tmp_path / "bad.toml"
    prof.write_text(warn_profile(load_profile("taobao").text, '"soon"'), encoding="utf-8")
    result = cli("audit", trades, "--as-of", AS_OF, "--profile", prof)
    assert result.exit_code == 2
    assert "checks.warn" in result.stderr
