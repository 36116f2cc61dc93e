"""The audit: loads nothing, prints nothing; turns a Dataset into an AuditResult."""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime

import numpy as np
import pandas as pd

from shopscore.scoring.engine.stages import stage
from shopscore.scoring.engine.windows import distinct
from shopscore.scoring.inputs.columns import DEFAULT_SHOP
from shopscore.scoring.inputs.load import Dataset
from shopscore.scoring.result import AuditResult, Credit, Dsr, DsrItem, ShopResult, Tally
from shopscore.scoring.rules import checks as checks_mod
from shopscore.scoring.rules.credit import COUNTED, decide_credit
from shopscore.scoring.rules.dsr import decide_dsr
from shopscore.scoring.rules.industry import compare
from shopscore.scoring.rules.profile import Profile

DAY = np.timedelta64(1, "D")


@dataclass(frozen=True)
class Decisions:
    """The engine's record of every decision: one row per line (credit), per order (DSR),
    plus the rating rows that matched no trade line. Audit and explain read the same."""

    lines: pd.DataFrame
    credit: pd.DataFrame
    dsr: pd.DataFrame
    orphans: pd.DataFrame


def local_as_of(as_of: datetime, profile: Profile) -> np.datetime64:
    """as_of as naive local wall-clock time, the clock every rule runs on."""
    if as_of.tzinfo is not None:
        as_of = as_of.astimezone(profile.tz).replace(tzinfo=None)
    return np.datetime64(as_of, "ns")


# From this many lines on, credit and DSR are decided side by side, DSR in a second thread:
# both only read the lines, and numpy and pyarrow let go of the interpreter while they work
# (10M lines on 2 cores: 5.2-6.8 s against 7.6 s one after the other). Their stage times
# then overlap.
SIDE_BY_SIDE_LINES = 500_000


def decide(data: Dataset, profile: Profile, as_of: np.datetime64) -> Decisions:
    lines = data.lines

    def dsr_decided():
        with stage("dsr"):
            return decide_dsr(lines, profile, as_of)

    def credit_decided():
        with stage("credit"):
            return decide_credit(lines, profile, as_of)

    credit, dsr = _side_by_side(credit_decided, dsr_decided, len(lines))
    return Decisions(lines, credit, dsr, _orphan_fates(data.orphans, profile, as_of))


def _side_by_side(first, second, lines: int):
    """(first(), second()): for big inputs on two cores, second runs in another thread
    meanwhile; else one after the other."""
    if lines < SIDE_BY_SIDE_LINES or (os.cpu_count() or 1) < 2:
        return first(), second()
    with ThreadPoolExecutor(max_workers=1) as pool:
        later = pool.submit(second)
        return first(), later.result()


def _orphan_fates(orphans: pd.DataFrame, profile: Profile, as_of) -> pd.DataFrame:
    """Rating rows with no trade line: `orphan`, or `after_as_of` if given after as_of."""
    if not len(orphans):
        return pd.DataFrame({"shop_id": [], "order_id": [], "credit_fate": [], "dsr_fate": []})
    items = [f"dsr_{i}" for i in profile.dsr_items if f"dsr_{i}" in orphans]
    has_dsr = orphans[items].notna().any(axis=1).to_numpy() if items else np.zeros(len(orphans), bool)
    has_credit = orphans["credit"].notna().to_numpy() if "credit" in orphans else has_dsr & False
    late = (orphans["rated_at"].to_numpy("datetime64[ns]") > as_of)
    dsr_late = (orphans["dsr_rated_at"].to_numpy("datetime64[ns]") > as_of)
    return pd.DataFrame({
        "shop_id": orphans["shop_id"].to_numpy(), "order_id": orphans["order_id"].to_numpy(),
        "credit_fate": pd.Series(np.where(has_credit, np.where(late, "after_as_of", "orphan"),
                                          None), dtype=object),
        "dsr_fate": pd.Series(np.where(has_dsr, np.where(dsr_late, "after_as_of", "orphan"), None),
                              dtype=object),
    })


