# ruff: noqa: E501  (the exports below are written byte for byte, one line per row)
"""Real marketplace exports in (FORMATS.md): each platform's file, written byte for byte as its
back office writes it, audits to the same figures as the equivalent canonical CSV.

Every test carries the same small shop, 10 lines, audited as of 2026-11-22 00:00 +08:00:

  L1  alice  item A  created 09-28  completed 10-01  rated good    10-02  -> +1
  L2  bob    item B  created 09-29  completed 10-02  rated neutral 10-03  ->  0
  L3  carol  item A  created 09-30  closed           rated bad     10-03  -> not_success
  L4  dave   item C  created 10-01  completed 10-04  refunded, good 10-05 -> refunded
  L5  alice  item A  created 10-05  completed 10-08  rated good    10-09  -> same_item_14d
                                    (alice's item A again, 7 days after L1)
  L6  erin   item D  created 10-06  completed 10-09  rated bad     10-10  -> -1
  L7  frank  item B  created 10-07  completed 10-10  rated good    10-11  -> +1 (seller: good)
  L8  gina   item C  created 10-08  completed 10-11  unrated; seller good 10-12
                                                      -> default positive on 10-27
  L9  hank   item D  created 10-09  open (shipped, not confirmed)
  L10 ivan   item A  created 10-10  completed 10-13  rated good    10-14  -> +1

With the seller's ratings (the rating API export, role = seller): 4 positives (one a default),
1 neutral, 1 negative: score 3, positive rate 4/6. Exports without seller rows lose the default
positive of L8. A platform that cannot say a line was refunded (JD) keeps L4 as a plain positive.

Each export is compared with a canonical CSV written by hand for the same shop: the audit JSON
of the two must give the same `shops` (credit, periods, exclusions, DSR, checks).

Platforms whose export, as FORMATS.md describes it, lacks a column the audit needs:
Douyin (no buyer column), Pinduoduo (no buyer column), Taobao 销售明细 (no buyer column and
no completion time) and the Taobao item report on its own (no buyer, no creation time: it is
completed from the order report). JD and the Taobao order report carry every required column.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from pathlib import Path

import pandas as pd
import pytest
from builders import put, ran
from typer.testing import CliRunner

from shopscore.cli.app import app
from shopscore.scoring.inputs.load import load
from shopscore.scoring.rules.profile import load_profile

AS_OF = "2026-11-22T00:00:00+08:00"


# --- helpers ------------------------------------------------------------------------------

def cli(*args):
    return CliRunner().invoke(app, [str(a) for a in args])


def audit(*files, ratings=None, more=()) -> dict:
    args = ["audit", *files, "--platform", "auto", "--as-of", AS_OF, "--format", "json", *more]
    if ratings is not None:
        args += ["--ratings", ratings]
    return ran(cli(*args))


def validate(*files, ratings=None, more=()) -> dict:
    args = ["validate", *files, "--format", "json", *more]
    if ratings is not None:
        args += ["--ratings", ratings]
    result = cli(*args)
    assert result.exit_code == 0, (result.exit_code, result.stderr, repr(result.exception))
    return json.loads(result.stdout)


def user_error(result) -> str:
    """Exit 2 with one `shopscore: error:` sentence on stderr and nothing on stdout."""
    assert result.exit_code == 2, (result.exit_code, result.stderr, repr(result.exception))
    assert isinstance(result.exception, SystemExit), repr(result.exception)
    err = result.stderr
    assert err.startswith("shopscore: error: "), err
    assert len(err.strip().splitlines()) == 1, err
    assert "Traceback" not in err and result.stdout == ""
    return err


def assert_same_figures(export: dict, canonical: dict):
    """Same shops, same credit figures, same exclusions, same DSR, same checks (the export's
    payment and sign-for times give it service metrics the canonical file cannot have)."""
    assert [s["shop_id"] for s in export["shops"]] == [s["shop_id"] for s in canonical["shops"]]
    for got, want in zip(export["shops"], canonical["shops"], strict=True):
        assert got["credit"] == want["credit"], (got["credit"], want["credit"])
        assert got["dsr"] == want["dsr"]
        # The canonical copies carry no shop name; the exports' 店铺名称 is only a label. The
        # exports' payment and sign-for times give them service metrics the copies cannot have.
        assert {**got, "shop_name": None, "experience": None} == \
            {**want, "shop_name": None, "experience": None}


def order_ids(*files, ratings=None, sheet=None) -> list[str]:
    prof = load_profile("taobao")
    data = load([Path(f) for f in files], prof.timezone, ratings, sheet=sheet)
    assert all(isinstance(v, str) for v in data.lines["order_id"])
    return data.lines["order_id"].tolist()


def file_entry(doc: dict, path: Path) -> dict:
    return next(f for f in doc["files"] if f["path"] == str(path))


def accounts_add_up(doc: dict):
    inputs = doc["inputs"]
    for f in inputs["files"]:
        assert f["rows_read"] == f["rows_used"] + f["rows_rejected"], f
        assert f["rows_rejected"] == sum(f["rejected_by_reason"].values()), f
    assert inputs["rows_read"] == sum(f["rows_read"] for f in inputs["files"])
    assert inputs["rows_rejected"] == sum(f["rows_rejected"] for f in inputs["files"])


# --- Taobao / Tmall: the order report and the item report (GBK) ---------------------------

# ExportOrderList: one row per order, GBK, CRLF, a trailing comma on every line (so an empty
# last header cell), `="…"` wrapped ids, headers with a trailing space, ￥ amounts with a
# thousands separator (GBK has no ¥, the back office writes the full-width ￥), yyyy/mm/dd hh:mm
# and 0000-00-00 dates, and a totals footer that is a ragged row (line 12).
TAOBAO_ORDERS = """\
订单编号,买家会员名,买家实际支付金额,订单状态,收货地址 ,订单创建时间,订单付款时间 ,宝贝标题 ,宝贝总数量,店铺Id,店铺名称,订单关闭原因,退款金额,确认收货时间,
="4012345678901234561",alice,"￥1,234.50",交易成功,浙江省杭州市,2026-09-28 10:00:00,2026/09/28 10:05,红色连衣裙,1,="57001",花间小铺,,0.00,2026/10/01 10:00,
="4012345678901234562",bob,￥88.00,交易成功,江苏省南京市,2026-09-29 10:00:00,2026-09-29 10:03:11,蓝色衬衫,2,="57001",花间小铺,,0.00,2026-10-02 10:00:00,
="4012345678901234563",carol,￥0.00,交易关闭,上海市,2026-09-30 10:00:00,0000-00-00 00:00:00,红色连衣裙,1,="57001",花间小铺,买家不想买了,0.00,0000-00-00 00:00:00,
="4012345678901234564",dave,￥59.00,交易成功,北京市,2026-10-01 10:00:00,2026/10/01 10:02,白色T恤,1,="57001",花间小铺,,￥59.00,2026-10-04 10:00:00,
="4012345678901234565",alice,"￥1,234.50",交易成功,浙江省杭州市,2026-10-05 10:00:00,2026/10/05 10:01,红色连衣裙,1,="57001",花间小铺,,0.00,2026-10-08 10:00:00,
="4012345678901234566",erin,￥129.00,交易成功,广东省广州市,2026-10-06 10:00:00,2026/10/06 10:01,黑色长裤,1,="57001",花间小铺,,0.00,2026-10-09 10:00:00,
="4012345678901234567",frank,￥44.00,交易成功,四川省成都市,2026-10-07 10:00:00,2026/10/07 10:01,蓝色衬衫,1,="57001",花间小铺,,0.00,2026/10/10 10:00,
="4012345678901234568",gina,￥59.00,交易成功,湖北省武汉市,2026-10-08 10:00:00,2026/10/08 10:01,白色T恤,1,="57001",花间小铺,,0.00,2026-10-11 10:00:00,
="4012345678901234569",hank,￥129.00,卖家已发货，等待买家确认,山东省济南市,2026-10-09 10:00:00,2026/10/09 10:01,黑色长裤,1,="57001",花间小铺,,0.00,0000-00-00 00:00:00,
="4012345678901234570",ivan,"￥1,234.50",交易成功,福建省厦门市,2026-10-10 10:00:00,2026/10/10 10:01,红色连衣裙,1,="57001",花间小铺,,0.00,2026-10-13 10:00:00,
合计,10,
"""

# ExportOrderDetailList: one row per item, GBK, no line id and no item id: the item is its
# 商家编码. The open line's status is written with an ASCII comma this time.
TAOBAO_ITEMS = """\
订单编号,标题,价格,购买数量,外部系统编号,商品属性,套餐信息,备注,订单状态,商家编码
="4012345678901234561",红色连衣裙,1234.50,1,,颜色分类:红色;尺码:M,,,交易成功,A001
="4012345678901234562",蓝色衬衫,44.00,2,,颜色分类:蓝色;尺码:L,,,交易成功,B002
="4012345678901234563",红色连衣裙,1234.50,1,,颜色分类:红色;尺码:S,,,交易关闭,A001
="4012345678901234564",白色T恤,59.00,1,,颜色分类:白色;尺码:M,,,交易成功,C003
="4012345678901234565",红色连衣裙,1234.50,1,,颜色分类:红色;尺码:M,,,交易成功,A001
="4012345678901234566",黑色长裤,129.00,1,,尺码:30,,,交易成功,D004
="4012345678901234567",蓝色衬衫,44.00,1,,颜色分类:蓝色;尺码:M,,,交易成功,B002
="4012345678901234568",白色T恤,59.00,1,,颜色分类:白色;尺码:S,,,交易成功,C003
="4012345678901234569",黑色长裤,129.00,1,,尺码:32,,,"卖家已发货,等待买家确认",D004
="4012345678901234570",红色连衣裙,1234.50,1,,颜色分类:红色;尺码:L,,,交易成功,A001
"""

# The rating API (taobao.traderates.get) as review tools save it: UTF-8, one row per rating,
# the buyer's and the seller's ratings of a line as separate rows told apart by `role`.
TAOBAO_RATINGS_API = """\
tid,oid,num_iid,nick,role,result,created,item_title,content
4012345678901234561,4012345678901234661,600001,alice,buyer,good,2026-10-02 10:00:00,红色连衣裙,很合身
4012345678901234562,4012345678901234662,600002,bob,buyer,neutral,2026-10-03 10:00:00,蓝色衬衫,一般
4012345678901234563,4012345678901234663,600001,carol,buyer,bad,2026-10-03 10:00:00,红色连衣裙,没发货
4012345678901234564,4012345678901234664,600003,dave,buyer,good,2026-10-05 10:00:00,白色T恤,好
4012345678901234565,4012345678901234665,600001,alice,buyer,good,2026-10-09 10:00:00,红色连衣裙,又买了
4012345678901234566,4012345678901234666,600004,erin,buyer,bad,2026-10-10 10:00:00,黑色长裤,太短
4012345678901234567,4012345678901234667,600002,frank,buyer,good,2026-10-11 10:00:00,蓝色衬衫,好
4012345678901234567,4012345678901234667,600002,花间小铺,seller,good,2026-10-11 12:00:00,蓝色衬衫,
4012345678901234568,4012345678901234668,600003,花间小铺,seller,good,2026-10-12 10:00:00,白色T恤,
4012345678901234570,4012345678901234670,600001,ivan,buyer,good,2026-10-14 10:00:00,红色连衣裙,好看
"""

# A Chinese-labelled rating export (GBK): 好评/中评/差评, the rater as 买家/卖家, no line id.
TAOBAO_RATINGS_CN = """\
订单编号,评价角色,评价,评价时间,评价内容
4012345678901234561,买家,好评,2026-10-02 10:00:00,很合身
4012345678901234562,买家,中评,2026-10-03 10:00:00,一般
4012345678901234563,买家,差评,2026-10-03 10:00:00,没发货
4012345678901234564,买家,好评,2026-10-05 10:00:00,好
4012345678901234565,买家,好评,2026-10-09 10:00:00,又买了
4012345678901234566,买家,差评,2026-10-10 10:00:00,太短
4012345678901234567,买家,好评,2026-10-11 10:00:00,好
4012345678901234567,卖家,好评,2026-10-11 12:00:00,
4012345678901234568,卖家,好评,2026-10-12 10:00:00,
4012345678901234570,买家,好评,2026-10-14 10:00:00,好看
"""

# The same shop in canonical columns: lines of the item report completed from the order report.
TAOBAO_ITEMS_CANONICAL = """\
shop_id,order_id,buyer_id,item_id,created_at,completed_at,status,refunded,amount,rated_at,credit,seller_rated_at,seller_credit
57001,4012345678901234561,alice,A001,2026-09-28 10:00:00,2026-10-01 10:00:00,success,false,1234.50,2026-10-02 10:00:00,positive,,
57001,4012345678901234562,bob,B002,2026-09-29 10:00:00,2026-10-02 10:00:00,success,false,88.00,2026-10-03 10:00:00,neutral,,
57001,4012345678901234563,carol,A001,2026-09-30 10:00:00,,closed,false,1234.50,2026-10-03 10:00:00,negative,,
57001,4012345678901234564,dave,C003,2026-10-01 10:00:00,2026-10-04 10:00:00,success,true,59.00,2026-10-05 10:00:00,positive,,
57001,4012345678901234565,alice,A001,2026-10-05 10:00:00,2026-10-08 10:00:00,success,false,1234.50,2026-10-09 10:00:00,positive,,
57001,4012345678901234566,erin,D004,2026-10-06 10:00:00,2026-10-09 10:00:00,success,false,129.00,2026-10-10 10:00:00,negative,,
57001,4012345678901234567,frank,B002,2026-10-07 10:00:00,2026-10-10 10:00:00,success,false,44.00,2026-10-11 10:00:00,positive,2026-10-11 12:00:00,positive
57001,4012345678901234568,gina,C003,2026-10-08 10:00:00,2026-10-11 10:00:00,success,false,59.00,,,2026-10-12 10:00:00,positive
57001,4012345678901234569,hank,D004,2026-10-09 10:00:00,,open,false,129.00,,,,
57001,4012345678901234570,ivan,A001,2026-10-10 10:00:00,2026-10-13 10:00:00,success,false,1234.50,2026-10-14 10:00:00,positive,,
"""

# The order report alone: the item is the title, the amount the order's payment.
TAOBAO_ORDERS_CANONICAL = """\
shop_id,order_id,buyer_id,item_id,created_at,completed_at,status,refunded,amount,rated_at,credit,seller_rated_at,seller_credit
57001,4012345678901234561,alice,红色连衣裙,2026-09-28 10:00:00,2026-10-01 10:00:00,success,false,1234.50,2026-10-02 10:00:00,positive,,
57001,4012345678901234562,bob,蓝色衬衫,2026-09-29 10:00:00,2026-10-02 10:00:00,success,false,88.00,2026-10-03 10:00:00,neutral,,
57001,4012345678901234563,carol,红色连衣裙,2026-09-30 10:00:00,,closed,false,0.00,2026-10-03 10:00:00,negative,,
57001,4012345678901234564,dave,白色T恤,2026-10-01 10:00:00,2026-10-04 10:00:00,success,true,59.00,2026-10-05 10:00:00,positive,,
57001,4012345678901234565,alice,红色连衣裙,2026-10-05 10:00:00,2026-10-08 10:00:00,success,false,1234.50,2026-10-09 10:00:00,positive,,
57001,4012345678901234566,erin,黑色长裤,2026-10-06 10:00:00,2026-10-09 10:00:00,success,false,129.00,2026-10-10 10:00:00,negative,,
57001,4012345678901234567,frank,蓝色衬衫,2026-10-07 10:00:00,2026-10-10 10:00:00,success,false,44.00,2026-10-11 10:00:00,positive,2026-10-11 12:00:00,positive
57001,4012345678901234568,gina,白色T恤,2026-10-08 10:00:00,2026-10-11 10:00:00,success,false,59.00,,,2026-10-12 10:00:00,positive
57001,4012345678901234569,hank,黑色长裤,2026-10-09 10:00:00,,open,false,129.00,,,,
57001,4012345678901234570,ivan,红色连衣裙,2026-10-10 10:00:00,2026-10-13 10:00:00,success,false,1234.50,2026-10-14 10:00:00,positive,,
"""


@pytest.fixture
def taobao(tmp_path) -> dict:
    return {
        "orders": put(tmp_path / "ExportOrderList202610221530.csv", TAOBAO_ORDERS, "gbk", "\r\n"),
        "items": put(tmp_path / "ExportOrderDetailList202610221530.csv", TAOBAO_ITEMS, "gbk",
                     "\r\n"),
        "api": put(tmp_path / "traderates.csv", TAOBAO_RATINGS_API, "utf-8"),
        "cn": put(tmp_path / "评价导出.csv", TAOBAO_RATINGS_CN, "gbk", "\r\n"),
        "canonical_items": put(tmp_path / "canonical_items.csv", TAOBAO_ITEMS_CANONICAL, "utf-8"),
        "canonical_orders": put(tmp_path / "canonical_orders.csv", TAOBAO_ORDERS_CANONICAL,
                                "utf-8"),
    }


def test_the_canonical_shop_has_the_hand_worked_figures(taobao):
    # 4 positives (L1, L7, L8 by default, L10), 1 neutral (L2), 1 negative (L6); L3 closed,
    # L4 refunded, L5 alice's same item within 14 days: score 4 - 1 = 3, no level.
    credit = audit(taobao["canonical_items"])["shops"][0]["credit"]
    assert (credit["score"], credit["positive"], credit["neutral"], credit["negative"]) == (
        3, 4, 1, 1)
    assert credit["default_positive"] == 1
    assert credit["positive_rate"] == pytest.approx(4 / 6)
    assert credit["level"] == {"index": 0, "name": None}
    assert credit["excluded_by_reason"] == {"not_success": 1, "refunded": 1, "same_item_14d": 1}


@pytest.mark.parametrize("rating_export", ["api", "cn"])
def test_taobao_order_and_item_reports_equal_canonical(taobao, rating_export):
    # ExportOrderList + ExportOrderDetailList joined on 订单编号, with either rating export.
    doc = audit(taobao["orders"], taobao["items"], ratings=taobao[rating_export])
    want = audit(taobao["canonical_items"])
    assert_same_figures(doc, want)
    accounts_add_up(doc)
    orders = next(f for f in doc["inputs"]["files"] if f["path"] == str(taobao["orders"]))
    assert orders["rejected_by_reason"] == {"ragged_row": 1}  # the totals footer


def _as_parquet(path: Path) -> Path:
    """A CSV export saved as Parquet with the same headers, every cell as text."""
    frame = pd.read_csv(path, encoding="gbk" if "Export" in path.name or "评价" in path.name
                        else "utf-8", dtype=str, on_bad_lines="skip")
    out = path.with_suffix(".parquet")
    frame.to_parquet(out, index=False)
    return out


@pytest.mark.parametrize("reports", [("orders", "items"), ("orders",)])
def test_taobao_exports_as_parquet_equal_canonical(taobao, reports):
    # A Parquet file is read ids first and its other columns later: with an item report to
    # join (every column needed at once) and without, the figures are the CSV's.
    files = [_as_parquet(taobao[name]) for name in reports]
    doc = audit(*files, ratings=_as_parquet(taobao["cn"]))
    want = audit(taobao["canonical_items" if "items" in reports else "canonical_orders"])
    assert_same_figures(doc, want)
    accounts_add_up(doc)
    headers = next(f for f in load(files, "Asia/Shanghai").files if f.role == "trades").headers
    assert headers["order_id"] == "订单编号" and headers["status"] == "订单状态"


def test_taobao_order_report_alone_equals_canonical(taobao):
    doc = audit(taobao["orders"], ratings=taobao["cn"])
    assert_same_figures(doc, audit(taobao["canonical_orders"]))
    accounts_add_up(doc)


def test_taobao_order_report_alone_with_the_rating_api_export_equals_canonical(taobao):
    # The rating API names the line (oid) and the item (num_iid); the order report names
    # neither: the ratings still belong to these one-line orders.
    doc = audit(taobao["orders"], ratings=taobao["api"])
    assert_same_figures(doc, audit(taobao["canonical_orders"]))


def test_taobao_reports_validate_as_taobao_gbk(taobao):
    report = validate(taobao["orders"], taobao["items"], ratings=taobao["api"])
    orders, items, ratings = (file_entry(report, taobao[k]) for k in ("orders", "items", "api"))
    assert (orders["platform"], orders["encoding"], orders["role"]) == ("taobao", "gb18030",
                                                                        "trades")
    assert (items["platform"], items["encoding"], items["role"]) == ("taobao", "gb18030",
                                                                     "details")
    assert (ratings["platform"], ratings["encoding"], ratings["role"]) == ("taobao", "utf-8",
                                                                           "ratings")
    # headers matched after stripping the trailing space; the empty last header cell ignored
    assert orders["headers"]["item_id"] == "宝贝标题"
    assert orders["headers"]["order_id"] == "订单编号"
    assert items["headers"]["item_id"] == "商家编码"
    assert orders["rows_read"] == 11 and orders["rejected"]["ragged_row"]["examples"][0]["row"] == 12
    cn = file_entry(validate(taobao["orders"], ratings=taobao["cn"]), taobao["cn"])
    assert (cn["platform"], cn["encoding"], cn["role"]) == ("taobao", "gb18030", "ratings")


def test_rating_export_alone_is_read_not_a_crash(taobao):
    # A user who validates (or audits) the rating export on its own gets a report or a
    # one-sentence error, never a Python exception.
    result = cli("validate", taobao["cn"], "--format", "json")
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        repr(result.exception))
    assert result.exit_code in (0, 2), result.stderr
    if result.exit_code == 0:
        entry = file_entry(json.loads(result.stdout), taobao["cn"])
        assert (entry["platform"], entry["encoding"], entry["role"]) == ("taobao", "gb18030",
                                                                         "ratings")
    result = cli("audit", taobao["api"], "--as-of", AS_OF, "--format", "json")
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        repr(result.exception))
    assert result.exit_code in (1, 2), result.stderr


def test_rating_of_an_order_not_in_the_export_is_an_orphan(taobao, tmp_path):
    # A Chinese rating export (no line id) rating an order the order report does not hold:
    # counted as an orphan, not a crash.
    ratings = put(tmp_path / "评价.csv", TAOBAO_RATINGS_CN + "4012345678901239999,买家,好评,"
                  "2026-10-20 10:00:00,\n", "gbk", "\r\n")
    doc = audit(taobao["orders"], ratings=ratings)
    want = audit(taobao["canonical_orders"])
    credit = doc["shops"][0]["credit"]
    assert credit["excluded_by_reason"] == {**want["shops"][0]["credit"]["excluded_by_reason"],
                                            "orphan": 1}
    assert credit["score"] == want["shops"][0]["credit"]["score"]


def test_taobao_ids_stay_strings(taobao):
    ids = order_ids(taobao["orders"], taobao["items"])
    assert "4012345678901234561" in ids and "4012345678901234570" in ids
    assert all(len(i) == 19 and i.isdigit() for i in ids), ids
    prof = load_profile("taobao")
    data = load([taobao["orders"]], prof.timezone)
    assert set(data.lines["shop_id"]) == {"57001"}  # ="57001", not 57001.0


def test_taobao_item_report_alone_names_the_missing_columns(taobao):
    # The item report has neither the buyer nor the creation time: it needs the order report.
    err = user_error(cli("audit", taobao["items"], "--as-of", AS_OF, "--format", "json"))
    assert str(taobao["items"]) in err
    missing = err.split("(")[0]
    assert "buyer_id" in missing and "created_at" in missing, err
    assert "买家会员名" in err and "订单创建时间" in err, err


def test_taobao_item_report_refund_of_one_line_does_not_refund_the_other(tmp_path):
    # Order 4012345678901234567 has two lines in the item report: B002 succeeded, E005 was
    # refunded (交易关闭). The order report's 退款金额 ￥30.00 is the order's total refund: it
    # must not make the successful line B002 a refunded line.
    orders = put(tmp_path / "ExportOrderList.csv", """\
