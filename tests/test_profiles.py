"""Rule profiles (RULES.md section 5): defaults, `extends`, and a profile's own periods shown in
every output format."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from shopscore.cli.app import app
from shopscore.scoring.errors import ProfileError
from shopscore.scoring.rules import profile as profile_mod
from shopscore.scoring.rules.profile import load_profile, parse_profile

SAMPLE = Path(__file__).resolve().parent.parent / "sample_data" / "sample_shop.csv"
AS_OF = "2026-11-22T00:00:00+08:00"
BASE = """name = "base"
timezone = "Asia/Tokyo"
[credit]
monthly_cap_points = 9
revision_days = 40
[dsr]
window_days = 90
[checks]
default_min = 4.5
"""


@pytest.fixture
def based(monkeypatch):
    """A shipped profile `base` whose numbers differ from the RULES.md defaults."""
    monkeypatch.setattr(profile_mod, "BUILTIN", (*profile_mod.BUILTIN, "base"))
    real = profile_mod._builtin_text
    monkeypatch.setattr(profile_mod, "_builtin_text",
                        lambda name: BASE if name == "base" else real(name))


def test_a_key_left_out_takes_the_rules_default():
    prof = parse_profile('name = "mine"\n[credit]\nmonthly_cap_points = 4\n', "mine.toml")
    assert prof.monthly_cap_points == 4
    assert (prof.rating_window_days, prof.revision_days, prof.low_amount_yuan) == (15, 30, 1.0)
    assert prof.periods_days == {"7d": 7, "30d": 30, "180d": 180}
    assert prof.dsr_window_days == 180 and prof.default_min == 4.7
    assert [lv.min_score for lv in prof.levels][:3] == [4, 11, 41] and len(prof.levels) == 20


def test_the_shipped_taobao_profile_holds_the_rules_defaults():
    written = load_profile("taobao")
    bare = parse_profile('name = "taobao"\n[credit]\n[dsr]\n', "taobao")
    mine = ("text", "source", "experience")  # its scorecard is its own, not a RULES.md default
    assert {k: v for k, v in vars(written).items() if k not in mine} == \
        {k: v for k, v in vars(bare).items() if k not in mine}


def test_a_profile_without_credit_or_dsr_tables_has_no_such_rules():
    # Douyin has no credit points and its exports name no buyer (RULES.md 7, CONTRACT.md).
    prof = parse_profile('name = "mine"\n[experience]\nname = "x"\n', "mine.toml")
    assert not prof.credit_rules and not prof.dsr_rules and prof.experience.name == "x"
    douyin = load_profile("douyin")
    assert not douyin.credit_rules and not douyin.dsr_rules and douyin.experience_min == 70


def test_extends_replaces_a_table_whole_and_inherits_the_rest(based):
    prof = parse_profile('extends = "base"\n[credit]\nsame_item_window_days = 7\n', "mine.toml")
    # [credit] replaced whole: its own key, and the RULES.md default for the keys left out
    # (monthly_cap_points 6, not the base's 9; revision_days 30, not 40).
    assert prof.same_item_window_days == 7
    assert (prof.monthly_cap_points, prof.revision_days) == (6, 30)
    # [dsr] and [checks] and the time zone are inherited from the base.
    assert prof.dsr_window_days == 90 and prof.default_min == 4.5
    assert prof.timezone == "Asia/Tokyo"
    assert prof.name == "mine.toml"  # its own name: the file's, not the base's


def test_extends_a_profile_that_is_not_shipped_is_an_error():
    with pytest.raises(ProfileError, match="extends = 'tmall'"):
        parse_profile('extends = "tmall"\n', "mine.toml")


def test_a_non_finite_number_is_an_error():
    # low_amount_yuan = nan would silently turn the tiny-trade rule off.
    with pytest.raises(ProfileError, match="credit.low_amount_yuan"):
        parse_profile("[credit]\nlow_amount_yuan = nan\n", "mine.toml")


@pytest.mark.parametrize("fmt", ["table", "markdown", "json"])
def test_a_profile_with_its_own_periods_renders_in_every_format(tmp_path, fmt):
    path = tmp_path / "periods.toml"
    path.write_text('extends = "taobao"\n[credit]\nperiods_days = {"7d" = 7, "90d" = 90}\n',
                    encoding="utf-8")
    result = CliRunner().invoke(app, ["audit", str(SAMPLE), "--as-of", AS_OF, "--profile",
                                      str(path), "--format", fmt])
    assert result.exit_code == 0, result.output
    if fmt == "json":
        periods = json.loads(result.stdout)["shops"][0]["credit"]["periods"]
        assert list(periods) == ["7d", "90d", "older", "total"]
        # Every counted rating lies in exactly one of: the last 90 days, or older.
        for kind in ("positive", "neutral", "negative"):
            assert periods["90d"][kind] + periods["older"][kind] == periods["total"][kind]
    else:
        assert "90d" in result.stdout and "180d" not in result.stdout


def test_the_report_shows_a_profile_with_its_own_periods(tmp_path):
    path = tmp_path / "periods.toml"
    path.write_text('extends = "taobao"\n[credit]\nperiods_days = {"7d" = 7, "90d" = 90}\n',
                    encoding="utf-8")
    page = tmp_path / "r.html"
    result = CliRunner().invoke(app, ["report", str(SAMPLE), "--as-of", AS_OF, "--profile",
                                      str(path), "--html", str(page)])
    assert result.exit_code == 0, result.output
    assert "<th>90d</th>" in page.read_text(encoding="utf-8")