def _coded(column) -> tuple[np.ndarray, list]:
    """A column of reason codes as integer codes (-1: missing) and the name of each code."""
    column = column if isinstance(column, pd.Series) else pd.Series(column)
    if not isinstance(column.dtype, pd.CategoricalDtype):
        column = column.astype(object).astype("category")
    return column.cat.codes.to_numpy(), [str(c) for c in column.cat.categories]  # int8/int16


def _is(code: np.ndarray, names: list, word: str) -> np.ndarray:
    """Where a coded column (codes, names as from _coded) holds `word`."""
    return code == names.index(word) if word in names else np.zeros(len(code), dtype=bool)


def _per_shop(shop: np.ndarray, code: np.ndarray, width: int, shops: int, mask=None) -> np.ndarray:
    """(shops, width) counts of the rows by shop position and code, both from 0; rows of no
    listed shop (-1), with a code outside 0..width-1 or outside `mask` are left out."""
    keep = (shop >= 0) & (code >= 0)
    keep &= code < width
    if mask is not None:
        keep &= mask
    flat = shop[keep].astype(np.int64)  # one new array, worked on in place
    flat *= width
    flat += code[keep]
    return np.bincount(flat, minlength=shops * width).reshape(shops, width)


def _reasons(table: np.ndarray, names: list, skip=()) -> list[dict]:
    """Per shop (a row of table), {code: count} of the codes that occurred, less `skip`."""
    return [{names[j]: int(row[j]) for j in np.flatnonzero(row) if names[j] not in skip}
            for row in table]


def _merged(*tables: dict) -> dict:
    """Counts by reason code, summed over the tables (codes in sorted order)."""
    out = {}
    for table in tables:
        for code, n in table.items():
            out[code] = out.get(code, 0) + n
    return dict(sorted(out.items()))


def _shop_positions(column, shop_ids: list) -> np.ndarray:
    """Each row's position in shop_ids (-1: missing, or a shop not listed)."""
    listed = pd.Index(shop_ids, dtype=object)
    if isinstance(column.dtype, pd.CategoricalDtype):
        of_category = np.append(listed.get_indexer(column.cat.categories.astype(object)), -1)
        return of_category.astype(np.int32)[column.cat.codes.to_numpy()]  # code -1: the -1
    return listed.get_indexer(pd.Index(np.asarray(column, dtype=object), dtype=object))


def _orphan_reasons(orphans: pd.DataFrame, shop: np.ndarray, shops: int):
    """Per shop: the orphan rows' credit fates, their DSR fates (an order counted once, with
    its first row's fate) and the number of orphan DSR orders."""
    code, names = _coded(orphans["credit_fate"])
    credit = _reasons(_per_shop(shop, code, len(names), shops), names)
    scored = orphans["dsr_fate"].notna().to_numpy()
    keys = pd.DataFrame({"shop": shop, "order": orphans["order_id"].to_numpy()})
    first = np.zeros(len(orphans), dtype=bool)
    first[scored] = ~keys.loc[scored].duplicated().to_numpy()
    code, names = _coded(orphans["dsr_fate"])
    table = _per_shop(shop, code, len(names), shops, first)
    return credit, _reasons(table, names), table.sum(axis=1)


