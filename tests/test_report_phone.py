"""The HTML report on a phone and on a desktop, in headless Chromium at 390 and 1280 px: the
page has a viewport, the document never scrolls sideways (tables scroll or reflow inside the
screen), chart text stays readable at 390 px, the cross-shop summary comes first, and the key
figures are in the DOM. A screenshot is taken at each width (SHOPSCORE_SHOTS=DIR keeps them).
The phone is emulated through the DevTools protocol (tests/cdp.py: mobile metrics, so the
viewport meta counts) and the test measures the page from outside: the report stays
script-free. Without Chromium the tests skip (.ci/run installs it where it can), unless
SHOPSCORE_BROWSER=required, where they fail."""

from __future__ import annotations

import json
import os
import re
import shutil
import struct

import pandas as pd
import pytest
from cdp import Browser
from typer.testing import CliRunner

from shopscore.cli.app import app
from shopscore.scoring import api
from shopscore.scoring.report.text import num, percent
from shopscore.scoring.sample import write_sample

AS_OF = "2026-11-22T00:00:00+08:00"
INDUSTRY = "description=4.8,service=4.8,shipping=4.8"
BROWSER_REQUIRED = os.environ.get("SHOPSCORE_BROWSER", "") == "required"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
NAMES = ["杭州西湖旗舰店", "上海专卖店", "北京优选生活馆", "广州直营店", "深圳数码官方店",
         "成都美妆店", "武汉家居店", "南京母婴用品专营店"]
# Measured in the page by the test (the report has no script of its own).
MEASURE = """JSON.stringify((function () {
  var d = document.documentElement;
  var texts = [].slice.call(document.querySelectorAll('svg.chart text'))
    .map(function (t) { return t.getBoundingClientRect().height; })
    .filter(function (h) { return h > 0; });
  var charts = [].slice.call(document.querySelectorAll('svg.chart'))
    .map(function (s) { return s.getBoundingClientRect().right; });
  var first = document.querySelector('h2');
  return {scrollWidth: d.scrollWidth, clientWidth: d.clientWidth, innerWidth: innerWidth,
          minChartText: Math.min.apply(null, texts), chartRight: Math.max.apply(null, charts),
          charts: charts.length, firstHeading: first ? first.textContent : '',
          dom: d.outerHTML};
})())"""
PHONE, DESKTOP = (390, 844, True), (1280, 900, False)


@pytest.fixture(scope="module")
def chromium():
    if CHROMIUM is None:
        if BROWSER_REQUIRED:
            pytest.fail("chromium is not installed, and SHOPSCORE_BROWSER=required")
        pytest.skip("chromium is not installed (Debian: apt-get install chromium)")
    return CHROMIUM


@pytest.fixture(scope="module")
def shops8(tmp_path_factory):
    """8 shops with Chinese shop names; --min 4.78 and industry figures: several fail."""
    root = tmp_path_factory.mktemp("phone")
    write_sample(root, lines=800, seed=4, shops=8)
    frame = pd.read_csv(root / "sample_shop.csv", dtype=str, keep_default_na=False)
    ids = sorted(frame["shop_id"].unique())
    frame.insert(1, "shop_name", frame["shop_id"].map(dict(zip(ids, NAMES, strict=True))))
    path = root / "named.csv"
    frame.to_csv(path, index=False)
    result = api.audit(api.Sources((path,)), as_of=AS_OF, bar=4.78, industry=INDUSTRY).result
    pages = {}
    for lang in ("en", "zh"):
        page = root / f"report-{lang}.html"
        done = CliRunner().invoke(app, ["report", str(path), "--as-of", AS_OF, "--min", "4.78",
                                        "--industry", INDUSTRY, "--lang", lang, "--html",
                                        str(page)])
        assert done.exit_code == 1, (done.stderr, repr(done.exception))  # shops fail
        pages[lang] = page
    return root, result, pages


