"""The digest for chat and mail: failing shops and their failing checks first, then the rest;
50 shops in at most 25 lines; within each chat robot's message limit. And --format markdown,
the cron mail body: the digest, a summary table, the checks that fail, not 186 lines."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
from typer.testing import CliRunner

from shopscore.cli.app import app
from shopscore.scoring import api
from shopscore.scoring.alerts.robots import LIMIT_BYTES, Target, request
from shopscore.scoring.report.digest import MAX_LINES, digest
from shopscore.scoring.report.words import words
from shopscore.scoring.result import AuditResult, CheckResult, Credit, Dsr, DsrItem, ShopResult
from shopscore.scoring.sample import write_sample

AS_OF = "2026-11-22T00:00:00+08:00"
EN, ZH = words("en"), words("zh")


def item(score: float) -> DsrItem:
    return DsrItem(score, 100, round(score * 100), {str(k): 0.2 for k in range(1, 6)}, 4.7)


def shop(k: int, description: float, name: str | None = None) -> ShopResult:
    """Shop k with a description mean and a default check against 4.7 (service 4.9, shipping
    4.85 pass)."""
    credit = Credit(100 + k, 4, "4 hearts", 100, 0, 0, 10, 1.0, {}, {}, 0)
    dsr = Dsr(180, {"description": item(description), "service": item(4.9),
                    "shipping": item(4.85)}, ("description", "service", "shipping"), 0, {}, 100)
    checks = tuple(CheckResult(f"dsr.{n} >= 4.7", f"dsr.{n}.score", 4.7, None, s, s >= 4.7,
                               s - 4.7, 0 if s >= 4.7 else 7, None, "pass" if s >= 4.7 else "fail")
                   for n, s in (("description", description), ("service", 4.9),
                                ("shipping", 4.85)))
    return ShopResult(f"shop-{k:02d}", credit, dsr, {}, checks, name)


def audit_of(shops) -> AuditResult:
    return AuditResult(AS_OF, "taobao", {"rows_read": 0, "rows_rejected": 0,
                                         "rejected_by_reason": {}, "files": []}, tuple(shops))


def fifty(failing: int) -> AuditResult:
    """50 shops; every 50 // failing-th one fails its description (4.61 < 4.7)."""
    step = 50 // failing if failing else 0
    return audit_of(shop(k, 4.61 if step and k % step == 0 and k // step < failing else 4.8,
                         f"店铺{k}" if k % 3 == 0 else None) for k in range(50))


@pytest.mark.parametrize("failing", [0, 1, 6, 12, 30, 50])
def test_fifty_shops_in_at_most_25_lines_failing_first(failing):
    result = fifty(failing)
    for w in (EN, ZH):
        text = digest(result, w).markdown()
        lines = text.splitlines()
        assert len(lines) <= MAX_LINES, (failing, len(lines))
        bad = [s for s in result.shops if not s.passed]
        assert sum(w("fail") in line for line in lines[1:]) >= min(len(bad), 1)
        # Failing shops come before any passing line; every shop is named (or counted).
        fail_lines = [i for i, line in enumerate(lines) if line.startswith("- ✗")]
        pass_lines = [i for i, line in enumerate(lines) if line.startswith("- ✓")]
        if fail_lines and pass_lines:
            assert max(fail_lines) < min(pass_lines)
        named = sum(s.shop_id in text for s in result.shops)
        counted = sum(int(part.split(")")[0]) for part in text.split("(+")[1:])
        assert named + counted == 50, (failing, named, counted)


