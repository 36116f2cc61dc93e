"""Chat records as they come: a log whose sessions interleave and whose messages are not in
time order gives the rounds of the same log sorted; a rating is judged as a number in a typed
(Parquet) file and through the alias table's words in text, a star out of 1..5 rejected either
way. Figures worked by hand from RULES.md section 6."""

from __future__ import annotations

import random
from pathlib import Path

import pandas as pd
import pytest

from shopscore.scoring import api

SAMPLE = Path(__file__).resolve().parent.parent / "sample_data" / "sample_shop.csv"
AS_OF = "2026-11-22T00:00:00+08:00"

# (session, sent_at, sender, rating). Session A: a bot greets, the agent answers in 30 s; the
# buyer asks again and waits 240 s; the buyer rates it 5 (很满意 in text). Session B: answered
# in 20 s, rated 3; its last row carries a rating of 6, which is no star: that row is rejected.
LOG = [
    ("A", "2026-11-20 10:00:00", "buyer", None),
    ("A", "2026-11-20 10:00:01", "bot", None),
    ("A", "2026-11-20 10:00:30", "agent", None),
    ("A", "2026-11-20 10:01:00", "buyer", None),
    ("A", "2026-11-20 10:01:10", "buyer", None),
    ("A", "2026-11-20 10:05:00", "agent", 5),
    ("B", "2026-11-20 10:00:10", "buyer", None),
    ("B", "2026-11-20 10:00:30", "agent", 3),
    ("B", "2026-11-20 10:00:40", "buyer", 6),
]
# Rounds: A 30 s and 240 s, B 20 s. Means: (30 + 240 + 20) / 3; first rounds (30 + 20) / 2.
# Within 180 s: 2 of 3. Sessions rated 4 or 5: A of A and B, 1 of 2.
EXPECTED = {"reply_seconds_mean": 290 / 3, "first_reply_seconds_mean": 25.0,
            "reply_within_rate": 2 / 3, "chat_satisfaction_rate": 0.5}


def _frame(rows) -> pd.DataFrame:
    return pd.DataFrame({"shop_id": "shop-01", "session_id": [r[0] for r in rows],
                         "sent_at": pd.to_datetime([r[1] for r in rows]),
                         "sender": [r[2] for r in rows],
                         "rating": pd.array([r[3] for r in rows], dtype="Int8")})


def _figures(chats: Path) -> tuple[dict, dict]:
    done = api.audit(api.Sources((SAMPLE,), chats=(chats,)), as_of=AS_OF)
    metrics = done.result.shops[0].experience.to_dict()["metrics"]
    mine = [f for f in done.result.inputs["files"] if f["role"] == "chats"]
    return ({m: metrics[m]["value"] for m in EXPECTED}, mine[0]["rejected_by_reason"])


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_an_interleaved_log_out_of_time_order_gives_the_hand_worked_rounds(tmp_path, seed):
    rows = list(LOG)
    random.Random(seed).shuffle(rows)
    path = tmp_path / "chats.csv"
    frame = _frame(rows)
    frame["rating"] = ["很满意" if r[3] == 5 else ("" if r[3] is None else str(r[3]))
                       for r in rows]
    frame.to_csv(path, index=False)
    figures, rejected = _figures(path)
    assert figures == pytest.approx(EXPECTED)
    assert rejected == {"bad_rating": 1}


def test_typed_ratings_are_judged_as_numbers(tmp_path):
    path = tmp_path / "chats.parquet"
    _frame(LOG).to_parquet(path, index=False)
    figures, rejected = _figures(path)
    assert figures == pytest.approx(EXPECTED)
    assert rejected == {"bad_rating": 1}
