"""`shopscore explain`: every rating's fate, the rule that decided it and the rating that took
its place, read from the same decision record as the audit (never decided twice)."""

from __future__ import annotations

import json
from collections import Counter
from datetime import datetime

import pytest
from builders import line, write_csv
from typer.testing import CliRunner

from shopscore.cli.app import app
from shopscore.scoring.engine.audit import audit
from shopscore.scoring.inputs.load import load
from shopscore.scoring.insight.explain import explain
from shopscore.scoring.rules.profile import load_profile

AS_OF = "2026-12-01T00:00:00+08:00"
PROFILE = load_profile("taobao")


def rows():
    """One rating of each fate, worked by hand (shop1, as_of 2026-12-01):

    - b1, item i1: o1 negative (created 03-01) opens the 14-day window; o2 positive (03-03)
      counts; o3 positive (03-05) is same_item_14d, o2's positive counting in its place.
    - b2: 7 positives on 7 items created 2026-04-01..07: running total 0..5 before the first
      six, +6 before the 7th (cap7), which is monthly_cap.
    - b3, d1: no buyer rating, seller positive 2026-05-01 09:00: default positive due
      2026-05-16 09:00, counted.
    - b4, x1: negative rated 06-05, deleted 06-10: deleted. w1: completed 06-01 10:00, rated
      06-17 10:00 (16 days later): outside_rating_window.
    - b5: DSR of 4 orders completed 2026-11-02..05 (given the day after): the first three
      count, the 4th (s4) is dsr_monthly_cap.
    """
    out = [
        line("o1", buyer="b1", item="i1", created="2026-03-01 10:00:00",
             completed="2026-03-02 10:00:00", rated="2026-03-03 10:00:00", credit="negative"),
        line("o2", buyer="b1", item="i1", created="2026-03-03 10:00:00",
             completed="2026-03-04 10:00:00", rated="2026-03-05 10:00:00", credit="positive"),
        line("o3", buyer="b1", item="i1", created="2026-03-05 10:00:00",
             completed="2026-03-06 10:00:00", rated="2026-03-07 10:00:00", credit="positive"),
    ]
    for d in range(1, 8):
        out.append(line(f"cap{d}", buyer="b2", item=f"m{d}", created=f"2026-04-0{d} 10:00:00",
                        completed=f"2026-04-1{d} 10:00:00", rated=f"2026-04-1{d} 12:00:00",
                        credit="positive"))
    out.append(line("d1", buyer="b3", item="i3", created="2026-04-25 10:00:00",
                    completed="2026-04-30 10:00:00", seller_credit="positive",
                    seller_rated_at="2026-05-01 09:00:00"))
    out.append(line("x1", buyer="b4", item="i4", created="2026-06-01 10:00:00",
                    completed="2026-06-03 10:00:00", rated="2026-06-05 10:00:00",
                    credit="negative", revised_at="2026-06-10 10:00:00", revised_to="deleted"))
    out.append(line("w1", buyer="b4", item="i5", created="2026-05-30 10:00:00",
                    completed="2026-06-01 10:00:00", rated="2026-06-17 10:00:00",
                    credit="positive"))
    for d in range(1, 5):
        out.append(line(f"s{d}", buyer="b5", item=f"n{d}", created=f"2026-10-2{d} 10:00:00",
                        completed=f"2026-11-0{d + 1} 10:00:00",
                        dsr_rated_at=f"2026-11-0{d + 2} 10:00:00", dsr_description=5,
                        dsr_service=5, dsr_shipping=4, dsr_logistics=5))
    return out


@pytest.fixture(scope="module")
def audited(tmp_path_factory):
    path = write_csv(rows(), tmp_path_factory.mktemp("explain") / "trades.csv")
    data = load([path], PROFILE.timezone)
    result, decisions = audit(data, PROFILE, datetime.fromisoformat(AS_OF))
    return path, result.to_dict()["shops"][0], decisions


def one(doc, order, section="credit"):
    found = [r for r in doc[section] if r["order_id"] == order]
    assert len(found) == 1, found
    return found[0]


def explained(decisions, **selection):
    return explain(decisions, PROFILE, datetime.fromisoformat(AS_OF), **selection)