订单编号,买家会员名,买家实际支付金额,订单状态,订单创建时间,订单付款时间 ,宝贝标题 ,店铺Id,退款金额,确认收货时间,
="4012345678901234567",frank,￥44.00,交易成功,2026-10-07 10:00:00,2026/10/07 10:01,蓝色衬衫，黄色围巾,="57001",￥30.00,2026-10-10 10:00:00,
""", "gbk", "\r\n")
    items = put(tmp_path / "ExportOrderDetailList.csv", """\
订单编号,标题,价格,购买数量,外部系统编号,商品属性,套餐信息,备注,订单状态,商家编码
="4012345678901234567",蓝色衬衫,44.00,1,,,,,交易成功,B002
="4012345678901234567",黄色围巾,30.00,1,,,,,交易关闭,E005
""", "gbk", "\r\n")
    prof = load_profile("taobao")
    lines = load([orders, items], prof.timezone).lines.set_index("item_id")
    assert lines.loc["B002", "status"] == "success"
    assert not lines.loc["B002", "refunded"], "the successful line B002 was marked refunded"


def test_taobao_item_report_joins_orders_whatever_the_id_wrapping(taobao, tmp_path):
    # The order report writes ="4012…", the item report (here) the bare id: the join on
    # 订单编号 compares ids, not spreadsheet wrappers.
    items = put(tmp_path / "ExportOrderDetailList_plain.csv",
                re.sub(r'="(\d+)"', r"\1", TAOBAO_ITEMS), "gbk", "\r\n")
    doc = audit(taobao["orders"], items, ratings=taobao["cn"])
    assert doc["inputs"]["rejected_by_reason"] == {"ragged_row": 1}, doc["inputs"]
    assert_same_figures(doc, audit(taobao["canonical_items"]))


def test_taobao_item_without_merchant_code_is_identified_by_its_title(tmp_path, taobao):
    # Sellers who never set 商家编码 export it empty: FORMATS.md says the item is then the
    # 外部系统编号, else the title. Same shop, same figures as the canonical one (item = title).
    text = TAOBAO_ITEMS
    for code in ("A001", "B002", "C003", "D004"):
        text = text.replace("," + code + "\n", ",\n")
    items = put(tmp_path / "ExportOrderDetailList_nocode.csv", text, "gbk", "\r\n")
    doc = audit(taobao["orders"], items, ratings=taobao["cn"])
    assert doc["inputs"]["rejected_by_reason"] == {"ragged_row": 1}, doc["inputs"]
    assert_same_figures(doc, audit(taobao["canonical_items"]))


# --- Taobao 销售明细: per-line, .xlsx workbook or UTF-8 CSV with BOM ------------------------

XLSX_SHEETS = ("订单报表", "销售明细", "发货报表")
SALES_HEADER = ["子订单编号", "主订单编号", "商品标题", "skuId", "商家编码", "订单创建时间", "订单状态",
                "买家实付金额", "退款金额"]
# L7 (frank) has a second line, a yellow scarf, refunded on its own: per-line refunds.
SALES_ROWS = [
    ["4012345678901234661", "4012345678901234561", "红色连衣裙", "5100000000001", "A001",
     datetime(2026, 9, 28, 10), "交易成功", 1234.5, 0],
    ["4012345678901234662", "4012345678901234562", "蓝色衬衫", "5100000000002", "B002",
     "2026-09-29 10:00:00", "交易成功", 88.0, 0],
    ["4012345678901234663", "4012345678901234563", "红色连衣裙", "5100000000001", "A001",
     datetime(2026, 9, 30, 10), "交易关闭", 0, 0],
    ["4012345678901234664", "4012345678901234564", "白色T恤", "5100000000003", "C003",
     datetime(2026, 10, 1, 10), "交易成功", 59.0, 59.0],
    ["4012345678901234665", "4012345678901234565", "红色连衣裙", "5100000000001", "A001",
     "2026/10/05 10:00", "交易成功", 1234.5, 0],
    ["4012345678901234666", "4012345678901234566", "黑色长裤", "5100000000004", "D004",
     datetime(2026, 10, 6, 10), "交易成功", 129.0, 0],
    ["4012345678901234667", "4012345678901234567", "蓝色衬衫", "5100000000002", "B002",
     datetime(2026, 10, 7, 10), "交易成功", 44.0, 0],
    ["4012345678901234677", "4012345678901234567", "黄色围巾", "5100000000005", "E005",
     datetime(2026, 10, 7, 10), "交易成功", 30.0, 30.0],
    ["4012345678901234668", "4012345678901234568", "白色T恤", "5100000000003", "C003",
     datetime(2026, 10, 8, 10), "交易成功", 59.0, 0],
    ["4012345678901234669", "4012345678901234569", "黑色长裤", "5100000000004", "D004",
     datetime(2026, 10, 9, 10), "卖家已发货，等待买家确认", 129.0, 0],
    ["4012345678901234670", "4012345678901234570", "红色连衣裙", "5100000000001", "A001",
     datetime(2026, 10, 10, 10), "交易成功", 1234.5, 0],
]

SALES_CANONICAL = """\
shop_id,order_id,line_id,buyer_id,item_id,created_at,completed_at,status,refunded,amount,rated_at,credit,seller_rated_at,seller_credit
57001,4012345678901234561,4012345678901234661,alice,A001,2026-09-28 10:00:00,2026-10-01 10:00:00,success,false,1234.50,2026-10-02 10:00:00,positive,,
57001,4012345678901234562,4012345678901234662,bob,B002,2026-09-29 10:00:00,2026-10-02 10:00:00,success,false,88.00,2026-10-03 10:00:00,neutral,,
57001,4012345678901234563,4012345678901234663,carol,A001,2026-09-30 10:00:00,,closed,false,0,2026-10-03 10:00:00,negative,,
57001,4012345678901234564,4012345678901234664,dave,C003,2026-10-01 10:00:00,2026-10-04 10:00:00,success,true,59.00,2026-10-05 10:00:00,positive,,
57001,4012345678901234565,4012345678901234665,alice,A001,2026-10-05 10:00:00,2026-10-08 10:00:00,success,false,1234.50,2026-10-09 10:00:00,positive,,
57001,4012345678901234566,4012345678901234666,erin,D004,2026-10-06 10:00:00,2026-10-09 10:00:00,success,false,129.00,2026-10-10 10:00:00,negative,,
57001,4012345678901234567,4012345678901234667,frank,B002,2026-10-07 10:00:00,2026-10-10 10:00:00,success,false,44.00,2026-10-11 10:00:00,positive,2026-10-11 12:00:00,positive
57001,4012345678901234567,4012345678901234677,frank,E005,2026-10-07 10:00:00,2026-10-10 10:00:00,success,true,30.00,,,,
57001,4012345678901234568,4012345678901234668,gina,C003,2026-10-08 10:00:00,2026-10-11 10:00:00,success,false,59.00,,,2026-10-12 10:00:00,positive
57001,4012345678901234569,4012345678901234669,hank,D004,2026-10-09 10:00:00,,open,false,129.00,,,,
57001,4012345678901234570,4012345678901234670,ivan,A001,2026-10-10 10:00:00,2026-10-13 10:00:00,success,false,1234.50,2026-10-14 10:00:00,positive,,
"""


def _order_report_rows() -> tuple[list, list]:
    lines = TAOBAO_ORDERS.splitlines()
    header = [h for h in lines[0].split(",") if h]
    rows = []
    for text in lines[1:-1]:  # without the totals footer
        cells = text.replace('"￥1,234.50"', "￥1234.50").split(",")[: len(header)]
        rows.append([c[2:-1] if c.startswith('="') else c for c in cells])
    return header, rows


def write_workbook(path: Path) -> Path:
    from openpyxl import Workbook

    book = Workbook()
    orders = book.active
    orders.title = XLSX_SHEETS[0]
    header, rows = _order_report_rows()
    orders.append(header)
    for row in rows:
        orders.append(row)
    sales = book.create_sheet(XLSX_SHEETS[1])
    sales.append(SALES_HEADER)
    for row in SALES_ROWS:
        sales.append(row)
    shipping = book.create_sheet(XLSX_SHEETS[2])
    shipping.append(["订单编号", "物流公司", "运单号", "发货时间"])
    shipping.append(["4012345678901234561", "中通快递", "73100000000001", "2026-09-28 18:00:00"])
    book.save(path)
    return path


def sales_csv_text(extra: dict | None = None) -> str:
    """销售明细 as the newer back office's UTF-8 CSV (with BOM): yyyy-mm-dd, ¥ amounts."""
    extra = extra or {}
    header = SALES_HEADER + list(extra)
    out = [",".join(header)]
    for i, row in enumerate(SALES_ROWS):
        cells = []
        for value in row:
            if isinstance(value, datetime):
                value = value.strftime("%Y-%m-%d %H:%M:%S")
            elif isinstance(value, float | int):
                value = f'"¥{value:,.2f}"'
            cells.append(str(value))
        cells += [values[i] for values in extra.values()]
        out.append(",".join(cells))
    return "\n".join(out) + "\n"