def test_a_failing_shop_line_carries_its_failing_check_and_what_it_needs():
    result = audit_of([shop(1, 4.61, "杭州旗舰店"), shop(2, 4.8)])
    lines = digest(result, ZH).markdown().splitlines()
    assert lines[1] == "- ✗ 未达标 **杭州旗舰店 (shop-01)** 描述相符 4.61000 (≥ 4.7；还需 7 个5★)" \
        or lines[1].startswith("- ✗ 未达标 **杭州旗舰店 (shop-01)** 描述相符 4.61000 (≥ 4.7")
    assert "还需 7 个5★" in lines[1]
    assert lines[2].startswith("- ✓ 达标 shop-02")
    en = digest(result, EN).markdown().splitlines()
    assert en[0].startswith("**shopscore audit · 2026-11-22 00:00 +08:00 · taobao · 2 shop(s)")
    assert "description 4.61000 (≥ 4.7; 7×5★ to reach it)" in en[1]


def test_shop_names_are_escaped_for_markdown():
    result = audit_of([shop(1, 4.61, "*bold* [x](y) <b>")])
    line = digest(result, EN).markdown().splitlines()[1]
    assert r"\*bold\* \[x\](y) &lt;b>" in line  # no tag opens


@pytest.mark.parametrize("kind", ["dingtalk", "wecom", "feishu"])
def test_every_robot_message_fits_its_limit_and_says_what_it_left_out(kind):
    # 400 failing shops with long names: far beyond every limit before fitting.
    result = audit_of(shop(k, 4.61, "很长的店铺名称" * 6) for k in range(400))
    whole = digest(result, ZH, max_lines=None)
    url, body = request(Target(kind, f"http://127.0.0.1/{kind}"), whole, ZH, "secret")
    doc = json.loads(body)
    text = {"dingtalk": lambda d: d["markdown"]["text"], "wecom": lambda d: d["markdown"]["content"],
            "feishu": lambda d: d["card"]["elements"][0]["content"]}[kind](doc)
    measured = len(body) if kind == "feishu" else len(text.encode("utf-8"))
    assert measured <= LIMIT_BYTES[kind]
    assert "见完整报告" in text  # "… N more line(s): see the full audit"
    assert "(shop-00)" in text  # failing shops first, whole lines


def test_digest_and_markdown_formats_of_an_eight_shop_audit(tmp_path):
    write_sample(tmp_path, lines=800, seed=4, shops=8)
    path = tmp_path / "sample_shop.parquet"
    runner = CliRunner()
    args = ["audit", str(path), "--as-of", AS_OF, "--min", "4.78"]
    data = json.loads(runner.invoke(app, [*args, "--format", "json"]).stdout)
    failing = [s["shop_id"] for s in data["shops"] if not s["passed"]]
    assert failing
    chat = runner.invoke(app, [*args, "--format", "digest"])
    assert chat.exit_code == 1
    lines = chat.stdout.splitlines()
    assert len(lines) == 1 + 8  # the title, one line per shop
    assert [line.split("**")[1] for line in lines[1:1 + len(failing)]] == failing
    mail = runner.invoke(app, [*args, "--format", "markdown"])
    assert mail.exit_code == 1
    assert mail.stdout.startswith(chat.stdout.splitlines()[0])
    assert len(mail.stdout.splitlines()) <= 50  # was 186 lines
    assert "### Shops (8)" in mail.stdout and "### Checks that fail or warn" in mail.stdout
    detail = runner.invoke(app, [*args, "--format", "markdown", "--detail"]).stdout
    assert all(f"### Shop {s['shop_id']}" in detail for s in data["shops"])


def test_library_digest_equals_the_cli_digest(tmp_path):
    write_sample(tmp_path, lines=400, seed=4, shops=3)
    path = tmp_path / "sample_shop.parquet"
    result = api.audit(api.Sources((path,)), as_of=AS_OF, bar=4.8).result
    cli = CliRunner().invoke(app, ["audit", str(path), "--as-of", AS_OF, "--min", "4.8",
                                   "--format", "digest", "--lang", "zh"])
    assert cli.stdout == api.digest_text(result, ZH) + "\n"
    assert replace(result, shops=result.shops[:1]).shops[0].shop_id in cli.stdout
