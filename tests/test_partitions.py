"""Nothing in the result depends on the number of partitions: the audit in N partitions by
(shop, buyer) gives the JSON of the whole audit byte for byte, and the same rejected rows, for
N = 1, 2, 7, 64 on the bundled samples (with separate ratings, after-sales and chats files,
the Douyin profile, rejected rows, several shops) and on generated shops of any seed."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from shopscore.cli.app import app
from shopscore.scoring.engine import budget, routing
from shopscore.scoring.sample import write_sample

SAMPLE = Path(__file__).resolve().parent.parent / "sample_data"
AS_OF = "2026-11-22T00:00:00+08:00"
COUNTS = (1, 2, 7, 64)


def run(args, tmp_path: Path, tag: str, partitions: int | None) -> tuple[str, str, int]:
    """(stdout JSON, the --rejects file, exit code) of one audit."""
    rejects = tmp_path / f"rejects-{tag}-{partitions}.csv"
    more = [] if partitions is None else ["--partitions", str(partitions)]
    done = CliRunner().invoke(app, ["audit", *map(str, args), "--as-of", AS_OF, "--format",
                                    "json", "--rejects", str(rejects), *more])
    assert done.exit_code in (0, 1), (done.exit_code, done.stderr, done.exception)
    listed = rejects.read_text(encoding="utf-8") if rejects.exists() else None
    return done.stdout, listed, done.exit_code


def with_bad_rows(folder: Path) -> Path:
    """Four shops of generated lines with rows a partition must reject as the whole does:
    a bad status, a missing buyer, an impossible date and a line given twice."""
    write_sample(folder, lines=1500, seed=5, shops=4)
    frame = pd.read_csv(folder / "sample_shop.csv", dtype=str, keep_default_na=False)
    frame.loc[3, "status"] = "shipped?"
    frame.loc[10, "buyer_id"] = ""
    frame.loc[20, "created_at"] = "2026-02-30 10:00:00"
    frame = pd.concat([frame, frame.iloc[[30, 31]]], ignore_index=True)  # lines twice
    path = folder / "bad.csv"
    frame.to_csv(path, index=False)
    return path


CASES = {
    "service files": lambda d: [SAMPLE / "sample_shop.csv", "--after-sales",
                                SAMPLE / "sample_after_sales.csv", "--chats",
                                SAMPLE / "sample_chats.csv"],
    "separate ratings": lambda d: [SAMPLE / "sample_trades.csv", "--ratings",
                                   SAMPLE / "sample_ratings.csv"],
    "douyin": lambda d: [SAMPLE / "douyin" / "douyin_orders.csv", "--profile", "douyin",
                         "--after-sales", SAMPLE / "douyin" / "douyin_aftersales.csv",
                         "--chats", SAMPLE / "douyin" / "douyin_chats.csv"],
    "parquet": lambda d: [SAMPLE / "sample_shop.parquet", "--after-sales",
                          SAMPLE / "sample_after_sales.parquet", "--chats",
                          SAMPLE / "sample_chats.parquet"],
    "rejected rows, four shops": lambda d: [with_bad_rows(d)],
}


@pytest.mark.parametrize("case", list(CASES))
def test_every_partition_count_gives_the_whole_audit(case, tmp_path):
    args = CASES[case](tmp_path)
    whole, whole_rejects, code = run(args, tmp_path, "whole", None)
    assert json.loads(whole)["shops"]
    for n in COUNTS:
        got, got_rejects, got_code = run(args, tmp_path, "part", n)
        assert got == whole, (case, n)
        assert got_rejects == whole_rejects, (case, n)
        assert got_code == code
    if case.startswith("rejected"):
        reasons = json.loads(whole)["inputs"]["rejected_by_reason"]
        assert {"bad_status", "missing_id", "bad_datetime", "duplicate"} <= set(reasons), reasons


@settings(max_examples=8, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), shops=st.integers(1, 5), n=st.integers(2, 40))
def test_generated_shops_in_any_number_of_partitions(tmp_path_factory, seed, shops, n):
    folder = tmp_path_factory.mktemp("gen")
    write_sample(folder, lines=400, seed=seed, shops=shops)
    for args in ([folder / "sample_shop.csv"],
                 [folder / "sample_trades.csv", "--ratings", folder / "sample_ratings.csv"]):
        whole = run(args, folder, "whole", None)
        assert run(args, folder, "part", n) == whole


# --- routing --------------------------------------------------------------------------------

def test_an_id_written_two_ways_goes_to_one_partition():
    frame = pd.DataFrame({"shop_id": ["s1", " s1 ", "s1"], "buyer_id": ["b9", "b9", "'b9"],
                          "order_id": ["1", "2", "3"]})
    parts = routing.line_partitions(frame, np.arange(2, 5), 64)
    assert len(set(parts.tolist())) == 1


def _word_hash(text: str, key: int) -> int:
    """routing.text_hashes of one string, by hand: its length, each 8 bytes (little-endian,
    the last zero-filled) folded in by xor and the multiplier, then spread()."""
    data, mask = text.encode("utf-8"), (1 << 64) - 1
    total = len(data) ^ routing._SEEDS[key]
    for at in range(0, len(data), 8):
        word = int.from_bytes(data[at:at + 8].ljust(8, b"\0"), "little")
        total = ((total ^ word) * routing._MULTIPLIERS[key]) & mask
    return int(routing.spread(np.array([total], np.uint64))[0])


IDS = st.lists(st.one_of(st.none(), st.text(max_size=30),
                         st.sampled_from(["b1", " b1 ", "'b1", '="b1"', "", "  ", "买家1"])),
               min_size=1, max_size=40)


@settings(max_examples=60, deadline=None)
@given(words=IDS, key=st.sampled_from(routing._KEYS))
def test_an_id_hashes_alike_coded_or_not(words, key):
    import pyarrow as pa

    from shopscore.scoring.engine import ids

    column = pd.Series(words, dtype=object)
    plain, has = routing.id_hashes(column, key)
    coded, coded_has = routing.id_hashes(pd.Series(ids.encode(column)[0]), key)
    assert has.tolist() == coded_has.tolist()
    assert plain[has].tolist() == coded[has].tolist()
    cleaned = ids.clean_text(column).to_pylist()
    assert [c is not None for c in cleaned] == has.tolist()
    assert plain[has].tolist() == [_word_hash(c, key) for c in cleaned if c is not None]
    assert routing.text_hashes(pa.array([w for w in words if w is not None],
                                        pa.large_string()), key).tolist() == \
        [_word_hash(w, key) for w in words if w is not None]


def test_orders_whose_first_hashes_clash_are_told_apart(monkeypatch):
    # Orders A and B share a first hash (forced) but not the second: each rating still goes to
    # its own order's partition, and an order no trade row has goes by its own hash.
    first = {"A": 7, "B": 7, "C": 9}
    second = {"A": 1, "B": 2, "C": 3}

    def fake(column, key=routing._KEYS[0]):
        table = first if key == routing._KEYS[0] else second
        values = list(column)
        return (np.array([table.get(v, 11) for v in values], dtype=np.uint64),
                np.array([isinstance(v, str) for v in values]))

    monkeypatch.setattr(routing, "id_hashes", fake)
    orders = routing.OrderMap()
    orders.add(pd.DataFrame({"order_id": ["A", "B", "A"]}), np.array([3, 5, 3], np.int32))
    orders.freeze()
    assert orders.clashes
    got = orders.partitions(pd.Series(["B", "A", "Z", None]), 8)
    assert got[:2].tolist() == [5, 3]
    assert got[2] == routing.partition_of(routing.spread(np.array([11], np.uint64)), 8)[0]
    assert got[3] == 0


# --- the budget -----------------------------------------------------------------------------

def test_partitions_follow_the_input_size_and_the_budget(tmp_path):
    parquet = SAMPLE / "sample_shop.parquet"  # 3,000 rows: 1.2 MB once read
    assert budget.estimated_bytes([parquet]) == 3000 * budget.PER_PARQUET_ROW
    csv = tmp_path / "t.csv"
    csv.write_bytes(b"x" * 1000)
    assert budget.estimated_bytes([csv]) == 1500
    # 10 GiB into 4 GiB: partitioning holds 600 MiB, leaving 3496 MiB for the two partitions
    # in memory at once, 1748 MiB each: 10240 / 1748 = 5.9, so 6.
    assert budget.partitions_for(10 * budget.GIB, 4 * budget.GIB) == 6
    # 1 GiB and the 200 MiB beside it fit 1.5 GiB whole; 1.4 GiB does not: 936 MiB for two
    # partitions, 468 MiB each, 1433.6 / 468 = 3.1, so 4.
    assert budget.partitions_for(budget.GIB, 3 * budget.GIB // 2) == 1
    assert budget.partitions_for(7 * budget.GIB // 5, 3 * budget.GIB // 2) == 4
    assert budget.partitions_for(1, budget.GIB) == 1
    assert budget.partitions_for(10**18, budget.GIB) == budget.MAX_PARTITIONS
    assert budget.default_budget() >= budget.LOWEST


@pytest.mark.parametrize("option", [["--partitions", "0"], ["--partitions", "5000"],
                                    ["--memory", "0.1"], ["--memory", "nan"]])
def test_impossible_budgets_are_refused(option):
    done = CliRunner().invoke(app, ["audit", str(SAMPLE / "sample_shop.csv"), "--as-of", AS_OF,
                                    *option])
    assert done.exit_code == 2 and option[0] in done.stderr, done.stderr


def test_only_inputs_read_a_batch_at_a_time_are_partitioned_by_the_budget(monkeypatch):
    from shopscore.scoring import api

    monkeypatch.setattr(budget, "estimated_bytes", lambda files, per_row=0: 40 * budget.GIB if files else 0)
    parquet = api.Sources((SAMPLE / "sample_shop.parquet",))
    # 40 GiB in a 2 GiB budget: 2 GiB less the 600 MiB partitioning holds is 1448 MiB for
    # two partitions at once, 724 MiB each, 40960 / 724 = 56.6, so 57.
    assert api._partitions(parquet, None, 2.0) == 57
    assert api._partitions(parquet, 3, None) == 3  # asked for: as asked
    # A CSV is read a piece at a time too; a workbook is read whole: the budget leaves it so.
    assert api._partitions(api.Sources((SAMPLE / "sample_shop.csv",)), None, 2.0) == 57
    assert api._partitions(api.Sources((Path("orders.xlsx"),)), None, 2.0) is None
    monkeypatch.setattr(budget, "estimated_bytes", lambda files, per_row=0: budget.GIB if files else 0)
    assert api._partitions(parquet, None, 2.0) is None  # it fits


def test_compressed_spill_files_give_the_same_audit(tmp_path, monkeypatch):
    # A big input's spill files are LZ4-compressed: forced here on the sample.
    from shopscore.scoring.engine import partitioned

    monkeypatch.setattr(partitioned, "COMPRESS_ABOVE", 0)
    args = CASES["parquet"](tmp_path)
    whole = run(args, tmp_path, "whole", None)
    assert run(args, tmp_path, "part", 7) == whole


def test_taobao_order_and_item_reports_in_partitions(tmp_path):
    # Real-export-shaped files (GBK, CRLF, an order report beside its item report, Chinese
    # ratings): in partitions, the item lines find their orders as the whole run does, and
    # text of two readers joined in one column stays one column (it crashed, exit 3).
    from builders import put
    from test_platforms import TAOBAO_ITEMS, TAOBAO_ORDERS, TAOBAO_RATINGS_CN

    orders = put(tmp_path / "ExportOrderList202610221530.csv", TAOBAO_ORDERS, "gbk", "\r\n")
    items = put(tmp_path / "ExportOrderDetailList202610221530.csv", TAOBAO_ITEMS, "gbk",
                "\r\n")
    ratings = put(tmp_path / "评价导出.csv", TAOBAO_RATINGS_CN, "gbk", "\r\n")
    args = [orders, items, "--ratings", ratings]
    whole, whole_rejects, code = run(args, tmp_path, "whole", None)
    assert json.loads(whole)["shops"][0]["credit"]["score"] is not None
    for n in (2, 3, 7):
        assert run(args, tmp_path, "part", n) == (whole, whole_rejects, code), n


def test_a_ratings_file_alone_is_refused_by_an_explanation_in_partitions(tmp_path, monkeypatch):
    from shopscore.scoring import api

    monkeypatch.setattr(api, "_partitions", lambda *a, **k: 3)
    done = CliRunner().invoke(app, ["explain", str(SAMPLE / "sample_ratings.csv"), "--order",
                                    "3012000000910265653", "--as-of", AS_OF])
    assert done.exit_code == 2 and "--ratings" in done.stderr, done.stderr


def test_a_shops_chats_count_in_partitions_without_its_lines(tmp_path):
    # One shop of few trade lines and many chat sessions: with more partitions than lines,
    # most sessions fall in partitions holding none of the shop's lines; they still count.
    trades = tmp_path / "trades.csv"
    trades.write_text("shop_id,order_id,line_id,buyer_id,item_id,created_at,completed_at,status,"
                      "amount,paid_at\n" + "".join(
                          f"s,o{i},L1,b{i},i1,2026-11-10 10:00:00,2026-11-12 10:00:00,success,"
                          f"20.00,2026-11-10 10:01:00\n" for i in range(2)), encoding="utf-8")
    chats = tmp_path / "chats.csv"
    chats.write_text("shop_id,session_id,sent_at,sender,rating\n" + "".join(
        f"s,c{k},2026-11-15 10:00:00,buyer,{1 + k % 5}\n"
        f"s,c{k},2026-11-15 10:0{1 + k % 9}:00,agent,\n" for k in range(40)), encoding="utf-8")
    args = [trades, "--chats", chats, "--profile", "douyin"]
    whole, whole_rejects, code = run(args, tmp_path, "whole", None)
    reply = json.loads(whole)["shops"][0]["experience"]["metrics"]["reply_seconds_mean"]
    assert reply["denominator"] == 40, reply
    for n in (7, 64):
        assert run(args, tmp_path, "part", n) == (whole, whole_rejects, code), n


# --- order ids that several shops hold --------------------------------------------------------

def shops_sharing_order_ids(folder: Path, shop_in_ratings: bool = True) -> list:
    """Three shops whose orders are numbered alike (o0..o29 in each), a ratings file and an
    after-sales file of shop A's orders only: each rating and case belongs to its shop's
    order of that id, never to another shop's."""
    head = "shop_id,order_id,line_id,buyer_id,item_id,created_at,completed_at,status,paid_at\n"
    trades = folder / "trades.csv"
    trades.write_text(head + "".join(
        f"{s},o{i},L1,{s}-b{i},i1,2026-11-01 10:00:00,2026-11-03 10:00:00,success,"
        f"2026-11-01 10:01:00\n" for s in "ABC" for i in range(30)), encoding="utf-8")
    ratings = folder / "ratings.csv"
    shop_col = "shop_id," if shop_in_ratings else ""
    ratings.write_text(f"{shop_col}order_id,line_id,rated_at,credit\n" + "".join(
        f"{s + ',' if shop_in_ratings else ''}o{i},L1,2026-11-04 10:00:00,"
        f"{'negative' if s == 'A' else 'positive'}\n" for s in "ABC" for i in range(0, 30, 3)),
        encoding="utf-8")
    after = folder / "after_sales.csv"
    after.write_text("shop_id,aftersale_id,order_id,type,reason,status,applied_at,refunded_at\n"
                     + "".join(f"A,R{i},o{i},refund_unshipped,quality,refunded,"
                               f"2026-11-01 11:00:00,2026-11-01 12:00:00\n" for i in range(10)),
                     encoding="utf-8")
    return [trades, "--ratings", ratings, "--after-sales", after]


