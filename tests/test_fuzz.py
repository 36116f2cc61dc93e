# ruff: noqa: E501  (the base exports are written byte for byte, one line per row)
"""Fuzzing the readers: a valid export, randomly corrupted, never gives a traceback.

Whatever the bytes (truncated lines, swapped columns, garbage, the wrong encoding, an empty
file, a header alone, one enormous line), `shopscore` exits 0, 1 or 2, prints no Python
traceback, and when it ran (0/1) its JSON accounts add up: rows read = used + rejected, per
file and in total. Bounded to run in well under a minute."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from shopscore.cli.app import app

AS_OF = "2026-11-22T00:00:00+08:00"

CANONICAL = """\
shop_id,order_id,line_id,buyer_id,item_id,created_at,completed_at,status,refunded,amount,rated_at,credit,seller_rated_at,seller_credit,dsr_description,dsr_service,dsr_shipping
s1,4012345678901234561,L1,alice,A001,2026-09-28 10:00:00,2026-10-01 10:00:00,success,false,1234.50,2026-10-02 10:00:00,positive,,,5,5,5
s1,4012345678901234562,L1,bob,B002,2026-09-29 10:00:00,2026-10-02 10:00:00,success,false,88.00,2026-10-03 10:00:00,neutral,,,3,4,5
s1,4012345678901234563,L1,carol,A001,2026-09-30 10:00:00,,closed,false,0.00,2026-10-03 10:00:00,negative,,,1,1,1
s1,4012345678901234564,L1,dave,C003,2026-10-01 10:00:00,2026-10-04 10:00:00,success,true,59.00,2026-10-05 10:00:00,positive,,,5,5,4
s1,4012345678901234565,L1,alice,A001,2026-10-05 10:00:00,2026-10-08 10:00:00,success,false,1234.50,2026-10-09 10:00:00,positive,,,5,4,5
s1,4012345678901234567,L1,frank,B002,2026-10-07 10:00:00,2026-10-10 10:00:00,success,false,44.00,2026-10-11 10:00:00,positive,2026-10-11 12:00:00,positive,5,5,5
s1,4012345678901234568,L1,gina,C003,2026-10-08 10:00:00,2026-10-11 10:00:00,success,false,59.00,,,2026-10-12 10:00:00,positive,,,
s1,4012345678901234569,L1,hank,D004,2026-10-09 10:00:00,,open,false,129.00,,,,,,,
"""

TAOBAO = """\
订单编号,买家会员名,买家实际支付金额,订单状态,订单创建时间,订单付款时间 ,宝贝标题 ,店铺Id,退款金额,确认收货时间,
="4012345678901234561",alice,"￥1,234.50",交易成功,2026-09-28 10:00:00,2026/09/28 10:05,红色连衣裙,="57001",0.00,2026/10/01 10:00,
="4012345678901234562",bob,￥88.00,交易成功,2026-09-29 10:00:00,2026/09/29 10:05,蓝色衬衫,="57001",0.00,2026-10-02 10:00:00,
="4012345678901234563",carol,￥0.00,交易关闭,2026-09-30 10:00:00,0000-00-00 00:00:00,红色连衣裙,="57001",0.00,0000-00-00 00:00:00,
="4012345678901234564",dave,￥59.00,交易成功,2026-10-01 10:00:00,2026/10/01 10:05,白色T恤,="57001",￥59.00,2026-10-04 10:00:00,
="4012345678901234569",hank,￥129.00,卖家已发货，等待买家确认,2026-10-09 10:00:00,2026/10/09 10:05,黑色长裤,="57001",0.00,0000-00-00 00:00:00,
"""

DOUYIN_HEADER = "主订单编号,子订单编号,商品ID,订单提交时间,订单完成时间,订单状态,售后状态,小店名称,买家昵称"
DOUYIN_ROWS = [
    "6912345678901234561,6912345678901234661,3601234567890123401,2026/09/28 10:00,"
    "2026/10/01 10:00,已完成,-,花间小铺,alice",
    "6912345678901234562,6912345678901234662,3601234567890123402,2026-09-29 10:00:00,"
    "2026-10-02 10:00:00,已完成,退款成功,花间小铺,bob",
    "6912345678901234563,6912345678901234663,3601234567890123401,2026-09-30 10:00:00,"
    "0000-00-00 00:00:00,已关闭,-,花间小铺,carol",
]
DOUYIN = "\n".join([DOUYIN_HEADER] + [",".join("\t" + c for c in r.split(",")) for r in DOUYIN_ROWS])

# Ratings without line ids (a Chinese export: joined on the order) ...
RATINGS = """\
订单编号,评价,评价时间,宝贝与描述相符,卖家的服务态度,卖家发货的速度
4012345678901234561,好评,2026-10-02 10:00:00,5,5,5
4012345678901234562,中评,2026-10-03 10:00:00,4,4,4
4012345678901234564,差评,2026-10-05 10:00:00,1,2,3
"""

# ... and with them (canonical: joined on order_id + line_id).
RATINGS_BY_LINE = """\
order_id,line_id,rated_at,credit,dsr_description
4012345678901234561,L1,2026-10-02 10:00:00,positive,5
4012345678901234562,L1,2026-10-03 10:00:00,neutral,4
"""

BASES = {
    "canonical": CANONICAL.encode("utf-8"),
    "taobao": TAOBAO.replace("\n", "\r\n").encode("gbk"),
    "douyin": ("\n".join(DOUYIN.splitlines()) + "\n").encode("utf-8-sig"),
}
BASE_ENCODING = {"canonical": "utf-8", "taobao": "gbk", "douyin": "utf-8-sig"}
WRONG_ENCODINGS = ["utf-16", "utf-16-le", "utf-32", "gbk", "big5", "shift_jis", "euc-kr",
                   "latin-1", "cp1252", "utf-8-sig", "utf-8", "koi8-r"]


def cli(*args):
    """Run the CLI in-process, also catching exceptions Python reports as "Exception ignored"
    (raised inside a callback of the CSV reader): a real run prints those with a traceback."""
    caught = []
    previous = sys.unraisablehook
    sys.unraisablehook = caught.append
    try:
        result = CliRunner().invoke(app, [str(a) for a in args])
    finally:
        sys.unraisablehook = previous
    result.unraisable = [f"{type(u.exc_value).__name__}: {u.exc_value} (in {u.object!r})"
                         for u in caught]
    return result


def assert_survived(result):
    """No escaped exception, an exit code of the contract, no traceback; JSON that adds up."""
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        f"{type(result.exception).__name__}: {result.exception}")
    assert result.exit_code in (0, 1, 2), (result.exit_code, result.stderr)
    assert "Traceback" not in result.stderr and "Traceback" not in result.stdout
    assert not result.unraisable, result.unraisable  # printed with a traceback in a real run
    if result.exit_code == 2:
        err = result.stderr
        assert err.startswith("shopscore: error: ") and len(err.strip().splitlines()) == 1, err
        return None
    doc = json.loads(result.stdout)
    inputs = doc["inputs"] if "inputs" in doc else doc
    files = inputs["files"]
    for f in files:
        assert f["rows_read"] == f["rows_used"] + f["rows_rejected"], f
        assert f["rows_rejected"] == sum(f["rejected_by_reason"].values()), f
        assert min(f["rows_read"], f["rows_used"], f["rows_rejected"]) >= 0, f
    assert inputs["rows_read"] == sum(f["rows_read"] for f in files)
    assert inputs["rows_rejected"] == sum(f["rows_rejected"] for f in files)
    assert sum(inputs["rejected_by_reason"].values()) == inputs["rows_rejected"]
    if "rows_used" in inputs:
        assert inputs["rows_read"] == inputs["rows_used"] + inputs["rows_rejected"]
    return doc


# --- corruptions ----------------------------------------------------------------------------

# Values no real export holds: an impossible date (kept as the same length of text, so the
# date's neighbours stay in place), a non-finite or misgrouped amount.
IMPOSSIBLE = {True: [b"2026-02-3", b"2026-04-3", b"2026-13-0", b"2025-02-2"],
              False: [b"inf", b"1e999", b"nan", b"1,2,3", b"Infinity", b"-inf"]}
# Cells that attack what reads the output: spreadsheet formulas, terminal escapes, markup.
PAYLOADS = [b"=1+1", b"@SUM(A1:A2)", b'=HYPERLINK(""http://x"")', b"-2+3+cmd|' /C calc'!A0",
            b"\x1b[2J\x1b]0;title\x07", b"\x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\",
            b"<script>alert(1)</script>", b"<img src=x onerror=alert(1)>", b"|a|b|",
            b"[bold]x[/bold]", b"**x** _y_ `z`", b"\xe2\x80\xae"]

def _lines(data: bytes) -> list[bytes]:
    return data.split(b"\n")


@st.composite
def corruption(draw, data: bytes, base: str) -> bytes:
    kind = draw(st.sampled_from([
        "truncate", "truncate_line", "drop_line", "duplicate_line", "swap_columns",
        "swap_header", "garbage", "overwrite", "reencode", "mojibake", "empty", "header_only",
        "nul", "delimiter", "newline", "quote", "long_line", "blank_cells", "extra_cells",
        "duplicate_header", "impossible_value", "mixed_encoding", "payload"]))
    lines = _lines(data)
    n = len(lines)
    if kind == "truncate":
        return data[: draw(st.integers(0, len(data)))]
    if kind == "truncate_line":
        i = draw(st.integers(0, n - 1))
        lines[i] = lines[i][: draw(st.integers(0, len(lines[i])))]
    elif kind == "drop_line":
        del lines[draw(st.integers(0, n - 1))]
    elif kind == "duplicate_line":
        i = draw(st.integers(0, n - 1))
        lines.insert(draw(st.integers(0, n)), lines[i])
    elif kind in ("swap_columns", "swap_header"):
        width = len(lines[0].split(b","))
        i, j = draw(st.integers(0, width - 1)), draw(st.integers(0, width - 1))
        start = 0 if kind == "swap_header" else 1
        for k in range(start, n):
            cells = lines[k].split(b",")
            if max(i, j) < len(cells):
                cells[i], cells[j] = cells[j], cells[i]
                lines[k] = b",".join(cells)
    elif kind == "garbage":
        at = draw(st.integers(0, len(data)))
        return data[:at] + draw(st.binary(min_size=1, max_size=40)) + data[at:]
    elif kind == "overwrite":
        out = bytearray(data)
        for _ in range(draw(st.integers(1, 10))):
            if out:
                out[draw(st.integers(0, len(out) - 1))] = draw(st.integers(0, 255))
        return bytes(out)
    elif kind == "reencode":
        text = data.decode(BASE_ENCODING[base], errors="replace")
        return text.encode(draw(st.sampled_from(WRONG_ENCODINGS)), errors="replace")
    elif kind == "mojibake":  # read as Latin-1 by some tool and saved as UTF-8
        return data.decode("latin-1").encode("utf-8")
    elif kind == "empty":
        return draw(st.sampled_from([b"", b"\n", b"\r\n\r\n", b"\xef\xbb\xbf", b"   \t\n"]))
    elif kind == "header_only":
        return lines[0] + draw(st.sampled_from([b"", b"\n", b"\r\n"]))
    elif kind == "nul":
        at = draw(st.integers(0, len(data)))
        return data[:at] + b"\x00" * draw(st.integers(1, 4)) + data[at:]
    elif kind == "delimiter":
        return data.replace(b",", draw(st.sampled_from([b";", b"\t", b"|", b"\xef\xbc\x8c"])))
    elif kind == "newline":
        return data.replace(b"\r\n", b"\n").replace(b"\n", draw(st.sampled_from([b"\r", b"\n\n"])))
    elif kind == "quote":
        i = draw(st.integers(0, n - 1))
        at = draw(st.integers(0, len(lines[i])))
        lines[i] = lines[i][:at] + b'"' + lines[i][at:]
    elif kind == "long_line":  # a ~1 MB line inside the file (the 100 MB one is below)
        filler = draw(st.sampled_from([b"x", b"9,", b'"', b"\xe4\xb8\xad"]))
        lines.insert(draw(st.integers(0, n)), filler * ((1 << 20) // len(filler)))
    elif kind == "blank_cells":
        i = draw(st.integers(1, max(1, n - 1)))
        if i < n:
            lines[i] = b",".join(b"" for _ in lines[i].split(b","))
    elif kind == "extra_cells":
        i = draw(st.integers(0, n - 1))
        lines[i] = lines[i] + b"," * draw(st.integers(1, 5)) + draw(st.binary(max_size=8))
    elif kind == "duplicate_header":  # one header cell renamed as another one
        cells = lines[0].split(b",")
        i, j = draw(st.integers(0, len(cells) - 1)), draw(st.integers(0, len(cells) - 1))
        cells[j] = cells[i]
        lines[0] = b",".join(cells)
    elif kind == "impossible_value":
        old = draw(st.sampled_from([b"2026-10-0", b"2026-09-2", b"1234.50", b"88.00", b"59.00"]))
        new = draw(st.sampled_from(IMPOSSIBLE[old[:4] == b"2026"]))
        return data.replace(old, new, draw(st.integers(1, 3)))
    elif kind == "mixed_encoding":  # some lines written by another program
        text = data.decode(BASE_ENCODING[base], errors="replace").split("\n")
        other = "utf-8" if BASE_ENCODING[base] == "gbk" else "gbk"
        flip = set(draw(st.lists(st.integers(0, len(text) - 1), max_size=4)))
        return b"\n".join(t.encode(other if k in flip else BASE_ENCODING[base], errors="replace")
                          for k, t in enumerate(text))
    elif kind == "payload":  # a cell holding a formula, terminal escapes or Markdown
        i = draw(st.integers(1, max(1, n - 1)))
        cells = lines[i].split(b",") if i < n else []
        if cells:
            cells[draw(st.integers(0, len(cells) - 1))] = draw(st.sampled_from(PAYLOADS))
            lines[i] = b",".join(cells)
    return b"\n".join(lines)


@st.composite
def corrupted(draw) -> tuple[str, bytes]:
    base = draw(st.sampled_from(sorted(BASES)))
    data = BASES[base]
    for _ in range(draw(st.integers(1, 3))):
        data = draw(corruption(data, base))
    return base, data


GENERATE = [Phase.explicit, Phase.generate]

OPTIONS = st.fixed_dictionaries({
    "platform": st.sampled_from(["auto", "auto", "auto", "canonical", "taobao", "douyin", "jd",
                                 "pdd"]),
    "encoding": st.sampled_from([None, None, None, "gb18030", "utf-8", "latin-1",
                                 "no-such-encoding"]),
    "suffix": st.sampled_from([".csv", ".csv", ".csv", ".txt", ".xlsx", ".parquet"]),
    "command": st.sampled_from(["audit", "audit", "validate"]),
    "where": st.sampled_from(["trades", "trades", "ratings"]),
    "ratings": st.sampled_from([RATINGS, RATINGS_BY_LINE]),
})


# No shrinking: a failing case is reported as generated, and the file stays under a minute.
@settings(max_examples=150, deadline=None, derandomize=True, database=None, phases=GENERATE,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                 HealthCheck.function_scoped_fixture])
@given(case=corrupted(), options=OPTIONS)
def test_corrupted_export_never_crashes(tmp_path, case, options):
    base, data = case
    trades = tmp_path / "trades.csv"
    ratings = tmp_path / "ratings.csv"
    if options["where"] == "ratings":  # a good order report, a corrupted rating export
        trades.write_bytes(BASES["taobao"])
        ratings = tmp_path / f"ratings{options['suffix']}"
        ratings.write_bytes(data)
    else:
        trades = tmp_path / f"trades{options['suffix']}"
        trades.write_bytes(data)
        ratings.write_bytes(options["ratings"].encode("utf-8"))
    args = [options["command"], trades, "--ratings", ratings, "--platform", options["platform"],
            "--format", "json"]
    if options["encoding"]:
        args += ["--encoding", options["encoding"]]
    if options["command"] == "audit":
        args += ["--as-of", AS_OF]
    assert_survived(cli(*args))


@settings(max_examples=40, deadline=None, derandomize=True, database=None, phases=GENERATE,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(case=corrupted())
def test_corrupted_export_in_a_directory_with_good_ones(tmp_path, case):
    # One bad month among good monthly exports: the good files are still accounted for.
    _, data = case
    folder = tmp_path / "exports"
    folder.mkdir(exist_ok=True)
    (folder / "ExportOrderList202609.csv").write_bytes(BASES["taobao"])
    (folder / "ExportOrderList202610.csv").write_bytes(data)
    assert_survived(cli("audit", folder, "--as-of", AS_OF, "--format", "json"))


# --- edge files, each once ------------------------------------------------------------------

@pytest.mark.parametrize("data", [b"", b"\xef\xbb\xbf", b"\n\n\n", b"order_id\n",
                                  CANONICAL.splitlines()[0].encode() + b"\n",
                                  TAOBAO.splitlines()[0].encode("gbk") + b"\r\n",
                                  b"\xff\xfe\x00\x00", b"PK\x03\x04garbage"],
                         ids=["empty", "bom", "newlines", "one-column", "canonical-header",
                              "taobao-header", "utf32-bom", "zip-magic"])
@pytest.mark.parametrize("suffix", [".csv", ".xlsx", ".parquet"])
def test_edge_files(tmp_path, data, suffix):
    path = tmp_path / f"trades{suffix}"
    path.write_bytes(data)
    assert_survived(cli("audit", path, "--as-of", AS_OF, "--format", "json"))
    assert_survived(cli("validate", path, "--format", "json"))


def test_header_only_is_nothing_to_audit(tmp_path):
    # A header without rows could not run: exit 2 naming the file, never a score of 0.
    path = tmp_path / "trades.csv"
    path.write_bytes(CANONICAL.splitlines()[0].encode() + b"\n")
    result = cli("audit", path, "--as-of", AS_OF, "--format", "json")
    assert assert_survived(result) is None and result.exit_code == 2
    assert str(path) in result.stderr and "no data rows" in result.stderr, result.stderr


HUGE = 100 << 20  # 100 MB


@pytest.fixture(scope="module")
def huge_line(tmp_path_factory) -> Path:
    """One line of 100 MB: a canonical header whose last cell never ends, built once."""
    path = tmp_path_factory.mktemp("huge") / "one_line.csv"
    with open(path, "wb") as fh:
        fh.write(b"order_id,buyer_id,item_id,created_at,status,")
        chunk = b"x" * (1 << 20)
        for _ in range(HUGE // len(chunk)):
            fh.write(chunk)
        fh.write(b"\n")
    return path


def test_a_single_100_mb_line(huge_line):
    assert huge_line.stat().st_size > HUGE
    assert_survived(cli("audit", huge_line, "--as-of", AS_OF, "--format", "json"))
    assert_survived(cli("validate", huge_line, "--format", "json"))


def test_a_100_mb_line_after_a_good_header(huge_line, tmp_path):
    # The same monster as the second line of an otherwise normal file.
    path = tmp_path / "trades.csv"
    with open(path, "wb") as out, open(huge_line, "rb") as src:
        out.write(CANONICAL.encode("utf-8"))
        while chunk := src.read(1 << 24):
            out.write(chunk)
    assert_survived(cli("audit", path, "--as-of", AS_OF, "--format", "json"))


# --- rows read are the lines written ----------------------------------------------------------
# A file built line by line, each line good or damaged in one known way: the rows read must be
# the lines the file holds (not only read = used + rejected), each damaged line rejected under
# its reason, every good line used. A stray quote is put at the start of a cell (it opens a
# quoted cell) and never on the last line (where it swallows nothing).

LINE_HEADER = ("shop_id,order_id,line_id,buyer_id,item_id,created_at,completed_at,status,amount,"
               "rated_at,credit")
DAMAGE = {  # kind -> the reason its line is rejected under (None: the line is used)
    "good": None, "quote": "unclosed_quote", "impossible_date": "bad_datetime",
    "bad_amount": "bad_amount", "gbk": "bad_bytes", "ragged": "ragged_row",
    "duplicate": "duplicate", "payload": None, "blank": "blank"}


def _line(k: int) -> list[str]:
    return ["店铺一", f"o{k}", "L1", f"买家{k % 3}", f"i{k % 4}", "2026-10-01 10:00:00",
            "2026-10-04 10:00:00", "success", f"{10 + k}.50", "2026-10-05 10:00:00", "positive"]


@st.composite
def damaged_files(draw):
    n = draw(st.integers(3, 30))
    kinds = draw(st.lists(st.sampled_from(sorted(DAMAGE)), min_size=n, max_size=n))
    kinds[-1] = "good"  # the last line: nothing after it to swallow
    gbk_left = (n - 1) // 3  # GBK lines stay a minority of a UTF-8 file
    lines, expected = [LINE_HEADER.encode()], []
    last_used = None  # the last line used: a duplicate repeats it
    for k, kind in enumerate(kinds):
        cells = _line(k)
        if kind == "duplicate" and last_used is None:
            kind = "good"
        if kind == "gbk":
            if not gbk_left:
                kind = "good"
            gbk_left -= kind == "gbk"
        if kind == "blank":
            lines.append(b"")
            continue
        if kind == "duplicate":
            cells = _line(last_used)
        elif kind == "quote":
            i = draw(st.integers(0, len(cells) - 1))
            cells[i] = '"' + cells[i]
        elif kind == "impossible_date":
            cells[draw(st.sampled_from([5, 6, 9]))] = draw(st.sampled_from(
                ["2026-02-30 10:00:00", "2026-04-31 10:00:00", "2026-10-01 10:00:61",
                 "2026/02/29 10:00"]))
        elif kind == "bad_amount":
            cells[8] = draw(st.sampled_from(["inf", "1e999", "nan", '"1,2,3"', "-Infinity"]))
        elif kind == "ragged":
            cells = cells[: draw(st.integers(1, len(cells) - 1))]
        elif kind == "payload":
            cells[3] = draw(st.sampled_from([p.decode("utf-8") for p in PAYLOADS
                                             if b"," not in p and b'"' not in p]))
        text = ",".join(cells)
        lines.append(text.encode("gbk") if kind == "gbk" else text.encode("utf-8"))
        expected.append(kind)
        if DAMAGE[kind] is None:
            last_used = k
    return b"\n".join(lines) + b"\n", expected


@settings(max_examples=60, deadline=None, derandomize=True, database=None, phases=GENERATE,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(case=damaged_files())
def test_rows_read_are_the_lines_written(tmp_path, case):
    data, kinds = case
    path = tmp_path / "trades.csv"
    path.write_bytes(data)
    result = cli("audit", path, "--as-of", AS_OF, "--format", "json")
    want = {}
    for kind in kinds:
        if DAMAGE[kind]:
            want[DAMAGE[kind]] = want.get(DAMAGE[kind], 0) + 1
    used = sum(DAMAGE[k] is None for k in kinds)
    if not used:  # nothing to audit: exit 2, one sentence
        assert result.exit_code == 2 and assert_survived(result) is None, result.stderr
        return
    doc = assert_survived(result)
    assert doc is not None, result.stderr
    entry = doc["inputs"]["files"][0]
    assert entry["rows_read"] == len(kinds), (entry, kinds)
    assert entry["rejected_by_reason"] == want, (entry, kinds)
    assert entry["rows_used"] == used
    credit = doc["shops"][0]["credit"]
    assert credit["positive"] + sum(credit["excluded_by_reason"].values()) == used, credit


# --- hostile shapes, each kind drawn at random -----------------------------------------------

@settings(max_examples=30, deadline=None, derandomize=True, database=None, phases=GENERATE,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(header=st.sampled_from(LINE_HEADER.split(",")), at=st.integers(0, 11),
       known=st.booleans())
def test_a_header_named_twice_is_exit_2_or_harmless(tmp_path, header, at, known):
    cells = LINE_HEADER.split(",") + ["note"]
    name = header if known else "note"
    cells.insert(at, name)  # `name` now appears twice
    row = _line(1) + ["x"]
    row.insert(at, "y")
    path = tmp_path / "trades.csv"
    path.write_bytes((",".join(cells) + "\n" + ",".join(row) + "\n").encode("utf-8"))
    result = cli("audit", path, "--as-of", AS_OF, "--format", "json")
    assert_survived(result)
    if known:
        assert result.exit_code == 2 and f"{name!r} twice" in result.stderr, result.stderr
    else:
        assert result.exit_code in (0, 1), result.stderr


def _nested_types():
    import pyarrow as pa

    return st.sampled_from([pa.list_(pa.string()), pa.large_list(pa.string()),
                            pa.struct([("code", pa.string())]),
                            pa.map_(pa.string(), pa.string()),
                            pa.list_(pa.struct([("a", pa.int64())]))])


@settings(max_examples=20, deadline=None, derandomize=True, database=None, phases=GENERATE,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(column=st.sampled_from(["order_id", "buyer_id", "item_id", "status", "created_at",
                               "credit", "amount"]), kind=_nested_types())
def test_a_nested_parquet_column_is_exit_2(tmp_path, column, kind):
    import pyarrow as pa
    import pyarrow.parquet as pq

    names = ["order_id", "buyer_id", "item_id", "created_at", "completed_at", "status",
             "amount", "rated_at", "credit"]
    values = dict(zip(names, [["o1"], ["b1"], ["i1"], ["2026-10-01 10:00:00"],
                              ["2026-10-04 10:00:00"], ["success"], ["10.5"],
                              ["2026-10-05 10:00:00"], ["positive"]], strict=True))
    arrays = {n: pa.array(v) for n, v in values.items()}
    arrays[column] = pa.array([None], type=kind)
    path = tmp_path / "trades.parquet"
    pq.write_table(pa.table(arrays), path)
    result = cli("audit", path, "--as-of", AS_OF, "--format", "json")
    assert_survived(result)
    assert result.exit_code == 2 and "nested" in result.stderr, result.stderr


@settings(max_examples=40, deadline=None, derandomize=True, database=None, phases=GENERATE,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(shop=st.text(min_size=1, max_size=20), buyer=st.text(min_size=1, max_size=20),
       fmt=st.sampled_from(["table", "markdown", "json"]))
def test_any_text_in_ids_reaches_no_terminal_and_breaks_no_markdown(tmp_path, shop, buyer, fmt):
    # Any text at all as a shop id or buyer nick (control characters, escapes, markup,
    # newlines inside a quoted cell): the audit runs (or refuses in one sentence), the table
    # holds no control character, Markdown opens no tag and keeps each heading on one line.
    import csv as csvmod

    path = tmp_path / "trades.csv"
    with open(path, "w", newline="", encoding="utf-8", errors="surrogatepass") as fh:
        writer = csvmod.writer(fh, quoting=csvmod.QUOTE_ALL, lineterminator="\n")
        writer.writerow(LINE_HEADER.split(","))
        row = _line(1)
        row[0], row[3] = shop, buyer
        writer.writerow(row)
    result = cli("audit", path, "--as-of", AS_OF, "--format", fmt)
    if fmt == "json":
        assert_survived(result)
    assert result.exit_code in (0, 1, 2) and result.exception is None or \
        isinstance(result.exception, SystemExit), (result.exit_code, result.stderr)
    assert "Traceback" not in result.stderr
    if result.exit_code == 2 or fmt == "json":
        return
    out = result.stdout
    assert not any(ord(ch) < 32 and ch != "\n" or 0x7f <= ord(ch) <= 0x9f for ch in out), \
        repr(out[:300])
    if fmt == "markdown":
        assert "<" not in out.replace("&lt;", "")
        assert sum(line.startswith("### ") for line in out.splitlines()) == 1
