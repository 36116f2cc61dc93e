"""The insight commands on an input too big for memory: explain, whatif, forecast and report
run on the partitioned audit (forced here by a budget that asks for N partitions) and give
what they give on the whole input: the same JSON, the same page. explain decides only the
partitions that hold the ids it is asked about."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from shopscore.cli.app import app
from shopscore.scoring import api
from shopscore.scoring.engine import partitioned

SAMPLE = Path(__file__).resolve().parent.parent / "sample_data"
AS_OF = ["--as-of", "2026-11-22T00:00:00+08:00"]
SERVICE = [SAMPLE / "sample_shop.csv", "--after-sales", SAMPLE / "sample_after_sales.csv",
           "--chats", SAMPLE / "sample_chats.csv"]
RATINGS = [SAMPLE / "sample_trades.csv", "--ratings", SAMPLE / "sample_ratings.csv"]
DOUYIN = [SAMPLE / "douyin" / "douyin_orders.csv", "--profile", "douyin", "--after-sales",
          SAMPLE / "douyin" / "douyin_aftersales.csv", "--chats",
          SAMPLE / "douyin" / "douyin_chats.csv"]
ORDER, BUYER, ITEM = "3012000040869145708", "tb100048271", "600007919137"
ORPHAN = "3012001180170962825"  # a rating whose order no trade line has

COMMANDS = {
    "explain --order": ["explain", *RATINGS, "--order", ORDER],
    "explain an orphan": ["explain", *RATINGS, "--order", ORPHAN],
    "explain --buyer": ["explain", *RATINGS, "--buyer", BUYER],
    "explain --item --shop": ["explain", *SERVICE, "--item", ITEM, "--shop", "shop-01"],
    "explain --metric, a rate": ["explain", *SERVICE, "--metric", "refund_rate", "--limit", "5"],
    "explain --metric, a mean": ["explain", *SERVICE, "--metric", "pickup_hours_mean"],
    "explain --metric, douyin": ["explain", *DOUYIN, "--metric", "reply_within_rate"],
    "explain --metric, a mean of rounds": ["explain", *SERVICE, "--metric",
                                           "reply_seconds_mean", "--limit", "4"],
    "explain --metric, first replies": ["explain", *DOUYIN, "--metric",
                                        "first_reply_seconds_mean"],
    "explain --metric, cases": ["explain", *SERVICE, "--metric", "refund_hours_mean"],
    "whatif": ["whatif", *SERVICE],
    "whatif douyin": ["whatif", *DOUYIN],
    "forecast": ["forecast", *SERVICE, "--days", "20"],
    "forecast douyin": ["forecast", *DOUYIN, "--days", "10"],
}


def run(args: list) -> str:
    done = CliRunner().invoke(app, [*map(str, args), *AS_OF, "--format", "json"])
    assert done.exit_code in (0, 1), (done.exit_code, done.stderr, done.exception)
    return done.stdout


def in_parts(monkeypatch, n: int) -> list:
    """Audits run in n partitions from here on; the partitions decided are listed."""
    decided = []
    monkeypatch.setattr(api, "_partitions", lambda *a, **k: n)
    prepare_part = partitioned.prepare_part
    monkeypatch.setattr(partitioned, "prepare_part",
                        lambda task: decided.append(task.p) or prepare_part(task))
    return decided


@pytest.mark.parametrize("name", list(COMMANDS))
def test_insight_on_partitions_is_the_whole_insight(name, monkeypatch):
    whole = run(COMMANDS[name])
    assert json.loads(whole)
    decided = in_parts(monkeypatch, 7)
    assert run(COMMANDS[name]) == whole
    if name.startswith("explain --order") or name == "explain --buyer":
        assert 0 < len(set(decided)) < 7, decided  # only the partitions holding the ids
    elif not name.startswith("explain"):
        assert sorted(decided) == list(range(7))


@pytest.mark.parametrize("inputs", [SERVICE, DOUYIN], ids=["taobao", "douyin"])
def test_the_report_on_partitions_is_the_whole_report(inputs, tmp_path, monkeypatch):
    def page(tag: str) -> str:
        out = tmp_path / f"{tag}.html"
        done = CliRunner().invoke(app, ["report", *map(str, inputs), *AS_OF, "--html",
                                        str(out)])
        assert done.exit_code in (0, 1), (done.stderr, done.exception)
        return out.read_text(encoding="utf-8")

    whole = page("whole")
    in_parts(monkeypatch, 5)
    assert page("parts") == whole
    # The summary shows the sections the profile has: Douyin's has no credit or DSR.
    head = whole[whole.index("<h2>"):whole.index("</table>")]
    assert ("credit" in head) == (inputs is SERVICE) and "experience" in head


def test_explaining_ids_nobody_has_is_refused_in_partitions(monkeypatch):
    in_parts(monkeypatch, 4)
    done = CliRunner().invoke(app, ["explain", *map(str, RATINGS), *AS_OF, "--order", "nope"])
    assert done.exit_code == 2 and "no trade line or rating matches" in done.stderr
    done = CliRunner().invoke(app, ["explain", *map(str, RATINGS), *AS_OF, "--buyer", BUYER,
                                    "--shop", "shop-99"])
    assert done.exit_code == 2 and "--shop 'shop-99'" in done.stderr


@pytest.mark.parametrize("command", ["explain", "whatif", "forecast"])
def test_the_insight_commands_take_the_partitions_asked_for(command, monkeypatch):
    args = {"explain": ["explain", *RATINGS, "--buyer", BUYER], "whatif": ["whatif", *SERVICE],
            "forecast": ["forecast", *SERVICE]}[command]
    whole = run(args)
    decided = []
    prepare_part = partitioned.prepare_part
    monkeypatch.setattr(partitioned, "prepare_part",
                        lambda task: decided.append(task.p) or prepare_part(task))
    assert run([*args, "--partitions", "3"]) == whole
    assert decided and set(decided) <= {0, 1, 2}
    if command != "explain":
        assert sorted(decided) == [0, 1, 2]


def test_a_profile_without_a_scorecard_on_partitions(tmp_path, monkeypatch):
    # The experience pieces are asked for only where the profile scores experience.
    import shopscore.scoring.rules as rules_pkg

    source = Path(rules_pkg.__file__).parent / "profiles" / "taobao.toml"
    kept, skip = [], False
    for text in source.read_text(encoding="utf-8").splitlines():
        if text.startswith("["):
            skip = text.strip("[] ").startswith("experience")
        if not skip:
            kept.append(text)
    plain = tmp_path / "plain.toml"
    plain.write_text("\n".join(kept).replace('name = "taobao"', 'name = "plain"') + "\n",
                     encoding="utf-8")
    for command in ("forecast", "whatif"):
        args = [command, SAMPLE / "sample_shop.csv", "--profile", plain]
        whole = run(args)
        assert "experience" not in json.loads(whole)["shops"][0]
        assert run([*args, "--partitions", "3"]) == whole


def test_explaining_ratings_under_a_profile_without_them_is_refused():
    # Douyin's profile scores experience only: explaining ratings is a sentence, exit 2.
    for option in (["--buyer", BUYER], ["--item", ITEM]):
        done = CliRunner().invoke(app, ["explain", *map(str, DOUYIN), *AS_OF, *option])
        assert done.exit_code == 2, (done.exit_code, done.stderr)
        assert "has no credit or DSR rules" in done.stderr and "--metric" in done.stderr
