# ruff: noqa: E501  (the exports are written byte for byte, one line per row)
"""Real exports as operators feed them: the figures must be the data's, never a wrong join.

Each case is an export shaped like the back office writes it (FORMATS.md) with the figures
worked out by hand: a line refunded after success (退款成功), columns that name someone other
than the buyer, ratings from a longer period than the orders (orphans), a rejected item row of
a multi-line order, ratings without line ids, files mixing encodings or holding a stray quote.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from builders import put, ran
from typer.testing import CliRunner

from shopscore.cli.app import app

AS_OF = "2026-11-22T00:00:00+08:00"


def cli(*args):
    return CliRunner().invoke(app, [str(a) for a in args])


def audit(*files, ratings=None, more=()) -> dict:
    args = ["audit", *files, "--as-of", AS_OF, "--format", "json", *more]
    if ratings is not None:
        args += ["--ratings", ratings]
    return ran(cli(*args))


def user_error(result) -> str:
    assert result.exit_code == 2, (result.exit_code, result.stderr, repr(result.exception))
    assert isinstance(result.exception, SystemExit), repr(result.exception)
    err = result.stderr
    assert err.startswith("shopscore: error: ") and len(err.strip().splitlines()) == 1, err
    return err


def shop_of(doc: dict, shop_id: str) -> dict:
    return next(s for s in doc["shops"] if s["shop_id"] == shop_id)


# --- Taobao 销售明细: a line refunded after success (退款成功) ------------------------------

SALES = """\
子订单编号,主订单编号,商品标题,商家编码,订单创建时间,订单状态,买家实付金额,退款金额,买家会员名,确认收货时间
="701",="601",红色连衣裙,A001,2026-10-01 10:00:00,交易成功,120.00,0.00,alice,2026-10-04 10:00:00
="702",="602",蓝色衬衫,B002,2026-10-02 10:00:00,退款成功,88.00,88.00,bob,
="703",="603",白色T恤,C003,2026-10-03 10:00:00,交易成功,59.00,59.00,carol,2026-10-06 10:00:00
="704",="604",黑色长裤,D004,2026-10-04 10:00:00,交易关闭,0.00,0.00,dave,
"""
SALES_RATINGS = """\
order_id,line_id,rated_at,credit,dsr_description,dsr_service,dsr_shipping
601,701,2026-10-05 10:00:00,positive,5,5,5
602,702,2026-10-06 10:00:00,positive,5,5,5
603,703,2026-10-07 10:00:00,positive,5,5,5
604,704,2026-10-08 10:00:00,negative,1,1,1
"""


def test_taobao_refund_success_line_counts_as_refunded_not_as_closed(tmp_path):
    # 退款成功: the trade succeeded and the line was refunded (its 退款金额 is 88.00 > 0). Its
    # rating is excluded as `refunded` (credit and DSR), not as `not_success`, and it needs
    # no 确认收货时间 (a refunded line is never rated). Line 703 is 交易成功 with a refund of
    # 59.00: refunded too. Line 704 is 交易关闭: not_success. Only 701 counts: score 1.
    sales = put(tmp_path / "销售明细.csv", SALES, "utf-8-sig")
    ratings = put(tmp_path / "ratings.csv", SALES_RATINGS)
    doc = audit(sales, ratings=ratings)
    assert doc["inputs"]["rows_rejected"] == 0, doc["inputs"]
    shop = doc["shops"][0]
    assert shop["credit"]["score"] == 1 and shop["credit"]["positive"] == 1
    assert shop["credit"]["excluded_by_reason"] == {"not_success": 1, "refunded": 2}
    assert shop["dsr"]["excluded_by_reason"] == {"not_success": 1, "refunded": 2}
    assert shop["dsr"]["description"]["count"] == 1


def test_taobao_refund_success_without_a_refund_amount_column_is_still_refunded(tmp_path):
    # The status alone says it: 退款成功 marks the line refunded whatever else the file holds.
    text = "\n".join(",".join(c for i, c in enumerate(r.split(",")) if i != 7)
                     for r in SALES.splitlines()) + "\n"
    sales = put(tmp_path / "销售明细.csv", text, "utf-8-sig")
    doc = audit(sales, ratings=put(tmp_path / "ratings.csv", SALES_RATINGS))
    # 703 (交易成功) is no longer known to be refunded: it counts; 702 stays refunded.
    assert doc["shops"][0]["credit"]["excluded_by_reason"] == {"not_success": 1, "refunded": 1}
    assert doc["shops"][0]["credit"]["score"] == 2


# --- a column may stand in for the buyer only if it identifies the buyer ------------------

DOUYIN_WITH_CREATORS = """\
主订单编号,子订单编号,选购商品,商品ID,订单提交时间,订单完成时间,订单状态,售后状态,小店名称,达人昵称
6912345678901234561,6912345678901234661,红色连衣裙,3601234567890123401,2026/09/28 10:00,2026/10/01 10:00,已完成,-,花间小铺,主播小美
6912345678901234562,6912345678901234662,蓝色衬衫,3601234567890123402,2026/09/29 10:00,2026/10/02 10:00,已完成,-,花间小铺,主播小美
"""

PDD_WITH_RECIPIENTS = """\
订单号,商品id,商品,订单状态,订单成交时间,确认收货时间,售后状态,收货人
260928-012345678901561,600000000001,红色连衣裙,已签收,2026-09-28 10:00:00,2026-10-01 10:00:00,无售后或售后取消,张**
260929-012345678901562,600000000002,蓝色衬衫,已签收,2026-09-29 10:00:00,2026-10-02 10:00:00,无售后或售后取消,张**
"""


def test_douyin_creator_is_not_the_buyer(tmp_path):
    # 达人昵称 is the creator (or live room) that sold the line: taken as the buyer it would
    # merge every customer of a creator into one buyer for the 14-day and monthly rules.
    path = put(tmp_path / "抖店订单.csv", DOUYIN_WITH_CREATORS, "utf-8-sig")
    err = user_error(cli("audit", path, "--as-of", AS_OF, "--format", "json"))
    assert str(path) in err and "missing required column buyer_id" in err, err
    assert "达人昵称" not in err.split("found:")[0], err


def test_pdd_masked_recipient_is_not_the_buyer(tmp_path):
    # 收货人 is the masked recipient (张**): one "buyer" per surname.
    path = put(tmp_path / "拼多多订单.csv", PDD_WITH_RECIPIENTS, "utf-8-sig")
    err = user_error(cli("audit", path, "--as-of", AS_OF, "--format", "json"))
    assert str(path) in err and "missing required column buyer_id" in err, err
    assert "收货人" not in err.split("found:")[0], err


def test_required_columns_come_from_one_place(tmp_path):
    # The credit and DSR rules need a buyer: the list of required columns is one tuple, and
    # load() takes another one (a scorecard that needs no buyer), reading the same export.
    from shopscore.scoring.errors import MissingColumnsError
    from shopscore.scoring.inputs import columns, load

    assert load.REQUIRED_TRADES is columns.REQUIRED_TRADES
    assert "buyer_id" in columns.REQUIRED_TRADES
    path = put(tmp_path / "抖店订单.csv", DOUYIN_WITH_CREATORS, "utf-8-sig")
    with pytest.raises(MissingColumnsError, match="missing required column buyer_id"):
        load.load([path], "Asia/Shanghai")
    without_buyer = tuple(c for c in columns.REQUIRED_TRADES if c != "buyer_id")
    data = load.load([path], "Asia/Shanghai", required=without_buyer)
    assert len(data.lines) == 2 and data.files[0].rows_rejected == 0


# --- orphan ratings never make a shop ---------------------------------------------------

TWO_SHOPS = """\
shop_id,order_id,line_id,buyer_id,item_id,created_at,completed_at,status
s1,o1,L1,b1,i1,2026-10-01 10:00:00,2026-10-04 10:00:00,success
s2,o2,L1,b2,i2,2026-10-01 10:00:00,2026-10-04 10:00:00,success
"""


def test_orphan_without_a_shop_makes_no_shop_and_flips_no_exit_code(tmp_path):
    # Ratings run longer than the order export: o0 is not in the trades. With two shops, the
    # rating file's orphan has no known shop: it is counted in inputs.orphan_ratings only.
    # s1 and s2 each get a 5-star DSR (4.7 bar passes): exit 0, two shops, no `default`.
    trades = put(tmp_path / "trades.csv", TWO_SHOPS)
    ratings = put(tmp_path / "ratings.csv", """\
