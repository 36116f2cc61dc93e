"""The experience oracle (tests/reference_experience.py, RULES.md sections 6-7): it proves
itself on the public golden-experience cases, on hand-worked tables at every boundary RULES.md
names, and then judges the engine on random datasets through the real CLI."""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile
from datetime import datetime, timedelta
from fractions import Fraction
from pathlib import Path

import pytest
from experience_data import experience_datasets, experience_differences, run_folder
from hypothesis import HealthCheck, Phase, given, settings
from reference_experience import (
    TRADE_COLUMNS,
    douyin,
    reference_experience,
    score_shop,
    scorecard_defaults,
)
from typer.testing import CliRunner

from shopscore.cli.app import app

SHARED = Path(__file__).resolve().parents[2] / "shared"
CASES_DIR = SHARED / "golden-experience"
CASES = sorted(p.name for p in CASES_DIR.glob("p*") if (p / "case.json").is_file())
UNDER_CI = os.environ.get("CI", "").lower() in ("true", "1", "yes")
PHASES = [Phase.explicit, Phase.reuse, Phase.generate, Phase.target]
if os.environ.get("SHOPSCORE_SHRINK") == "1":
    PHASES.append(Phase.shrink)
SETTINGS = settings(deadline=None, phases=PHASES,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


# ---------------------------------------------------------------- (a) the golden cases

def check_module():
    """/work/shared/golden-experience/check.py, imported for its comparison."""
    spec = importlib.util.spec_from_file_location("golden_experience_check",
                                                  CASES_DIR / "check.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.skipif(not CASES and not UNDER_CI, reason="shared/golden-experience is not beside "
                    "the repository")
@pytest.mark.parametrize("name", CASES or ["shared/golden-experience is missing"])
def test_reference_gives_the_golden_experience_figures(name):
    assert CASES, f"{CASES_DIR} holds no case: CI must run with ../shared beside the checkout"
    folder = CASES_DIR / name
    case = json.loads((folder / "case.json").read_text(encoding="utf-8"))
    expected = json.loads((folder / "expected.json").read_text(encoding="utf-8"))
    ref = run_folder(folder, datetime.fromisoformat(case["as_of"]))
    actual = {"shops": [{"shop_id": sid, "experience": exp} for sid, exp in ref.items()]}
    assert check_module().compare(expected, actual) == []
    # The figures check.py leaves out agree too (my own comparison, the same rules).
    for shop in expected["shops"]:
        exp, got = shop["experience"], ref[shop["shop_id"]]
        assert experience_differences(exp, got) == []
        assert (got["scorecard"], got["window_days"]) == (exp["scorecard"], exp["window_days"])
        assert {k: d["weight"] for k, d in got["dimensions"].items()} == \
            {k: d["weight"] for k, d in exp["dimensions"].items()}


def test_four_golden_experience_cases_are_there():
    assert len(CASES) == 4 or not CASES_DIR.is_dir()


# ---------------------------------------------------------------- (b) hand-worked tables

AS_OF = datetime(2027, 3, 1, 0, 0, 0)  # window (2027-01-30 00:00:00, 2027-03-01 00:00:00]


def t(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%d %H:%M:%S")


def line(order_id, **values):
    """One trade line of shop s; times given as text."""
    row = {"shop_id": "s", "order_id": order_id, "line_id": values.pop("line_id", "L1"),
           "buyer_id": "b", "item_id": "i", "status": "open"}
    for key, v in values.items():
        row[key] = t(v) if isinstance(v, str) and key.endswith("_at") else v
    return row


def case(aftersale_id, order_id, kind="refund_shipped", reason="other", status="refunded",
         **values):
    row = {"shop_id": "s", "aftersale_id": aftersale_id, "order_id": order_id, "type": kind,
           "reason": reason, "status": status, "escalated": False}
    for key, v in values.items():
        row[key] = t(v) if isinstance(v, str) and key.endswith("_at") else v
    if status == "refunded" and "refunded_at" not in row:
        row["refunded_at"] = row.get("agreed_at")
    return row


def msg(session, when, sender, rating=None):
    return {"shop_id": "s", "session_id": session, "sent_at": t(when), "sender": sender,
            "rating": rating}


def card(*specs, **top):
    """A scorecard of one dimension `d` holding the given metric specs."""
    table = {"dimensions": [{"name": "d", "weight": 1, "metrics": list(specs)}]}
    table.update(top)
    return table


def tiers(metric, table, better="higher", below=0, weight=1):
    return {"metric": metric, "weight": weight, "better": better, "tiers": table, "below": below}


ONE_ORDER = [line("x", paid_at="2027-02-10 10:00:00")]


def experience(trades=ONE_ORDER, after_sales=None, chats=None, table=None, as_of=AS_OF, **kw):
    return reference_experience(trades, after_sales, chats, as_of, table or card(), **kw)["s"]


def metric(exp, name):
    m = exp["metrics"][name]
    return m["value"], m["numerator"], m["denominator"], m["bad"]


def test_window_edges_on_both_sides():
    # paid at the window start (out), one second later (in), at as_of (in), after (absent).
    trades = [line("o1", paid_at="2027-01-30 00:00:00"), line("o2", paid_at="2027-01-30 00:00:01"),
              line("o3", paid_at="2027-03-01 00:00:00"), line("o4", paid_at="2027-03-01 00:00:01")]
    exp = experience(trades, after_sales=[])
    assert exp["metrics"]["valid_paid_orders"]["value"] == 2  # o2, o3
    assert metric(exp, "refund_rate") == (0.0, 0, 2, 0)
    # window_days 7: (2027-02-22 00:00, 2027-03-01 00:00] keeps o3 only.
    assert experience(trades, table=card(window_days=7))["metrics"]["valid_paid_orders"][
        "value"] == 1


def test_pickup_night_18_to_06_across_midnight():
    trades = [
        # 17:59:59 is day: the clock starts at payment, 24 h -> row [24, 100]
        line("p1", paid_at="2027-02-10 17:59:59", collected_at="2027-02-11 17:59:59"),
        # 18:00:00 is night: starts 2027-02-11 06:00, collected 08:00 -> 2 h -> 100
        line("p2", paid_at="2027-02-10 18:00:00", collected_at="2027-02-11 08:00:00"),
        # 05:59:59 is night: starts 06:00:00 that morning, collected then -> 0 h -> 100
        line("p3", paid_at="2027-02-11 05:59:59", collected_at="2027-02-11 06:00:00"),
        # 06:00:00 is day: 48 h 1 s -> past [48, 80] -> row [60, 70]
        line("p4", paid_at="2027-02-11 06:00:00", collected_at="2027-02-13 06:00:01"),
        # 03:00 is night: starts 06:00, collected 05:00 -> -1 h -> never below 0 -> 100
        line("p5", paid_at="2027-02-12 03:00:00", collected_at="2027-02-12 05:00:00"),
    ]
    exp = experience(trades)
    hours = 24 + 2 + 0 + (48 + Fraction(1, 3600)) + 0
    assert metric(exp, "pickup_hours_mean") == (float(hours / 5), float(hours), 5, None)
    assert metric(exp, "pickup_points_mean") == (94.0, 470.0, 5, None)  # (4*100 + 70) / 5


def test_pickup_points_beyond_the_last_row_and_on_a_row():
    table = card(pickup_points=[[24, 100], [48, 80]], pickup_points_beyond=40)
    trades = [line("a", paid_at="2027-02-10 10:00:00", collected_at="2027-02-12 10:00:00"),
              line("b", paid_at="2027-02-10 10:00:00", collected_at="2027-02-12 10:00:01")]
    # 48 h exactly -> 80; 48 h 1 s -> beyond -> 40: mean 60
    assert metric(experience(trades, table=table), "pickup_points_mean")[0] == 60.0


def test_review_night_23_to_08_and_the_case_metrics():
    cases = [
        case("C1", "x", applied_at="2027-02-10 22:59:59", agreed_at="2027-02-11 00:59:59"),  # 2 h
        case("C2", "x", applied_at="2027-02-10 23:00:00", agreed_at="2027-02-11 09:00:00"),  # 1 h
        case("C3", "x", applied_at="2027-02-11 07:59:59", agreed_at="2027-02-13 08:00:00"),  # 48 h
        case("C4", "x", applied_at="2027-02-12 08:00:00", agreed_at="2027-02-14 08:00:01"),  # 48h1s
        case("C5", "x", applied_at="2027-02-12 23:30:00", agreed_at="2027-02-13 07:00:00"),  # 0
    ]
    exp = experience(after_sales=cases)
    # within 48 h: C1, C2, C3 (exactly 48 h), C5 -> 4/5, bad 1
    assert metric(exp, "aftersale_on_time_rate") == (0.8, 4, 5, 1)
    review = 2 + 1 + 48 + 48 + Fraction(1, 3600) + 0
    assert metric(exp, "aftersale_review_hours_mean") == (float(review / 5), float(review), 5,
                                                          None)
    # seller hours = agreed - applied: 2 + 10 + (48 h 1 s) + (48 h 1 s) + 7.5
    seller = 2 + 10 + 48 + 48 + Fraction(2, 3600) + Fraction(15, 2)
    assert metric(exp, "refund_hours_mean") == (float(seller / 5), float(seller), 5, None)


def test_case_populations_types_agreement_and_refund_time():
    cases = [
        # return_refund: 6 h to agree + 4 h from goods received to money back = 10 h
        case("R1", "x", "return_refund", applied_at="2027-02-06 10:00:00",
             agreed_at="2027-02-06 16:00:00", return_received_at="2027-02-09 10:00:00",
             refunded_at="2027-02-09 14:00:00"),
        # refund_unshipped: in refund_hours_mean (0.5 h), not in the on-time rate
        case("R2", "x", "refund_unshipped", applied_at="2027-02-07 11:00:00",
             agreed_at="2027-02-07 11:30:00"),
        # no agreed_at: left out of all three case metrics
        case("R3", "x", applied_at="2027-02-07 11:00:00", refunded_at="2027-02-08 11:00:00"),
        # refunded after as_of: not refunded at all
        case("R4", "x", applied_at="2027-02-27 10:00:00", agreed_at="2027-02-27 11:00:00",
             refunded_at="2027-03-01 00:00:01"),
        # refunded at the window start: not in the window
        case("R5", "x", applied_at="2027-01-29 10:00:00", agreed_at="2027-01-29 11:00:00",
             refunded_at="2027-01-30 00:00:00"),
    ]
    exp = experience(after_sales=cases)
    assert metric(exp, "aftersale_on_time_rate") == (1.0, 1, 1, 0)  # R1 (6 h review)
    assert metric(exp, "refund_hours_mean") == (5.25, 10.5, 2, None)  # (10 + 0.5) / 2
    # order x (paid in the window) has refunded cases (R1, R2, R3, R5): 1/1
    assert metric(exp, "refund_rate") == (1.0, 1, 1, 1)
    only_late = experience(after_sales=[cases[3]])
    assert metric(only_late, "refund_rate") == (0.0, 0, 1, 0)


def test_first_after_sale_tie_and_the_pickup_exclusion():
    trades = [line("a", paid_at="2027-02-10 10:00:00"), line("b", paid_at="2027-02-10 10:00:00"),
              line("c", paid_at="2027-02-10 10:00:00", collected_at="2027-02-12 10:00:00")]
    cases = [
        # a: two cases at the same moment; ids are text: "R10" < "R2", so R10 (quality) is
        # first and the refund_unshipped R2 does not take a out of the pickup population
        case("R2", "a", "refund_unshipped", applied_at="2027-02-11 10:00:00"),
        case("R10", "a", "return_refund", "quality", "open", applied_at="2027-02-11 10:00:00"),
        # b: refund_unshipped applied exactly at its deadline (not before): b stays in
        case("R3", "b", "refund_unshipped", "logistics", "open",
             applied_at="2027-02-12 10:00:00"),
    ]
    exp = experience(trades, after_sales=cases)
    # deadlines 2027-02-12 10:00; only c collected by it (exactly at it): 1/3
    assert metric(exp, "pickup_on_time_rate") == (1 / 3, 1, 3, 2)
    assert metric(exp, "logistics_return_rate") == (1 / 3, 1, 3, 1)  # b's reason
    swapped = [dict(cases[0], aftersale_id="R1"), cases[1], cases[2]]  # R1 first: a excluded
    assert metric(experience(trades, after_sales=swapped), "pickup_on_time_rate") == \
        (0.5, 1, 2, 1)


def test_logistics_returns_ruled_against_the_seller_when_the_data_says():
    trades = [line("a", paid_at="2027-02-10 10:00:00"), line("b", paid_at="2027-02-10 10:00:00")]
    cases = [case("R1", "a", reason="logistics", status="open", applied_at="2027-02-11 10:00:00",
                  seller_liable=True),
             case("R2", "b", reason="logistics", status="open", applied_at="2027-02-11 10:00:00",
                  seller_liable=False)]
    assert metric(experience(trades, after_sales=cases), "logistics_return_rate")[:3] == \
        (0.5, 1, 2)
    plain = [{k: v for k, v in c.items() if k != "seller_liable"} for c in cases]
    assert metric(experience(trades, after_sales=plain), "logistics_return_rate")[:3] == \
        (1.0, 2, 2)


def test_platform_help_on_either_basis():
    trades = [line(o, paid_at="2027-02-10 10:00:00") for o in "abcd"]
    cases = [case("R1", "a", status="open", applied_at="2027-02-11 10:00:00", escalated=True),
             case("R2", "b", status="open", applied_at="2027-02-11 10:00:00")]
    assert metric(experience(trades, after_sales=cases), "platform_help_rate") == (0.25, 1, 4, 1)
    basis = card(help_basis="aftersale_orders")
    assert metric(experience(trades, after_sales=cases, table=basis), "platform_help_rate") == \
        (0.5, 1, 2, 1)


def test_valid_paid_orders_sum_amounts_exactly():
    trades = [line("a", line_id="L1", paid_at="2027-02-10 10:00:00", amount=0.1),
              line("a", line_id="L2", paid_at="2027-02-10 10:00:00", amount=0.2),
              line("a", line_id="L3", paid_at="2027-02-10 10:00:00", amount=0.7),  # 1.00
              line("b", paid_at="2027-02-10 10:00:00", amount=1.01),
              line("c", paid_at="2027-02-10 10:00:00", amount=1.0)]
    # a sums to exactly 1.00 (as floats 1.0000000000000002): not above 1.00; c neither: 1 valid
    exp = experience(trades, after_sales=[])
    assert exp["metrics"]["valid_paid_orders"]["value"] == 1
    assert metric(exp, "refund_rate")[2] == 3  # the paid-order rates take every paid order


def test_goods_metrics_pick_the_earliest_rated_line():
    trades = [
        # g1: two lines rated; the earlier (3) is the order's; signed in the window
        line("g1", line_id="L1", signed_at="2027-02-10 10:00:00", dsr_rated_at="2027-02-12 10:00:00",
             dsr_description=5),
        line("g1", line_id="L2", signed_at="2027-02-10 10:00:00", dsr_rated_at="2027-02-11 10:00:00",
             dsr_description=3),
        # g2: scored 1, given before the window, signed in it
        line("g2", signed_at="2027-02-10 10:00:00", dsr_rated_at="2027-01-20 10:00:00",
             dsr_description=1),
        # g3: scored 5 after as_of: no description yet
        line("g3", signed_at="2027-02-10 10:00:00", dsr_rated_at="2027-03-01 00:00:01",
             dsr_description=5),
        # g4: signed before the window, scored 4 in it
        line("g4", signed_at="2027-01-20 10:00:00", dsr_rated_at="2027-02-10 10:00:00",
             dsr_description=4),
    ]
    cases = [case("R1", "g3", reason="quality", status="open", applied_at="2027-02-11 10:00:00")]
    exp = experience(trades, after_sales=cases)
    assert metric(exp, "goods_score") == (2.0, 4, 2, 1)  # g1 3, g2 1 (bad: g2)
    assert metric(exp, "goods_good_rate") == (0.5, 1, 2, 1)  # given in window: g1 3, g4 4
    assert metric(exp, "quality_return_rate") == (1 / 3, 1, 3, 1)  # signed g1 g2 g3: g3
    assert metric(exp, "negative_feedback_rate") == (2 / 3, 2, 3, 2)  # g2 (1), g3 (quality)


def test_delivery_on_time_and_hours():
    trades = [
        line("d1", paid_at="2027-02-10 10:00:00", signed_at="2027-02-13 10:00:00",
             delivery_due_at="2027-02-13 10:00:00"),  # signed exactly at due: on time, 72 h
        line("d2", paid_at="2027-02-10 10:00:00", signed_at="2027-02-13 10:00:01",
             delivery_due_at="2027-02-13 10:00:00"),  # one second late, 72 h 1 s
        line("d3", paid_at="2027-02-10 10:00:00", delivery_due_at="2027-02-13 10:00:00"),  # never
        line("d4", paid_at="2027-02-27 10:00:00", delivery_due_at="2027-03-01 00:00:01"),  # after
    ]
    exp = experience(trades)
    assert metric(exp, "delivery_on_time_rate") == (1 / 3, 1, 3, 2)
    total = 144 + Fraction(1, 3600)
    assert metric(exp, "delivery_hours_mean") == (float(total / 2), float(total), 2, None)


def test_chat_ties_buyer_before_bot_before_agent():
    chats = [
        # s1, written out of order: at 10:01:00 the buyer sorts before the agent, so the
        # second buyer message joins the open round: one round, answered in 60 s
        msg("s1", "2027-02-10 10:01:00", "agent"), msg("s1", "2027-02-10 10:00:00", "buyer"),
        msg("s1", "2027-02-10 10:01:00", "buyer"),
        # s2: buyer, bot and agent in the same second: the agent answers in 0 s
        msg("s2", "2027-02-10 11:00:00", "agent"), msg("s2", "2027-02-10 11:00:00", "bot"),
        msg("s2", "2027-02-10 11:00:00", "buyer"),
    ]
    exp = experience(chats=chats)
    assert metric(exp, "reply_seconds_mean")[:3] == (30.0, 60, 2)
    assert metric(exp, "reply_within_rate") == (1.0, 2, 2, 0)


def test_unanswered_rounds_take_600_seconds_and_are_never_within():
    as_of = datetime(2027, 3, 1, 12, 0, 0)
    chats = [
        msg("s1", "2027-03-01 11:59:50", "buyer"),  # 10 s before as_of, no answer: 600
        msg("s2", "2027-03-01 10:00:00", "buyer"), msg("s2", "2027-03-01 12:00:01", "agent"),
        msg("s3", "2027-03-01 10:00:00", "buyer"), msg("s3", "2027-03-01 10:00:05", "bot"),
        msg("s4", "2027-03-01 09:00:00", "buyer"), msg("s4", "2027-03-01 09:15:00", "agent"),
    ]
    # s2's agent speaks after as_of (does not exist yet): 600; s3 only a bot: 600; s4 900 s
    exp = experience(chats=chats, as_of=as_of, table=card(unanswered_seconds=600))
    assert metric(exp, "reply_seconds_mean")[:3] == (675.0, 2700, 4)
    assert metric(exp, "reply_within_rate") == (0.0, 0, 4, 4)
    assert metric(exp, "first_reply_seconds_mean")[:3] == (675.0, 2700, 4)


def test_rounds_and_first_rounds():
    chats = [
        # s1: rounds at 09:00 (30 s), 09:05 (two buyer messages, answered 09:06: 60 s; the
        # second agent message answers nothing), 09:10 (unanswered: 600)
        msg("s1", "2027-02-10 09:00:00", "buyer"), msg("s1", "2027-02-10 09:00:30", "agent"),
        msg("s1", "2027-02-10 09:05:00", "buyer"), msg("s1", "2027-02-10 09:05:20", "buyer"),
        msg("s1", "2027-02-10 09:06:00", "agent"), msg("s1", "2027-02-10 09:07:00", "agent"),
        msg("s1", "2027-02-10 09:10:00", "buyer"),
        # s2: the first round starts at 07:00 (outside service hours: it does not count, and
        # the session has no first round that counts); its second round at 08:30 counts (20 s)
        msg("s2", "2027-02-10 07:00:00", "buyer"), msg("s2", "2027-02-10 07:00:10", "agent"),
        msg("s2", "2027-02-10 08:30:00", "buyer"), msg("s2", "2027-02-10 08:30:20", "agent"),
    ]
    exp = experience(chats=chats)
    assert metric(exp, "reply_seconds_mean")[:3] == (177.5, 710, 4)  # 30 + 60 + 600 + 20
    assert metric(exp, "reply_within_rate") == (0.75, 3, 4, 1)
    assert metric(exp, "first_reply_seconds_mean")[:3] == (30.0, 30, 1)


def test_service_hours_08_00_and_23_00_exactly():
    chats = []
    for n, start in enumerate(["07:59:59", "08:00:00", "22:59:59", "23:00:00"]):
        first = t(f"2027-02-10 {start}")
        chats += [{"shop_id": "s", "session_id": f"s{n}", "sent_at": first, "sender": "buyer",
                   "rating": 5},
                  {"shop_id": "s", "session_id": f"s{n}", "sent_at": first + timedelta(seconds=10),
                   "sender": "agent", "rating": None}]
    exp = experience(chats=chats)  # 08:00:00 and 22:59:59 count; 07:59:59, 23:00:00 do not
    assert metric(exp, "reply_seconds_mean")[:3] == (10.0, 20, 2)
    assert metric(exp, "chat_satisfaction_rate") == (1.0, 2, 2, 0)


def test_session_rating_is_the_last_non_empty_one():
    chats = [
        msg("s1", "2027-02-10 09:00:00", "buyer", 5), msg("s1", "2027-02-10 09:01:00", "agent", 2),
        msg("s1", "2027-02-10 09:02:00", "buyer"),  # last non-empty: 2 -> dissatisfied
        msg("s2", "2027-02-10 10:00:00", "buyer", 4),  # satisfied
        msg("s3", "2027-02-10 11:00:00", "buyer"),  # no rating: not a rated session
        msg("s4", "2027-02-10 23:30:00", "buyer", 1),  # first message outside service hours
    ]
    exp = experience(chats=chats)
    assert metric(exp, "chat_satisfaction_rate") == (0.5, 1, 2, 1)
    assert metric(exp, "chat_dissatisfaction_rate") == (0.5, 1, 2, 1)


# Section 7 on given metrics: {name: {"value": Fraction, "bad": n}}.
GOODS = tiers("goods_score", [[4.8, 100], [4.3, 60]], below=50)


def scored(metrics, table):
    return score_shop({k: {"value": None if v is None else Fraction(v), "bad": b}
                       for k, (v, b) in metrics.items()}, scorecard_defaults(table))


@pytest.mark.parametrize("count, bad, orders_below, bad_at_most, value, points, floored", [
    (2, 1, 3, 1, 3, 80, True),    # 3.0 -> 50; 2 < 3 orders and bad 1 <= 1: raised to 80
    (2, 1, 3, 0, 3, 50, False),   # bad 1 > 0: no floor
    (2, 1, 2, 1, 3, 50, False),   # 2 orders, not below 2: no floor
    (2, 0, 3, 1, 5, 100, False),  # 5.0 -> 100: the floor never lowers
])
def test_floor(count, bad, orders_below, bad_at_most, value, points, floored):
    floor = {"points": 80, "orders_below": orders_below, "bad_at_most": bad_at_most,
             "metrics": ["goods_score"]}
    got = scored({"valid_paid_orders": (count, None), "goods_score": (value, bad)},
                 card(GOODS, floor=floor, min_orders=0))
    assert (got["points"]["goods_score"], got["floored"]["goods_score"]) == (points, floored)


def test_protection_fails_on_a_null_metric():
    reply = tiers("reply_seconds_mean", [[30, 100], [60, 80]], "lower", below=50)
    protection = {"dimension": "d", "points": 90,
                  "when": [["reply_within_rate", ">=", 0.8], ["chat_satisfaction_rate", ">=", 0.5]]}
    table = card(reply, protection=protection, min_orders=0)
    # reply 60 s -> 80 < 90; within 0.8 >= 0.8 holds, satisfaction null fails: stays 80
    got = scored({"reply_seconds_mean": (60, None), "reply_within_rate": (Fraction(4, 5), 1),
                  "chat_satisfaction_rate": (None, 0)}, table)
    assert got["dimensions"]["d"]["score"] == 80 and not got["dimensions"]["d"]["protected"]
    # satisfaction 1/2 >= 0.5: every condition holds -> 90, protected
    got = scored({"reply_seconds_mean": (60, None), "reply_within_rate": (Fraction(4, 5), 1),
                  "chat_satisfaction_rate": (Fraction(1, 2), 1)}, table)
    assert got["dimensions"]["d"]["score"] == 90 and got["dimensions"]["d"]["protected"]
    assert got["total"] == 90


def test_null_metrics_and_dimensions_are_left_out_and_the_rest_rescaled():
    table = {"min_orders": 0, "dimensions": [
        {"name": "goods", "weight": 0.5, "metrics": [
            tiers("goods_good_rate", [[0.9, 100]], weight=0.6),          # 1.0 -> 100
            tiers("delivery_on_time_rate", [[0.9, 100]], weight=0.4)]},  # null: left out
        {"name": "service", "weight": 0.5, "metrics": [
            tiers("reply_within_rate", [[0.9, 100]])]}]}                 # null dimension
    got = scored({"goods_good_rate": (1, 0), "delivery_on_time_rate": (None, 0),
                  "reply_within_rate": (None, 0)}, table)
    # goods = 0.6 * 100 / 0.6 = 100; service null; total = 0.5 * 100 / 0.5 = 100
    assert got["dimensions"]["goods"]["score"] == 100
    assert got["dimensions"]["service"]["score"] is None
    assert got["points"]["delivery_on_time_rate"] is None
    assert got["total"] == 100


def test_total_is_rounded_half_up_from_the_exact_mean():
    table = card(tiers("goods_good_rate", [[0.5, 64]], weight=0.1),
                 tiers("reply_within_rate", [[0.5, 70]], weight=0.3), min_orders=0)
    # (0.1 * 64 + 0.3 * 70) / 0.4 = 68.5 exactly -> 69 (floats give 68.49999999999999 -> 68)
    got = scored({"goods_good_rate": (1, 0), "reply_within_rate": (1, 0)}, table)
    assert got["dimensions"]["d"]["score"] == Fraction(137, 2)
    assert got["total"] == 69
    # one decimal: (84.5 + 84) / 2 = 84.25 -> 84.3 (half to even would give 84.2)
    table = card(tiers("goods_good_rate", [[0.5, 84.5]]), tiers("reply_within_rate", [[0.5, 84]]),
                 min_orders=0, total_decimals=1)
    assert scored({"goods_good_rate": (1, 0), "reply_within_rate": (1, 0)}, table)["total"] == 84.3
    # clamped to [score_min, score_max] before rounding: 40 -> 50
    table = card(tiers("goods_good_rate", [[0.5, 40]]), min_orders=0)
    assert scored({"goods_good_rate": (1, 0)}, table)["total"] == 50


def test_tiers_compare_at_full_precision_and_value_tiers():
    lower = tiers("refund_rate", [[0.6, 100], [0.7, 80]], "lower", below=10)
    # 3/5 <= 0.6 exactly -> 100; 2/3 <= 0.7 -> 80; 0.71 -> below 10
    for value, points in ((Fraction(3, 5), 100), (Fraction(2, 3), 80), (Fraction(71, 100), 10)):
        got = scored({"refund_rate": (value, 0)}, card(lower, min_orders=0))
        assert got["points"]["refund_rate"] == points
    value_tier = {"metric": "pickup_points_mean", "weight": 1, "tiers": "value",
                  "better": "higher", "below": 0}
    got = scored({"pickup_points_mean": (Fraction(290, 3), None)}, card(value_tier, min_orders=0))
    assert got["points"]["pickup_points_mean"] == Fraction(290, 3) and got["total"] == 97


@pytest.mark.parametrize("total, display, stars", [
    (49, 3.0, 3), (50, 3.0, 3), (55, 3.5, 3.5), (59.5, 3.9, 3.5), (60, 4.0, 4), (61, 4.1, 4),
    (64.5, 4.2, 4), (65, 4.2, 4), (69, 4.3, 4), (80, 4.5, 4.5), (82, 4.6, 4.5), (89, 4.8, 5),
    (96, 4.9, 5), (97, 5.0, 5), (100, 5.0, 5)])
def test_douyin_display(total, display, stars):
    # s > 60: 4.0 + 0.1 * ceil((s - 60) / 4), at most 5.0; 50 <= s <= 60: 3.0 + 0.1 * floor(s - 50)
    assert douyin(total) == (display, stars)


def test_growth_stage():
    trades = [line("a", paid_at="2027-02-10 10:00:00")]  # 1 valid paid order < 3
    exp = experience(trades, table=card(min_orders=3, growth_score=65, display="douyin"))
    assert (exp["stage"], exp["total"], exp["display"], exp["stars"]) == ("growth", 65, 4.2, 4)
    exp = experience(trades, table=card(min_orders=3, display="douyin"))
    assert (exp["stage"], exp["total"], exp["display"], exp["stars"]) == ("growth", None, None,
                                                                          None)
    assert "valid_paid_orders" in exp["metrics"] and "d" in exp["dimensions"]
    exp = experience(trades, table=card(min_orders=1, display="none"))
    assert (exp["stage"], exp["total"], exp["display"]) == ("formal", None, None)


def test_missing_inputs_are_named_and_their_metrics_left_out():
    cols = ["shop_id", "order_id", "line_id", "buyer_id", "item_id", "status", "paid_at",
            "collected_at", "signed_at", "dsr_rated_at", "dsr_description"]
    chats = [msg("s1", "2027-02-10 09:00:00", "buyer")]
    table = card(tiers("delivery_on_time_rate", [[0.5, 100]], weight=0.5),
                 tiers("reply_within_rate", [[0.5, 100]], below=20, weight=0.5), min_orders=0)
    exp = experience(after_sales=None, chats=chats, table=table, trade_columns=cols,
                     chats_columns=["shop_id", "session_id", "sent_at", "sender"])
    assert sorted(exp["missing_inputs"]) == ["after_sales", "chats.rating", "delivery_due_at"]
    assert sorted(exp["metrics"]) == sorted([
        "valid_paid_orders", "goods_score", "goods_good_rate", "pickup_hours_mean",
        "pickup_points_mean", "delivery_hours_mean", "reply_seconds_mean", "reply_within_rate",
        "first_reply_seconds_mean"])
    # delivery_on_time_rate cannot be computed: null, left out; the dimension is reply's 20
    assert exp["dimensions"]["d"]["score"] == 20.0 and exp["total"] == 50  # clamped
    no_agreed = experience(after_sales=[], after_sales_columns=["shop_id", "aftersale_id",
                           "order_id", "type", "reason", "status", "applied_at",
                           "refunded_at", "escalated"], chats=[],
                           trade_columns=cols + ["delivery_due_at"])
    assert no_agreed["missing_inputs"] == ["after_sales.agreed_at"]
    assert not {"aftersale_on_time_rate", "aftersale_review_hours_mean",
                "refund_hours_mean"} & set(no_agreed["metrics"])


def test_an_empty_file_is_present_with_no_data():
    exp = experience(after_sales=[], chats=[], trade_columns=TRADE_COLUMNS)
    assert exp["missing_inputs"] == []
    assert metric(exp, "refund_rate") == (0.0, 0, 1, 0)  # 0 out of the 1 paid order
    assert metric(exp, "reply_within_rate") == (None, 0, 0, 0)
    assert metric(exp, "reply_seconds_mean") == (None, 0.0, 0, None)


# ---------------------------------------------------------------- (c) the datasets themselves

@settings(SETTINGS, max_examples=30)
@given(ds=experience_datasets())
def test_written_files_read_back_to_the_same_figures(ds):
    """What the CLI is given is what the oracle saw: the files read back give the same block,
    and the figures keep their invariants."""
    ref = ds.reference()
    with tempfile.TemporaryDirectory() as tmp:
        ds.write(Path(tmp))
        again = run_folder(Path(tmp), ds.as_of)
    assert sorted(again) == sorted(ref)
    for sid, exp in ref.items():
        assert experience_differences(exp, again[sid]) == []
        for name, m in exp["metrics"].items():
            if name.endswith("_rate") and m["denominator"]:
                assert 0 <= m["numerator"] <= m["denominator"]
                assert m["bad"] in (m["numerator"], m["denominator"] - m["numerator"])
            elif m["value"] is None:
                assert m["denominator"] == 0 and m["numerator"] == 0
        sc = scorecard_defaults(ds.scorecard)
        if exp["stage"] == "formal" and exp["total"] is not None:
            assert sc["score_min"] <= exp["total"] <= sc["score_max"]


# ---------------------------------------------------------------- (d) the engine

def engine_has_experience() -> bool:
    """Whether this checkout's `shopscore audit` takes an after-sales file (the probe)."""
    env = {"COLUMNS": "250", "NO_COLOR": "1"}
    result = CliRunner().invoke(app, ["audit", "--help"], env=env)
    return "--after-sales" in result.output


ENGINE_READY = engine_has_experience()


@pytest.mark.xfail(not ENGINE_READY, strict=False, run=False,
                   reason="the engine has no experience scorecard yet (audit has no "
                          "--after-sales); this runs by itself once it does")
@settings(SETTINGS, max_examples=int(os.environ.get("SHOPSCORE_EXAMPLES", "40")))
@given(ds=experience_datasets())
def test_engine_equals_the_reference(ds):
    folder = Path(tempfile.mkdtemp(prefix="experience-"))
    args = ds.write(folder)
    proc = subprocess.run([sys.executable, "-m", "shopscore", "audit", *args],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode in (0, 1), f"{folder}: exit {proc.returncode}\n{proc.stderr[-2000:]}"
    doc = json.loads(proc.stdout)
    # The datasets are valid: a rejected row would leave the two readings different inputs.
    assert doc["inputs"]["rows_rejected"] == 0, (folder, doc["inputs"]["rejected_by_reason"])
    ref = ds.reference()
    engine = {s["shop_id"]: s.get("experience") for s in doc["shops"]}
    assert sorted(engine) == sorted(ref), folder
    diffs = [f"shops[{sid}].{d}" for sid in sorted(ref)
             for d in experience_differences(ref[sid], engine[sid])]
    assert not diffs, f"the inputs are kept in {folder}:\n" + "\n".join(diffs[:25])
    shutil.rmtree(folder)
