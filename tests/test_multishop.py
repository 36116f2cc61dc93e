"""Many shops: a summary row per shop, --shop, --detail, shop ids from a hive-partitioned
path, and the progress display (stderr only, only on a terminal)."""

from __future__ import annotations

import io
import json
import re
from datetime import datetime

import pyarrow.parquet as pq
import pytest
from rich.console import Console
from typer.testing import CliRunner

from shopscore.cli import progress
from shopscore.cli.app import app
from shopscore.scoring.engine.audit import audit
from shopscore.scoring.inputs.load import load
from shopscore.scoring.inputs.read import partition_value
from shopscore.scoring.rules.profile import load_profile
from shopscore.scoring.sample import write_sample

AS_OF = "2026-11-22T00:00:00+08:00"
WIDE = {"COLUMNS": "220", "LINES": "50", "FORCE_COLOR": None, "TTY_COMPATIBLE": None,
        "NO_COLOR": "1"}
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def cli(*args, env=WIDE):
    return CliRunner().invoke(app, [str(a) for a in args], env=env)


@pytest.fixture(scope="module")
def three(tmp_path_factory):
    """3 shops, 450 lines: sample_shop.parquet (with a shop_id column)."""
    root = tmp_path_factory.mktemp("three")
    write_sample(root, lines=450, seed=21, shops=3)
    return root / "sample_shop.parquet"


@pytest.fixture(scope="module")
def eight(tmp_path_factory):
    """8 shops, 800 lines."""
    root = tmp_path_factory.mktemp("eight")
    write_sample(root, lines=800, seed=4, shops=8)
    return root / "sample_shop.parquet"


def shops_of(result) -> list[str]:
    return [s["shop_id"] for s in json.loads(result.stdout)["shops"]]


MARKS = ("✓ PASS", "! WARN", "✗ FAIL")


def summary_rows(text: str) -> dict:
    """shop id -> its summary row's cells (the rows of the 'Shops (N)' table, in order); a
    row opens with its result by symbol and word: ✓ PASS shop-01 2289 ..."""
    body = text.split("Shops (", 1)[1]
    rows = {}
    for row in body.splitlines()[1:]:
        if not row.strip():
            continue
        if not row.startswith(MARKS):
            if rows:
                break
            continue
        cells = row.split()
        rows[cells[2]] = cells
    return rows


def failing_first(shops: list[dict]) -> list[str]:
    """The order the summary shows the shops in: failing ones first, then the rest, each in
    shop_id order."""
    return [s["shop_id"] for s in shops if not s["passed"]] + [s["shop_id"] for s in shops
                                                                if s["passed"]]


# --- the summary table -------------------------------------------------------------------

def test_summary_table_has_one_row_per_shop_before_the_detail(three):
    result = cli("audit", three, "--as-of", AS_OF)
    assert result.exit_code in (0, 1), result.output
    data = json.loads(cli("audit", three, "--as-of", AS_OF, "--format", "json").stdout)
    text = result.stdout
    assert "Shops (3)" in text
    rows = summary_rows(text)
    assert list(rows) == failing_first(data["shops"])
    for shop in data["shops"]:
        cells = rows[shop["shop_id"]]
        assert cells[3] == str(shop["credit"]["score"])
        assert cells[1] == ("PASS" if shop["passed"] else "FAIL")
        assert f"{shop['dsr']['description']['score']:.5f}" in cells
    header = " ".join(text.split("Shops (3)", 1)[1].splitlines()[1:3]).split()
    for col in ("result", "shop", "credit", "level", "positive", "description", "service",
                "shipping"):
        assert col in header
    # 3 shops is few: the per-shop tables follow the summary.
    assert text.index("Shops (3)") < text.index("Shop shop-01: credit")
    assert "Shop shop-03: credit" in text


def test_one_shop_keeps_the_single_shop_layout(three):
    result = cli("audit", three, "--as-of", AS_OF, "--shop", "shop-02")
    assert "Shops (" not in result.stdout
    assert "Shop shop-02: credit" in result.stdout
    assert "shop-01" not in result.stdout


