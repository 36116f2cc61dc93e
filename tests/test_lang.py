"""Chinese and English: --lang zh|en (default from LC_ALL, LC_MESSAGES or LANG) labels the
table, the Markdown, the digest and the HTML report in the back office's own terms; the JSON
keys never change. Colours carry the platform's meaning: above the industry red (飘红),
below green (飘绿); results read by symbol and word, colour or not."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from shopscore.cli.app import app
from shopscore.scoring.report.words import CATALOGUE, LANGS, default_lang, words

SAMPLE = Path(__file__).resolve().parent.parent / "sample_data" / "sample_shop.csv"
AS_OF = "2026-11-22T00:00:00+08:00"
INDUSTRY = "description=4.78,service=4.80,shipping=4.79"  # description below, the rest above
PLAIN = {"COLUMNS": "100", "NO_COLOR": "1"}


def cli(*args, env=PLAIN):
    return CliRunner().invoke(app, [str(a) for a in args], env=env)


@pytest.fixture(scope="module")
def outputs(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("lang")
    base = ("audit", SAMPLE, "--as-of", AS_OF, "--industry", INDUSTRY)
    out = {}
    for lang in LANGS:
        out[lang] = {fmt: cli(*base, "--lang", lang, "--format", fmt).stdout
                     for fmt in ("table", "markdown", "digest", "json")}
        page = tmp / f"{lang}.html"
        done = cli("report", SAMPLE, "--as-of", AS_OF, "--industry", INDUSTRY, "--lang", lang,
                   "--html", page)
        assert done.exit_code == 0, done.stderr
        out[lang]["html"] = page.read_text(encoding="utf-8")
    return out


ZH_TERMS = ("描述相符", "服务态度", "发货速度", "好评率", "信用等级", "店铺评分")


@pytest.mark.parametrize("fmt", ["table", "markdown", "html"])
def test_zh_shows_the_back_offices_terms(outputs, fmt):
    text = outputs["zh"][fmt]
    for term in ZH_TERMS:
        assert term in text, (fmt, term)
    assert "飘绿" in text and "飘红" in text  # description below the industry, service above
    assert "description" not in text.replace('"description"', "")


@pytest.mark.parametrize("fmt", ["table", "markdown", "html"])
def test_en_keeps_english_labels(outputs, fmt):
    text = outputs["en"][fmt]
    for term in ("description", "service", "shipping", "positive", "level"):
        assert term in text, (fmt, term)
    assert "描述相符" not in text


def test_the_digest_speaks_the_language_too(outputs):
    assert outputs["zh"]["digest"].startswith("**shopscore 店铺评分检查")
    assert "✓ 达标" in outputs["zh"]["digest"] and "✓ PASS" in outputs["en"]["digest"]


def test_json_is_the_same_whatever_the_language(outputs):
    assert json.loads(outputs["zh"]["json"]) == json.loads(outputs["en"]["json"])


def test_html_declares_its_language(outputs):
    assert '<html lang="zh-CN">' in outputs["zh"]["html"]
    assert '<html lang="en">' in outputs["en"]["html"]


@pytest.mark.parametrize("env, want", [
    ({"LANG": "zh_CN.UTF-8"}, "zh"), ({"LANG": "en_US.UTF-8"}, "en"), ({}, "en"),
    ({"LC_ALL": "zh_TW.UTF-8", "LANG": "en_US.UTF-8"}, "zh"),
    ({"LC_MESSAGES": "en_GB.UTF-8", "LANG": "zh_CN.UTF-8"}, "en"),
    ({"LC_ALL": "", "LC_MESSAGES": "zh_CN", "LANG": "C"}, "zh")])
def test_the_default_language_comes_from_the_locale(env, want):
    assert default_lang(env) == want


def test_lang_defaults_from_lang_and_an_unknown_one_is_a_usage_error():
    zh = cli("audit", SAMPLE, "--as-of", AS_OF, env={**PLAIN, "LANG": "zh_CN.UTF-8"})
    assert "描述相符" in zh.stdout
    bad = cli("audit", SAMPLE, "--as-of", AS_OF, "--lang", "fr")
    assert bad.exit_code == 2 and "--lang 'fr': expected zh or en" in bad.stderr


def test_every_label_has_both_languages():
    for key, texts in CATALOGUE.items():
        assert len(texts) == len(LANGS) and all(texts), key
        fields = [set(re.findall(r"{(\w+)}", t)) for t in texts]
        assert fields[0] == fields[1], key  # the same blanks to fill in each language


def test_colours_follow_the_platform_and_results_read_without_colour():
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "TTY_COMPATIBLE")}
    coloured = subprocess.run(
        [str(Path(sys.executable).with_name("shopscore")), "audit", str(SAMPLE), "--as-of", AS_OF,
         "--industry", INDUSTRY, "--min", "4.78"], capture_output=True, text=True, timeout=120,
        env={**env, "COLUMNS": "100", "FORCE_COLOR": "1", "TERM": "xterm-256color"}).stdout
    row = next(r for r in coloured.splitlines() if "-0.21%" in r)
    assert "\x1b[32m" in row  # below the industry: green (飘绿)
    row = next(r for r in coloured.splitlines() if "+0.10%" in r)
    assert "\x1b[31m" in row  # above: red (飘红)
    plain = cli("audit", SAMPLE, "--as-of", AS_OF, "--min", "4.78").stdout
    assert "\x1b[" not in plain
    assert "✗ FAIL" in plain and "✓ PASS" in plain  # symbol and word survive a monochrome pipe
    assert words("zh").mark("fail") == "✗ 未达标"
