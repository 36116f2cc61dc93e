"""Hostile and damaged input: every case is either the right figures or exit 2 with one
sentence naming the file (and the row or column), never a traceback, never exit 1 or 3.

Impossible values are rejected, never rolled over or guessed at; crashes and hangs of the
readers (duplicate headers, nested Parquet columns, non-finite bounds, out of memory, an
inflated Excel range, a FIFO) become one sentence; runs that could not audit anything say so.
"""

from __future__ import annotations

import json

import pytest
from builders import put, ran
from typer.testing import CliRunner

from shopscore.cli.app import app

AS_OF = "2026-11-22T00:00:00+08:00"
HEADER = "order_id,line_id,buyer_id,item_id,created_at,completed_at,status,amount,rated_at,credit"
GOOD = "2026-10-01 10:00:00,2026-10-04 10:00:00,success"


def cli(*args):
    return CliRunner().invoke(app, [str(a) for a in args])


def audit(*files, more=()) -> dict:
    return ran(cli("audit", *files, "--as-of", AS_OF, "--format", "json", *more))


def user_error(result) -> str:
    assert result.exit_code == 2, (result.exit_code, result.stderr, repr(result.exception))
    assert isinstance(result.exception, SystemExit), repr(result.exception)
    err = result.stderr
    assert err.startswith("shopscore: error: ") and len(err.strip().splitlines()) == 1, err
    assert "Traceback" not in err and result.stdout == ""
    return err


# --- impossible values are rejected, never rolled over --------------------------------------

@pytest.mark.parametrize("value", ["2026-02-30 10:00:00", "2026/02/30 10:00", "2026-04-31 10:00",
                                   "2026-10-01 10:00:61", "2026-10-01 24:00:00",
                                   "2026-02-29 10:00:00"])
def test_an_impossible_date_is_bad_datetime_not_the_next_month(tmp_path, value):
    # 2026 is no leap year: 02-29 and 02-30 do not exist (strptime would roll them to March).
    # o1 is good; o2's completion time is impossible: rejected, and only o1's positive counts.
    path = put(tmp_path / "trades.csv", f"{HEADER}\n"
               f"o1,L1,b1,i1,{GOOD},10.00,2026-10-05 10:00:00,positive\n"
               f"o2,L1,b2,i2,2026-10-01 10:00:00,{value},success,10.00,2026-10-05 10:00:00,"
               "positive\n")
    doc = audit(path)
    assert doc["inputs"]["rejected_by_reason"] == {"bad_datetime": 1}
    assert doc["shops"][0]["credit"]["score"] == 1


def test_a_leap_day_in_a_leap_year_is_a_date(tmp_path):
    path = put(tmp_path / "trades.csv", f"{HEADER}\n"
               "o1,L1,b1,i1,2024/02/29 10:00,2024/03/01 10:00,success,10.00,2024/03/02 10:00,"
               "positive\n")
    doc = ran(cli("audit", path, "--as-of", "2024-03-10", "--format", "json"))
    assert doc["inputs"]["rows_rejected"] == 0 and doc["shops"][0]["credit"]["score"] == 1


@pytest.mark.parametrize("amount", ["inf", "Infinity", "-inf", "1e999", "nan", "NaN", "1,2,3",
                                   "12,34.5", "1.2.3"])
def test_a_non_finite_or_misgrouped_amount_is_bad_amount(tmp_path, amount):
    # o1 pays "1,234.50" (a valid thousands group): 1234.5 > 1 yuan, counts. o2's amount is no
    # finite number (or a misplaced separator: "1,2,3" is not 123): rejected as bad_amount,
    # never let through the 1-yuan rule.
    path = put(tmp_path / "trades.csv", f"{HEADER}\n"
               f'o1,L1,b1,i1,{GOOD},"1,234.50",2026-10-05 10:00:00,positive\n'
               f'o2,L1,b2,i2,{GOOD},"{amount}",2026-10-05 10:00:00,positive\n')
    doc = audit(path)
    assert doc["inputs"]["rejected_by_reason"] == {"bad_amount": 1}, doc["inputs"]
    assert doc["shops"][0]["credit"]["score"] == 1