# --- each rule named, with the rating that took the place --------------------------------

def test_same_item_14d_names_the_window_and_the_counted_rating(audited):
    _, _, decisions = audited
    doc = explained(decisions, item="i1")
    rec = one(doc, "o3")
    assert rec["fate"] == "same_item_14d" and not rec["counted"]
    assert rec["replaced_by"]["order_id"] == "o2" and rec["replaced_by"]["fate"] == "counted"
    assert rec["window_opened_by"]["order_id"] == "o1"
    assert rec["why"] == ("excluded: same_item_14d — buyer b1 rated item i1 again within 14 days "
                          "of the window opened by order o1 (created 2026-03-01 10:00); the "
                          "positive of order o2 counts in its place")
    counted = one(doc, "o2")
    assert counted["fate"] == "counted"
    assert [r["order_id"] for r in counted["stands_for"]] == ["o3"]
    assert "in place of order o3" in counted["why"]
    assert one(doc, "o1")["why"].startswith("counted: negative (-1) rated 2026-03-03 10:00")


def test_monthly_cap_names_the_running_total(audited):
    _, _, decisions = audited
    doc = explained(decisions, buyer="b2")
    assert [r["month_total_before"] for r in doc["credit"]] == [0, 1, 2, 3, 4, 5, 6]
    rec = one(doc, "cap7")
    assert rec["fate"] == "monthly_cap"
    assert rec["why"] == ("excluded: monthly_cap — the running total of buyer b2 in 2026-04 (by "
                          "trade creation) was already +6; this positive would take it to +7, "
                          "beyond ±6")
    assert "goes from +5 to +6" in one(doc, "cap6")["why"]


def test_default_positive_names_its_due_date(audited):
    _, _, decisions = audited
    rec = one(explained(decisions, order="d1"), "d1")
    assert rec["fate"] == "counted" and rec["default"] and rec["counts_as"] == "positive"
    assert rec["rated_at"] == "2026-05-16T09:00:00+08:00"
    assert rec["why"].startswith("counted: default positive due 2026-05-16 09:00 (seller rated "
                                 "positive 15 days earlier")


def test_deleted_and_outside_window_name_the_dates(audited):
    _, _, decisions = audited
    doc = explained(decisions, buyer="b4")
    deleted = one(doc, "x1")
    assert deleted["fate"] == "deleted"
    assert deleted["why"].startswith("excluded: deleted — the buyer deleted this negative rating "
                                     "on 2026-06-10 10:00, 5 days after giving it")
    late = one(doc, "w1")
    assert late["fate"] == "outside_rating_window"
    assert late["why"] == ("excluded: outside_rating_window — rated 2026-06-17 10:00, 16 days "
                           "after the trade became successful (2026-06-01 10:00); a rating "
                           "counts only within 15 days of success")


def test_dsr_monthly_cap_names_the_orders_that_counted(audited):
    _, _, decisions = audited
    doc = explained(decisions, buyer="b5")
    assert [r["fate"] for r in doc["dsr"]] == ["counted"] * 3 + ["dsr_monthly_cap"]
    assert [r["month_rank"] for r in doc["dsr"]] == [1, 2, 3, 4]
    rec = one(doc, "s4", "dsr")
    assert rec["counted_instead"] == ["s1", "s2", "s3"]
    assert rec["why"] == ("excluded: dsr_monthly_cap — 4th DSR-scored order of buyer b5 completed "
                          "in 2026-11; counted instead: orders s1, s2, s3")
    assert rec["scores"] == {"description": 5, "service": 5, "shipping": 4, "logistics": 5}
    assert one(doc, "s2", "dsr")["why"].startswith("counted: description 5, service 5, "
                                                   "shipping 4, logistics 5, given 2026-11-04")


def test_unrated_line_says_why_there_is_no_default(audited):
    _, _, decisions = audited
    rec = one(explained(decisions, order="s1"), "s1")
    assert rec["fate"] == "unrated" and rec["rating"] is None
    assert "the seller did not rate the buyer, so no default positive" in rec["why"]


# --- explain and audit read the same record ---------------------------------------------