order_id,line_id,rated_at,credit,dsr_description,dsr_service,dsr_shipping
o1,L1,2026-10-05 10:00:00,positive,5,5,5
o2,L1,2026-10-05 10:00:00,positive,5,5,5
o0,L1,2026-09-05 10:00:00,negative,1,1,1
""")
    result = cli("audit", trades, "--ratings", ratings, "--as-of", AS_OF, "--format", "json")
    assert result.exit_code == 0, (result.exit_code, result.stderr)
    doc = json.loads(result.stdout)
    assert [s["shop_id"] for s in doc["shops"]] == ["s1", "s2"]
    assert doc["inputs"]["orphan_ratings"] == 1
    for s in doc["shops"]:
        assert "orphan" not in s["credit"]["excluded_by_reason"]


def test_orphan_of_a_shop_absent_from_the_trades_makes_no_phantom_shop(tmp_path):
    trades = put(tmp_path / "trades.csv", TWO_SHOPS)
    ratings = put(tmp_path / "ratings.csv", """\
shop_id,order_id,line_id,rated_at,credit,dsr_description,dsr_service,dsr_shipping
s1,o1,L1,2026-10-05 10:00:00,positive,5,5,5
s2,o2,L1,2026-10-05 10:00:00,positive,5,5,5
s9,o9,L1,2026-10-05 10:00:00,negative,1,1,1
""")
    result = cli("audit", trades, "--ratings", ratings, "--as-of", AS_OF, "--format", "json")
    assert result.exit_code == 0, (result.exit_code, result.stderr)
    doc = json.loads(result.stdout)
    assert [s["shop_id"] for s in doc["shops"]] == ["s1", "s2"]
    assert doc["inputs"]["orphan_ratings"] == 1


def test_orphan_of_a_known_shop_counts_under_it_and_in_inputs(tmp_path):
    # s1's rating of o7 (not in the trades): orphan under s1 (credit and DSR) and in inputs.
    trades = put(tmp_path / "trades.csv", TWO_SHOPS)
    ratings = put(tmp_path / "ratings.csv", """\
