"""Every command has help; --version comes from package metadata; the profile is printable,
editable and used as edited."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tomllib
from importlib.metadata import version
from pathlib import Path

import pytest
import typer.main
from builders import line, write_csv
from typer.testing import CliRunner

from shopscore.cli.app import app
from shopscore.scoring.rules.profile import load_profile, parse_profile

# Wide enough that Rich neither wraps nor truncates a help line.
WIDE = {"COLUMNS": "200", "FORCE_COLOR": None, "TTY_COMPATIBLE": None, "NO_COLOR": "1"}
COMMANDS = sorted(typer.main.get_command(app).commands)


def cli(*args, env=None):
    return CliRunner().invoke(app, [str(a) for a in args], env=env, prog_name="shopscore")


def help_text(*command) -> str:
    result = cli(*command, "--help", env=WIDE)
    assert result.exit_code == 0, (command, result.output, result.exception)
    assert result.stderr == ""
    return " ".join(result.stdout.split())  # one line, whatever the wrapping


# --- help --------------------------------------------------------------------------------

def test_the_commands_are_the_documented_ones():
    assert set(COMMANDS) >= {"audit", "profile", "sample"}


def test_app_help_lists_every_command_and_the_exit_codes():
    text = help_text()
    assert "Usage: shopscore" in text
    for command in COMMANDS:
        assert command in text
    assert "Exit codes" in text
    for code in ("0 every check passed", "1 at least one check failed", "2 could not run"):
        assert code in text


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help(command):
    text = help_text(command)
    assert f"Usage: shopscore {command}" in text
    doc = typer.main.get_command(app).commands[command].help
    assert doc, f"{command} has no docstring"
    assert doc.split("\n")[0].strip() in text


def test_audit_help_documents_the_exit_codes():
    text = help_text("audit")
    assert "Exit codes" in text
    for code in ("0 every check passed", "1 at least one check failed", "2 could not run"):
        assert code in text
    assert "--strict" in text


def test_audit_help_documents_every_option():
    text = help_text("audit")
    for option in ("--ratings", "--as-of", "--profile", "--industry", "--checks", "--min",
                   "--format", "--shop", "--rejects", "--strict", "--debug"):
        assert option in text, option
    for fmt in ("table", "json", "markdown"):
        assert fmt in text
    assert "AVG[:BEST[:LOWEST]]" in text


def test_audit_help_shows_the_checks_table_syntax():
    # `[checks.NAME]` is TOML syntax the user must type; Rich markup must not swallow it.
    assert "[checks.NAME]" in help_text("audit")


# --- version -----------------------------------------------------------------------------

def test_version_comes_from_package_metadata():
    result = cli("--version")
    assert result.exit_code == 0
    assert result.stdout == f"shopscore {version('shopscore')}\n"


def test_version_is_the_package_attribute():
    import shopscore

    assert shopscore.__version__ == version("shopscore")


# --- profile -----------------------------------------------------------------------------

def test_profile_prints_the_taobao_profile():
    result = cli("profile")
    assert result.exit_code == 0, result.stderr
    assert "monthly_cap_points = 6" in result.stdout
    doc = tomllib.loads(result.stdout)
    assert doc["name"] == "taobao"
    assert doc["credit"]["monthly_cap_points"] == 6
    assert result.stdout == cli("profile", "--profile", "taobao").stdout


def test_printed_profile_is_a_valid_profile():
    printed = cli("profile").stdout
    assert parse_profile(printed, "printed") == parse_profile(load_profile("taobao").text,
                                                              "printed")


def test_profile_prints_a_users_file(tmp_path):
    path = tmp_path / "mine.toml"
    path.write_text(cli("profile").stdout.replace("monthly_cap_points = 6",
                                                  "monthly_cap_points = 3"), encoding="utf-8")
    result = cli("profile", "--profile", path)
    assert result.exit_code == 0, result.stderr
    assert "monthly_cap_points = 3" in result.stdout


def four_positives_one_buyer():
    """Buyer b1 rates 4 different items positive, all created in March 2026: the running
    total of (b1, March) goes +1 .. +4. Cap 6: all count, score 4. Cap 3: the 4th would make
    +4, so it is excluded (monthly_cap): score 3."""
    return [line(f"o{d}", buyer="b1", item=f"i{d}", created=f"2026-03-0{d} 10:00:00",
                 completed=f"2026-03-0{d + 3} 10:00:00", rated=f"2026-03-0{d + 4} 10:00:00",
                 credit="positive") for d in range(1, 5)]


def score(doc) -> dict:
    credit = doc["shops"][0]["credit"]
    return {"score": credit["score"], "positive": credit["positive"],
            "monthly_cap": credit["excluded_by_reason"].get("monthly_cap", 0)}


def test_edited_profile_changes_the_audit(tmp_path):
    trades = write_csv(four_positives_one_buyer(), tmp_path / "trades.csv")
    as_of = "2026-04-30T00:00:00+08:00"
    edited = tmp_path / "cap3.toml"
    text = cli("profile").stdout
    edited.write_text(text.replace("monthly_cap_points = 6", "monthly_cap_points = 3"),
                      encoding="utf-8")
    copy = tmp_path / "copy.toml"
    copy.write_text(text, encoding="utf-8")

    builtin = cli("audit", trades, "--as-of", as_of, "--format", "json")
    same = cli("audit", trades, "--as-of", as_of, "--format", "json", "--profile", copy)
    capped = cli("audit", trades, "--as-of", as_of, "--format", "json", "--profile", edited)
    for result in (builtin, same, capped):
        assert result.exit_code == 1, (result.stderr, result.exception)  # no DSR: checks fail

    assert score(json.loads(builtin.stdout)) == {"score": 4, "positive": 4, "monthly_cap": 0}
    assert score(json.loads(same.stdout)) == {"score": 4, "positive": 4, "monthly_cap": 0}
    assert score(json.loads(capped.stdout)) == {"score": 3, "positive": 3, "monthly_cap": 1}
    assert json.loads(capped.stdout)["profile"] == "taobao"  # the name inside the file


def test_edited_default_min_changes_the_default_checks(tmp_path):
    # description (5+5+5+4)/4 = 4.75: passes the taobao bar of 4.7, fails an edited 4.8.
    rows = [line(f"o{d}", buyer=f"b{d}", item=f"i{d}", created=f"2026-10-0{d} 10:00:00",
                 completed=f"2026-10-0{d + 3} 10:00:00", rated=f"2026-10-0{d + 4} 10:00:00",
                 credit="positive", dsr_description=4 if d == 4 else 5, dsr_service=5,
                 dsr_shipping=5) for d in range(1, 5)]
    trades = write_csv(rows, tmp_path / "trades.csv")
    edited = tmp_path / "bar48.toml"
    edited.write_text(cli("profile").stdout.replace("default_min = 4.7", "default_min = 4.8"),
                      encoding="utf-8")
    as_of = "2026-10-31T12:00:00+08:00"
    assert cli("audit", trades, "--as-of", as_of).exit_code == 0
    result = cli("audit", trades, "--as-of", as_of, "--format", "json", "--profile", edited)
    assert result.exit_code == 1
    checks = json.loads(result.stdout)["shops"][0]["checks"]
    assert {c["min"] for c in checks} == {4.8}


# --- help in words, quick to reach -------------------------------------------------------

TYPE_TAG = re.compile(r"<(str|int|float|bool|path|Path|list\[[^>]*\]|int range|float range)>")


@pytest.mark.parametrize("command", [None, *COMMANDS])
def test_help_names_values_in_words_never_a_type_tag(command):
    args = [command] if command else []
    text = cli(*args, "--help", env={**WIDE, "COLUMNS": "80"}).stdout
    assert not TYPE_TAG.search(text), TYPE_TAG.search(text)
    assert "{" not in text.split("\n", 1)[0]  # the usage line: TRADES..., not {trades}...
    assert "…" not in text  # nothing cut


def test_help_cuts_neither_a_command_summary_nor_an_example():
    text = " ".join(cli("--help", env={**WIDE, "COLUMNS": "80"}).stdout.split())
    for name, command in typer.main.get_command(app).commands.items():
        assert f"{name} {command.short_help}" in text, name
        assert not command.short_help.endswith("...")
    audit = " ".join(cli("audit", "--help", env={**WIDE, "COLUMNS": "80"}).stdout.split())
    assert "description=4.78,service=4.80:4.95:4.50" in audit


@pytest.mark.parametrize("command", COMMANDS)
def test_dash_h_is_help(command):
    assert cli(command, "-h", env=WIDE).stdout == cli(command, "--help", env=WIDE).stdout


def test_each_command_states_its_own_exit_codes():
    # Only audit and report hold data against checks; the others never exit 1.
    for command in ("sample", "validate", "profile", "explain", "trend"):
        text = help_text(command)
        assert "Exit codes" in text and "every check passed" not in text, command
        assert "1 at least one check failed" not in text, command


def test_bare_program_prints_its_help_not_an_empty_error():
    script = Path(sys.executable).with_name("shopscore")  # the installed console script
    done = subprocess.run([str(script)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert "error:" not in done.stderr
    assert "Usage: shopscore" in done.stderr and "audit" in done.stderr


def test_help_and_version_do_not_import_the_data_stack():
    # What makes `shopscore --help` quick (bench/cli_startup.py times it): neither pandas,
    # pyarrow nor Rich is imported to print help or the version.
    code = ("import sys; sys.argv = ['shopscore', '--help']\n"
            "from shopscore.cli.app import app\n"
            "try:\n    app(standalone_mode=False)\nexcept SystemExit:\n    pass\n"
            "from shopscore import __version__\n"
            "print(sorted(m for m in ('pandas', 'pyarrow', 'numpy', 'rich') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "[]"
