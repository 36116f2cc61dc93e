"""Per-shop figures from the decision records: every shop's counts in one bincount pass over
the records, handed to the rules' figures (rules/figures.py) shop by shop."""

from __future__ import annotations

import numpy as np
import pandas as pd

from shopscore.scoring.engine.tally import (
    add,
    coded_reasons,
    is_code,
    per_shop,
    reason_columns,
    reasons_at,
)
from shopscore.scoring.result import Credit, Dsr
from shopscore.scoring.rules.figures import credit_figures, dsr_figures, dsr_item, period_starts
from shopscore.scoring.rules.profile import Profile
from shopscore.scoring.rules.reasons import AFTER_AS_OF, COUNTED, DSR_CONFLICT, UNRATED


def _orphan_tally(orphans: pd.DataFrame, shop: np.ndarray, shops: int):
    """Per shop: the orphan rows' credit fates (`excluded:REASON`), their DSR fates (an
    order counted once, with its first row's fate) and the number of orphan DSR orders."""
    code, names = coded_reasons(orphans["credit_fate"])
    credit = reason_columns(per_shop(shop, code, len(names), shops), names, "excluded")
    scored = orphans["dsr_fate"].notna().to_numpy()
    keys = pd.DataFrame({"shop": shop, "order": orphans["order_id"].to_numpy()})
    first = np.zeros(len(orphans), dtype=bool)
    first[scored] = ~keys.loc[scored].duplicated().to_numpy()
    code, names = coded_reasons(orphans["dsr_fate"])
    table = per_shop(shop, code, len(names), shops, first)
    return credit, reason_columns(table, names, "excluded"), table.sum(axis=1)


def _period_table(at: np.ndarray, kind: np.ndarray, shop: np.ndarray, shops: int,
                  starts: np.ndarray) -> np.ndarray:
    """(shops, 3, len(starts) + 2) counts of ratings by shop, kind (0 positive, 1 neutral,
    2 negative) and age: 0 no date, 1 + how many of the sorted `starts` lie before the
    rating (a few compares: far quicker than a binary search per rating)."""
    age = np.ones(len(at), dtype=np.int64)
    for start in starts:
        age += at > start
    age[np.isnat(at)] = 0
    ages = len(starts) + 2
    key = shop.astype(np.int64)  # (shop, kind, age) as one number, built in place
    key *= 3
    key += kind
    key *= ages
    key += age
    del age
    return np.bincount(key, minlength=shops * 3 * ages).reshape(shops, 3, ages)


def credit_tally(decided, shop, shops: int, orphans, orphan_shop, profile: Profile,
                 as_of) -> dict:
    """The credit counts of each of `shops` shops, in one pass: `shop` gives each credit
    record's shop position (-1: none), `orphan_shop` each orphan row's. Entries: `kinds`
    (positive, neutral, negative counted), `defaults`, `unrated`, `period:LABEL` (the three
    kinds by period), `excluded:REASON`."""
    fate, names = coded_reasons(decided["fate"])
    points = decided["points"].to_numpy()  # small ints: widened only where counted
    counted = is_code(fate, names, COUNTED)
    counted &= shop >= 0
    counted &= np.abs(points) <= 1
    mine = np.flatnonzero(counted)
    del counted
    starts = period_starts(profile, as_of)
    edges = np.unique(np.array(list(starts.values()), dtype="datetime64[ns]"))
    kind = 1 - points[mine]  # +1 positive -> 0, 0 neutral -> 1, -1 negative -> 2
    table = _period_table(decided["at"].to_numpy("datetime64[ns]")[mine], kind, shop[mine],
                          shops, edges)
    periods = {label: table[:, :, np.searchsorted(edges, start) + 2:].sum(axis=2)
               for label, start in starts.items()}  # rated after the period's start
    periods["older"] = table[:, :, 1]  # rated by the earliest start
    total = periods["total"] = table.sum(axis=2)
    out = {"kinds": total,
           "defaults": np.bincount(shop[mine][decided["is_default"].to_numpy(dtype=bool)[mine]],
                                   minlength=shops),
           "unrated": np.bincount(shop[is_code(fate, names, UNRATED) & (shop >= 0)],
                                  minlength=shops),
           **{f"period:{label}": tally for label, tally in periods.items()}}
    excluded = [reason_columns(per_shop(shop, fate, len(names), shops), names, "excluded",
                               skip=(COUNTED, UNRATED))]
    if "rating_after_as_of" in decided:  # late rating rows set aside beside a default
        late = decided["rating_after_as_of"].to_numpy(dtype=bool) & (shop >= 0)
        excluded.append({f"excluded:{AFTER_AS_OF}": np.bincount(shop[late], minlength=shops)})
    excluded.append(_orphan_tally(orphans, orphan_shop, shops)[0])
    return add(out, *excluded)


