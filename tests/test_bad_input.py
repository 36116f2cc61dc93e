"""Bad input survives: every bad row is rejected under a reason code, counted, and listed with
the file, the row a user sees (header = line 1), the column and the value; nothing is silently
mapped, nothing crashes, and the accounts add up (rows read = used + rejected, per file)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from builders import put, ran
from typer.testing import CliRunner

from shopscore.cli.app import app

AS_OF = "2026-11-22T00:00:00+08:00"
WIDE = {"COLUMNS": "250", "LINES": "200", "NO_COLOR": "1", "FORCE_COLOR": None,
        "TTY_COMPATIBLE": None}


def cli(*args, env=None):
    return CliRunner().invoke(app, [str(a) for a in args], env=env)


def audit(*files, more=()) -> dict:
    return ran(cli("audit", *files, "--as-of", AS_OF, "--format", "json", *more))


def validate(*files, more=()) -> dict:
    result = cli("validate", *files, "--format", "json", *more)
    assert result.exit_code == 0, (result.exit_code, result.stderr, repr(result.exception))
    return json.loads(result.stdout)


def user_error(result) -> str:
    assert result.exit_code == 2, (result.exit_code, result.stderr, repr(result.exception))
    assert isinstance(result.exception, SystemExit), repr(result.exception)
    err = result.stderr
    assert err.startswith("shopscore: error: ") and len(err.strip().splitlines()) == 1, err
    assert "Traceback" not in err and result.stdout == ""
    return err


def rejects_of(path: Path) -> list[tuple]:
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    assert list(frame.columns) == ["file", "row", "column", "value", "reason"]
    return list(frame.itertuples(index=False, name=None))


def accounts_add_up(inputs: dict):
    for f in inputs["files"]:
        assert f["rows_read"] == f["rows_used"] + f["rows_rejected"], f
        assert f["rows_rejected"] == sum(f["rejected_by_reason"].values()), f
    assert inputs["rows_read"] == sum(f["rows_read"] for f in inputs["files"])
    assert inputs["rows_rejected"] == sum(f["rows_rejected"] for f in inputs["files"])


HEADER = ("order_id,line_id,buyer_id,item_id,created_at,completed_at,status,rated_at,credit,"
          "dsr_description,dsr_service,dsr_shipping")
GOOD = "2026-10-01 10:00:00,2026-10-04 10:00:00,success,2026-10-05 10:00:00,positive"

# One bad thing per row; the comment is the line number an editor shows.
BAD_ROWS = f"""\
{HEADER}
o1,L1,b1,i1,{GOOD},5,5,5
o2,L1,b2,i1,{GOOD},0,5,5
o3,L1,b3,i1,{GOOD},5,6,5
o4,L1,b4,i1,{GOOD},5,5,4.5