@pytest.fixture
def workbook(tmp_path) -> Path:
    return write_workbook(tmp_path / "订单导出2026-10.xlsx")


def test_xlsx_sheet_sales_detail_with_order_report_equals_canonical(workbook, taobao, tmp_path):
    # --sheet 销售明细 picks the per-line sheet; the order report (GBK CSV) brings the buyer
    # and the completion time; the rating API joins on 主订单编号 + 子订单编号.
    doc = audit(workbook, taobao["orders"], ratings=taobao["api"], more=("--sheet", "销售明细"))
    want = audit(put(tmp_path / "canonical_sales.csv", SALES_CANONICAL, "utf-8"))
    assert_same_figures(doc, want)
    accounts_add_up(doc)


def test_xlsx_sheets_validate(workbook, taobao):
    first = file_entry(validate(workbook), workbook)  # no --sheet: the first sheet, 订单报表
    assert (first["platform"], first["role"], first["encoding"]) == ("taobao", "trades", None)
    assert first["rows_read"] == 10 and first["rows_rejected"] == 0, first
    report = validate(workbook, taobao["orders"], more=("--sheet", "销售明细"))
    sales = file_entry(report, workbook)
    assert (sales["platform"], sales["role"]) == ("taobao", "details")
    assert sales["headers"]["line_id"] == "子订单编号" and sales["headers"]["order_id"] == "主订单编号"


