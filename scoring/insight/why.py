"""Why a rating counted or not, in words: the sentences `shopscore explain` gives for each fate
of RULES.md, with the dates and the ratings that decided it."""

from __future__ import annotations

import pandas as pd

from shopscore.scoring.rules.figures import dsr_window_start
from shopscore.scoring.rules.reasons import COUNTED, UNRATED

WORDS = {1: "positive", 0: "neutral", -1: "negative"}


def when(value) -> str:
    """A naive local time in words: 2026-05-16 09:00 (seconds only when there are some)."""
    if value is None or pd.isna(value):
        return "-"
    ts = pd.Timestamp(value)
    return ts.strftime("%Y-%m-%d %H:%M:%S" if ts.second or ts.microsecond else "%Y-%m-%d %H:%M")


def _span(start, end) -> str:
    """The time from start to end in words: '16 days', '15 days 00:00:01'."""
    delta = pd.Timestamp(end) - pd.Timestamp(start)
    sign = "-" if delta < pd.Timedelta(0) else ""
    delta = abs(delta)
    days, rest = delta.days, delta - pd.Timedelta(days=delta.days)
    text = f"{days} day{'s' if days != 1 else ''}"
    if rest:
        secs = int(rest.total_seconds())
        text += f" {secs // 3600:02d}:{secs % 3600 // 60:02d}:{secs % 60:02d}"
    return sign + text


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _month(value) -> str:
    return pd.Timestamp(value).strftime("%Y-%m")


def _signed(n) -> str:
    return f"{int(n):+d}" if n else "0"


def credit_why(ex, f, fate, points, is_default, replaced, opened, total, stand_for) -> str:
    p, word = ex.p, WORDS.get(points, "rating")
    given = f["credit"] or word
    if fate == COUNTED:
        if is_default:
            due = f["seller_rated_at"] + pd.Timedelta(days=p.default_positive_days)
            text = (f"counted: default positive due {when(due)} (seller rated positive "
                    f"{p.default_positive_days} days earlier, the buyer did not rate)")
        elif f["revised_at"] is not None and given != "positive" and points == 1:
            text = (f"counted: the {given} rated {when(f['rated_at'])} was revised to positive on "
                    f"{when(f['revised_at'])} (within {p.revision_days} days): it counts +1")
        else:
            text = f"counted: {word} ({_signed(points)}) rated {when(f['rated_at'])}"
        if total is not None and points:
            text += (f"; the running total of buyer {f['buyer_id']} in "
                     f"{_month(f['created_at'])} goes from {_signed(total)} to "
                     f"{_signed(total + points)}")
        if stand_for:
            others = [ex.line(r) for r in stand_for]
            orders = ", ".join(f"line {o['line_id']}" if o["order_id"] == f["order_id"]
                               else f"order {o['order_id']}" for o in others)
            text += (f"; it is the one {word} of its 14-day window for item {f['item_id']}, "
                     f"in place of {orders}")
        return text
    if fate == UNRATED:
        return unrated_why(ex, f)
    if fate == "after_as_of":
        if f["rated_at"] is not None and f["rated_at"] > ex.as_of:
            return (f"excluded: after_as_of — rated {when(f['rated_at'])}, after as_of "
                    f"{when(ex.as_of)}: nothing after the audit's moment exists yet")
        return (f"excluded: after_as_of — the trade was created {when(f['created_at'])}, after "
                f"as_of {when(ex.as_of)}")
    if fate == "not_success":
        return (f"excluded: not_success — the trade line's status is {f['status']}: only "
                "successful trades (交易成功) can be rated")
    if fate == "not_escrow":
        return ("excluded: not_escrow — the line was not paid through the platform's escrow "
                "(支付宝), so it cannot be rated")
    if fate == "refunded":
        return "excluded: refunded — the line was refunded, so it cannot be rated"
    if fate == "outside_rating_window":
        done, at = f["completed_at"], f["rated_at"]
        if done is None:
            return "excluded: outside_rating_window — the line has no completion time"
        if at < done:
            return (f"excluded: outside_rating_window — rated {when(at)}, before the trade "
                    f"became successful ({when(done)})")
        return (f"excluded: outside_rating_window — rated {when(at)}, {_span(done, at)} after "
                f"the trade became successful ({when(done)}); a rating counts only within "
                f"{p.rating_window_days} days of success")
    if fate == "deleted":
        return (f"excluded: deleted — the buyer deleted this {given} rating on "
                f"{when(f['revised_at'])}, {_span(f['rated_at'], f['revised_at'])} after giving "
                f"it (allowed within {p.revision_days} days); the line counts as unrated, "
                "without a default positive")
    if fate == "low_amount":
        amount = "-" if f["amount"] is None else f"{f['amount']:.2f}"
        return (f"excluded: low_amount — the line paid {amount} yuan, at most "
                f"{p.low_amount_yuan:.2f}: a trade that small scores no credit point")
    if fate == "same_item_14d":
        anchor, first = ex.line(opened), ex.line(replaced)
        first_fate = str(ex.col("credit", "fate")[replaced])
        where = f"order {first['order_id']}" + (
            f" line {first['line_id']}" if first["order_id"] == f["order_id"] else "")
        text = (f"excluded: same_item_14d — buyer {f['buyer_id']} rated item {f['item_id']} "
                f"again within {p.same_item_window_days} days of the window opened by order "
                f"{anchor['order_id']} (created {when(anchor['created_at'])}); ")
        if first_fate == COUNTED:
            return text + f"the {word} of {where} counts in its place"
        return (text + f"the {word} of {where} was chosen in its place (and is itself "
                f"excluded: {first_fate})")
    if fate == "monthly_cap":
        cap = p.monthly_cap_points
        before = "?" if total is None else _signed(total)
        after = "?" if total is None else _signed(total + points)
        return (f"excluded: monthly_cap — the running total of buyer {f['buyer_id']} in "
                f"{_month(f['created_at'])} (by trade creation) was already {before}; this "
                f"{word} would take it to {after}, beyond ±{cap}")
    return f"excluded: {fate}"