o5,L1,b5,i1,2026-13-01 10:00:00,2026-10-04 10:00:00,success,2026-10-05 10:00:00,positive,5,5,5
,L1,b6,i1,{GOOD},5,5,5
o1,L1,b1,i1,{GOOD},5,5,5
1.23457E+18,L1,b8,i1,{GOOD},5,5,5
o9,L1,b9,i1,2026-10-01 10:00:00,2026-10-04 10:00:00,finished,2026-10-05 10:00:00,positive,5,5,5
o10,L1,b10
o11,L1,b11,i2,{GOOD},4,4,4
"""
# line: reason, column, value
EXPECTED = {
    3: ("bad_dsr", "dsr_description", "0"),
    4: ("bad_dsr", "dsr_service", "6"),
    5: ("bad_dsr", "dsr_shipping", "4.5"),
    7: ("bad_datetime", "created_at", "2026-13-01 10:00:00"),
    8: ("missing_id", "order_id", ""),
    9: ("duplicate", None, ""),
    10: ("damaged_id", "order_id", "1.23457E+18"),
    11: ("bad_status", "status", "finished"),
    12: ("ragged_row", "", "o10,L1,b10"),
}


@pytest.fixture
def bad(tmp_path) -> Path:
    return put(tmp_path / "bad.csv", BAD_ROWS)


# --- each reason --------------------------------------------------------------------------

@pytest.mark.parametrize("parallel", [False, True], ids=["one_thread", "two_threads"])
def test_every_bad_row_is_rejected_under_its_reason(bad, parallel, monkeypatch):
    if parallel:  # big inputs type their id and time columns two at a time: the same rejects
        monkeypatch.setattr("shopscore.scoring.engine.threads.PARALLEL_ROWS", 0)
    doc = audit(bad)
    inputs = doc["inputs"]
    assert inputs["rejected_by_reason"] == {"bad_datetime": 1, "bad_dsr": 3, "bad_status": 1,
                                            "damaged_id": 1, "duplicate": 1, "missing_id": 1,
                                            "ragged_row": 1}
    # 11 data lines (the blank line is no row): o1 and o11 used, 9 rejected
    assert (inputs["rows_read"], inputs["rows_rejected"]) == (11, 9)
    assert inputs["files"][0]["rows_used"] == 2
    accounts_add_up(inputs)
    assert doc["shops"][0]["credit"]["positive"] == 2


def test_rejects_file_lists_file_row_column_value_reason(bad, tmp_path):
    out = tmp_path / "rejects.csv"
    audit(bad, more=("--rejects", out))
    got = {int(row): (reason, column, value) for file, row, column, value, reason
           in rejects_of(out) if file == str(bad)}
    assert len(rejects_of(out)) == 9
    for line, (reason, column, value) in EXPECTED.items():
        assert got[line][0] == reason, (line, got[line])
        if column:
            assert got[line][1] == column, (line, got[line])
        assert got[line][2] == value, (line, got[line])


@pytest.mark.parametrize("status", ["finished", "TRADE_FINISHED", "交易完成", "部分发货",
                                    "successful", "待评价"])
def test_unknown_status_is_rejected_never_mapped(tmp_path, status):
    path = put(tmp_path / "trades.csv", f"{HEADER}\no1,L1,b1,i1,{GOOD},5,5,5\n"
               f"o2,L1,b2,i1,2026-10-01 10:00:00,2026-10-04 10:00:00,{status},"
               f"2026-10-05 10:00:00,positive,5,5,5\n")
    doc = audit(path)
    assert doc["inputs"]["rejected_by_reason"] == {"bad_status": 1}
    credit = doc["shops"][0]["credit"]
    assert credit["positive"] == 1 and "not_success" not in credit["excluded_by_reason"]


def test_unknown_platform_statuses_are_counted_with_examples(tmp_path):
    # A Taobao order report (GBK) with statuses the alias table does not know: 3 rows of
    # 2 unknown words, reported with their count and the words as written.
    text = """\
