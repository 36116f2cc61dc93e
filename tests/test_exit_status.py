"""One test per exit code (CONTRACT.md): 0 pass, 1 a check fails, 2 could not run.

Every exit 2 is one sentence on stderr, `shopscore: error: ...`, never a traceback."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from builders import line, write_csv
from typer.testing import CliRunner

from shopscore.cli.app import app
from shopscore.cli.status import ExitStatus
from shopscore.scoring.rules.profile import load_profile

AS_OF = "2026-10-31T12:00:00+08:00"
G7_INDUSTRY = "description=4.8,service=4.7,shipping=4.9"


def cli(*args):
    return CliRunner().invoke(app, [str(a) for a in args])


def rated(order_id, buyer, item, day, stars, **more):
    """A positive October line (created day D, completed D+3, rated D+4) with DSR stars."""
    return line(order_id, buyer=buyer, item=item, created=f"2026-10-{day:02d} 10:00:00",
                completed=f"2026-10-{day + 3:02d} 10:00:00",
                rated=f"2026-10-{day + 4:02d} 10:00:00", credit="positive",
                dsr_description=stars[0], dsr_service=stars[1], dsr_shipping=stars[2], **more)


def g7_rows():
    """Golden case g7: description 4.75, service 4.75, shipping 5.0: every bar of 4.7 met."""
    return [rated("o0", "b0", "i0", 1, (5, 5, 5)), rated("o1", "b1", "i1", 2, (5, 5, 5)),
            rated("o2", "b2", "i2", 3, (5, 4, 5)), rated("o3", "b3", "i3", 4, (4, 5, 5))]


@pytest.fixture
def trades(tmp_path) -> Path:
    return write_csv(g7_rows(), tmp_path / "trades.csv")


@pytest.fixture
def profile_text() -> str:
    return load_profile("taobao").text


def assert_user_error(result, *fragments):
    """Exit 2, nothing on stdout, one `shopscore: error:` sentence on stderr naming the cause."""
    assert result.exit_code == ExitStatus.ERROR, (
        f"exit {result.exit_code}, exception {result.exception!r}\nstderr: {result.stderr}")
    assert isinstance(result.exception, SystemExit)  # not an escaped Python exception
    err = result.stderr
    assert err.startswith("shopscore: error: "), err
    assert "Traceback" not in err and "Traceback" not in result.stdout
    assert len(err.strip().splitlines()) == 1, err
    assert result.stdout == ""
    for fragment in fragments:
        assert fragment in err, (fragment, err)
    return err


# --- 0 and 1 -----------------------------------------------------------------------------

def test_exit_0_when_every_check_passes(trades):
    result = cli("audit", trades, "--as-of", AS_OF, "--industry", G7_INDUSTRY, "--format", "json")
    assert result.exit_code == ExitStatus.OK == 0, result.stderr
    assert json.loads(result.stdout)["shops"][0]["passed"] is True


def test_exit_0_in_every_format(trades):
    for fmt in ("table", "json", "markdown"):
        assert cli("audit", trades, "--as-of", AS_OF, "--format", fmt).exit_code == 0, fmt


def test_exit_1_when_a_check_fails(tmp_path):
    # service (5 + 5 + 5 + 1) / 4 = 4.0 < 4.7
    rows = g7_rows()
    rows[3]["dsr_service"] = 1
    rows[2]["dsr_service"] = 5
    path = write_csv(rows, tmp_path / "trades.csv")
    for fmt in ("table", "json", "markdown"):
        result = cli("audit", path, "--as-of", AS_OF, "--format", fmt)
        assert result.exit_code == ExitStatus.CHECK_FAILED == 1, (fmt, result.stderr)
    assert result.stderr == ""


def test_exit_1_when_a_shop_has_no_ratings(tmp_path):
    # No ratings at all: the checks fail with "no ratings" (golden g8, shopY).
    path = write_csv([line("o1", created="2026-10-01 10:00:00", completed="2026-10-04 10:00:00")],
                     tmp_path / "trades.csv")
    result = cli("audit", path, "--as-of", AS_OF, "--format", "json")
    assert result.exit_code == 1
    checks = json.loads(result.stdout)["shops"][0]["checks"]
    assert {c["reason"] for c in checks} == {"no ratings"}


def test_exit_codes_are_defined_once():
    assert [(s.name, int(s)) for s in ExitStatus] == [("OK", 0), ("CHECK_FAILED", 1),
                                                        ("ERROR", 2), ("INTERNAL", 3)]


# --- 3: a bug -----------------------------------------------------------------------------

INJECTED = textwrap.dedent("""
    import sys
    from shopscore.scoring.engine import audit

    def broken(*args, **kwargs):
        raise ZeroDivisionError("an injected bug")

    audit.{target} = broken
    from shopscore.cli.app import main
    sys.argv = ["shopscore", *sys.argv[1:]]
    main()