def test_xlsx_unknown_sheet_is_a_user_error(workbook):
    err = user_error(cli("audit", workbook, "--sheet", "退款报表", "--as-of", AS_OF))
    assert "退款报表" in err and "销售明细" in err and "--sheet" in err


def test_xlsx_sales_detail_alone_names_the_missing_buyer(workbook):
    err = user_error(cli("audit", workbook, "--sheet", "销售明细", "--as-of", AS_OF,
                         "--format", "json"))
    assert str(workbook) in err
    assert "buyer_id" in err.split("(")[0], err
    assert "买家会员名" in err and "买家昵称" in err, err


def test_xlsx_ids_stay_strings(workbook):
    # Text cells of 19 digits come out exactly, never through a float.
    ids = order_ids(workbook)  # the first sheet, 订单报表
    assert ids[0] == "4012345678901234561" and len(ids) == 10
    assert all(len(i) == 19 and i.isdigit() for i in ids), ids


def test_sales_detail_csv_with_bom_and_order_report_equals_canonical(taobao, tmp_path):
    sales = put(tmp_path / "销售明细.csv", sales_csv_text(), "utf-8-sig")
    entry = file_entry(validate(sales, taobao["orders"]), sales)
    assert (entry["platform"], entry["encoding"], entry["role"]) == ("taobao", "utf-8", "details")
    doc = audit(sales, taobao["orders"], ratings=taobao["api"])
    assert_same_figures(doc, audit(put(tmp_path / "canonical.csv", SALES_CANONICAL, "utf-8")))