订单编号,买家会员名,订单状态,订单创建时间,宝贝标题 ,店铺Id,退款金额,确认收货时间
="4012345678901234561",alice,交易成功,2026-10-01 10:00:00,红色连衣裙,="57001",0,2026-10-04 10:00:00
="4012345678901234562",bob,部分发货,2026-10-02 10:00:00,蓝色衬衫,="57001",0,
="4012345678901234563",carol,TRADE_FINISHED,2026-10-03 10:00:00,白色T恤,="57001",0,2026-10-06 10:00:00
="4012345678901234564",dave,部分发货,2026-10-04 10:00:00,蓝色衬衫,="57001",0,
="4012345678901234565",erin,"卖家已发货,等待买家确认",2026-10-05 10:00:00,黑色长裤,="57001",0,
"""
    path = put(tmp_path / "ExportOrderList.csv", text, "gbk", "\r\n")
    report = validate(path)
    entry = report["files"][0]
    assert entry["platform"] == "taobao"
    assert entry["rejected_by_reason"] == {"bad_status": 3}
    info = entry["rejected"]["bad_status"]
    assert info["count"] == 3
    assert [(e["row"], e["column"], e["value"]) for e in info["examples"]] == [
        (3, "status", "部分发货"), (4, "status", "TRADE_FINISHED"), (5, "status", "部分发货")]
    assert entry["rows_used"] == 2  # 交易成功 and the ASCII-comma 卖家已发货,等待买家确认


@pytest.mark.parametrize("value", ["0", "6", "4.5", "-1", "五", "5星"])
def test_impossible_dsr_is_rejected(tmp_path, value):
    path = put(tmp_path / "trades.csv", f"{HEADER}\no1,L1,b1,i1,{GOOD},5,5,5\n"
               f"o2,L1,b2,i1,{GOOD},5,{value},5\n")
    out = tmp_path / "rejects.csv"
    doc = audit(path, more=("--rejects", out))
    assert doc["inputs"]["rejected_by_reason"] == {"bad_dsr": 1}
    assert rejects_of(out) == [(str(path), "3", "dsr_service", value, "bad_dsr")]
    assert doc["shops"][0]["dsr"]["service"]["count"] == 1


@pytest.mark.parametrize("value", ["2026-13-01 10:00:00", "2026/10/32 10:00", "昨天",
                                   "10/01/2026", "2026-10-01T25:00:00"])
def test_unparseable_date_is_rejected(tmp_path, value):
    path = put(tmp_path / "trades.csv", f"{HEADER}\no1,L1,b1,i1,{GOOD},5,5,5\n"
               f"o2,L1,b2,i1,2026-10-01 10:00:00,{value},success,2026-10-05 10:00:00,"
               f"positive,5,5,5\n")
    out = tmp_path / "rejects.csv"
    doc = audit(path, more=("--rejects", out))
    assert doc["inputs"]["rejected_by_reason"] == {"bad_datetime": 1}
    assert rejects_of(out) == [(str(path), "3", "completed_at", value, "bad_datetime")]


@pytest.mark.parametrize("value", ["2626-10-02 10:00:00", "1234-05-01 00:00:00",
                                   "9999-12-31 23:59:59", "0001-01-01 00:00:00",
                                   "0001-01-01T00:00:00Z"])
def test_date_outside_the_timestamp_range_is_rejected_not_a_crash(tmp_path, value):
    # A mistyped year, or the 0001-01-01 / 9999-12-31 "no date" sentinels some back offices
    # write: rejected (or read as empty), never a Python exception.
    path = put(tmp_path / "trades.csv", f"{HEADER}\no1,L1,b1,i1,{GOOD},5,5,5\n"
               f"o2,L1,b2,i1,2026-10-01 10:00:00,{value},success,2026-10-05 10:00:00,"
               f"positive,5,5,5\n")
    out = tmp_path / "rejects.csv"
    doc = audit(path, more=("--rejects", out))
    assert doc["inputs"]["rows_rejected"] == 1, doc["inputs"]
    [(_, row, column, _, reason)] = rejects_of(out)
    assert (row, column) == ("3", "completed_at") and reason in ("bad_datetime",
                                                                  "missing_value")


def test_zero_date_is_empty_not_a_date(tmp_path):
    # 0000-00-00 00:00:00 is an empty cell: a success line without completion time is
    # rejected for the missing value, a closed line is fine.
    path = put(tmp_path / "trades.csv", f"{HEADER}\n"
               "o1,L1,b1,i1,2026-10-01 10:00:00,0000-00-00 00:00:00,closed,,,,,\n"
               "o2,L1,b2,i1,2026-10-01 10:00:00,0000-00-00 00:00:00,success,,,,,\n")
    out = tmp_path / "rejects.csv"
    doc = audit(path, more=("--rejects", out))
    assert doc["inputs"]["rejected_by_reason"] == {"missing_value": 1}
    assert [(r[1], r[2], r[4]) for r in rejects_of(out)] == [("3", "completed_at",
                                                              "missing_value")]


@pytest.mark.parametrize("column", ["order_id", "buyer_id", "item_id"])
def test_missing_id_is_rejected(tmp_path, column):
    row = {"order_id": "o2", "buyer_id": "b2", "item_id": "i1"}
    row[column] = "  "
    path = put(tmp_path / "trades.csv", f"{HEADER}\no1,L1,b1,i1,{GOOD},5,5,5\n"
               f"{row['order_id']},L1,{row['buyer_id']},{row['item_id']},{GOOD},5,5,5\n")
    out = tmp_path / "rejects.csv"
    doc = audit(path, more=("--rejects", out))
    assert doc["inputs"]["rejected_by_reason"] == {"missing_id": 1}
    assert [(r[1], r[2], r[4]) for r in rejects_of(out)] == [("3", column, "missing_id")]


def test_duplicate_row_is_rejected_once(tmp_path):
    row = f"o1,L1,b1,i1,{GOOD},5,5,5"
    path = put(tmp_path / "trades.csv", f"{HEADER}\n{row}\no2,L1,b2,i2,{GOOD},5,5,5\n{row}\n")
    out = tmp_path / "rejects.csv"
    doc = audit(path, more=("--rejects", out))
    assert doc["inputs"]["rejected_by_reason"] == {"duplicate": 1}
    assert [(r[1], r[4]) for r in rejects_of(out)] == [("4", "duplicate")]
    assert doc["shops"][0]["credit"]["positive"] == 2


@pytest.mark.parametrize("parallel", [False, True], ids=["one_thread", "two_threads"])
@pytest.mark.parametrize("damaged", ["1.23457E+18", "4.01235e+18", "4E+18", "1.23457E18"])
def test_damaged_id_is_rejected(tmp_path, damaged, parallel, monkeypatch):
    if parallel:  # big inputs code their id columns two at a time: the same rejects
        monkeypatch.setattr("shopscore.scoring.engine.threads.PARALLEL_ROWS", 0)
    path = put(tmp_path / "trades.csv", f"{HEADER}\no1,L1,b1,i1,{GOOD},5,5,5\n"
               f"{damaged},L1,b2,i1,{GOOD},5,5,5\n")
    out = tmp_path / "rejects.csv"
    doc = audit(path, more=("--rejects", out))
    assert doc["inputs"]["rejected_by_reason"] == {"damaged_id": 1}
    assert rejects_of(out) == [(str(path), "3", "order_id", damaged, "damaged_id")]
    err = cli("audit", path, "--as-of", AS_OF, "--format", "json").stderr
    assert "damaged_id" in err and "row 3" in err and damaged in err, err


def test_damaged_id_in_a_taobao_export(tmp_path):
    # A GBK order report re-saved by a spreadsheet: the 19-digit id became 4.01235E+18.
    text = """\
