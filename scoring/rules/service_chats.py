"""Customer-service chats (客服会话, RULES.md section 6): rounds and sessions.

Within a session, messages are ordered by sent_at (ties: buyer before bot before agent). A
round (一轮咨询) starts at a buyer message that is the session's first buyer message or the
first buyer message after an agent message; it is answered by the next agent message of the
session (bots never answer), its response time that message's sent_at minus the round's
start; a round with no answer by as_of is unanswered: its response time is
unanswered_seconds (600) and it is within no limit. A session's rating is the last non-empty
rating of its messages. Messages after as_of do not exist."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from shopscore.scoring.engine.coded import codes, where_true
from shopscore.scoring.engine.groups import combine_codes, group_first, group_starts, sort_in_place
from shopscore.scoring.inputs.columns import CHATS
from shopscore.scoring.rules.scorecard_schema import Scorecard
from shopscore.scoring.rules.service_clock import seconds

BUYER, BOT, AGENT = (CHATS["words"]["sender"].index(s) for s in ("buyer", "bot", "agent"))


@dataclass
class Rounds:
    """One entry per round."""

    row: np.ndarray  # the row of the buyer message that starts it (for explain)
    answer_row: np.ndarray  # the row of the agent message that answers it (-1: none)
    shop: np.ndarray
    start: np.ndarray  # datetime64[ns]
    answered: np.ndarray
    response: np.ndarray  # seconds (unanswered_seconds when unanswered)
    first: np.ndarray  # the session's first round


@dataclass
class Sessions:
    """One entry per session."""

    row: np.ndarray  # the row of its first message
    shop: np.ndarray
    first_at: np.ndarray  # when its first message was sent
    rating: np.ndarray  # its last non-empty rating 1..5 (NaN: none)


def chats_of(chats: pd.DataFrame, shop_of: np.ndarray, card: Scorecard,
             as_of: np.datetime64) -> tuple[Rounds, Sessions]:
    """The rounds and sessions of the chat messages sent by as_of (`shop_of`: each message's
    shop position)."""
    sent = chats["sent_at"].to_numpy("datetime64[ns]")
    rows = where_true(sent <= as_of)
    sender = chats["sender"].cat.codes.to_numpy()[rows].astype(np.int64)
    # Session order: by sent_at (whole seconds), ties buyer, bot, agent: one key per message.
    moment = sent[rows].astype("datetime64[s]").astype(np.int64) * 4 + sender
    session = combine_codes(codes(chats["shop_id"], rows, dtype=None),
                            codes(chats["session_id"], rows, dtype=None))
    order = sort_in_place(combine_codes(session, moment))
    rows, sender, session = rows[order], sender[order], session[order]
    start = group_starts(session)
    first = group_first(session)
    times = sent[rows]
    n = len(rows)
    at = np.arange(n)
    # The last buyer-or-agent message before each message, within its session (-1: none).
    human = np.where(sender != BOT, at, -1)
    last_human = np.maximum.accumulate(human)
    before = np.full(n, -1, dtype=np.int64)
    before[1:] = last_human[:-1]
    before[before < first] = -1
    opens = (sender == BUYER) & ((before < 0) | (sender[np.maximum(before, 0)] == AGENT))
    # The next agent message at or after each message, within its session.
    agent = np.where(sender == AGENT, at, n)
    next_agent = np.minimum.accumulate(agent[::-1])[::-1]
    end = np.append(where_true(start)[1:], n)[np.cumsum(start) - 1]  # each session's end
    starts = where_true(opens)
    reply = next_agent[starts]
    answered = reply < end[starts]
    response = np.full(len(starts), float(card.unanswered_seconds))
    response[answered] = seconds(times[starts[answered]], times[reply[answered]])
    round_session = np.cumsum(start)[starts]
    first_round = np.ones(len(starts), dtype=bool)
    first_round[1:] = round_session[1:] != round_session[:-1]
    rounds = Rounds(row=rows[starts], answer_row=np.where(answered, rows[np.minimum(reply, n - 1)],
                                                           -1),
                    shop=shop_of[rows[starts]], start=times[starts], answered=answered,
                    response=response, first=first_round)
    return rounds, _sessions(chats, rows, start, shop_of)


def _sessions(chats: pd.DataFrame, rows: np.ndarray, start: np.ndarray,
              shop_of: np.ndarray) -> Sessions:
    """Each session's first message and last non-empty rating (`rows` in session order)."""
    n = len(rows)
    heads = where_true(start)
    rating = chats["rating"].to_numpy(dtype="float64")[rows] if "rating" in chats \
        else np.full(n, np.nan)
    rated = np.where(~np.isnan(rating), np.arange(n), -1)
    last_rated = np.maximum.accumulate(rated)
    ends = np.append(heads[1:], n) - 1
    pick = last_rated[ends] if n else np.zeros(0, dtype=np.int64)
    mine = pick >= heads
    value = np.full(len(heads), np.nan)
    value[mine] = rating[pick[mine]]
    return Sessions(row=rows[heads], shop=shop_of[rows[heads]],
                    first_at=chats["sent_at"].to_numpy("datetime64[ns]")[rows[heads]],
                    rating=value)
