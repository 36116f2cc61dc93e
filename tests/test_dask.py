"""`--engine dask`: the same per-shop audit as Dask tasks gives exactly the local engine's JSON."""

from __future__ import annotations

import json
from datetime import datetime
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


def test_the_dataset_is_partitioned_by_shop(dataset):
    files = sorted(dataset.rglob("*.parquet"))
    assert [f.parent.name for f in files] == ["shop_id=shop-01", "shop_id=shop-02",
                                              "shop_id=shop-03"]
    assert "shop_id" not in pq.read_schema(files[0]).names


def test_library_dask_engine_equals_local_engine(dataset, cluster):
    from shopscore.scoring.engine.cluster import audit_distributed

    prof = load_profile("taobao")
    local, _ = audit(load([dataset], prof.timezone), prof, WHEN)
    seen = []
    _, remote = audit_distributed([dataset], prof, WHEN, scheduler=cluster.scheduler_address,
                                  on_done=lambda done, total: seen.append((done, total)))
    assert remote.to_dict() == local.to_dict()
    assert [s["shop_id"] for s in remote.to_dict()["shops"]] == ["shop-01", "shop-02", "shop-03"]
    assert seen[0] == (0, 3) and seen[-1] == (3, 3)  # one task per shop


def test_cli_dask_json_equals_local_json(dataset, cluster):
    local = cli("audit", dataset, "--as-of", AS_OF, "--format", "json")
    remote = cli("audit", dataset, "--as-of", AS_OF, "--format", "json", "--engine", "dask",
                 "--scheduler", cluster.scheduler_address)
    assert remote.exit_code == local.exit_code, remote.output
    assert local.exit_code in (0, 1)
    assert json.loads(remote.stdout) == json.loads(local.stdout)
    assert remote.stdout == local.stdout  # the very same bytes


def test_cli_dask_shop_filter_equals_local(dataset, cluster):
    args = ("audit", dataset, "--as-of", AS_OF, "--format", "json", "--shop", "shop-02")
    local = cli(*args)
    remote = cli(*args, "--engine", "dask", "--scheduler", cluster.scheduler_address)
    assert json.loads(remote.stdout) == json.loads(local.stdout)
    assert [s["shop_id"] for s in json.loads(remote.stdout)["shops"]] == ["shop-02"]


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
    data, remote = audit_distributed([tmp_path / "data"], prof, WHEN,
                                     scheduler=cluster.scheduler_address)
    assert remote.to_dict() == local.to_dict()
    assert remote.inputs["rows_rejected"] == 2
    assert list(data.rejects["file"]) == [f["path"] for f in remote.inputs["files"]]


def test_no_scheduler_starts_a_local_cluster_of_two_workers(dataset):
    from shopscore.scoring.engine.cluster import audit_distributed

    prof = load_profile("taobao")
    local, _ = audit(load([dataset], prof.timezone), prof, WHEN)
    _, remote = audit_distributed([dataset], prof, WHEN, processes=False)
    assert remote.to_dict() == local.to_dict()


def test_files_outside_shop_partitions_are_refused(dataset, tmp_path):
    write_sample(tmp_path, lines=50, seed=1)
    result = cli("audit", dataset, tmp_path / "sample_shop.parquet", "--as-of", AS_OF,
                 "--engine", "dask")
    assert result.exit_code == 2
    assert "shop_id=" in result.stderr and "Traceback" not in result.stderr


def test_ratings_file_and_unknown_engine_are_usage_errors(dataset, tmp_path):
    ratings = tmp_path / "r.csv"
    ratings.write_text("order_id,credit\n1,positive\n")
    result = cli("audit", dataset, "--ratings", ratings, "--engine", "dask")
    assert result.exit_code == 2 and "--ratings" in result.stderr
    result = cli("audit", dataset, "--engine", "spark")
    assert result.exit_code == 2 and "--engine" in result.stderr
    result = cli("audit", dataset, "--scheduler", "tcp://127.0.0.1:1")
    assert result.exit_code == 2 and "--engine dask" in result.stderr


def test_packing_keeps_each_shop_whole(dataset):
    from shopscore.scoring.engine.cluster import pack, shop_partitions

    groups = shop_partitions([dataset])
    assert len(groups) == 3
    packed = pack(groups, 2)
    assert len(packed) == 2
    assert sorted(f for b in packed for f in b) == sorted(f for g in groups for f in g)