订单编号,买家会员名,订单状态,订单创建时间,宝贝标题 ,店铺Id,退款金额,确认收货时间
="4012345678901234561",alice,交易成功,2026-10-01 10:00:00,红色连衣裙,57001,0,2026-10-04 10:00:00
4.01235E+18,bob,交易成功,2026-10-02 10:00:00,蓝色衬衫,57001,0,2026-10-05 10:00:00
"""
    path = put(tmp_path / "ExportOrderList.csv", text, "gbk", "\r\n")
    entry = validate(path)["files"][0]
    assert entry["rejected_by_reason"] == {"damaged_id": 1}
    assert entry["rejected"]["damaged_id"]["examples"] == [
        {"row": 3, "column": "order_id", "value": "4.01235E+18"}]


def test_damaged_id_in_an_excel_number_cell(tmp_path):
    # A 19-digit order id typed into Excel as a number keeps 15 significant digits.
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["order_id", "buyer_id", "item_id", "created_at", "status"])
    sheet.append(["4012345678901234561", "b1", "i1", "2026-10-01 10:00:00", "open"])
    sheet.append([4012345678901234562, "b2", "i1", "2026-10-01 10:00:00", "open"])
    path = tmp_path / "trades.xlsx"
    book.save(path)
    entry = validate(path)["files"][0]
    assert entry["rejected_by_reason"] == {"damaged_id": 1}
    assert entry["rejected"]["damaged_id"]["examples"][0]["row"] == 3


def test_bad_amount_and_bad_credit_word(tmp_path):
    header = "order_id,buyer_id,item_id,created_at,completed_at,status,amount,rated_at,credit"
    text = (f"{header}\n"
            "o1,b1,i1,2026-10-01 10:00:00,2026-10-04 10:00:00,success,\"¥1,234.50\","
            "2026-10-05 10:00:00,好评\n"
            "o2,b2,i1,2026-10-01 10:00:00,2026-10-04 10:00:00,success,¥abc,"
            "2026-10-05 10:00:00,positive\n"
            "o3,b3,i1,2026-10-01 10:00:00,2026-10-04 10:00:00,success,12元,"
            "2026-10-05 10:00:00,追评\n")
    path = put(tmp_path / "trades.csv", text)
    out = tmp_path / "rejects.csv"
    doc = audit(path, more=("--rejects", out))
    assert doc["inputs"]["rejected_by_reason"] == {"bad_amount": 1, "bad_credit": 1}
    assert [(r[1], r[2], r[3], r[4]) for r in rejects_of(out)] == [
        ("3", "amount", "¥abc", "bad_amount"), ("4", "credit", "追评", "bad_credit")]


def test_a_ragged_row_does_not_turn_ids_into_numbers(tmp_path):
    # Ids are text whatever else the file holds: a ragged row (line 4) must not make the
    # reader guess column types, which drops leading zeros and turns 20 digits into a float.
    text = ("order_id,buyer_id,item_id,created_at,status\n"
            "000123,b1,0042,2026-10-01 10:00:00,open\n"
            "12345678901234567890,b2,0042,2026-10-01 10:00:00,open\n"
            "o3,b3\n")
    path = put(tmp_path / "trades.csv", text)
    out = tmp_path / "rejects.csv"
    doc = audit(path, more=("--rejects", out))
    assert doc["inputs"]["rejected_by_reason"] == {"ragged_row": 1}, rejects_of(out)
    from shopscore.scoring.inputs.load import load

    lines = load([path], "Asia/Shanghai").lines
    assert lines["order_id"].tolist() == ["000123", "12345678901234567890"]
    assert lines["item_id"].tolist() == ["0042", "0042"]


# --- the wrong encoding ----------------------------------------------------------------------

TAOBAO_GBK = """\
订单编号,买家会员名,订单状态,订单创建时间,宝贝标题 ,店铺Id,退款金额,确认收货时间
="4012345678901234561",alice,交易成功,2026-10-01 10:00:00,红色连衣裙,57001,0,2026-10-04 10:00:00
="4012345678901234562",bob,交易成功,2026-10-02 10:00:00,蓝色衬衫,57001,0,2026-10-05 10:00:00
"""


def test_wrong_encoding_option_is_a_user_error(tmp_path):
    # A GBK order report read with --encoding utf-8: one sentence naming the file and the
    # option that fixes it, not a UnicodeDecodeError.
    path = put(tmp_path / "ExportOrderList.csv", TAOBAO_GBK, "gbk", "\r\n")
    for command in (("audit", "--as-of", AS_OF), ("validate",)):
        err = user_error(cli(command[0], path, "--encoding", "utf-8", *command[1:]))
        assert str(path) in err and "--encoding" in err, err


def test_bom_file_with_a_broken_header_byte_is_a_user_error(tmp_path):
    path = tmp_path / "trades.csv"
    path.write_bytes(b"\xef\xbb\xbforder_id,buyer_id,item_id,created_at,status\xff\n"
                     b"o1,b1,i1,2026-10-01 10:00:00,open\n")
    err = user_error(cli("audit", path, "--as-of", AS_OF))
    assert str(path) in err, err


def test_invalid_utf8_cell_next_to_a_ragged_row_is_rejected_not_a_crash(tmp_path):
    # A byte that is not UTF-8 text in one cell: that row is rejected as bad_bytes (with its
    # line), the ragged row as ragged_row, and the audit goes on.
    path = tmp_path / "trades.csv"
    path.write_bytes(b"\xef\xbb\xbforder_id,buyer_id,item_id,created_at,status\n"
                     b"o1,b\xff1,i1,2026-10-01 10:00:00,open\no2,b2\n"
                     b"o3,b3,i1,2026-10-01 10:00:00,open\n")
    out = tmp_path / "rejects.csv"
    result = cli("audit", path, "--as-of", AS_OF, "--format", "json", "--rejects", out)
    assert result.exit_code == 1, result.stderr
    doc = json.loads(result.stdout)
    assert doc["inputs"]["rejected_by_reason"] == {"bad_bytes": 1, "ragged_row": 1}
    assert sorted((r[1], r[4]) for r in rejects_of(out)) == [("2", "bad_bytes"),
                                                             ("3", "ragged_row")]


def test_error_naming_headers_stays_one_line(tmp_path):
    # A quoted header cell holding a newline is echoed in "found: …": still one line.
    path = put(tmp_path / "trades.csv", '"order\nid",buyer_id,item_id,created_at,status\n'
               "o1,b1,i1,2026-10-01 10:00:00,open\n")
    err = user_error(cli("audit", path, "--as-of", AS_OF))
    assert "order_id" in err, err


def test_unknown_encoding_option_is_a_user_error(tmp_path):
    path = put(tmp_path / "ExportOrderList.csv", TAOBAO_GBK, "gbk", "\r\n")
    err = user_error(cli("audit", path, "--encoding", "klingon", "--as-of", AS_OF))
    assert "klingon" in err, err


def _real_run(*args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "shopscore", *map(str, args)],
                          capture_output=True, text=True, timeout=120)


def test_cut_download_prints_no_traceback_in_a_real_run(tmp_path):
    # A download cut in the middle of a Chinese character: the last line is ragged and not
    # valid UTF-8. The real program (not the test runner, which hides it) must not print a
    # Python traceback on stderr, e.g. "Exception ignored in: <function _read_csv.<locals>.
    # on_ragged ...> Traceback ... UnicodeDecodeError".
    path = tmp_path / "trades.csv"
    path.write_bytes("order_id,buyer_id,item_id,created_at,status\n"
                     "o1,b1,i1,2026-10-01 10:00:00,open\no2,买家".encode()[:-1])
    proc = _real_run("audit", path, "--as-of", AS_OF, "--format", "json")
    assert proc.returncode in (0, 1, 2), proc.stderr
    assert "Traceback" not in proc.stderr and "Exception ignored" not in proc.stderr, proc.stderr
    gbk = put(tmp_path / "ExportOrderList.csv", TAOBAO_GBK + "合计,2\n", "gbk", "\r\n")
    proc = _real_run("validate", gbk, "--encoding", "utf-8")
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr and "Exception ignored" not in proc.stderr, proc.stderr


# --- row numbers are the lines a user sees --------------------------------------------------

def test_row_numbers_in_a_gbk_export_with_crlf_and_blank_lines(tmp_path):
    text = """\