def test_sales_detail_csv_alone_names_the_missing_buyer(tmp_path):
    sales = put(tmp_path / "销售明细.csv", sales_csv_text(), "utf-8-sig")
    err = user_error(cli("audit", sales, "--as-of", AS_OF, "--format", "json"))
    assert "buyer_id" in err.split("(")[0] and "买家会员名" in err, err


def test_sales_detail_with_a_buyer_but_no_completion_time_rejects_its_successes(tmp_path):
    # With a buyer column added, 销售明细 still has no 确认收货时间: every 交易成功 line is
    # rejected (completed_at is required for success lines) and says so, by column; but the
    # two refunded ones (退款金额 > 0: L4, L7's scarf) are not: a refunded line is never
    # rated, so it needs no success time. 9 success lines - 2 refunded = 7 rejected.
    buyers = ["alice", "bob", "carol", "dave", "alice", "erin", "frank", "frank", "gina", "hank",
              "ivan"]
    sales = put(tmp_path / "销售明细.csv", sales_csv_text({"买家会员名": buyers}), "utf-8-sig")
    rejects = tmp_path / "rejects.csv"
    doc = audit(sales, more=("--rejects", rejects))
    assert doc["inputs"]["rejected_by_reason"] == {"missing_value": 7}
    listed = pd.read_csv(rejects, dtype=str, keep_default_na=False)
    assert set(listed["column"]) == {"completed_at"} and len(listed) == 7
    accounts_add_up(doc)


# --- Douyin (抖店): one row per line, UTF-8 with BOM (or GBK), a tab before every cell -------

DOUYIN_HEADER = ("主订单编号,子订单编号,选购商品,商品ID,商家编码,商品数量,订单提交时间,支付完成时间,"
                 "订单完成时间,订单状态,发货时间,售后状态,小店名称")
