"""`--engine dask`: the audit's partitions by (shop, buyer) as Dask tasks give exactly the
local engine's JSON, for any input the local engine reads (a hive dataset, flat files,
separate ratings, after-sales and chats files), with rejected rows summed over the tasks."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from shopscore.cli.app import app
from shopscore.scoring.engine.audit import audit
from shopscore.scoring.inputs.load import load
from shopscore.scoring.rules.profile import load_profile
from shopscore.scoring.sample import write_sample

distributed = pytest.importorskip("distributed")

AS_OF = "2026-11-22T00:00:00+08:00"
WHEN = datetime(2026, 11, 22, tzinfo=ZoneInfo("Asia/Shanghai"))
SAMPLE = Path(__file__).resolve().parent.parent / "sample_data"


def cli(*args):
    return CliRunner().invoke(app, [str(a) for a in args])


@pytest.fixture(scope="module")
def dataset(tmp_path_factory):
    """3 shops, 400 lines from the sample generator, as DIR/shop_id=…/part-0.parquet (the
    files hold no shop_id column: it is in the path)."""
    root = tmp_path_factory.mktemp("hive")
    write_sample(root / "flat", lines=400, seed=11, shops=3)
    table = pq.read_table(root / "flat" / "sample_shop.parquet")
    pq.write_to_dataset(table, root / "data", partition_cols=["shop_id"],
                        basename_template="part-{i}.parquet")
    return root / "data"


@pytest.fixture(scope="module")
def cluster():
    """An in-process cluster of 2 workers (threads: fast to start)."""
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                                  dashboard_address="127.0.0.1:0") as local:
        yield local


def same_bytes(args, scheduler, *more):
    local = cli(*args, "--as-of", AS_OF, "--format", "json")
    remote = cli(*args, "--as-of", AS_OF, "--format", "json", "--engine", "dask",
                 "--scheduler", scheduler, *more)
    assert local.exit_code in (0, 1), local.stderr
    assert remote.exit_code == local.exit_code, remote.output
    assert remote.stdout == local.stdout  # the very same bytes
    return remote


def test_library_dask_engine_equals_local_engine(dataset, cluster):
    from shopscore.scoring.engine.cluster import audit_distributed

    prof = load_profile("taobao")
    local, _ = audit(load([dataset], prof.timezone), prof, WHEN)
    seen = []
    _, remote, lines = audit_distributed(
        [dataset], prof, WHEN, scheduler=cluster.scheduler_address, partitions=5,
        on_done=lambda done, total: seen.append((done, total)))
    assert remote.to_dict() == local.to_dict()
    assert lines == 400 and [s["shop_id"] for s in remote.to_dict()["shops"]] == \
        ["shop-01", "shop-02", "shop-03"]
    assert seen[0] == (0, 5) and seen[-1] == (5, 5)  # one task per partition


@pytest.mark.parametrize("args", [
    ["{hive}"],
    ["{hive}", "--shop", "shop-02"],
    [SAMPLE / "sample_trades.csv", "--ratings", SAMPLE / "sample_ratings.csv"],
    [SAMPLE / "sample_shop.parquet", "--after-sales", SAMPLE / "sample_after_sales.parquet",
     "--chats", SAMPLE / "sample_chats.parquet"],
    [SAMPLE / "douyin" / "douyin_orders.csv", "--profile", "douyin", "--after-sales",
     SAMPLE / "douyin" / "douyin_aftersales.csv", "--chats",
     SAMPLE / "douyin" / "douyin_chats.csv"],
], ids=["hive", "one shop", "separate ratings", "service files", "douyin"])
def test_cli_dask_json_is_the_local_json(args, dataset, cluster):
    args = [str(a).replace("{hive}", str(dataset)) for a in args]
    same_bytes(["audit", *args], cluster.scheduler_address)
    same_bytes(["audit", *args], cluster.scheduler_address, "--partitions", "13")


def test_rejected_rows_are_summed_over_tasks(tmp_path, cluster):
    """A bad row in two shops' files: inputs count both, files stay in their order."""
    from shopscore.scoring.engine.cluster import audit_distributed

    prof = load_profile("taobao")
    write_sample(tmp_path / "flat", lines=200, seed=5, shops=2)
    frame = pq.read_table(tmp_path / "flat" / "sample_shop.parquet").to_pandas()
    for shop, part in frame.groupby("shop_id"):
        part = part.drop(columns="shop_id").copy()
        part["created_at"] = part["created_at"].dt.strftime("%Y-%m-%d %H:%M:%S")  # as text
        part.iloc[0, part.columns.get_loc("created_at")] = "not a date"
        out = tmp_path / "data" / f"shop_id={shop}"
        out.mkdir(parents=True)
        part.to_parquet(out / "part-0.parquet", index=False)
    local, _ = audit(load([tmp_path / "data"], prof.timezone), prof, WHEN)
    data, remote, _ = audit_distributed([tmp_path / "data"], prof, WHEN,
                                        scheduler=cluster.scheduler_address)
    assert remote.to_dict() == local.to_dict()
    assert remote.inputs["rows_rejected"] == 2
    assert list(data.rejects["file"]) == [f["path"] for f in remote.inputs["files"]]


def test_worker_processes_give_the_local_json(dataset):
    # Without a scheduler: a local cluster of 2 worker processes (the tasks are pickled).
    from shopscore.scoring.engine.cluster import audit_distributed

    prof = load_profile("taobao")
    local, _ = audit(load([dataset], prof.timezone), prof, WHEN)
    _, remote, _ = audit_distributed([dataset], prof, WHEN, processes=True)
    assert remote.to_dict() == local.to_dict()


def test_a_user_error_on_a_worker_is_one_sentence(tmp_path, cluster):
    bad = tmp_path / "bad.parquet"
    bad.write_bytes(b"PAR1 not really")
    result = cli("audit", bad, "--as-of", AS_OF, "--engine", "dask", "--scheduler",
                 cluster.scheduler_address)
    assert result.exit_code == 2 and "Traceback" not in result.stderr, result.stderr
    assert "bad.parquet" in result.stderr


def test_unknown_engine_and_a_scheduler_without_dask_are_usage_errors(dataset):
    result = cli("audit", dataset, "--engine", "spark")
    assert result.exit_code == 2 and "--engine" in result.stderr
    result = cli("audit", dataset, "--scheduler", "tcp://127.0.0.1:1")
    assert result.exit_code == 2 and "--engine dask" in result.stderr