def credit_summaries(decided, shop, shops: int, orphans, orphan_shop, profile: Profile,
                     as_of) -> list[Credit]:
    """The Credit of each of `shops` shops, in one pass: `shop` gives each credit record's
    shop position (-1: none), `orphan_shop` each orphan row's."""
    fate, names = _coded(decided["fate"])
    points = decided["points"].to_numpy()  # small ints: widened only where counted
    counted = _is(fate, names, COUNTED)
    # The counted ratings by shop, kind (positive, neutral, negative: 0, 1, 2) and age: 1 +
    # how many of the periods' starts (as_of - days) lie before the rating (0: no date).
    counted &= shop >= 0
    counted &= np.abs(points) <= 1
    mine = np.flatnonzero(counted)
    del counted
    starts = np.unique(np.array([as_of - days * DAY for days in profile.periods_days.values()],
                                dtype="datetime64[ns]"))
    at = decided["at"].to_numpy("datetime64[ns]")[mine]
    age = np.ones(len(at), dtype=np.int64)  # 1 + how many starts lie before: a few compares
    for start in starts:  # (far quicker than searchsorted's binary search per rating)
        age += at > start
    age[np.isnat(at)] = 0
    del at
    ages = len(starts) + 2
    key = shop[mine].astype(np.int64)  # (shop, kind, age) as one number, built in place
    key *= 3
    key += 1
    key -= points[mine]
    key *= ages
    key += age
    del age
    table = np.bincount(key, minlength=shops * 3 * ages).reshape(shops, 3, ages)
    del key
    periods = {label: table[:, :, np.searchsorted(starts, as_of - days * DAY) + 2:].sum(axis=2)
               for label, days in profile.periods_days.items()}  # rated after its start
    periods["older"] = table[:, :, 1]  # rated by the earliest start
    total = periods["total"] = table.sum(axis=2)
    defaults = np.bincount(shop[mine][decided["is_default"].to_numpy(dtype=bool)[mine]],
                           minlength=shops)
    fates = _per_shop(shop, fate, len(names), shops)
    unrated = np.bincount(shop[_is(fate, names, "unrated") & (shop >= 0)], minlength=shops)
    excluded = _reasons(fates, names, skip=(COUNTED, "unrated"))
    orphaned = _orphan_reasons(orphans, orphan_shop, shops)[0]
    out = []
    for k in range(shops):
        pos, neu, neg = (int(n) for n in total[k])
        score, rated = pos - neg, pos + neu + neg
        level = profile.level_of(score)
        out.append(Credit(score=score, level_index=level.index if level else 0,
                          level_name=level.name if level else None, positive=pos, neutral=neu,
                          negative=neg, default_positive=int(defaults[k]),
                          positive_rate=pos / rated if rated else None,
                          periods={label: Tally(*(int(n) for n in tally[k]))
                                   for label, tally in periods.items()},
                          excluded_by_reason=_merged(excluded[k], orphaned[k]),
                          unrated=int(unrated[k])))
    return out