DOUYIN_ROWS = [
    # 主订单, 子订单, 商品, 商品ID, 商家编码, 数量, 提交, 支付, 完成, 状态, 发货, 售后, 小店
    "6912345678901234561,6912345678901234661,红色连衣裙 M,3601234567890123401,A001,1,"
    "2026/09/28 10:00,2026/09/28 10:05,2026/10/01 10:00,已完成,2026/09/28 18:00,-,花间小铺",
    "6912345678901234562,6912345678901234662,蓝色衬衫 L,3601234567890123402,B002,2,"
    "2026-09-29 10:00:00,2026-09-29 10:05:00,2026-10-02 10:00:00,已完成,2026-09-29 18:00:00,-,花间小铺",
    "6912345678901234563,6912345678901234663,红色连衣裙 S,3601234567890123401,A001,1,"
    "2026-09-30 10:00:00,0000-00-00 00:00:00,0000-00-00 00:00:00,已关闭,,-,花间小铺",
    "6912345678901234564,6912345678901234664,白色T恤 M,3601234567890123403,C003,1,"
    "2026-10-01 10:00:00,2026-10-01 10:05:00,2026-10-04 10:00:00,已完成,2026-10-01 18:00:00,退款成功,花间小铺",
    "6912345678901234565,6912345678901234665,红色连衣裙 M,3601234567890123401,A001,1,"
    "2026-10-05 10:00:00,2026-10-05 10:05:00,2026-10-08 10:00:00,已完成,2026-10-05 18:00:00,-,花间小铺",
    # a refund asked for and then closed: not a refunded line
    "6912345678901234566,6912345678901234666,黑色长裤 30,3601234567890123404,D004,1,"
    "2026-10-06 10:00:00,2026-10-06 10:05:00,2026-10-09 10:00:00,已完成,2026-10-06 18:00:00,退款关闭,花间小铺",
    "6912345678901234567,6912345678901234667,蓝色衬衫 M,3601234567890123402,B002,1,"
    "2026-10-07 10:00:00,2026-10-07 10:05:00,2026-10-10 10:00:00,已完成,2026-10-07 18:00:00,-,花间小铺",
    "6912345678901234568,6912345678901234668,白色T恤 S,3601234567890123403,C003,1,"
    "2026-10-08 10:00:00,2026-10-08 10:05:00,2026-10-11 10:00:00,已完成,2026-10-08 18:00:00,-,花间小铺",
    "6912345678901234569,6912345678901234669,黑色长裤 32,3601234567890123404,D004,1,"
    "2026-10-09 10:00:00,2026-10-09 10:05:00,0000-00-00 00:00:00,已发货,2026-10-09 18:00:00,-,花间小铺",
    "6912345678901234570,6912345678901234670,红色连衣裙 L,3601234567890123401,A001,1,"
    "2026-10-10 10:00:00,2026-10-10 10:05:00,2026-10-13 10:00:00,已完成,2026-10-10 18:00:00,-,花间小铺",
]
DOUYIN_BUYERS = ["alice", "bob", "carol", "dave", "alice", "erin", "frank", "gina", "hank", "ivan"]

DOUYIN_RATINGS = """\
tid,oid,num_iid,nick,role,result,created
6912345678901234561,6912345678901234661,3601234567890123401,alice,buyer,good,2026-10-02 10:00:00
6912345678901234562,6912345678901234662,3601234567890123402,bob,buyer,neutral,2026-10-03 10:00:00
6912345678901234563,6912345678901234663,3601234567890123401,carol,buyer,bad,2026-10-03 10:00:00
6912345678901234564,6912345678901234664,3601234567890123403,dave,buyer,good,2026-10-05 10:00:00
6912345678901234565,6912345678901234665,3601234567890123401,alice,buyer,good,2026-10-09 10:00:00
6912345678901234566,6912345678901234666,3601234567890123404,erin,buyer,bad,2026-10-10 10:00:00
6912345678901234567,6912345678901234667,3601234567890123402,frank,buyer,good,2026-10-11 10:00:00
6912345678901234567,6912345678901234667,3601234567890123402,花间小铺,seller,good,2026-10-11 12:00:00
6912345678901234568,6912345678901234668,3601234567890123403,花间小铺,seller,good,2026-10-12 10:00:00
6912345678901234570,6912345678901234670,3601234567890123401,ivan,buyer,good,2026-10-14 10:00:00
"""

DOUYIN_CANONICAL = """\
shop_id,order_id,line_id,buyer_id,item_id,created_at,completed_at,status,refunded,rated_at,credit,seller_rated_at,seller_credit
花间小铺,6912345678901234561,6912345678901234661,alice,3601234567890123401,2026-09-28 10:00:00,2026-10-01 10:00:00,success,false,2026-10-02 10:00:00,positive,,
花间小铺,6912345678901234562,6912345678901234662,bob,3601234567890123402,2026-09-29 10:00:00,2026-10-02 10:00:00,success,false,2026-10-03 10:00:00,neutral,,
花间小铺,6912345678901234563,6912345678901234663,carol,3601234567890123401,2026-09-30 10:00:00,,closed,false,2026-10-03 10:00:00,negative,,
花间小铺,6912345678901234564,6912345678901234664,dave,3601234567890123403,2026-10-01 10:00:00,2026-10-04 10:00:00,success,true,2026-10-05 10:00:00,positive,,
花间小铺,6912345678901234565,6912345678901234665,alice,3601234567890123401,2026-10-05 10:00:00,2026-10-08 10:00:00,success,false,2026-10-09 10:00:00,positive,,
花间小铺,6912345678901234566,6912345678901234666,erin,3601234567890123404,2026-10-06 10:00:00,2026-10-09 10:00:00,success,false,2026-10-10 10:00:00,negative,,
花间小铺,6912345678901234567,6912345678901234667,frank,3601234567890123402,2026-10-07 10:00:00,2026-10-10 10:00:00,success,false,2026-10-11 10:00:00,positive,2026-10-11 12:00:00,positive
花间小铺,6912345678901234568,6912345678901234668,gina,3601234567890123403,2026-10-08 10:00:00,2026-10-11 10:00:00,success,false,,,2026-10-12 10:00:00,positive
花间小铺,6912345678901234569,6912345678901234669,hank,3601234567890123404,2026-10-09 10:00:00,,open,false,,,,
花间小铺,6912345678901234570,6912345678901234670,ivan,3601234567890123401,2026-10-10 10:00:00,2026-10-13 10:00:00,success,false,2026-10-14 10:00:00,positive,,
"""


def douyin_text(buyers: bool) -> str:
    """Every data cell starts with a tab (so spreadsheets keep ids as text); a ragged row."""
    header = DOUYIN_HEADER + (",买家昵称" if buyers else "")
    rows = [row + ("," + DOUYIN_BUYERS[i] if buyers else "") for i, row in enumerate(DOUYIN_ROWS)]
    body = [",".join("\t" + cell for cell in row.split(",")) for row in rows]
    body.insert(5, "\t6912345678901234599,\t6912345678901234699")  # ragged: line 7
    return "\n".join([header, *body]) + "\n"


@pytest.fixture
def douyin(tmp_path) -> dict:
    return {"ratings": put(tmp_path / "douyin_ratings.csv", DOUYIN_RATINGS, "utf-8"),
            "canonical": put(tmp_path / "canonical.csv", DOUYIN_CANONICAL, "utf-8")}


@pytest.mark.parametrize("encoding", ["utf-8-sig", "gbk"])
def test_douyin_with_a_buyer_column_equals_canonical(tmp_path, douyin, encoding):
    path = put(tmp_path / "抖店订单导出.csv", douyin_text(buyers=True), encoding, "\r\n")
    doc = audit(path, ratings=douyin["ratings"])
    assert_same_figures(doc, audit(douyin["canonical"]))
    accounts_add_up(doc)
    entry = file_entry(doc["inputs"], path)
    assert (entry["rows_read"], entry["rejected_by_reason"]) == (11, {"ragged_row": 1})
    report = file_entry(validate(path), path)
    assert report["platform"] == "douyin"
    assert report["encoding"] == {"utf-8-sig": "utf-8", "gbk": "gb18030"}[encoding]
    assert report["rejected"]["ragged_row"]["examples"][0]["row"] == 7
    ids = order_ids(path, ratings=douyin["ratings"])
    assert "6912345678901234561" in ids and all(len(i) == 19 for i in ids), ids