""")


@pytest.mark.parametrize("target", ["credit_of", "dsr_of"])
def test_exit_3_a_bug_prints_its_traceback_and_is_never_a_failed_check(trades, target):
    # CONTRACT.md: an unexpected exception is exit 3 with its traceback, never 1 (which a
    # cron job reads as "a check failed") nor 2 (bad input).
    proc = subprocess.run([sys.executable, "-c", INJECTED.format(target=target), "audit",
                           str(trades), "--as-of", AS_OF, "--format", "json"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == ExitStatus.INTERNAL == 3, proc.stderr
    assert "Traceback" in proc.stderr and "ZeroDivisionError: an injected bug" in proc.stderr
    assert "internal error" in proc.stderr
    assert proc.stdout == ""


def test_exit_handlers_still_run_before_the_quick_exit(tmp_path, trades):
    # The CLI leaves through os._exit (no teardown of a big audit's objects); what an ordinary
    # exit runs (atexit handlers: temporary directories, clusters) must still run.
    marker = tmp_path / "ran"
    code = textwrap.dedent(f"""
        import atexit, pathlib, sys
        atexit.register(lambda: pathlib.Path({str(marker)!r}).write_text("yes"))
        from shopscore.cli.app import main
        sys.argv = ["shopscore", "audit", {str(trades)!r}, "--as-of", {AS_OF!r}]
        main()
    """)
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode in (0, 1), proc.stderr
    assert marker.read_text() == "yes"


# --- 2: the input files -------------------------------------------------------------------

def test_exit_2_missing_file(tmp_path):
    missing = tmp_path / "nope.csv"
    assert_user_error(cli("audit", missing, "--as-of", AS_OF), str(missing))


def test_exit_2_missing_ratings_file(trades, tmp_path):
    missing = tmp_path / "ratings.csv"
    assert_user_error(cli("audit", trades, "--ratings", missing, "--as-of", AS_OF), str(missing))


def test_exit_2_missing_required_columns(tmp_path):
    path = tmp_path / "trades.csv"
    path.write_text("order_id,buyer_id\no1,b1\n", encoding="utf-8")
    err = assert_user_error(cli("audit", path, "--as-of", AS_OF), str(path))
    for column in ("item_id", "created_at", "status"):
        assert column in err.split("(")[0], err  # named as missing, not only as needed


def test_exit_2_empty_file(tmp_path):
    path = tmp_path / "trades.csv"
    path.write_bytes(b"")
    err = assert_user_error(cli("audit", path, "--as-of", AS_OF), str(path))
    assert "empty" in err


def test_exit_2_directory_instead_of_a_file(tmp_path):
    assert_user_error(cli("audit", tmp_path, "--as-of", AS_OF), str(tmp_path), "directory")


def test_exit_2_unreadable_parquet(tmp_path):
    path = tmp_path / "trades.parquet"
    path.write_bytes(b"not parquet at all")
    assert_user_error(cli("audit", path, "--as-of", AS_OF), str(path))


def test_exit_2_strict_with_a_rejected_row(tmp_path):
    rows = g7_rows() + [rated("o9", "b9", "i9", 5, (5, 5, 5), created_at="not-a-date")]
    path = write_csv(rows, tmp_path / "trades.csv")
    assert cli("audit", path, "--as-of", AS_OF).exit_code == 0  # without --strict: a warning
    err = assert_user_error(cli("audit", path, "--as-of", AS_OF, "--strict"),
                            str(path), "row 6", "column created_at")
    assert "--strict" in err


def test_strict_without_rejected_rows_runs(trades):
    assert cli("audit", trades, "--as-of", AS_OF, "--strict").exit_code == 0


# --- 2: the options -----------------------------------------------------------------------

@pytest.mark.parametrize("as_of", ["yesterday", "2026-13-01", "31/10/2026"])
def test_exit_2_bad_as_of(trades, as_of):
    assert_user_error(cli("audit", trades, "--as-of", as_of), "--as-of", as_of)


@pytest.mark.parametrize("spec", ["quality=4.8", "description", "description=high",
                                  "description=7", "description=4.8:4.9:4.5:4.4"])
def test_exit_2_bad_industry(trades, spec):
    assert_user_error(cli("audit", trades, "--as-of", AS_OF, "--industry", spec), "--industry")


def test_exit_2_unknown_profile(trades):
    assert_user_error(cli("audit", trades, "--as-of", AS_OF, "--profile", "tmall-2031"),
                      "tmall-2031", "--profile")


def test_exit_2_profile_with_toml_syntax_error(trades, tmp_path):
    path = tmp_path / "mine.toml"
    path.write_text('name = "mine"\n[credit\n', encoding="utf-8")
    assert_user_error(cli("audit", trades, "--as-of", AS_OF, "--profile", path), str(path))


def test_exit_2_profile_with_a_misspelt_key(trades, tmp_path, profile_text):
    # RULES.md section 5: a key left out takes the default, so a misspelt key would silently
    # be a default: it is an error naming the file and the key.
    path = tmp_path / "mine.toml"
    path.write_text(profile_text.replace("monthly_cap_points = 6", "monthly_cap_point = 5"),
                    encoding="utf-8")
    assert_user_error(cli("audit", trades, "--as-of", AS_OF, "--profile", path),
                      str(path), "credit.monthly_cap_point")


def test_exit_2_profile_with_a_wrong_type(trades, tmp_path, profile_text):
    path = tmp_path / "mine.toml"
    path.write_text(profile_text.replace("monthly_cap_points = 6", 'monthly_cap_points = "six"'),
                    encoding="utf-8")
    assert_user_error(cli("audit", trades, "--as-of", AS_OF, "--profile", path),
                      str(path), "monthly_cap_points")


def test_exit_2_profile_without_periods(trades, tmp_path, profile_text):
    # An empty table of credit periods is a malformed profile, not a crash at audit time.
    path = tmp_path / "mine.toml"
    text = "\n".join('periods_days = {}' if t.startswith("periods_days") else t
                     for t in profile_text.splitlines())
    path.write_text(text, encoding="utf-8")
    assert_user_error(cli("audit", trades, "--as-of", AS_OF, "--profile", path),
                      str(path), "periods_days")


def test_exit_2_profile_command_with_unknown_profile():
    assert_user_error(cli("profile", "--profile", "tmall-2031"), "tmall-2031")


def test_exit_2_checks_file_with_toml_syntax_error(trades, tmp_path):
    path = tmp_path / "checks.toml"
    path.write_text("[checks.dsr\nmetric = 1\n", encoding="utf-8")
    assert_user_error(cli("audit", trades, "--as-of", AS_OF, "--checks", path), str(path))


@pytest.mark.parametrize("body", [
    'title = "no checks table"\n',
    '[checks.a]\nmin = 4.7\n',  # no metric
    '[checks.a]\nmetric = "dsr.service.score"\n',  # neither min nor max
    '[checks.a]\nmetric = "dsr.service.score"\nmin = "high"\n',
    '[checks.a]\nmetric = "dsr.service.score"\nminimum = 4.7\n',
])
def test_exit_2_malformed_checks_file(trades, tmp_path, body):
    path = tmp_path / "checks.toml"
    path.write_text(body, encoding="utf-8")
    assert_user_error(cli("audit", trades, "--as-of", AS_OF, "--checks", path), str(path))


def test_exit_2_missing_checks_file(trades, tmp_path):
    path = tmp_path / "checks.toml"
    assert_user_error(cli("audit", trades, "--as-of", AS_OF, "--checks", path), str(path))


@pytest.mark.parametrize("metric", ["dsr.quality.score", "credit.level", "credit.scroe"])
def test_exit_2_check_on_unknown_metric(trades, tmp_path, metric):
    path = tmp_path / "checks.toml"
    path.write_text(f'[checks.mine]\nmetric = "{metric}"\nmin = 1\n', encoding="utf-8")
    assert_user_error(cli("audit", trades, "--as-of", AS_OF, "--checks", path), metric)


def test_exit_2_unknown_shop(trades):
    assert_user_error(cli("audit", trades, "--as-of", AS_OF, "--shop", "shop9"),
                      "--shop", "shop9")


def test_exit_2_rejects_path_cannot_be_written(trades, tmp_path):
    target = tmp_path / "no" / "such" / "dir" / "rejects.csv"
    err = assert_user_error(cli("audit", trades, "--as-of", AS_OF, "--rejects", target),
                            "--rejects", str(target))
    assert "(None)" not in err  # the sentence says why it cannot be written


@pytest.mark.parametrize("args", [["--format", "xml"], ["--min", "high"], ["--no-such-option"]])
def test_exit_2_bad_usage(trades, args):
    result = cli("audit", trades, "--as-of", AS_OF, *args)
    assert result.exit_code == 2
    assert "Traceback" not in result.stderr and result.stdout == ""


def test_no_arguments_shows_help_and_exits_2():
    result = cli()
    assert result.exit_code == 2
    assert "Usage" in result.output


# --- --debug ------------------------------------------------------------------------------

def test_debug_prints_the_traceback_and_still_exits_2(tmp_path, capsys):
    result = CliRunner().invoke(app, ["audit", str(tmp_path / "nope.csv"), "--as-of", AS_OF,
                                      "--debug"])
    assert result.exit_code == 2
    assert "InputFileError" in capsys.readouterr().err + result.stderr


def run(*args, **kwargs):
    return subprocess.run([str(a) for a in args], capture_output=True, text=True, timeout=60,
                          **kwargs)


@pytest.fixture(scope="module")
def debug_run(tmp_path_factory):
    """One real run of `python -m shopscore audit MISSING --debug` (a subprocess is slow)."""
    missing = tmp_path_factory.mktemp("debug") / "nope.csv"
    return run(sys.executable, "-m", "shopscore", "audit", missing, "--as-of", AS_OF, "--debug")


def test_debug_shows_a_traceback(debug_run):
    assert debug_run.returncode != 0
    assert "Traceback (most recent call last)" in debug_run.stderr
    assert "InputFileError" in debug_run.stderr and "nope.csv" in debug_run.stderr


def test_debug_keeps_exit_code_2(debug_run):
    # With --debug a user error must still mean "could not run", not "a check failed" (1).
    assert debug_run.returncode == 2, debug_run.stderr[-300:]


# --- the real entry points ----------------------------------------------------------------

def console_script() -> str:
    found = Path(sys.executable).with_name("shopscore")
    return str(found) if found.exists() else shutil.which("shopscore")


def test_python_m_shopscore_exit_0_and_json(trades):
    proc = run(sys.executable, "-m", "shopscore", "audit", trades, "--as-of", AS_OF,
               "--industry", G7_INDUSTRY, "--format", "json")
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["shops"][0]["dsr"]["description"]["vs_industry_basis"] == "average"
    assert proc.stderr == ""


def test_console_script_exit_2_is_one_sentence(tmp_path):
    script = console_script()
    assert script, "the shopscore console script is not installed"
    path = tmp_path / "trades.csv"
    path.write_text("order_id,buyer_id\no1,b1\n", encoding="utf-8")
    proc = run(script, "audit", path, "--as-of", AS_OF)
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert proc.stderr.startswith("shopscore: error: ")
    assert len(proc.stderr.strip().splitlines()) == 1
    assert "Traceback" not in proc.stderr