def unrated_why(ex, f) -> str:
    p = ex.p
    head = "no rating: the buyer did not rate this line"
    seller = f["seller_credit"]
    if seller is None or f["seller_rated_at"] is None:
        return head + " and the seller did not rate the buyer, so no default positive"
    if seller != "positive":
        return (head + f"; the seller rated the buyer {seller}, and only a seller positive "
                "brings a default positive")
    due = f["seller_rated_at"] + pd.Timedelta(days=p.default_positive_days)
    if due > ex.as_of:
        return (head + f"; its default positive falls due {when(due)}, after as_of "
                f"{when(ex.as_of)}")
    if f["created_at"] > ex.as_of:
        return head + "; the trade was created after as_of"
    if f["status"] != "success":
        return head + f"; the line cannot be rated (status {f['status']}), so no default"
    if not f["escrow"]:
        return head + "; the line was not paid through escrow, so no default positive"
    if f["refunded"]:
        return head + "; the line was refunded, so no default positive"
    return head


def anomaly_why(ex, f, code) -> str:
    p = ex.p
    if code == "revision_of_positive":
        return (f"anomaly: revision_of_positive — the revision to {f['revised_to']} on "
                f"{when(f['revised_at'])} is ignored: a positive can never be revised or deleted")
    if code == "revision_after_30_days":
        return (f"anomaly: revision_after_30_days — revised on {when(f['revised_at'])}, "
                f"{_span(f['rated_at'], f['revised_at'])} after the rating (more than "
                f"{p.revision_days} days): ignored, the original {f['credit']} is kept")
    if code == "revision_before_rating":
        return (f"anomaly: revision_before_rating — the revision ({when(f['revised_at'])}) is "
                f"dated before the rating ({when(f['rated_at'])}): ignored")
    return f"anomaly: {code}"


def dsr_why(ex, o, rec, fates) -> str:
    p, fate = ex.p, rec["fate"]
    done, at = o["completed_at"], o["at"]
    given = ", ".join(f"{k} {v}" for k, v in rec["scores"].items() if v is not None)
    month = "-" if pd.isna(done) else _month(done)
    if fate == COUNTED:
        return (f"counted: {given}, given {when(at)}; the {_ordinal(rec['month_rank'] or 0)} "
                f"DSR-scored order of buyer {rec['buyer_id']} completed in {month}, within "
                f"the last {p.dsr_window_days} days")
    if fate == "after_as_of":
        return (f"excluded: after_as_of — DSR given {when(at)} (or the trade created) after "
                f"as_of {when(ex.as_of)}")
    if fate == "not_success":
        return "excluded: not_success — no line of the order is successful (交易成功)"
    if fate == "not_escrow":
        return "excluded: not_escrow — the order's successful lines were not paid through escrow"
    if fate == "refunded":
        return "excluded: refunded — every successful escrow line of the order was refunded"
    if fate == "outside_rating_window":
        if pd.isna(at) or pd.isna(done) or at < done:
            return (f"excluded: outside_rating_window — DSR given {when(at)}, not after the "
                    f"order became successful ({when(done)})")
        return (f"excluded: outside_rating_window — DSR given {when(at)}, {_span(done, at)} "
                f"after the order became successful ({when(done)}); only within "
                f"{p.rating_window_days} days")
    if fate == "dsr_monthly_cap":
        first = rec["counted_instead"] or []
        text = (f"excluded: dsr_monthly_cap — {_ordinal(rec['month_rank'] or 0)} DSR-scored "
                f"order of buyer {rec['buyer_id']} completed in {month}; ")
        later = {o_id: fates.get((rec["shop_id"], o_id), COUNTED) for o_id in first}
        if all(v == COUNTED for v in later.values()):
            return text + "counted instead: orders " + ", ".join(first)
        return (text + f"the month's {len(first)} places went to orders "
                + ", ".join(o_id if v == COUNTED else f"{o_id} (itself excluded later: {v})"
                            for o_id, v in later.items()))
    if fate == "outside_dsr_window":
        start = dsr_window_start(p, ex.as_of)
        return (f"excluded: outside_dsr_window — DSR given {when(at)}, not within the "
                f"{p.dsr_window_days} days up to as_of (after {when(start)})")
    return f"excluded: {fate}"