def test_many_shops_show_the_summary_and_failing_checks_only(eight):
    data = json.loads(cli("audit", eight, "--as-of", AS_OF, "--format", "json").stdout)
    failing = [(s["shop_id"], c["name"]) for s in data["shops"] for c in s["checks"]
               if not c["passed"]]
    result = cli("audit", eight, "--as-of", AS_OF)
    text = result.stdout
    assert result.exit_code == (1 if failing else 0)
    assert list(summary_rows(text)) == failing_first(data["shops"])
    assert "Shop shop-01: credit" not in text and "--detail" in text
    if failing:  # each failing shop once, on its first failing check's row
        table = text.split("Checks that fail or warn", 1)[1]
        for shop, check in failing:
            assert re.search(rf"(✗ FAIL\s+)?{re.escape(check)}", table), (shop, check)
        for shop in {shop for shop, _ in failing}:
            assert re.search(rf"^{shop}\s+✗ FAIL\s+dsr\.", table, re.M), shop
    detailed = cli("audit", eight, "--as-of", AS_OF, "--detail").stdout
    for i in range(1, 9):
        assert f"Shop shop-0{i}: credit" in detailed
    assert detailed.index("Shops (8)") < detailed.index("Shop shop-01: credit")


def test_shop_option_filters_json_and_table(eight):
    result = cli("audit", eight, "--as-of", AS_OF, "--format", "json", "--shop", "shop-05")
    assert shops_of(result) == ["shop-05"]
    every = json.loads(cli("audit", eight, "--as-of", AS_OF, "--format", "json").stdout)
    assert json.loads(result.stdout)["shops"][0] == every["shops"][4]
    missing = cli("audit", eight, "--as-of", AS_OF, "--shop", "shop-99")
    assert missing.exit_code == 2 and "shop-99" in missing.stderr


# --- hive-partitioned input --------------------------------------------------------------

def test_partition_value_reads_the_deepest_shop_directory():
    assert partition_value("data/shop_id=a/part-0.parquet") == "a"
    assert partition_value("x/shop_id=a/y/shop_id=b%20c/f.parquet") == "b c"
    assert partition_value("data/year=2026/part-0.parquet") is None
    assert partition_value("data/shop_id=__HIVE_DEFAULT_PARTITION__/p.parquet") is None
    assert partition_value("shop_id=a.parquet") is None  # a file name is no directory


def test_hive_partitioned_input_takes_shop_ids_from_the_path(three, tmp_path):
    table = pq.read_table(three)
    pq.write_to_dataset(table, tmp_path / "ds", partition_cols=["shop_id"],
                        basename_template="part-{i}.parquet")
    assert "shop_id" not in pq.read_schema(next((tmp_path / "ds").rglob("*.parquet"))).names
    flat = json.loads(cli("audit", three, "--as-of", AS_OF, "--format", "json").stdout)
    hive = cli("audit", tmp_path / "ds", "--as-of", AS_OF, "--format", "json")
    assert shops_of(hive) == ["shop-01", "shop-02", "shop-03"]
    assert json.loads(hive.stdout)["shops"] == flat["shops"]
    files = json.loads(hive.stdout)["inputs"]["files"]
    assert [f["path"].split("/")[-2] for f in files] == [
        "shop_id=shop-01", "shop_id=shop-02", "shop_id=shop-03"]
    # A glob of the files works the same, and --shop picks one partition's shop.
    one = cli("audit", str(tmp_path / "ds" / "*" / "*.parquet"), "--as-of", AS_OF,
              "--format", "json", "--shop", "shop-03")
    assert json.loads(one.stdout)["shops"] == [flat["shops"][2]]


def test_a_shop_id_column_in_the_file_wins_over_the_path(tmp_path):
    write_sample(tmp_path / "s", lines=60, seed=2)
    frame = pq.read_table(tmp_path / "s" / "sample_shop.parquet").to_pandas()
    out = tmp_path / "ds" / "shop_id=other"
    out.mkdir(parents=True)
    frame.to_parquet(out / "part-0.parquet", index=False)
    prof = load_profile("taobao")
    data = load([tmp_path / "ds"], prof.timezone)
    assert set(data.lines["shop_id"].astype(str)) == {"shop-01"}


def test_partition_shop_id_is_a_text_id(tmp_path):
    write_sample(tmp_path / "s", lines=60, seed=2)
    frame = pq.read_table(tmp_path / "s" / "sample_shop.parquet").to_pandas()
    out = tmp_path / "ds" / "shop_id=00123"
    out.mkdir(parents=True)
    frame.drop(columns="shop_id").to_parquet(out / "part-0.parquet", index=False)
    prof = load_profile("taobao")
    from datetime import datetime
    from zoneinfo import ZoneInfo

    result, _ = audit(load([tmp_path / "ds"], prof.timezone), prof,
                      datetime(2026, 11, 22, tzinfo=ZoneInfo("Asia/Shanghai")))
    assert [s.shop_id for s in result.shops] == ["00123"]  # never parsed as a number


# --- progress ----------------------------------------------------------------------------

class _Tty(io.StringIO):
    def isatty(self):
        return True