def test_douyin_as_exported_lacks_the_buyer(tmp_path):
    # FORMATS.md's Douyin export has no buyer column: the audit cannot run without one.
    path = put(tmp_path / "抖店订单导出.csv", douyin_text(buyers=False), "utf-8-sig", "\r\n")
    err = user_error(cli("audit", path, "--as-of", AS_OF, "--format", "json"))
    assert str(path) in err and "buyer_id" in err.split("(")[0], err
    assert "买家昵称" in err and "用户昵称" in err and "douyin" in err, err


# --- JD (京东): GBK, `'`-prefixed ids, a Chinese rating export with DSR --------------------

JD_ORDERS = """\
订单号,商品ID,商品名称,下单时间,订单状态,订单完成时间,下单帐号,,
'301234567861,100012345601,红色连衣裙,2026/09/28 10:00,完成,2026-10-01 10:00:00,jd_alice,,
'301234567862,100012345602,蓝色衬衫,2026/09/29 10:00,完成,2026-10-02 10:00:00,jd_bob,,
'301234567863,100012345601,红色连衣裙,2026/09/30 10:00,已取消,0000-00-00 00:00:00,jd_carol,,
'301234567864,100012345603,白色T恤,2026/10/01 10:00,(删除)完成,2026-10-04 10:00:00,jd_dave,,
'301234567865,100012345601,红色连衣裙,2026/10/05 10:00,完成,2026-10-08 10:00:00,jd_alice,,
'301234567866,100012345604,黑色长裤,2026/10/06 10:00,完成,2026-10-09 10:00:00,jd_erin,,
'301234567867,100012345602,蓝色衬衫,2026/10/07 10:00,完成,2026-10-10 10:00:00,jd_frank,,
'301234567868,100012345603,白色T恤,2026/10/08 10:00,完成,2026-10-11 10:00:00,jd_gina,,
'301234567869,100012345604,黑色长裤,2026/10/09 10:00,等待确认收货,0000-00-00 00:00:00,jd_hank,,
'301234567870,100012345601,红色连衣裙,2026/10/10 10:00,完成,2026-10-13 10:00:00,jd_ivan,,
"""

# A review tool's Chinese export (GBK) with the DSR of each order.
JD_RATINGS = """\
订单编号,评价,评价时间,宝贝与描述相符,卖家的服务态度,卖家发货的速度,物流公司的服务
301234567861,好评,2026-10-02 10:00:00,5,5,5,5
301234567862,中评,2026-10-03 10:00:00,3,4,5,4
301234567863,差评,2026-10-03 10:00:00,1,1,1,1
301234567864,好评,2026-10-05 10:00:00,5,5,4,5
301234567865,好评,2026-10-09 10:00:00,5,4,5,5
301234567866,差评,2026-10-10 10:00:00,2,3,4,3
301234567867,好评,2026-10-11 10:00:00,5,5,5,4
301234567870,好评,2026-10-14 10:00:00,4,5,5,5
"""

JD_CANONICAL = """\
order_id,buyer_id,item_id,created_at,completed_at,status,rated_at,credit,dsr_description,dsr_service,dsr_shipping,dsr_logistics
301234567861,jd_alice,100012345601,2026-09-28 10:00:00,2026-10-01 10:00:00,success,2026-10-02 10:00:00,positive,5,5,5,5
301234567862,jd_bob,100012345602,2026-09-29 10:00:00,2026-10-02 10:00:00,success,2026-10-03 10:00:00,neutral,3,4,5,4
301234567863,jd_carol,100012345601,2026-09-30 10:00:00,,closed,2026-10-03 10:00:00,negative,1,1,1,1
301234567864,jd_dave,100012345603,2026-10-01 10:00:00,2026-10-04 10:00:00,success,2026-10-05 10:00:00,positive,5,5,4,5
301234567865,jd_alice,100012345601,2026-10-05 10:00:00,2026-10-08 10:00:00,success,2026-10-09 10:00:00,positive,5,4,5,5
301234567866,jd_erin,100012345604,2026-10-06 10:00:00,2026-10-09 10:00:00,success,2026-10-10 10:00:00,negative,2,3,4,3
301234567867,jd_frank,100012345602,2026-10-07 10:00:00,2026-10-10 10:00:00,success,2026-10-11 10:00:00,positive,5,5,5,4
301234567868,jd_gina,100012345603,2026-10-08 10:00:00,2026-10-11 10:00:00,success,,,,,,
301234567869,jd_hank,100012345604,2026-10-09 10:00:00,,open,,,,,,
301234567870,jd_ivan,100012345601,2026-10-10 10:00:00,2026-10-13 10:00:00,success,2026-10-14 10:00:00,positive,4,5,5,5
"""


def test_jd_equals_canonical_with_dsr(tmp_path):
    orders = put(tmp_path / "京东订单.csv", JD_ORDERS, "gbk", "\r\n")
    ratings = put(tmp_path / "评价.csv", JD_RATINGS, "gbk", "\r\n")
    doc = audit(orders, ratings=ratings)
    want = audit(put(tmp_path / "canonical.csv", JD_CANONICAL, "utf-8"))
    assert_same_figures(doc, want)
    # The DSR is really read: the 7 rated successful orders count, carol's closed one does not.
    dsr = doc["shops"][0]["dsr"]
    assert dsr["description"]["count"] == 7, dsr
    assert dsr["excluded_by_reason"] == {"not_success": 1}, dsr
    report = validate(orders, ratings=ratings)
    entry = file_entry(report, orders)
    assert (entry["platform"], entry["encoding"], entry["role"]) == ("jd", "gb18030", "trades")
    assert entry["headers"]["buyer_id"] == "下单帐号"
    assert file_entry(report, ratings)["role"] == "ratings"
    ids = order_ids(orders)
    assert ids[0] == "301234567861" and len(ids) == 10  # the `'` stripped, a string


# --- Pinduoduo (拼多多): UTF-8 with BOM, ¥ amounts, 售后状态 ---------------------------------

PDD_HEADER = "订单号,商品id,商品,订单状态,用户实付金额(元),订单成交时间,确认收货时间,售后状态"
PDD_ROWS = [
    "260928-012345678901561,600000000001,红色连衣裙,已签收,\"¥1,234.50\",2026-09-28 10:00:00,2026-10-01 10:00:00,无售后或售后取消",
    "260929-012345678901562,600000000002,蓝色衬衫,已签收,¥88.00,2026-09-29 10:00:00,2026/10/02 10:00,无售后或售后取消",
    "260930-012345678901563,600000000001,红色连衣裙,已取消,¥0.00,2026-09-30 10:00:00,0000-00-00 00:00:00,无售后或售后取消",
    "261001-012345678901564,600000000003,白色T恤,已签收,¥59.00,2026-10-01 10:00:00,2026-10-04 10:00:00,退款成功",
    "261005-012345678901565,600000000001,红色连衣裙,已签收,\"¥1,234.50\",2026-10-05 10:00:00,2026-10-08 10:00:00,无售后或售后取消",
    "261006-012345678901566,600000000004,黑色长裤,已签收,¥129.00,2026-10-06 10:00:00,2026-10-09 10:00:00,无售后或售后取消",
    "261007-012345678901567,600000000002,蓝色衬衫,已签收,¥44.00,2026-10-07 10:00:00,2026-10-10 10:00:00,无售后或售后取消",
    "261008-012345678901568,600000000003,白色T恤,已签收,¥59.00,2026-10-08 10:00:00,2026-10-11 10:00:00,无售后或售后取消",
    "261009-012345678901569,600000000004,黑色长裤,\"已发货，待签收\",¥129.00,2026-10-09 10:00:00,,无售后或售后取消",
    "261010-012345678901570,600000000001,红色连衣裙,已签收,\"¥1,234.50\",2026-10-10 10:00:00,2026-10-13 10:00:00,无售后或售后取消",
]
PDD_BUYERS = ["alice", "bob", "carol", "dave", "alice", "erin", "frank", "gina", "hank", "ivan"]

