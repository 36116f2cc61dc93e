"""Many shops at 80 columns (cron mail, any pipe): every shop's id and name, and every figure,
whole on the screen; failing shops first; nothing cut with `…`. Through the installed program
with COLUMNS=80, through Rich at width 80, and for any shop ids and names (Hypothesis)."""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.cells import cell_len
from rich.console import Console

from shopscore.cli.render import audit_shops_renderable
from shopscore.scoring import api
from shopscore.scoring.report import shown
from shopscore.scoring.report.text import num, percent
from shopscore.scoring.report.words import words
from shopscore.scoring.sample import write_sample

AS_OF = "2026-11-22T00:00:00+08:00"
SCRIPT = Path(sys.executable).with_name("shopscore")
NAMES = ["杭州西湖旗舰店", "上海专卖店", "北京优选生活馆", "广州直营店", "深圳数码官方店",
         "成都美妆店", "武汉家居店", "南京母婴用品专营店"]


@pytest.fixture(scope="module")
def named8(tmp_path_factory):
    """8 shops, 800 lines, each with a Chinese shop name (店铺名称) beside its id."""
    root = tmp_path_factory.mktemp("named8")
    write_sample(root, lines=800, seed=4, shops=8)
    frame = pd.read_csv(root / "sample_shop.csv", dtype=str, keep_default_na=False)
    ids = sorted(frame["shop_id"].unique())
    frame.insert(1, "shop_name", frame["shop_id"].map(dict(zip(ids, NAMES, strict=True))))
    path = root / "named.csv"
    frame.to_csv(path, index=False)
    return path


@pytest.fixture(scope="module")
def audited(named8):
    # --min 4.78 and industry figures: several shops fail, some items sit above or below.
    return api.audit(api.Sources((named8,)), as_of=AS_OF, bar=4.78,
                     industry="description=4.8,service=4.8,shipping=4.8").result


def tokens(text: str) -> set[str]:
    return set(text.split())


def dsr_shown(score: float, text: str) -> bool:
    """The score appears whole with 5, 4 or 3 decimals (fewer when the screen is narrow)."""
    found = tokens(text)
    return any(f"{score:.{p}f}" in found for p in (5, 4, 3))


def assert_whole(text: str, result, width: int = 80):
    assert "…" not in text
    for line in text.splitlines():
        assert cell_len(line) <= width, line
    found = tokens(text)
    for shop in result.shops:
        assert shop.shop_id in text, shop.shop_id
        if shop.shop_name:
            assert shop.shop_name in text, shop.shop_name
        assert num(shop.credit.score) in found, (shop.shop_id, shop.credit.score)
        assert percent(shop.credit.positive_rate) in found, shop.shop_id
        for item in shop.dsr.seller_items:
            assert dsr_shown(shop.dsr.items[item].score, text), (shop.shop_id, item)
        for check in shop.checks:
            if not check.passed:  # the failing checks are listed with their figures
                assert shown.value(check) in found and shown.margin(check) in found
                assert shown.needed(check) in found


def rendered(result, width: int, lang: str = "en", detail: bool = False) -> str:
    console = Console(width=width, file=io.StringIO(), color_system=None, highlight=False)
    console.print(audit_shops_renderable(result, words(lang), detail, console.width))
    return console.file.getvalue()


def test_eight_shops_at_80_columns_through_the_program(named8, audited):
    # As cron mails it: stdout is a pipe, COLUMNS=80.
    env = {**os.environ, "COLUMNS": "80", "LANG": "C.UTF-8"}
    env.pop("FORCE_COLOR", None)
    done = subprocess.run([str(SCRIPT), "audit", str(named8), "--as-of", AS_OF, "--min", "4.78",
                           "--industry", "description=4.8,service=4.8,shipping=4.8"],
                          capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 1, done.stderr
    assert_whole(done.stdout, audited)
    # Failing shops first: each shop's first appearance follows the order of the summary.
    failing = [s for s in audited.shops if not s.passed]
    passing = [s for s in audited.shops if s.passed]
    assert failing and passing
    summary = done.stdout.split("Shops (8)", 1)[1].split("Checks that fail or warn", 1)[0]
    at = {s.shop_id: summary.index(f"({s.shop_id})") for s in audited.shops}
    assert max(at[s.shop_id] for s in failing) < min(at[s.shop_id] for s in passing)
    for shop in audited.shops:  # each row: its result by symbol and word, then the shop
        assert re.search(rf"{'✗ FAIL' if not shop.passed else '✓ PASS'}\s+"
                         rf"{re.escape(shop.shop_name)} \({shop.shop_id}\)", summary), shop


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_eight_shops_at_rich_width_80(audited, lang):
    assert_whole(rendered(audited, 80, lang), audited)


def test_every_shops_tables_at_80_columns(audited):
    # --detail: each shop's own tables too; no figure cut there either.
    text = rendered(audited, 80, detail=True)
    assert_whole(text, audited)
    for shop in audited.shops:
        for item in shop.dsr.items.values():
            assert num(item.score) in tokens(text)


def test_one_shop_at_80_columns_keeps_every_figure():
    sample = Path(__file__).resolve().parent.parent / "sample_data" / "sample_shop.csv"
    result = api.audit(api.Sources((sample,)), as_of=AS_OF, bar=4.78,
                       industry="description=4.78,service=4.80:4.95:4.50").result
    for lang in ("en", "zh"):
        text = rendered(result, 80, lang)
        assert_whole(text, result)
        for key in ("2289", "98.01%", "655", "365", "-0.21%", "+3.22%"):
            assert key in text, key


# --- whatever the shop ids and names -----------------------------------------------------

shop_text = st.text(st.sampled_from("abcXYZ019-_.店铺旗舰专卖数码官方"), min_size=1, max_size=28)


@settings(max_examples=40, deadline=None)
@given(ids=st.lists(shop_text, min_size=2, max_size=8, unique=True),
       names=st.lists(st.one_of(st.none(), shop_text), min_size=8, max_size=8),
       width=st.integers(min_value=60, max_value=140))
def test_any_ids_and_names_fit_any_width_whole(audited, ids, names, width):
    shops = tuple(replace(shop, shop_id=sid, shop_name=name)
                  for shop, sid, name in zip(audited.shops, ids, names, strict=False))
    result = replace(audited, shops=shops)
    assert_whole(rendered(result, width), result, width)


def test_json_keeps_every_key_and_adds_the_shop_name(named8):
    doc = json.loads(subprocess.run(
        [str(SCRIPT), "audit", str(named8), "--as-of", AS_OF, "--format", "json"],
        capture_output=True, text=True, timeout=120).stdout)
    assert [s["shop_name"] for s in doc["shops"]] == NAMES
    assert all(s["shop_id"].startswith("shop-") for s in doc["shops"])