def test_a_shared_order_ids_ratings_and_cases_stay_in_their_shop(tmp_path):
    whole, _, _ = run(shops_sharing_order_ids(tmp_path), tmp_path, "whole", None)
    shops = {s["shop_id"]: s for s in json.loads(whole)["shops"]}
    # Ten ratings a shop (o0, o3, .. o27): A's are the negatives, B's and C's the positives.
    assert [shops[s]["credit"]["negative"] for s in "ABC"] == [10, 0, 0]
    assert [shops[s]["credit"]["positive"] for s in "ABC"] == [0, 10, 10]
    # The ten refunds are shop A's, of its first ten orders: 10 of its 30 paid orders.
    refunds = {s: shops[s]["experience"]["metrics"]["refund_rate"] for s in "ABC"}
    assert [(refunds[s]["numerator"], refunds[s]["denominator"]) for s in "ABC"] == [
        (10, 30), (0, 30), (0, 30)], refunds
    for n in COUNTS:
        assert run(shops_sharing_order_ids(tmp_path), tmp_path, "part", n)[0] == whole, n


def test_a_rating_of_a_shared_order_id_naming_no_shop_is_left_out(tmp_path):
    args = shops_sharing_order_ids(tmp_path, shop_in_ratings=False)
    done = CliRunner().invoke(app, ["audit", *map(str, args), "--as-of", AS_OF])
    assert done.exit_code == 2
    assert "held by lines of several shops and the rating names no shop" in done.stderr
    whole, _, _ = run([*args, "--max-left-out", "1"], tmp_path, "whole", None)
    found = json.loads(whole)["inputs"]
    assert found["rejected_by_reason"] == {"ambiguous_shop": 30}
    assert found["ratings_left_out"] == {"count": 30, "of": 30, "share": 1.0}
    for n in (2, 7):
        assert run([*args, "--max-left-out", "1"], tmp_path, "part", n)[0] == whole, n