订单编号,买家会员名,订单状态,订单创建时间,宝贝标题 ,店铺Id,退款金额,确认收货时间,
="4012345678901234561",alice,交易成功,2026-10-01 10:00:00,红色连衣裙,57001,0,2026-10-04 10:00:00,

="4012345678901234562",bob,交易成功,2026-10-02 10:00:00,蓝色衬衫,57001,0,2026/10/32 10:00,
合计,2,

="4012345678901234563",carol,交易成功?,2026-10-03 10:00:00,白色T恤,57001,0,2026-10-06 10:00:00,
"""
    path = put(tmp_path / "ExportOrderList.csv", text, "gbk", "\r\n")
    out = tmp_path / "rejects.csv"
    doc = audit(path, more=("--rejects", out))
    got = [(r[1], r[4]) for r in rejects_of(out)]
    assert got == [("4", "bad_datetime"), ("5", "ragged_row"), ("7", "bad_status")]
    accounts_add_up(doc["inputs"])
    assert doc["inputs"]["rows_read"] == 4


def test_row_numbers_after_a_quoted_multiline_cell(tmp_path):
    # Rating exports carry the buyer's text, newlines included: the bad rating word is on
    # line 5 of the file as an editor shows it (the record that starts on line 5).
    trades = put(tmp_path / "trades.csv", "order_id,buyer_id,item_id,created_at,completed_at,"
                 "status\nO1,b1,i1,2026-10-01 10:00:00,2026-10-04 10:00:00,success\n"
                 "O2,b2,i1,2026-10-01 10:00:00,2026-10-04 10:00:00,success\n")
    ratings = put(tmp_path / "评价.csv", "订单编号,评价,评价时间,评价内容\n"
                  "O1,好评,2026-10-05 10:00:00,\"很好\n下次还来\n推荐\"\n"
                  "O2,超赞,2026-10-06 10:00:00,不错\n", "utf-8-sig")
    out = tmp_path / "rejects.csv"
    audit(trades, more=("--ratings", ratings, "--rejects", out))
    assert [(r[1], r[2], r[3], r[4]) for r in rejects_of(out)] == [
        ("5", "credit", "超赞", "bad_credit")]


def test_row_numbers_in_an_excel_sheet_with_an_empty_row(tmp_path):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "销售明细"
    sheet.append(["order_id", "buyer_id", "item_id", "created_at", "status"])
    sheet.append(["o1", "b1", "i1", "2026-10-01 10:00:00", "open"])
    sheet.append([])
    sheet.append(["o2", "b2", "i1", "2026-10-01 10:00:00", "open"])
    sheet.append(["o3", "b3", "i1", "not a date", "open"])
    path = tmp_path / "trades.xlsx"
    book.save(path)
    out = tmp_path / "rejects.csv"
    audit(path, more=("--rejects", out, "--sheet", "销售明细"))
    assert [(r[1], r[2], r[4]) for r in rejects_of(out)] == [("5", "created_at", "bad_datetime")]


def test_rejects_name_each_file_of_several(tmp_path, bad):
    good = put(tmp_path / "good.csv", f"{HEADER}\no20,L1,b20,i1,{GOOD},5,5,5\n"
               f"o21,L1,b21,i1,{GOOD},5,5,x\n")
    out = tmp_path / "rejects.csv"
    doc = audit(good, bad, more=("--rejects", out))
    listed = rejects_of(out)
    assert [(f, r) for f, r, *_ in listed if f == str(good)] == [(str(good), "3")]
    assert sorted(int(r) for f, r, *_ in listed if f == str(bad)) == sorted(EXPECTED)
    per_file = {f["path"]: f for f in doc["inputs"]["files"]}
    assert per_file[str(good)]["rows_rejected"] == 1 and per_file[str(bad)]["rows_rejected"] == 9
    accounts_add_up(doc["inputs"])


# --- --strict -------------------------------------------------------------------------------

def test_strict_exits_2_on_any_rejected_row(bad):
    err = user_error(cli("audit", bad, "--as-of", AS_OF, "--format", "json", "--strict"))
    assert str(bad) in err and "row 3" in err and "--strict" in err, err
    assert cli("validate", bad, "--strict").exit_code == 2


def test_strict_exits_2_on_a_ragged_row_alone(tmp_path):
    path = put(tmp_path / "trades.csv", f"{HEADER}\no1,L1,b1,i1,{GOOD},5,5,5\no2,L1\n")
    err = user_error(cli("audit", path, "--as-of", AS_OF, "--strict"))
    assert "row 3" in err and "ragged_row" in err, err


def test_strict_writes_the_rejects_file_before_failing(bad, tmp_path):
    out = tmp_path / "rejects.csv"
    user_error(cli("audit", bad, "--as-of", AS_OF, "--strict", "--rejects", out))
    assert len(rejects_of(out)) == 9


# --- missing required columns ---------------------------------------------------------------

def test_missing_columns_name_the_canonical_columns_and_accepted_headers(tmp_path):
    # A Taobao order report without the buyer and creation time columns.
    text = """\