shop_id,order_id,line_id,rated_at,credit,dsr_description,dsr_service,dsr_shipping
s1,o1,L1,2026-10-05 10:00:00,positive,5,5,5
s1,o7,L1,2026-10-05 10:00:00,negative,1,1,1
""")
    doc = audit(trades, ratings=ratings)
    s1 = shop_of(doc, "s1")
    assert s1["credit"]["excluded_by_reason"] == {"orphan": 1}
    assert s1["dsr"]["excluded_by_reason"] == {"orphan": 1}
    assert s1["credit"]["score"] == 1
    assert "orphan" not in shop_of(doc, "s2")["credit"]["excluded_by_reason"]
    assert doc["inputs"]["orphan_ratings"] == 1


def test_one_shop_keeps_its_orphans(tmp_path):
    # One shop in the trades, ratings without shop_id: an orphan is that shop's, as before.
    trades = put(tmp_path / "trades.csv", TWO_SHOPS.replace("s2,", "s1,"))
    ratings = put(tmp_path / "ratings.csv", "order_id,line_id,rated_at,credit\n"
                  "o9,L1,2026-10-05 10:00:00,negative\n")
    doc = audit(trades, ratings=ratings)
    assert [s["shop_id"] for s in doc["shops"]] == ["s1"]
    assert doc["shops"][0]["credit"]["excluded_by_reason"] == {"orphan": 1}
    assert doc["inputs"]["orphan_ratings"] == 1


# --- a rating joins its own line or is rejected ------------------------------------------

# Order o1 has two lines: L1 (item A) is good, L2 (item B) has an impossible date and is
# rejected. Order o2 has one line (item C).
ONE_LINE_REJECTED = """\
order_id,line_id,buyer_id,item_id,created_at,completed_at,status
o1,L1,b1,A,2026-10-01 10:00:00,2026-10-04 10:00:00,success
o1,L2,b1,B,2026-10-01 10:00:00,2026-13-04 10:00:00,success
o2,L1,b2,C,2026-10-02 10:00:00,2026-10-05 10:00:00,success
"""


def test_a_rating_of_a_rejected_line_is_never_joined_to_the_other_line(tmp_path):
    # The ratings name their line by item (no line ids): B's negative belongs to the rejected
    # L2 and is rejected as line_rejected; A's positive joins L1; a rating naming o1 by order
    # alone cannot tell L1 from L2 (the order had two lines): ambiguous_line. o2 has one line.
    trades = put(tmp_path / "trades.csv", ONE_LINE_REJECTED)
    ratings = put(tmp_path / "ratings.csv", """\