def test_a_case_of_a_shared_order_id_naming_no_shop_is_rejected(tmp_path):
    # The after-sales file names no shop: a case of o0..o9 (held by shops A, B and C) cannot
    # be told apart and is rejected; a case of x9 (shop A's alone) is A's.
    args = shops_sharing_order_ids(tmp_path)
    with (tmp_path / "trades.csv").open("a", encoding="utf-8") as f:
        f.write("A,x9,L1,A-b99,i1,2026-11-01 10:00:00,2026-11-03 10:00:00,success,"
                "2026-11-01 10:01:00\n")
    cases = tmp_path / "after_no_shop.csv"
    cases.write_text("aftersale_id,order_id,type,reason,status,applied_at,refunded_at\n" + "".join(
        f"R{i},{o},refund_unshipped,quality,refunded,2026-11-01 11:00:00,2026-11-01 12:00:00\n"
        for i, o in enumerate([*(f"o{k}" for k in range(10)), "x9"])), encoding="utf-8")
    args[args.index("--after-sales") + 1] = cases
    whole, rejects, _ = run(args, tmp_path, "whole", None)
    doc = json.loads(whole)
    assert doc["inputs"]["files"][2]["rejected_by_reason"] == {"ambiguous_shop": 10}
    refunds = [s["experience"]["metrics"]["refund_rate"]["numerator"] for s in doc["shops"]]
    assert refunds == [1, 0, 0], refunds
    for n in (2, 7, 64):
        assert run(args, tmp_path, "part", n)[:2] == (whole, rejects), n