def test_progress_only_on_a_terminal_for_big_inputs_and_not_quiet(three, monkeypatch):
    assert not progress.wanted([three], quiet=False, stream=_Tty())  # 450 rows is small
    monkeypatch.setattr(progress, "BIG_ROWS", 100)
    assert progress.wanted([three], quiet=False, stream=_Tty())
    assert not progress.wanted([three], quiet=True, stream=_Tty())
    assert not progress.wanted([three], quiet=False, stream=io.StringIO())
    monkeypatch.setattr(progress, "BIG_ROWS", 10**9)
    monkeypatch.setattr(progress, "BIG_BYTES", 100)
    assert progress.wanted([three], quiet=False, stream=_Tty())


def test_progress_shows_each_stage_as_it_completes(three):
    buf = io.StringIO()
    console = Console(file=buf, force_terminal=True, width=100)
    prof = load_profile("taobao")
    from datetime import datetime
    from zoneinfo import ZoneInfo

    with progress.stage_progress(True, console):
        audit(load([three], prof.timezone), prof,
              datetime(2026, 11, 22, tzinfo=ZoneInfo("Asia/Shanghai")))
    shown = ANSI.sub("", buf.getvalue())
    for name in progress.STAGES:
        assert re.search(rf"✓ {name}\s+\d+\.\d\d s", shown), (name, shown)


@pytest.mark.parametrize("command", ["report", "validate"])
def test_report_and_validate_show_bytes_read_then_their_stages(three, command, tmp_path):
    # Bytes read against the inputs' size while reading (the CSV counted as it is read), then
    # each stage ticked off with its seconds: never a bar stuck at 0 of N stages.
    from shopscore.scoring import api

    csv = three.with_suffix(".csv")
    buf = io.StringIO()
    console = Console(file=buf, force_terminal=True, width=100)
    stages = progress.REPORT_STAGES if command == "report" else progress.VALIDATE_STAGES
    sources = api.Sources((csv,))
    with progress.stage_progress(True, console, [csv], (), stages):
        if command == "report":
            api.report(sources, as_of=AS_OF)
        else:
            api.validate(sources)
    shown = ANSI.sub("", buf.getvalue())
    for name in stages:
        assert re.search(rf"✓ {name}\s+\d+\.\d\d s", shown), (name, shown)
    size = progress.human(csv.stat().st_size)
    assert f"of {size}" in shown
    assert "0/5" not in shown and "0/2" not in shown


def test_bytes_are_shown_as_people_read_them():
    assert [progress.human(n) for n in (512, 12_345, 230_000_000, 1_400_000_000)] == [
        "512 B", "12.3 kB", "230.0 MB", "1.4 GB"]


def test_no_terminal_means_nothing_but_json_on_stdout(three, monkeypatch):
    monkeypatch.setattr(progress, "BIG_ROWS", 0)  # every input counts as big
    monkeypatch.setattr(progress, "BIG_BYTES", 0)
    result = CliRunner().invoke(app, ["audit", str(three), "--as-of", AS_OF, "--format", "json",
                                      "--timings"])
    assert result.exit_code in (0, 1)
    data = json.loads(result.stdout)  # the whole of stdout is one JSON document
    assert result.stdout == json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    assert "✓" not in result.stderr
    assert json.loads(result.stderr.strip().splitlines()[-1])["timings"]


def test_credit_and_dsr_decided_side_by_side_equal_one_after_the_other(eight, monkeypatch):
    # Big inputs decide DSR in a second thread while credit is decided: the same decisions.
    import pandas as pd

    from shopscore.scoring.engine import decide as audit_mod

    profile = load_profile("taobao")
    when = audit_mod.local_as_of(datetime.fromisoformat(AS_OF), profile)
    data = load([eight], profile.timezone)
    alone = audit_mod.decide(data, profile, when)
    from shopscore.scoring.engine import threads

    monkeypatch.setattr(threads, "SIDE_BY_SIDE_LINES", 0)
    together = audit_mod.decide(data, profile, when)
    pd.testing.assert_frame_equal(alone.credit, together.credit)
    pd.testing.assert_frame_equal(alone.dsr, together.dsr)


def test_progress_of_a_partitioned_audit_counts_the_partitions(three):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from shopscore.scoring.engine.partitioned import audit_partitioned

    buf = io.StringIO()
    console = Console(file=buf, force_terminal=True, width=100)
    prof = load_profile("taobao")
    with progress.stage_progress(True, console, [three]):
        audit_partitioned([three], prof, datetime(2026, 11, 22, tzinfo=ZoneInfo("Asia/Shanghai")),
                          5)
    shown = ANSI.sub("", buf.getvalue())
    assert "partitions decided" in shown and "5 of 5" in shown, shown[-800:]
    assert re.search(r"✓ read\s+\d+\.\d\d s", shown), shown