def test_explain_fates_equal_the_audit_counts(audited):
    _, shop, decisions = audited
    doc = explained(decisions)
    credit = {k: shop["credit"][k] for k in ("positive", "neutral", "negative",
                                             "default_positive", "excluded_by_reason",
                                             "unrated_lines")}
    assert doc["summary"]["credit"] == credit
    assert doc["summary"]["dsr"]["excluded_by_reason"] == shop["dsr"]["excluded_by_reason"]
    assert doc["summary"]["dsr"]["counted"] == shop["dsr"]["description"]["count"] == 3
    assert doc["summary"]["anomalies_by_reason"] == shop["anomalies_by_reason"]
    assert shop["credit"]["excluded_by_reason"] == {
        "deleted": 1, "monthly_cap": 1, "outside_rating_window": 1, "same_item_14d": 1}
    # Buyer by buyer, the explained fates add up to the audit's counts too.
    fates = Counter()
    for buyer in ("b1", "b2", "b3", "b4", "b5"):
        fates.update(r["fate"] for r in explained(decisions, buyer=buyer)["credit"])
    assert fates == Counter(decisions.credit["fate"])
    assert fates["counted"] == shop["credit"]["positive"] + shop["credit"]["negative"] + \
        shop["credit"]["neutral"]


def test_explain_reads_the_record_and_decides_nothing(audited):
    _, _, decisions = audited
    tampered = decisions.credit.copy()
    row = int(decisions.lines.index[decisions.lines["order_id"] == "o3"][0])
    tampered.loc[row, ["fate", "replaced_by"]] = ["counted", -1]
    doc = explained(type(decisions)(decisions.lines, tampered, decisions.dsr, decisions.orphans),
                    order="o3")
    assert one(doc, "o3")["fate"] == "counted"


def test_a_revision_to_positive_counts_as_positive(tmp_path):
    rows_ = [line("r1", created="2026-03-01 10:00:00", completed="2026-03-02 10:00:00",
                  rated="2026-03-03 10:00:00", credit="neutral", revised_at="2026-03-10 10:00:00",
                  revised_to="positive")]
    data = load([write_csv(rows_, tmp_path / "t.csv")], PROFILE.timezone)
    result, decisions = audit(data, PROFILE, datetime.fromisoformat(AS_OF))
    rec = one(explained(decisions, order="r1"), "r1")
    assert rec["rating"] == "neutral" and rec["counts_as"] == "positive" and rec["counted"]
    assert "revised to positive on 2026-03-10 10:00" in rec["why"]
    assert explained(decisions)["summary"]["credit"]["positive"] == \
        result.to_dict()["shops"][0]["credit"]["positive"] == 1


# --- the command ---------------------------------------------------------------------------

def cli(*args):
    return CliRunner().invoke(app, [str(a) for a in args], prog_name="shopscore",
                              env={"COLUMNS": "200", "NO_COLOR": "1"})


def test_cli_explain_order_in_words(audited):
    path = audited[0]
    result = cli("explain", path, "--order", "o3", "--as-of", AS_OF)
    assert result.exit_code == 0, (result.stderr, result.exception)
    text = " ".join(result.stdout.split())
    assert "EXCLUDED: same_item_14d — buyer b1 rated item i1 again" in text
    assert "the positive of order o2 counts in its place" in text


def test_cli_explain_json(audited):
    path = audited[0]
    result = cli("explain", path, "--buyer", "b5", "--as-of", AS_OF, "--format", "json")
    assert result.exit_code == 0, (result.stderr, result.exception)
    doc = json.loads(result.stdout)
    assert doc["selection"]["buyer"] == "b5"
    assert one(doc, "s4", "dsr")["counted_instead"] == ["s1", "s2", "s3"]
    assert {r["fate"] for r in doc["credit"]} == {"unrated"}


@pytest.mark.parametrize("args", [(), ("--order", "nope"), ("--item", "i1", "--buyer", "b2")])
def test_cli_explain_needs_a_matching_selection(audited, args):
    result = cli("explain", audited[0], "--as-of", AS_OF, *args)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.startswith("shopscore: error: ")
