"""The sample-shop generator: deterministic, well-formed, and exercising every rule of the engine."""

from __future__ import annotations

from datetime import datetime

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from shopscore.scoring.engine.audit import audit
from shopscore.scoring.inputs.load import load
from shopscore.scoring.rules.profile import load_profile
from shopscore.scoring.sample import COLUMNS, generate, write_sample

AS_OF = datetime.fromisoformat("2026-11-22T00:00:00+08:00")
PROFILE = load_profile(None)

CREDIT_REASONS = {"not_success", "not_escrow", "refunded", "outside_rating_window", "same_item_14d",
                  "monthly_cap", "low_amount", "deleted", "after_as_of"}
DSR_REASONS = {"not_success", "outside_rating_window", "dsr_monthly_cap", "outside_dsr_window",
               "after_as_of"}
ANOMALIES = {"revision_of_positive", "revision_after_30_days", "dsr_conflict"}


def run(paths, ratings=None):
    data = load(paths, PROFILE.timezone, ratings)
    result, _ = audit(data, PROFILE, AS_OF)
    return data, result


def without_files(doc: dict) -> dict:
    """The audit JSON without the input file names (which differ between CSV and Parquet)."""
    doc = dict(doc)
    doc["inputs"] = {k: v for k, v in doc["inputs"].items() if k != "files"}
    return doc


@pytest.fixture(scope="module")
def default_sample(tmp_path_factory):
    """The bundled sample: 3000 lines, seed 7, one shop, as of 2026-11-22."""
    out = tmp_path_factory.mktemp("sample")
    paths = write_sample(out, lines=3000, seed=7, shops=1, as_of=AS_OF)
    return dict(zip(("csv", "parquet", "trades", "ratings", "after_sales", "after_sales_parquet",
                     "chats", "chats_parquet"), paths, strict=True))


def test_same_seed_same_frame_other_seed_other_frame():
    first, again = generate(400, 11, as_of=AS_OF), generate(400, 11, as_of=AS_OF)
    assert first.equals(again)
    assert not first.equals(generate(400, 12, as_of=AS_OF))


@pytest.mark.parametrize("lines", [1, 2, 7, 333])
def test_row_count_and_columns(lines):
    frame = generate(lines, 5, shops=2, as_of=AS_OF)
    assert len(frame) == lines
    assert tuple(frame.columns) == COLUMNS


def test_values_are_canonical_text():
    frame = generate(2000, 3, shops=3, as_of=AS_OF)
    assert set(frame["status"]) <= {"success", "closed", "open"}
    assert set(frame["escrow"]) | set(frame["refunded"]) <= {"true", "false"}
    assert set(frame["credit"].dropna()) <= {"positive", "neutral", "negative"}
    assert set(frame["revised_to"].dropna()) <= {"positive", "deleted"}
    assert set(frame["shop_id"]) == {"shop-01", "shop-02", "shop-03"}
    assert frame["order_id"].str.fullmatch(r"\d{19}").all()
    assert frame["created_at"].str.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d").all()
    assert frame["amount"].str.fullmatch(r"\d+\.\d\d").all()
    assert not frame.duplicated(["shop_id", "order_id", "line_id"]).any()
    sizes = frame.groupby("order_id").size()
    assert sizes.max() <= 4 and (sizes > 1).any() and (sizes == 1).mean() > 0.6


def test_same_arguments_same_bytes(tmp_path):
    one = write_sample(tmp_path / "a", lines=500, seed=2, shops=2, as_of=AS_OF)
    two = write_sample(tmp_path / "b", lines=500, seed=2, shops=2, as_of=AS_OF)
    assert [p.name for p in one] == ["sample_shop.csv", "sample_shop.parquet",
                                     "sample_trades.csv", "sample_ratings.csv",
                                     "sample_after_sales.csv", "sample_after_sales.parquet",
                                     "sample_chats.csv", "sample_chats.parquet"]
    assert all(a.read_bytes() == b.read_bytes() for a, b in zip(one, two, strict=True))