订单编号,订单状态,宝贝标题 ,店铺Id,确认收货时间
="4012345678901234561",交易成功,红色连衣裙,57001,2026-10-04 10:00:00
"""
    path = put(tmp_path / "ExportOrderList.csv", text, "gbk", "\r\n")
    err = user_error(cli("audit", path, "--as-of", AS_OF, "--format", "json"))
    head = err.split("(")[0]
    assert str(path) in head and "buyer_id" in head and "created_at" in head, err
    for header in ("买家会员名", "买家昵称", "下单帐号", "订单创建时间", "订单提交时间", "下单时间"):
        assert header in err, (header, err)
    assert "status" not in head and "order_id" not in head, err
    assert user_error(cli("validate", path)) == err


def test_missing_columns_of_a_canonical_file(tmp_path):
    path = put(tmp_path / "trades.csv", "order_id,buyer,item_id,created,status\n"
               "o1,b1,i1,2026-10-01 10:00:00,open\n")
    err = user_error(cli("audit", path, "--as-of", AS_OF))
    head = err.split("(")[0]
    assert "buyer_id" in head and "created_at" in head and "item_id" not in head, err
    assert "found: order_id, buyer, item_id, created, status" in err, err


def test_ratings_file_without_an_order_column(tmp_path, bad):
    ratings = put(tmp_path / "ratings.csv", "单号,评价,评价时间\no1,好评,2026-10-05 10:00:00\n")
    err = user_error(cli("audit", bad, "--ratings", ratings, "--as-of", AS_OF))
    assert str(ratings) in err and "order_id" in err.split("(")[0], err
    assert "订单编号" in err and "tid" in err, err


# --- rows read = used + rejected, in JSON and in the tables --------------------------------

def _numbers_after(text: str, name: str) -> list[int]:
    line = next(x for x in text.splitlines() if name in x)
    return [int(n) for n in re.findall(r"(?<![\w.])(\d+)(?![\w.])", line.split(name, 1)[1])]


def test_rows_read_used_rejected_in_json_and_tables(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    put(tmp_path / "bad.csv", BAD_ROWS)
    put(tmp_path / "good.csv", f"{HEADER}\no20,L1,b20,i1,{GOOD},5,5,5\n")
    doc = audit("bad.csv", "good.csv")
    files = {f["path"]: f for f in doc["inputs"]["files"]}
    assert (files["bad.csv"]["rows_read"], files["bad.csv"]["rows_used"],
            files["bad.csv"]["rows_rejected"]) == (11, 2, 9)
    assert (files["good.csv"]["rows_read"], files["good.csv"]["rows_used"],
            files["good.csv"]["rows_rejected"]) == (1, 1, 0)
    accounts_add_up(doc["inputs"])

    table = cli("audit", "bad.csv", "good.csv", "--as-of", AS_OF, env=WIDE)
    assert table.exit_code in (0, 1), table.stderr
    assert _numbers_after(table.stdout, "bad.csv")[:3] == [11, 2, 9], table.stdout
    assert _numbers_after(table.stdout, "good.csv")[:3] == [1, 1, 0], table.stdout

    report = cli("validate", "bad.csv", "good.csv", env=WIDE)
    assert report.exit_code == 0, report.stderr
    assert "12 rows read = 3 used + 9 rejected" in report.stdout, report.stdout
    assert "11 read = 2 used + 9 rejected" in report.stdout, report.stdout
    assert "1 read = 1 used + 0 rejected" in report.stdout, report.stdout


def test_warning_counts_rows_of_the_file(bad):
    result = cli("audit", bad, "--as-of", AS_OF, "--format", "json")
    assert f"{bad}: 9 of 11 rows rejected" in result.stderr, result.stderr


def test_typed_parquet_time_beyond_the_rules_range_is_bad_datetime(tmp_path):
    import datetime

    import pyarrow as pa
    import pyarrow.parquet as pq

    path = tmp_path / "typed.parquet"
    stamps = [datetime.datetime(2026, 10, 1, 10), datetime.datetime(9999, 12, 31)]
    pq.write_table(pa.table({"order_id": ["1", "2"], "buyer_id": ["b", "b"],
                             "item_id": ["i", "j"], "status": ["open", "open"],
                             "created_at": pa.array(stamps, pa.timestamp("ms"))}), path)
    doc = validate(path)
    assert doc["rows_read"] == 2
    assert doc["rejected_by_reason"] == {"bad_datetime": 1}


def test_csv_read_typed_or_as_text_audits_alike(tmp_path):
    # Canonical times, flags, stars and amounts are typed as the CSV is read; one value the
    # reader cannot type (5.0 stars, Yes, ¥12, 0000-00-00) sends the file through the text
    # path, which must give the very same figures.
    from builders import line, write_csv

    def rows(star="5", flag="true", amount="12.50", revised=""):
        return [line("o1", rated="2026-03-05 10:00:00", credit="positive", escrow=flag,
                     amount=amount, dsr_description=star, revised_at=revised),
                line("o2", buyer="b2", rated="2026-03-06 10:00:00", credit="neutral",
                     dsr_description="4", amount="3.00", revised_at="")]

    plain = write_csv(rows(), tmp_path / "typed.csv")
    want = audit(plain, more=("--as-of", "2026-03-20T00:00:00+08:00"))
    for odd in (dict(star="5.0"), dict(flag="Yes"), dict(amount="¥12.50"),
                dict(revised="0000-00-00 00:00:00")):
        path = write_csv(rows(**odd), tmp_path / f"text-{len(odd)}-{list(odd)[0]}.csv")
        got = audit(path, more=("--as-of", "2026-03-20T00:00:00+08:00"))
        assert got["shops"] == want["shops"], odd


def test_typed_parquet_stars_outside_1_to_5_are_bad_dsr_and_missing_ones_are_not(tmp_path):
    import datetime

    import pyarrow as pa
    import pyarrow.parquet as pq

    path = tmp_path / "typed.parquet"
    day = datetime.datetime(2026, 10, 1, 10)
    pq.write_table(pa.table({
        "order_id": ["1", "2", "3", "4"], "buyer_id": ["b"] * 4, "item_id": ["i"] * 4,
        "status": ["success"] * 4, "created_at": pa.array([day] * 4, pa.timestamp("s")),
        "completed_at": pa.array([day] * 4, pa.timestamp("s")),
        "rated_at": pa.array([day] * 4, pa.timestamp("s")),
        "dsr_service": pa.array([5, None, 0, 6], pa.int8())}), path)
    doc = validate(path)
    assert doc["rows_read"] == 4
    assert doc["rejected_by_reason"] == {"bad_dsr": 2}