PDD_RATINGS = """\
订单编号,评价,评价时间
260928-012345678901561,好评,2026-10-02 10:00:00
260929-012345678901562,中评,2026-10-03 10:00:00
260930-012345678901563,差评,2026-10-03 10:00:00
261001-012345678901564,好评,2026-10-05 10:00:00
261005-012345678901565,好评,2026-10-09 10:00:00
261006-012345678901566,差评,2026-10-10 10:00:00
261007-012345678901567,好评,2026-10-11 10:00:00
261010-012345678901570,好评,2026-10-14 10:00:00
"""

PDD_CANONICAL = """\
order_id,buyer_id,item_id,created_at,completed_at,status,refunded,amount,rated_at,credit
260928-012345678901561,alice,600000000001,2026-09-28 10:00:00,2026-10-01 10:00:00,success,false,1234.50,2026-10-02 10:00:00,positive
260929-012345678901562,bob,600000000002,2026-09-29 10:00:00,2026-10-02 10:00:00,success,false,88.00,2026-10-03 10:00:00,neutral
260930-012345678901563,carol,600000000001,2026-09-30 10:00:00,,closed,false,0.00,2026-10-03 10:00:00,negative
261001-012345678901564,dave,600000000003,2026-10-01 10:00:00,2026-10-04 10:00:00,success,true,59.00,2026-10-05 10:00:00,positive
261005-012345678901565,alice,600000000001,2026-10-05 10:00:00,2026-10-08 10:00:00,success,false,1234.50,2026-10-09 10:00:00,positive
261006-012345678901566,erin,600000000004,2026-10-06 10:00:00,2026-10-09 10:00:00,success,false,129.00,2026-10-10 10:00:00,negative
261007-012345678901567,frank,600000000002,2026-10-07 10:00:00,2026-10-10 10:00:00,success,false,44.00,2026-10-11 10:00:00,positive
261008-012345678901568,gina,600000000003,2026-10-08 10:00:00,2026-10-11 10:00:00,success,false,59.00,,
261009-012345678901569,hank,600000000004,2026-10-09 10:00:00,,open,false,129.00,,
261010-012345678901570,ivan,600000000001,2026-10-10 10:00:00,2026-10-13 10:00:00,success,false,1234.50,2026-10-14 10:00:00,positive
"""


def pdd_text(buyers: bool) -> str:
    header = PDD_HEADER + (",用户昵称" if buyers else "")
    rows = [row + ("," + PDD_BUYERS[i] if buyers else "") for i, row in enumerate(PDD_ROWS)]
    return "\n".join([header, *rows]) + "\n"


def test_pdd_with_a_buyer_column_equals_canonical(tmp_path):
    orders = put(tmp_path / "拼多多订单.csv", pdd_text(buyers=True), "utf-8-sig")
    ratings = put(tmp_path / "评价.csv", PDD_RATINGS, "utf-8-sig")
    doc = audit(orders, ratings=ratings)
    assert_same_figures(doc, audit(put(tmp_path / "canonical.csv", PDD_CANONICAL, "utf-8")))
    accounts_add_up(doc)
    assert doc["inputs"]["rows_rejected"] == 0, doc["inputs"]
    entry = file_entry(validate(orders), orders)
    assert (entry["platform"], entry["encoding"]) == ("pdd", "utf-8")
    assert entry["headers"]["amount"] == "用户实付金额(元)"
    assert order_ids(orders)[0] == "260928-012345678901561"


def test_pdd_as_exported_lacks_the_buyer(tmp_path):
    orders = put(tmp_path / "拼多多订单.csv", pdd_text(buyers=False), "utf-8-sig")
    err = user_error(cli("audit", orders, "--as-of", AS_OF, "--format", "json"))
    assert str(orders) in err and "buyer_id" in err.split("(")[0], err
    assert "用户昵称" in err and "pdd" in err, err


# --- several files: a directory of monthly exports, and a glob ----------------------------

def monthly_exports(folder: Path) -> tuple[Path, Path]:
    """The Taobao order report as two monthly downloads (September: L1-L3, October: L4-L10)."""
    lines = TAOBAO_ORDERS.splitlines()
    header, rows = lines[0], lines[1:-1]
    september = put(folder / "ExportOrderList202609.csv", "\n".join([header, *rows[:3]]) + "\n",
                    "gbk", "\r\n")
    october = put(folder / "ExportOrderList202610.csv", "\n".join([header, *rows[3:]]) + "\n",
                  "gbk", "\r\n")
    return september, october


def test_directory_of_monthly_exports_equals_canonical(tmp_path, taobao):
    folder = tmp_path / "exports"
    september, october = monthly_exports(folder)
    (folder / ".~lock.ExportOrderList202610.csv#").write_text("lock", encoding="utf-8")
    (folder / "说明.md").write_text("# 每月导出\n", encoding="utf-8")
    doc = audit(folder, ratings=taobao["cn"])
    assert_same_figures(doc, audit(taobao["canonical_orders"]))
    files = {f["path"]: f for f in doc["inputs"]["files"]}
    assert files[str(september)]["rows_read"] == 3 and files[str(october)]["rows_read"] == 7
    assert len(files) == 3  # two monthly exports and the ratings: nothing else was read
    accounts_add_up(doc)
    # alice's second red dress (October) falls in the 14 days of her first (September)
    assert doc["shops"][0]["credit"]["excluded_by_reason"]["same_item_14d"] == 1


def test_glob_of_exports_and_ratings_equals_canonical(tmp_path, taobao):
    # One pattern picks up both monthly order reports and the rating export; each file's
    # role comes from its headers.
    folder = tmp_path / "downloads"
    monthly_exports(folder)
    put(folder / "Export评价2026.csv", TAOBAO_RATINGS_CN, "gbk", "\r\n")
    put(folder / "other.txt", "not an export\n", "utf-8")
    doc = audit(str(folder / "Export*.csv"))
    assert_same_figures(doc, audit(taobao["canonical_orders"]))
    roles = sorted(f["role"] for f in doc["inputs"]["files"])
    assert roles == ["ratings", "trades", "trades"]
    accounts_add_up(doc)


def test_glob_matching_nothing_is_a_user_error(tmp_path):
    err = user_error(cli("audit", str(tmp_path / "ExportOrderList*.csv"), "--as-of", AS_OF))
    assert "ExportOrderList*.csv" in err


def test_the_exports_shop_name_labels_the_shop_and_the_id_stays_the_id(taobao):
    # ExportOrderList carries 店铺Id and 店铺名称: the id identifies the shop, the name is the
    # label an operator knows (JSON shop_name); a file without a name column gives null.
    doc = audit(taobao["orders"], taobao["items"], ratings=taobao["api"])
    assert [(s["shop_id"], s["shop_name"]) for s in doc["shops"]] == [("57001", "花间小铺")]
    assert [s["shop_name"] for s in audit(taobao["canonical_items"])["shops"]] == [None]