def credit_of(tally: dict, profile: Profile, shops: int) -> list[Credit]:
    """Each shop's Credit from its counts (credit_tally, or a sum of them)."""
    periods = [name for name in tally if name.startswith("period:")]
    return [credit_figures(profile, *(int(n) for n in tally["kinds"][k]),
                           int(tally["defaults"][k]),
                           {name[len("period:"):]: tuple(int(n) for n in tally[name][k])
                            for name in periods},
                           reasons_at(tally, "excluded", k), int(tally["unrated"][k]))
            for k in range(shops)]


def credit_summaries(decided, shop, shops: int, orphans, orphan_shop, profile: Profile,
                     as_of) -> list[Credit]:
    """The Credit of each of `shops` shops (positions as in credit_tally)."""
    return credit_of(credit_tally(decided, shop, shops, orphans, orphan_shop, profile, as_of),
                     profile, shops)


def dsr_tally(orders, shop, shops: int, orphans, orphan_shop, profile: Profile) -> dict:
    """The DSR counts of each of `shops` shops, in one pass (positions as in credit_tally).
    Entries per item: `count:ITEM` (counted scores), `sum:ITEM` (their total), `stars:ITEM`
    (how many of 1..5); `orders`, `excluded:REASON`."""
    fate, names = coded_reasons(orders["fate"])
    counted = is_code(fate, names, COUNTED)
    mine = shop >= 0
    out = {}
    for name in profile.dsr_items:
        col = f"dsr_{name}"
        value = orders[col].to_numpy(dtype="float64") if col in orders else np.full(len(fate), np.nan)
        given = np.flatnonzero(counted & mine & ~np.isnan(value))
        where, value = shop[given], value[given].astype(np.int64)
        hist = per_shop(where, value, 6, shops)  # how many of each star, 0..5
        out[f"count:{name}"] = np.bincount(where, minlength=shops)
        out[f"sum:{name}"] = hist @ np.arange(6)  # the stars' total, in integers
        out[f"stars:{name}"] = hist[:, 1:6]
    orphaned, orphan_orders = _orphan_tally(orphans, orphan_shop, shops)[1:]
    out["orders"] = np.bincount(shop[mine], minlength=shops) + orphan_orders
    excluded = reason_columns(per_shop(shop, fate, len(names), shops), names, "excluded",
                              skip=(COUNTED,))
    return add(out, excluded, orphaned)


def dsr_of(tally: dict, profile: Profile, industry: dict, shops: int) -> list[Dsr]:
    """Each shop's Dsr from its counts (dsr_tally, or a sum of them)."""
    out = []
    for k in range(shops):
        items = {name: dsr_item(int(tally[f"count:{name}"][k]), int(tally[f"sum:{name}"][k]),
                                [int(n) for n in tally[f"stars:{name}"][k]], industry.get(name))
                 for name in profile.dsr_items}
        out.append(dsr_figures(profile, items, reasons_at(tally, "excluded", k),
                               int(tally["orders"][k])))
    return out


def dsr_summaries(orders, shop, shops: int, orphans, orphan_shop, profile: Profile,
                  industry: dict) -> list[Dsr]:
    """The Dsr of each of `shops` shops, in one pass (positions as in credit_tally)."""
    return dsr_of(dsr_tally(orders, shop, shops, orphans, orphan_shop, profile), profile,
                  industry, shops)


def anomaly_tally(decisions, shop, shops: int, order_shop) -> dict:
    """Each shop's anomalies by reason (`anomaly:REASON`): the credit records' and the DSR
    conflicts."""
    out = {}
    if decisions.credit is not None:
        code, names = coded_reasons(decisions.credit["anomaly"])
        out = reason_columns(per_shop(shop, code, len(names), shops), names, "anomaly")
    if decisions.dsr is not None:
        conflict = decisions.dsr["conflict"].to_numpy(dtype=bool)
        found = np.bincount(order_shop[conflict & (order_shop >= 0)], minlength=shops)
        if found.any():
            out = add(out, {f"anomaly:{DSR_CONFLICT}": found})
    return out


def anomalies_of(tally: dict, shops: int) -> list[dict]:
    return [reasons_at(tally, "anomaly", k) for k in range(shops)]


def anomaly_summaries(decisions, shop, shops: int, order_shop) -> list[dict]:
    """Each shop's anomalies by reason: the credit records' and the DSR conflicts."""
    return anomalies_of(anomaly_tally(decisions, shop, shops, order_shop), shops)


def _one_shop(frame) -> np.ndarray:
    return np.zeros(len(frame), dtype=np.int64)


def credit_summary(decided, orphans, profile: Profile, as_of) -> Credit:
    """The Credit of one shop's credit records and orphan rows."""
    return credit_summaries(decided, _one_shop(decided), 1, orphans, _one_shop(orphans),
                            profile, as_of)[0]


def dsr_summary(orders, orphans, profile: Profile, industry: dict) -> Dsr:
    """The Dsr of one shop's DSR orders and orphan rows."""
    return dsr_summaries(orders, _one_shop(orders), 1, orphans, _one_shop(orphans), profile,
                         industry)[0]


def anomalies(decisions) -> dict:
    """One shop's anomalies by reason."""
    return anomaly_summaries(decisions, _one_shop(decisions.credit), 1,
                             _one_shop(decisions.dsr))[0]
