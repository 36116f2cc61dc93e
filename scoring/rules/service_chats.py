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
from shopscore.scoring.engine.groups import combine_codes, group_starts, pair_order
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
    sender = chats["sender"].cat.codes.to_numpy()[rows]
    # Session order: by sent_at (whole seconds), ties buyer, bot, agent: one key per message.
    moment = sent[rows].astype("datetime64[s]").view(np.int64)
    moment *= 4
    moment += sender
    session = combine_codes(codes(chats["shop_id"], rows, dtype=None),
                            codes(chats["session_id"], rows, dtype=None))
    order = pair_order(session, moment)
    del moment
    rows, sender, session = rows[order], sender[order], session[order]
    sessions = _sessions(chats, rows, group_starts(session), shop_of)
    # Bots never open or answer a round: the rounds are read off the buyer and agent
    # messages alone, in session order.
    human = where_true(sender != BOT)
    said, talk = sender[human], session[human]
    del sender, session
    heads = where_true(group_starts(talk))  # each session's first buyer or agent message
    after_agent = np.zeros(len(human), dtype=bool)
    after_agent[1:] = said[:-1] == AGENT
    after_agent[heads] = True  # a session's first buyer message opens a round too
    starts = where_true((said == BUYER) & after_agent)
    # Its answer: the session's next agent message, if any.
    agents = where_true(said == AGENT)
    found = np.searchsorted(agents, starts)
    reply = np.append(agents, len(human))[found]
    round_session = np.searchsorted(heads, starts, side="right") - 1
    end = np.append(heads, len(human))[round_session + 1]
    answered = reply < end
    row = rows[human[starts]]
    answer_row = np.full(len(starts), -1, dtype=np.int64)
    answer_row[answered] = rows[human[reply[answered]]]
    response = np.full(len(starts), float(card.unanswered_seconds))
    response[answered] = seconds(sent[row[answered]], sent[answer_row[answered]])
    first_round = np.ones(len(starts), dtype=bool)
    first_round[1:] = round_session[1:] != round_session[:-1]
    rounds = Rounds(row=row, answer_row=answer_row, shop=shop_of[row], start=sent[row],
                    answered=answered, response=response, first=first_round)
    return rounds, sessions


def _sessions(chats: pd.DataFrame, rows: np.ndarray, start: np.ndarray,
              shop_of: np.ndarray) -> Sessions:
    """Each session's first message and last non-empty rating (`rows` in session order)."""
    heads = where_true(start)
    value = np.full(len(heads), np.nan)
    if "rating" in chats:
        rating = chats["rating"].to_numpy(dtype="float64")[rows]
        rated = where_true(~np.isnan(rating))  # few: a session is rated once, if at all
        of = np.searchsorted(heads, rated, side="right") - 1
        last = np.ones(len(rated), dtype=bool)  # the last rated message of its session
        last[:-1] = of[1:] != of[:-1]
        value[of[last]] = rating[rated[last]]
    first = rows[heads]
    return Sessions(row=first, shop=shop_of[first],
                    first_at=chats["sent_at"].to_numpy("datetime64[ns]")[first], rating=value)