@pytest.fixture(scope="module")
def browser(chromium, tmp_path_factory):
    found = Browser(chromium, tmp_path_factory.mktemp("chromium-profile"))
    yield found
    found.close()


def png_size(path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    return struct.unpack(">II", data[16:24])


@pytest.mark.parametrize("lang, device", [("en", DESKTOP), ("en", PHONE), ("zh", PHONE)])
def test_report_fits_the_screen_at_desktop_and_phone_widths(browser, shops8, lang, device):
    root, result, pages = shops8
    page = pages[lang]
    text = page.read_text(encoding="utf-8")
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in text
    assert "<script" not in text.lower()  # the report itself stays script-free
    width, height, mobile = device
    session = browser.open(page.as_uri(), width, height, mobile)
    m = json.loads(browser.evaluate(session, MEASURE))
    dom = m.pop("dom")
    assert m["innerWidth"] == width, m  # a phone lays the page out at its own width
    assert m["scrollWidth"] <= m["clientWidth"], m  # no sideways scrolling of the page
    assert m["chartRight"] <= m["clientWidth"], m  # every chart inside the screen
    # 4 star charts, the DSR trend and 2 forecasts per shop.
    assert m["charts"] == 7 * len(result.shops)
    assert m["minChartText"] >= 11, m  # chart text readable (about 10 px type or more)
    assert m["firstHeading"] in ("Summary", "汇总")  # the cross-shop summary comes first
    for shop in result.shops:  # the key figures, in the DOM
        assert shop.shop_id in dom and shop.shop_name in dom
        assert f">{num(shop.credit.score)}<" in dom
        assert percent(shop.credit.positive_rate) in dom
        for item in shop.dsr.seller_items:
            assert num(shop.dsr.items[item].score) in dom
    shot = root / f"report-{lang}-{width}.png"
    browser.screenshot(session, shot, 2400)
    assert png_size(shot) == (width, 2400)
    assert shot.stat().st_size > 30_000  # a blank page is a few kB
    if os.environ.get("SHOPSCORE_SHOTS"):  # keep them to look at
        shutil.copy(shot, os.environ["SHOPSCORE_SHOTS"])


def test_without_the_viewport_meta_a_phone_would_shrink_the_page(browser, shops8):
    # What the viewport meta prevents: a phone lays a page without it out at 980 px.
    root, _, pages = shops8
    bare = root / "no-viewport.html"
    bare.write_text(pages["en"].read_text(encoding="utf-8").replace(
        '<meta name="viewport" content="width=device-width, initial-scale=1">', ""),
        encoding="utf-8")
    session = browser.open(bare.as_uri(), *PHONE)
    assert browser.evaluate(session, "window.innerWidth") == 980


def test_summary_lists_failing_shops_first_with_symbol_and_word(shops8):
    _, result, pages = shops8
    text = pages["en"].read_text(encoding="utf-8")
    summary = text.split("<h2>Summary</h2>", 1)[1].split("</table>", 1)[0]
    rows = re.findall(r'<span class="(FAIL|PASS|WARN)">([^<]*)</span>.*?\(([^)]*)\)</a>',
                      summary)
    order = [sid for _, _, sid in rows]
    failing = [s.shop_id for s in result.shops if not s.passed]
    assert order[:len(failing)] == failing and set(order) == {s.shop_id for s in result.shops}
    assert {(css, word) for css, word, _ in rows} <= {("FAIL", "✗ FAIL"), ("PASS", "✓ PASS")}


def test_title_date_is_readable_and_star_charts_run_from_five_stars(shops8):
    _, _, pages = shops8
    text = pages["en"].read_text(encoding="utf-8")
    assert "<title>shopscore report · 2026-11-22 00:00 +08:00</title>" in text
    chart = text.split('<div class="stars">', 1)[1].split("</svg>", 1)[0]
    stars = re.findall(r">(\d)★<", chart)
    assert stars == ["5", "4", "3", "2", "1"]
    assert re.search(r">\d+\.\d%<", chart)  # each bar's share