def dsr_summaries(orders, shop, shops: int, orphans, orphan_shop, profile: Profile,
                  industry: dict) -> list[Dsr]:
    """The Dsr of each of `shops` shops, in one pass (positions as in credit_summaries)."""
    fate, names = _coded(orders["fate"])
    counted = _is(fate, names, COUNTED)
    mine = shop >= 0
    stars = {}  # item -> per shop: the number of counted scores, their sum, how many of 1..5
    for name in profile.dsr_items:
        col = f"dsr_{name}"
        value = orders[col].to_numpy(dtype="float64") if col in orders else np.full(len(fate), np.nan)
        given = np.flatnonzero(counted & mine & ~np.isnan(value))
        where, value = shop[given], value[given].astype(np.int64)
        stars[name] = (np.bincount(where, minlength=shops),
                       np.bincount(where, weights=value, minlength=shops),
                       _per_shop(where, value, 6, shops)[:, 1:6])
    excluded = _reasons(_per_shop(shop, fate, len(names), shops), names, skip=(COUNTED,))
    orders_in = np.bincount(shop[mine], minlength=shops)
    _, orphaned, orphan_orders = _orphan_reasons(orphans, orphan_shop, shops)
    out = []
    for k in range(shops):
        items, below = {}, 0
        for name, (counts, totals, hists) in stars.items():
            count, total, hist = int(counts[k]), int(totals[k]), hists[k]
            shares = {str(j + 1): (int(hist[j]) / count if count else 0) for j in range(5)}
            score = total / count if count else None
            badge = (total * 10 // count) / 10 if count else None
            ind = industry.get(name)
            vs, basis, position = compare(score, ind)
            if position == "below" and name in profile.seller_items:
                below += 1
            items[name] = DsrItem(score=score, count=count, total=total, shares=shares,
                                  badge=badge, industry=ind.average if ind else None,
                                  industry_best=ind.best if ind else None,
                                  industry_lowest=ind.lowest if ind else None,
                                  vs_industry=vs, vs_industry_basis=basis, position=position)
        out.append(Dsr(window_days=profile.dsr_window_days, items=items,
                       seller_items=profile.seller_items, items_below_industry=below,
                       excluded_by_reason=_merged(excluded[k], orphaned[k]),
                       orders=int(orders_in[k] + orphan_orders[k])))
    return out


def anomaly_summaries(decided, shop, shops: int, orders, order_shop) -> list[dict]:
    """Each shop's anomalies by reason: the credit records' and the DSR conflicts."""
    code, names = _coded(decided["anomaly"])
    found = _reasons(_per_shop(shop, code, len(names), shops), names)
    conflict = orders["conflict"].to_numpy(dtype=bool)
    conflicts = np.bincount(order_shop[conflict & (order_shop >= 0)], minlength=shops)
    return [_merged(found[k], {"dsr_conflict": int(conflicts[k])} if conflicts[k] else {})
            for k in range(shops)]


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


def anomalies(decided, orders) -> dict:
    """One shop's anomalies by reason."""
    return anomaly_summaries(decided, _one_shop(decided), 1, orders, _one_shop(orders))[0]


def audit(data: Dataset, profile: Profile, as_of: datetime, industry: dict | None = None,
          checks=None, shop: str | None = None) -> tuple[AuditResult, Decisions]:
    """Score every shop of the data as of `as_of` and hold each against the checks."""
    industry = industry or {}
    checks = list(checks) if checks is not None else checks_mod.default_checks(
        profile.seller_items, profile.default_min, profile.default_warn)
    when = local_as_of(as_of, profile)
    decisions = decide(data, profile, when)
    with stage("summary"):
        return _summarize(data, decisions, profile, when, industry, checks, shop), decisions


def _summarize(data, decisions, profile, when, industry, checks, shop) -> AuditResult:
    lines = decisions.lines
    shop_ids = sorted(distinct(lines["shop_id"]) | distinct(decisions.orphans["shop_id"]))
    if not shop_ids:
        shop_ids = [DEFAULT_SHOP]  # nothing read: the one shop has no ratings, and checks say so
    if shop is not None:
        shop_ids = [s for s in shop_ids if s == shop]
    # Every figure of every shop in one pass over the records, by each row's shop position.
    count = len(shop_ids)
    line_shop = _shop_positions(lines["shop_id"], shop_ids)
    order_shop = _shop_positions(decisions.dsr["shop_id"], shop_ids)
    orphan_shop = _shop_positions(decisions.orphans["shop_id"], shop_ids)
    credits, (dsrs, found) = _side_by_side(
        lambda: credit_summaries(decisions.credit, line_shop, count, decisions.orphans,
                                 orphan_shop, profile, when),
        lambda: (dsr_summaries(decisions.dsr, order_shop, count, decisions.orphans,
                               orphan_shop, profile, industry),
                 anomaly_summaries(decisions.credit, line_shop, count, decisions.dsr,
                                   order_shop)),
        len(lines))
    shops = []
    for sid, cred, dsr, anomaly in zip(shop_ids, credits, dsrs, found, strict=True):
        metrics = ShopResult(sid, cred, dsr, anomaly).metrics()
        checks_mod.validate_metrics(checks, metrics)
        results = tuple(checks_mod.evaluate(c, metrics) for c in checks)
        shops.append(ShopResult(sid, cred, dsr, anomaly, results))
    aware = pd.Timestamp(when).tz_localize(profile.tz).isoformat()
    inputs = {"rows_read": data.rows_read, "rows_rejected": data.rows_rejected,
              "rejected_by_reason": data.rejected_by_reason,
              "files": [f.to_dict() for f in data.files]}
    return AuditResult(aware, profile.name, inputs, tuple(shops))