def test_parquet_is_typed_but_keeps_ids_and_words_as_text(default_sample):
    schema = pq.read_schema(default_sample["parquet"])
    assert schema.names == list(COLUMNS)
    for field in schema:
        if field.name.endswith("_at"):
            assert pa.types.is_timestamp(field.type) and field.type.tz is None, field
        elif field.name.startswith("dsr_"):
            assert field.type == pa.int8(), field
        elif field.name in ("escrow", "refunded"):
            assert field.type == pa.bool_(), field
        elif field.name == "amount":
            assert field.type == pa.float64(), field
        else:  # ids, statuses and credit words
            assert field.type == pa.string(), field


def test_csv_and_parquet_audit_alike(default_sample):
    csv_data, csv_result = run([default_sample["csv"]])
    pq_data, pq_result = run([default_sample["parquet"]])
    assert csv_data.rows_read == pq_data.rows_read == 3000
    assert csv_data.rows_rejected == pq_data.rows_rejected == 0
    assert without_files(csv_result.to_dict()) == without_files(pq_result.to_dict())


def test_default_sample_exercises_every_rule(default_sample):
    data, result = run([default_sample["csv"]])
    assert data.rows_rejected == 0
    assert result.passed is True
    (shop,) = result.to_dict()["shops"]
    credit, dsr = shop["credit"], shop["dsr"]
    assert CREDIT_REASONS <= set(credit["excluded_by_reason"])
    assert DSR_REASONS <= set(dsr["excluded_by_reason"])
    assert ANOMALIES <= set(shop["anomalies_by_reason"])
    assert credit["default_positive"] > 0
    assert credit["neutral"] > 0 and credit["negative"] > 0
    assert 0.96 < credit["positive_rate"] < 0.995
    for item in ("description", "service", "shipping"):
        assert 4.7 <= dsr[item]["score"] < 4.9
        assert all(check["passed"] for check in shop["checks"])


def test_ratings_split_adds_only_orphans(default_sample):
    whole = run([default_sample["csv"]])[1].to_dict()["shops"][0]
    data, result = run([default_sample["trades"]], default_sample["ratings"])
    assert data.rows_rejected == 0
    (split,) = result.to_dict()["shops"]
    assert split["credit"]["excluded_by_reason"].pop("orphan") > 0
    orphan_orders = split["dsr"]["excluded_by_reason"].pop("orphan")
    assert orphan_orders > 0
    split["dsr"]["orders_scored"] -= orphan_orders
    assert split == whole


def test_the_sample_shop_has_every_service_metric_with_a_few_bad(default_sample):
    # Issue 11: the generator makes matching after-sales and chats: every metric of RULES.md
    # section 6 has a value, and every rate has some bad members.
    from shopscore.scoring import api
    from shopscore.scoring.rules.scorecard_schema import METRICS

    done = api.audit(api.Sources((default_sample["csv"],),
                                 after_sales=(default_sample["after_sales"],),
                                 chats=(default_sample["chats"],)), as_of=AS_OF.isoformat())
    experience = done.result.shops[0].experience
    assert experience.missing_inputs == () and experience.stage == "formal"
    assert set(experience.metrics) == set(METRICS)
    for name, m in experience.metrics.items():
        assert m.value is not None, name
        if name.endswith("_rate"):
            assert m.bad > 0, name
    assert not done.data.rows_rejected


def test_the_douyin_shaped_sample_audits_on_the_douyin_profile(tmp_path):
    from shopscore.scoring import api
    from shopscore.scoring.sample import write_douyin_sample

    orders, sales, talk = write_douyin_sample(tmp_path, lines=1500, seed=11, as_of=AS_OF)
    assert orders.read_bytes().startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM, as 抖店 writes
    done = api.audit(api.Sources((orders,), after_sales=(sales,), chats=(talk,)),
                     profile="douyin", as_of=AS_OF.isoformat())
    shop = done.result.shops[0]
    assert shop.credit is None and shop.dsr is None  # Douyin: no buyer, no credit points
    assert shop.experience.stage == "formal" and shop.experience.total is not None
    assert shop.experience.missing_inputs == ()
    assert {f.platform for f in done.data.files} == {"douyin"}
    assert not done.data.rows_rejected