def test_a_non_finite_amount_in_parquet_is_bad_amount(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.table({"order_id": ["o1", "o2", "o3"], "buyer_id": ["b1", "b2", "b3"],
                      "item_id": ["i1", "i2", "i3"],
                      "created_at": ["2026-10-01 10:00:00"] * 3,
                      "completed_at": ["2026-10-04 10:00:00"] * 3, "status": ["success"] * 3,
                      "amount": pa.array([12.0, float("inf"), None], pa.float64()),
                      "rated_at": ["2026-10-05 10:00:00"] * 3, "credit": ["positive"] * 3})
    pq.write_table(table, tmp_path / "trades.parquet")
    doc = audit(tmp_path / "trades.parquet")
    # o2's infinite amount is rejected; o3 has no amount (the 1-yuan rule does not apply).
    assert doc["inputs"]["rejected_by_reason"] == {"bad_amount": 1}
    assert doc["shops"][0]["credit"]["score"] == 2


# --- crashes and hangs become one sentence (exit 2) -----------------------------------------

TRADES = f"{HEADER}\no1,L1,b1,i1,{GOOD},10.00,2026-10-05 10:00:00,positive\n"


@pytest.mark.parametrize("command", [["audit", "--as-of", AS_OF], ["validate"],
                                     ["forecast", "--as-of", AS_OF]])
def test_a_header_named_twice_is_one_sentence(tmp_path, command):
    path = put(tmp_path / "trades.csv", "order_id,buyer_id,item_id,created_at,status,order_id\n"
               "o1,b1,i1,2026-10-01 10:00:00,open,o2\n")
    err = user_error(cli(command[0], path, *command[1:]))
    assert str(path) in err and "'order_id' twice (columns 1 and 6)" in err, err


def test_a_header_named_twice_after_trimming_spaces_is_one_sentence(tmp_path):
    path = put(tmp_path / "ExportOrderList.csv", "订单编号,买家会员名,订单状态,订单创建时间,宝贝标题,"
               "订单编号 \n1,alice,交易关闭,2026-10-01 10:00:00,裙,2\n")
    err = user_error(cli("audit", path, "--as-of", AS_OF))
    assert "'订单编号' twice" in err, err


def test_a_header_named_twice_in_a_workbook_or_parquet_is_one_sentence(tmp_path):
    import openpyxl
    import pyarrow as pa
    import pyarrow.parquet as pq

    names = ["order_id", "buyer_id", "item_id", "created_at", "status", "buyer_id", "note",
             "note"]
    values = ["o1", "b1", "i1", "2026-10-01 10:00:00", "open", "b2", "a", "b"]
    book = openpyxl.Workbook()
    book.active.append(names)
    book.active.append(values)
    book.save(tmp_path / "trades.xlsx")
    pq.write_table(pa.Table.from_arrays([pa.array([v]) for v in values], names=names),
                   tmp_path / "trades.parquet")
    for path in (tmp_path / "trades.xlsx", tmp_path / "trades.parquet"):
        err = user_error(cli("audit", path, "--as-of", AS_OF))
        assert "'buyer_id' twice (columns 2 and 6)" in err, err


def test_a_parquet_column_of_bytes_that_are_not_text_is_one_sentence(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    columns = {"order_id": ["o1", "o2"], "buyer_id": [b"\xff\xfe", b"b2"], "item_id": ["i1", "i2"],
               "created_at": ["2026-10-01 10:00:00"] * 2, "status": ["open"] * 2}
    pq.write_table(pa.table(columns), tmp_path / "trades.parquet")
    err = user_error(cli("audit", tmp_path / "trades.parquet", "--as-of", AS_OF))
    assert "column 'buyer_id' holds bytes that are not UTF-8 text" in err, err


def test_an_unread_column_named_twice_is_harmless(tmp_path):
    path = put(tmp_path / "trades.csv", f"{HEADER},note,note\no1,L1,b1,i1,{GOOD},10.00,"
               "2026-10-05 10:00:00,positive,a,b\n")
    assert audit(path)["shops"][0]["credit"]["score"] == 1


@pytest.mark.parametrize("column,kind", [("status", "list"), ("item_id", "struct")])
def test_a_nested_parquet_column_is_one_sentence(tmp_path, column, kind):
    import pyarrow as pa
    import pyarrow.parquet as pq

    values = {"order_id": ["o1"], "buyer_id": ["b1"], "item_id": ["i1"],
              "created_at": ["2026-10-01 10:00:00"], "status": ["open"]}
    values[column] = [["open"]] if kind == "list" else [{"code": "i1", "title": "裙"}]
    path = tmp_path / "trades.parquet"
    pq.write_table(pa.table(values), path)
    err = user_error(cli("audit", path, "--as-of", AS_OF))
    assert str(path) in err and f"column {column!r} is nested" in err, err


@pytest.mark.parametrize("value", ["nan", "inf", "-inf"])
def test_a_non_finite_bar_is_one_sentence(tmp_path, value):
    path = put(tmp_path / "trades.csv", TRADES)
    err = user_error(cli("audit", path, "--as-of", AS_OF, "--min", value))
    assert "--min" in err, err


@pytest.mark.parametrize("body", ["min = nan", "max = inf", "min = 4.8\nmax = 4.7",
                                  "min = -inf"])
def test_a_checks_file_bound_that_no_value_can_meet_names_the_file(tmp_path, body):
    path = put(tmp_path / "trades.csv", TRADES)
    checks = put(tmp_path / "checks.toml", f'[checks.d]\nmetric = "dsr.description.score"\n'
                 f"{body}\n")
    err = user_error(cli("audit", path, "--as-of", AS_OF, "--checks", checks))
    assert f"checks file {checks}" in err, err


def test_a_check_on_an_unknown_metric_names_the_checks_file(tmp_path):
    path = put(tmp_path / "trades.csv", TRADES)
    checks = put(tmp_path / "checks.toml", '[checks.d]\nmetric = "dsr.nothing.score"\nmin = 1\n')
    err = user_error(cli("audit", path, "--as-of", AS_OF, "--checks", checks))
    assert f"checks file {checks}" in err and "dsr.nothing.score" in err, err


@pytest.mark.parametrize("where", ["read", "validate"])
def test_out_of_memory_is_one_sentence_naming_the_file(tmp_path, monkeypatch, where):
    import pyarrow as pa

    path = put(tmp_path / "trades.csv", TRADES * 1)

    def no_memory(*args, **kwargs):
        raise pa.ArrowMemoryError("malloc of size 2147483648 failed") if where == "read" \
            else MemoryError()

    target = "shopscore.scoring.inputs.csvfile.pacsv.read_csv" if where == "read" else \
        "shopscore.scoring.inputs.load.validate"
    monkeypatch.setattr(target, no_memory)
    err = user_error(cli("audit", path, "--as-of", AS_OF))
    assert str(path) in err and "not enough memory" in err and "roughly" in err, err


def _limited(*args, timeout=60):
    """Run the real program with 3 GiB of address space at most: a reader that asks for far
    more fails fast instead of taking the machine."""
    import resource
    import subprocess
    import sys

    def limit():
        resource.setrlimit(resource.RLIMIT_AS, (3 << 30, 3 << 30))

    return subprocess.run([sys.executable, "-m", "shopscore", *map(str, args)],
                          capture_output=True, text=True, timeout=timeout, preexec_fn=limit)


def stray_cell_workbook(path, far="XFD1048576"):
    """A 6 KB workbook: a header, three rows (the third with an impossible status), and one
    stray value far away (the used range A1:XFD1048576)."""
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["order_id", "buyer_id", "item_id", "created_at", "completed_at", "status",
                  "rated_at", "credit", "dsr_description", "dsr_service", "dsr_shipping"])
    sheet.append(["o1", "b1", "i1", "2026-10-01 10:00:00", "2026-10-04 10:00:00", "success",
                  "2026-10-05 10:00:00", "positive", 5, 5, 5])
    sheet.append(["o2", "b2", "i2", "2026-10-01 10:00:00", "2026-10-04 10:00:00", "success",
                  "2026-10-05 10:00:00", "positive", 5, 5, 5])
    sheet.append(["o3", "b3", "i3", "2026-10-01 10:00:00", None, "shipped", None, None])
    sheet[far] = "x"
    book.save(path)
    return path


@pytest.mark.parametrize("far", ["XFD1048576", "A1048576", "XFD5"])
def test_an_inflated_excel_range_audits_its_real_cells(tmp_path, far):
    path = stray_cell_workbook(tmp_path / "orders.xlsx", far)
    assert path.stat().st_size < 10_000
    out = tmp_path / "rejects.csv"
    proc = _limited("audit", path, "--as-of", AS_OF, "--format", "json", "--rejects", out)
    assert proc.returncode == 0, (proc.returncode, proc.stderr[-2000:])
    doc = json.loads(proc.stdout)
    assert doc["shops"][0]["credit"]["score"] == 2
    # o3's bad status is on row 4 of the sheet, as Excel shows it; a stray row far below is
    # a row of its own (a blank one is not).
    rows = out.read_text().splitlines()[1:]
    assert rows[0].split(",")[1] == "4" and "bad_status" in rows[0], rows
    assert doc["inputs"]["rows_read"] == (4 if far == "A1048576" else 3)


def test_a_fifo_is_refused_not_waited_on(tmp_path):
    import os

    good = put(tmp_path / "trades.csv", TRADES)
    # A pipe named like a Parquet file too: the memory budget, which sizes Parquet inputs
    # before reading them, must not open it either.
    for name in ("pipe.csv", "pipe.parquet"):
        fifo = tmp_path / name
        os.mkfifo(fifo)
        for args in (["audit", fifo, "--as-of", AS_OF], ["validate", fifo],
                     ["audit", good, "--ratings", fifo, "--as-of", AS_OF],
                     ["audit", good, "--as-of", AS_OF, "--checks", fifo],
                     ["forecast", fifo, "--as-of", AS_OF],
                     ["audit", good, "--after-sales", fifo, "--as-of", AS_OF]):
            proc = _limited(*args, timeout=30)
            assert proc.returncode == 2, (args, proc.stderr)
            assert "not a regular file" in proc.stderr and str(fifo) in proc.stderr, proc.stderr
            assert len(proc.stderr.strip().splitlines()) == 1, proc.stderr


def test_a_line_longer_than_a_block_names_its_line(tmp_path, monkeypatch):
    monkeypatch.setattr("shopscore.scoring.inputs.csvfile.BLOCK", 1 << 20)
    path = tmp_path / "trades.csv"
    path.write_bytes(TRADES.encode() + b"o2,L1," + b"x" * (3 << 20) + b"\n" + TRADES.encode())
    err = user_error(cli("audit", path, "--as-of", AS_OF))
    assert str(path) in err and "line 3 is longer than 1 MiB" in err, err


def test_an_encoding_option_that_does_not_fit_names_the_line(tmp_path):
    path = put(tmp_path / "trades.csv", TRADES + "o2,L1,张三,i2,2026-10-01 10:00:00,,open,,,\n")
    err = user_error(cli("audit", path, "--as-of", AS_OF, "--encoding", "ascii"))
    assert "line 3 is not ascii text" in err and "--encoding" in err, err


# --- could not run: exit 2 naming what is wrong, never a score ------------------------------

RATINGS = """\
order_id,line_id,rated_at,credit,dsr_description,dsr_service,dsr_shipping
o1,L1,2026-10-05 10:00:00,positive,5,5,5
o2,L1,2026-10-05 10:00:00,negative,1,1,1
"""


def test_the_ratings_file_given_as_the_trades_file(tmp_path):
    ratings = put(tmp_path / "ratings.csv", RATINGS)
    err = user_error(cli("audit", ratings, "--as-of", AS_OF))
    assert str(ratings) in err and "give the trades file first, ratings with --ratings" in err


def test_a_rating_api_export_given_as_the_trades_file(tmp_path):
    ratings = put(tmp_path / "rates.csv", "tid,oid,num_iid,nick,role,result,created\n"
                  "4012,4013,51,alice,buyer,good,2026-10-05 10:00:00\n")
    err = user_error(cli("audit", ratings, "--as-of", AS_OF))
    assert "ratings file" in err and "--ratings" in err, err


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_a_header_without_rows_could_not_run(tmp_path, suffix):
    path = tmp_path / f"trades{suffix}"
    if suffix == ".csv":
        put(path, HEADER + "\n")
    else:
        import openpyxl

        book = openpyxl.Workbook()
        book.active.append(HEADER.split(","))
        book.save(path)
    err = user_error(cli("audit", path, "--as-of", AS_OF))
    assert str(path) in err and "no data rows" in err, err


def test_a_workbook_whose_every_row_is_rejected_could_not_run(tmp_path):
    import openpyxl

    path = tmp_path / "trades.xlsx"
    book = openpyxl.Workbook()
    book.active.append(HEADER.split(","))
    for k in range(300):
        book.active.append([f"o{k}", "L1", f"b{k}", "i1", "2026-10-01 10:00:00", None,
                            "shipped", None, None, None])
    book.save(path)
    out = tmp_path / "rejects.csv"
    err = user_error(cli("audit", path, "--as-of", AS_OF, "--rejects", out))
    assert str(path) in err and "none of its 300 rows could be used (bad_status 300)" in err
    assert len(out.read_text().splitlines()) == 301  # the rows are still listed


def test_every_command_that_audits_refuses_nothing_to_audit(tmp_path):
    ratings = put(tmp_path / "ratings.csv", RATINGS)
    for command in (["explain", "--order", "o1"], ["whatif"], ["forecast"],
                    ["report", "--html", tmp_path / "r.html"]):
        err = user_error(cli(command[0], ratings, *command[1:], "--as-of", AS_OF))
        assert "--ratings" in err, (command, err)
    assert not (tmp_path / "r.html").exists()


@pytest.mark.parametrize("as_of", ["", " "])
def test_an_empty_as_of_is_an_error_not_now(tmp_path, as_of):
    path = put(tmp_path / "trades.csv", TRADES)
    err = user_error(cli("audit", path, "--as-of", as_of))
    assert "--as-of" in err, err


@pytest.mark.parametrize("spec,word", [("description=4.8:4.7:4.5", "best score 4.7 below"),
                                       ("description=4.8:4.9:4.85", "lowest score 4.85 above")])
def test_industry_figures_out_of_order_are_an_error(tmp_path, spec, word):
    path = put(tmp_path / "trades.csv", TRADES)
    err = user_error(cli("audit", path, "--as-of", AS_OF, "--industry", spec))
    assert word in err, err