order_id,item_id,rated_at,credit
o1,B,2026-10-05 10:00:00,negative
o1,A,2026-10-05 10:00:00,positive
o1,,2026-10-05 10:00:00,neutral
o2,,2026-10-06 10:00:00,positive
""")
    rejects = tmp_path / "rejects.csv"
    doc = audit(trades, ratings=ratings, more=("--rejects", rejects, "--max-left-out", "1"))
    credit = doc["shops"][0]["credit"]
    assert (credit["positive"], credit["neutral"], credit["negative"]) == (2, 0, 0)
    rating_file = next(f for f in doc["inputs"]["files"] if f["role"] == "ratings")
    assert rating_file["rejected_by_reason"] == {"ambiguous_line": 1, "line_rejected": 1}
    listed = pd.read_csv(rejects, dtype=str, keep_default_na=False)
    mine = listed.loc[listed["file"] == str(ratings)]
    assert sorted(zip(mine["row"], mine["reason"], strict=True)) == [
        ("2", "line_rejected"), ("4", "ambiguous_line")]


def test_a_rating_naming_a_rejected_line_id_is_rejected(tmp_path):
    trades = put(tmp_path / "trades.csv", ONE_LINE_REJECTED)
    ratings = put(tmp_path / "ratings.csv", "order_id,line_id,rated_at,credit\n"
                  "o1,L2,2026-10-05 10:00:00,negative\no1,L1,2026-10-05 10:00:00,positive\n")
    doc = audit(trades, ratings=ratings)
    assert doc["shops"][0]["credit"]["negative"] == 0
    assert doc["shops"][0]["credit"]["positive"] == 1
    assert doc["inputs"]["rejected_by_reason"] == {"bad_datetime": 1, "line_rejected": 1}


def test_the_only_line_of_an_order_rejected_leaves_its_rating_rejected_not_orphaned(tmp_path):
    trades = put(tmp_path / "trades.csv", ONE_LINE_REJECTED.replace(
        "2026-10-05 10:00:00,success\n", "2026-10-05 10:00:00,finished\n"))
    ratings = put(tmp_path / "ratings.csv", "order_id,rated_at,credit\n"
                  "o2,2026-10-06 10:00:00,negative\no1,2026-10-05 10:00:00,neutral\n")
    doc = audit(trades, ratings=ratings, more=("--max-left-out", "1"))
    assert doc["inputs"]["orphan_ratings"] == 0
    assert doc["inputs"]["rejected_by_reason"] == {"ambiguous_line": 1, "bad_datetime": 1,
                                                   "bad_status": 1, "line_rejected": 1}


# --- a file mixing UTF-8 and GBK lines (two exports concatenated) ----------------------------

MIXED_HEADER = "order_id,line_id,buyer_id,item_id,created_at,completed_at,status,rated_at,credit\n"


def mixed_rows(prefix: str, n: int, item: str = "红色连衣裙") -> str:
    return "".join(f"{prefix}{i},L1,张三,{item},2026-10-01 10:00:00,2026-10-04 10:00:00,"
                   "success,2026-10-05 10:00:00,positive\n" for i in range(1, n + 1))


def test_mostly_utf8_with_gbk_lines_keeps_utf8_ids_and_rejects_the_others(tmp_path):
    # 7 UTF-8 rows (lines 2-8), then 3 GBK rows (lines 9-11). Decoding the whole file as
    # GB18030 would turn 张三 of the UTF-8 rows into mojibake (one buyer becoming two) with
    # nothing rejected. The file is UTF-8: the 3 GBK rows are rejected as bad_bytes, by line.
    from shopscore.scoring.inputs.load import load

    path = tmp_path / "orders.csv"
    path.write_bytes(MIXED_HEADER.encode() + mixed_rows("u", 7).encode("utf-8")
                     + mixed_rows("g", 3).encode("gbk"))
    data = load([path], "Asia/Shanghai")
    assert set(data.lines["buyer_id"].astype(str)) == {"张三"}
    assert set(data.lines["item_id"].astype(str)) == {"红色连衣裙"}
    assert data.files[0].encoding == "utf-8"
    assert (data.files[0].rows_read, data.files[0].rejected_by_reason) == (10, {"bad_bytes": 3})
    assert sorted(data.rejects["row"]) == [9, 10, 11]


def test_mostly_gbk_with_a_utf8_line_rejects_that_line_not_as_mojibake(tmp_path):
    # The UTF-8 bytes of 张三 are valid GB18030 too (as 寮犱笁): read as the file's GB18030 they
    # would make a second buyer silently. That line is rejected as bad_bytes instead.
    from shopscore.scoring.inputs.load import load

    path = tmp_path / "orders.csv"
    path.write_bytes(MIXED_HEADER.encode() + mixed_rows("g", 6, "A001").encode("gbk")
                     + mixed_rows("u", 1, "A001").encode("utf-8"))
    data = load([path], "Asia/Shanghai")
    assert data.files[0].encoding == "gb18030"
    assert set(data.lines["buyer_id"].astype(str)) == {"张三"}
    assert (data.files[0].rows_read, data.files[0].rejected_by_reason) == (7, {"bad_bytes": 1})
    assert list(data.rejects["row"]) == [8]


def test_gbk_lines_after_a_long_utf8_start_are_rejected_by_line(tmp_path):
    # The first MiB is UTF-8 (the encoding is told from it); GBK lines after it.
    from shopscore.scoring.inputs.load import load

    path = tmp_path / "orders.csv"
    many = 9000  # ~1.1 MiB of UTF-8 rows
    path.write_bytes(MIXED_HEADER.encode() + mixed_rows("u", many).encode("utf-8")
                     + mixed_rows("g", 2).encode("gbk"))
    data = load([path], "Asia/Shanghai")
    assert data.files[0].rejected_by_reason == {"bad_bytes": 2}
    assert sorted(data.rejects["row"]) == [many + 2, many + 3]
    assert set(data.lines["buyer_id"].astype(str)) == {"张三"}


# --- a quote that never closes --------------------------------------------------------------

QUOTE_HEADER = "order_id,line_id,buyer_id,item_id,created_at,completed_at,status,rated_at,credit"


def quoted_file(tmp_path, quotes: dict, newline: str = "\n") -> Path:
    """200 lines: the header and rows o2..o200 (row k on line k); `quotes` maps a line to the
    cell index before which a stray quote is put."""
    lines = [QUOTE_HEADER]
    for k in range(2, 201):
        cells = [f"o{k}", "L1", f"b{k}", f"i{k}", "2026-10-01 10:00:00", "2026-10-04 10:00:00",
                 "success", "2026-10-05 10:00:00", "positive"]
        if k in quotes:
            cells[quotes[k]] = '"' + cells[quotes[k]]
        lines.append(",".join(cells))
    return put(tmp_path / "orders.csv", "\n".join(lines) + "\n", newline=newline)


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"], ids=["lf", "crlf", "cr"])
@pytest.mark.parametrize("cell", [3, 8], ids=["middle_cell", "last_cell"])
def test_an_unclosed_quote_at_line_102_loses_no_other_line(tmp_path, cell, newline):
    # The quote opened at line 102 never closes: read as CSV it would swallow lines 102-200
    # into one cell (99 good rows gone, the accounts still adding up). That one line is
    # rejected as unclosed_quote, the 198 others are read: 199 rows read, 198 used.
    path = quoted_file(tmp_path, {102: cell}, newline)
    rejects = tmp_path / "rejects.csv"
    doc = audit(path, more=("--rejects", rejects))
    entry = doc["inputs"]["files"][0]
    assert (entry["rows_read"], entry["rows_used"]) == (199, 198)
    assert entry["rejected_by_reason"] == {"unclosed_quote": 1}
    listed = pd.read_csv(rejects, dtype=str, keep_default_na=False)
    assert list(listed["row"]) == ["102"] and listed["value"][0].startswith("o102,")
    assert doc["shops"][0]["credit"]["positive"] == 198


def test_two_stray_quotes_are_two_rejected_lines(tmp_path):
    # A quote at line 102 closed by another stray quote at line 150 (a cell spanning 49 lines
    # of whole rows): both lines rejected, the 197 others read.
    path = quoted_file(tmp_path, {102: 3, 150: 3})
    entry = audit(path)["inputs"]["files"][0]
    assert (entry["rows_read"], entry["rows_used"]) == (199, 197)
    assert entry["rejected_by_reason"] == {"unclosed_quote": 2}


def test_a_review_text_spanning_lines_is_one_row_not_an_unclosed_quote(tmp_path):
    # A quoted cell holding line breaks (a review text) is one row; rows keep editor lines.
    path = put(tmp_path / "orders.csv", QUOTE_HEADER + ",content\n"
               "o1,L1,b1,i1,2026-10-01 10:00:00,2026-10-04 10:00:00,success,"
               '2026-10-05 10:00:00,positive,"很好,\n下次还来\n五星"\n'
               "o2,L1,b2,i2,2026-10-01 10:00:00,bad date,success,"
               "2026-10-05 10:00:00,positive,ok\n")
    rejects = tmp_path / "rejects.csv"
    doc = audit(path, more=("--rejects", rejects))
    entry = doc["inputs"]["files"][0]
    assert (entry["rows_read"], entry["rejected_by_reason"]) == (2, {"bad_datetime": 1})
    assert list(pd.read_csv(rejects, dtype=str)["row"]) == ["5"]


# --- ratings without line ids: joined on the item or its title, or the share left out said ---

ORDERS_REPORT = """\
订单编号,买家会员名,订单状态,订单创建时间,确认收货时间,宝贝标题,店铺Id
="4012345678901234561",alice,交易成功,2026-10-01 10:00:00,2026-10-04 10:00:00,红色连衣裙 蓝色衬衫,="57001"
="4012345678901234562",bob,交易成功,2026-10-02 10:00:00,2026-10-05 10:00:00,白色T恤,="57001"
"""
ITEMS_REPORT = """\
订单编号,标题,价格,购买数量,商家编码
4012345678901234561,红色连衣裙,120.00,1,A001
4012345678901234561,蓝色衬衫,88.00,1,B002
4012345678901234562,白色T恤,59.00,1,C003
"""
# The rating API's export (taobao.traderates.get): no oid, the item by num_iid and title.
RATING_API = """\
tid,num_iid,item_title,nick,role,result,created
4012345678901234561,5100000000001,红色连衣裙,alice,buyer,good,2026-10-05 10:00:00
4012345678901234561,5100000000002,蓝色衬衫,alice,buyer,bad,2026-10-06 10:00:00
4012345678901234562,5100000000003,白色T恤,bob,buyer,good,2026-10-06 10:00:00
"""


def taobao_reports(tmp_path):
    return (put(tmp_path / "ExportOrderList.csv", ORDERS_REPORT, "gbk", "\r\n"),
            put(tmp_path / "ExportOrderDetailList.csv", ITEMS_REPORT, "gbk", "\r\n"))


def test_ratings_without_line_ids_join_on_the_item_title(tmp_path):
    # Order ...561 has two lines (A001, B002): the ratings name neither line nor merchant
    # code, but their titles tell the lines apart. alice's good on 红色连衣裙 joins A001, her
    # bad on 蓝色衬衫 joins B002 (different items: the 14-day rule does not merge them):
    # 2 positives - 1 negative = 1; nothing left out.
    orders, items = taobao_reports(tmp_path)
    ratings = put(tmp_path / "rates.csv", RATING_API)
    doc = audit(orders, items, ratings=ratings)
    credit = doc["shops"][0]["credit"]
    assert (credit["positive"], credit["negative"], credit["score"]) == (2, 1, 1)
    assert doc["inputs"]["rows_rejected"] == 0
    assert doc["inputs"]["ratings_left_out"] == {"count": 0, "of": 3, "share": 0.0}


def test_ratings_that_cannot_name_their_line_over_the_bound_could_not_run(tmp_path):
    # Without the title, the two ratings of the two-line order cannot be told apart: 2 of 3
    # ratings (66.7%) left out, over the 5% bound: exit 2, saying so.
    orders, items = taobao_reports(tmp_path)
    text = "\n".join(",".join(c for i, c in enumerate(r.split(",")) if i not in (1, 2))
                     for r in RATING_API.splitlines()) + "\n"
    ratings = put(tmp_path / "rates.csv", text)
    err = user_error(cli("audit", orders, items, "--ratings", ratings, "--as-of", AS_OF))
    assert "2 of 3 ratings (66.7%) left out" in err and "--max-left-out" not in err, err
    assert "checks.max_ambiguous_share 5.0%" in err, err
    # Under a bound that allows it, the audit runs and says it first, on stderr and in the
    # first lines of the table.
    result = cli("audit", orders, items, "--ratings", ratings, "--as-of", AS_OF,
                 "--max-left-out", "0.8")
    assert result.exit_code in (0, 1), result.stderr
    assert result.stderr.startswith("shopscore: warning: 2 of 3 ratings (66.7%) left out")
    assert "2 of 3 ratings (66.67%) left out" in "\n".join(result.stdout.splitlines()[:3])
    doc = audit(orders, items, ratings=ratings, more=("--max-left-out", "0.8"))
    assert doc["inputs"]["ratings_left_out"]["count"] == 2


def test_a_profile_sets_the_bound_on_ratings_left_out(tmp_path):
    orders, items = taobao_reports(tmp_path)
    text = "\n".join(",".join(c for i, c in enumerate(r.split(",")) if i not in (1, 2))
                     for r in RATING_API.splitlines()) + "\n"
    ratings = put(tmp_path / "rates.csv", text)
    profile = put(tmp_path / "lenient.toml", 'extends = "taobao"\n[checks]\n'
                  "max_ambiguous_share = 0.7\n")
    doc = audit(orders, items, ratings=ratings, more=("--profile", profile))
    assert doc["inputs"]["ratings_left_out"]["count"] == 2
    bad = put(tmp_path / "bad.toml", 'extends = "taobao"\n[checks]\nmax_ambiguous_share = 1.5\n')
    err = user_error(cli("audit", orders, "--as-of", AS_OF, "--profile", bad))
    assert "max_ambiguous_share" in err, err


def test_an_order_refunded_by_its_status_refunds_each_of_its_lines(tmp_path):
    # The order report says 退款成功 of order ...561 (two lines in the item report): both
    # lines are refunded, whatever the order-level 退款金额 says per line; ...562 counts.
    orders = put(tmp_path / "ExportOrderList.csv", ORDERS_REPORT.replace(
        "alice,交易成功", "alice,退款成功"), "gbk", "\r\n")
    items = put(tmp_path / "ExportOrderDetailList.csv", ITEMS_REPORT, "gbk", "\r\n")
    ratings = put(tmp_path / "rates.csv", RATING_API)
    doc = audit(orders, items, ratings=ratings)
    credit = doc["shops"][0]["credit"]
    assert credit["excluded_by_reason"] == {"refunded": 2}
    assert (credit["positive"], credit["negative"]) == (1, 0)


def test_explain_says_where_a_shopless_orphan_is_counted(tmp_path):
    trades = put(tmp_path / "trades.csv", TWO_SHOPS)
    ratings = put(tmp_path / "ratings.csv", "order_id,line_id,rated_at,credit\n"
                  "o0,L1,2026-09-05 10:00:00,negative\n")
    doc = json.loads(cli("explain", trades, "--ratings", ratings, "--order", "o0", "--as-of",
                         AS_OF, "--format", "json").stdout)
    record = doc["credit"][0]
    assert record["fate"] == "orphan" and record["shop_id"] is None
    assert "inputs.orphan_ratings only" in record["why"]
    assert doc["summary"]["credit"]["excluded_by_reason"] == {}  # as no shop of the audit


def test_review_texts_spanning_lines_across_read_blocks_lose_no_row(tmp_path, monkeypatch):
    # A file larger than one read block whose cells hold line breaks (review texts): blocks
    # read side by side must not cut a record in two. 2000 rows, blocks of 16 KiB (~10).
    monkeypatch.setattr("shopscore.scoring.inputs.csvfile.BLOCK", 16 << 10)
    rows = [f'o{k},L1,b{k},i{k % 7},2026-10-01 10:00:00,2026-10-04 10:00:00,success,'
            f'2026-10-05 10:00:00,positive,"很好\n第{k}条\n追评"' for k in range(2000)]
    path = put(tmp_path / "orders.csv", QUOTE_HEADER + ",content\n" + "\n".join(rows) + "\n")
    assert path.stat().st_size > 8 * (16 << 10)
    entry = audit(path)["inputs"]["files"][0]
    assert (entry["rows_read"], entry["rows_rejected"]) == (2000, 0), entry
