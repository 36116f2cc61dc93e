"""The experience scores of every shop: the units of RULES.md section 6 built once (orders,
cases, rounds, sessions), each metric summed per shop in one bincount pass, and each shop's
metrics scored on the profile's scorecard (rules/scorecard.py)."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pandas as pd

from shopscore.scoring.engine.coded import codes
from shopscore.scoring.engine.tally import shop_positions
from shopscore.scoring.engine.threads import side_by_side
from shopscore.scoring.inputs.dataset import Dataset
from shopscore.scoring.inputs.join import code_in
from shopscore.scoring.result import Experience, MetricValue
from shopscore.scoring.rules.scorecard import score
from shopscore.scoring.rules.scorecard_schema import METRICS, Scorecard
from shopscore.scoring.rules.service import MEANS, Units, measure, missing_inputs
from shopscore.scoring.rules.service_cases import cases_of, with_cases
from shopscore.scoring.rules.service_chats import chats_of
from shopscore.scoring.rules.service_orders import order_numbers, orders_of


def available_inputs(data: Dataset) -> set:
    """The inputs the metrics can read: trade-line columns by name, the service files by
    kind, and their columns as `after_sales.agreed_at`."""
    out = set(data.trade_columns)
    for kind in ("after_sales", "chats"):
        if getattr(data, kind) is not None:
            out.add(kind)
            out |= {f"{kind}.{c}" for c in data.service_columns.get(kind, ())}
    return out


def build_units(data: Dataset, card: Scorecard, as_of: np.datetime64, shop_ids: list,
                line_shop: np.ndarray) -> Units:
    """The orders, cases, rounds and sessions of the data, shops by their position in
    shop_ids."""
    lines = data.lines

    def ordered():
        number = order_numbers(lines)
        orders = orders_of(lines, number, line_shop, as_of)
        cases = None
        if data.after_sales is not None:
            sales = data.after_sales
            order_of = _order_of(lines, number, sales)
            cases = cases_of(sales, order_of, shop_positions(sales["shop_id"], shop_ids), card,
                             as_of)
            orders = with_cases(orders, cases, sales)
        return orders, cases

    def talked():
        if data.chats is None:
            return None, None
        return chats_of(data.chats, shop_positions(data.chats["shop_id"], shop_ids), card,
                        as_of)

    # The chats need nothing of the orders: side by side for big inputs.
    (orders, cases), (rounds, sessions) = side_by_side(
        ordered, talked, len(lines) + (0 if data.chats is None else len(data.chats)))
    return Units(orders, cases, rounds, sessions, card, as_of,
                 has_liable=data.after_sales is not None and "seller_liable" in data.after_sales)


def _order_of(lines: pd.DataFrame, number: np.ndarray, sales: pd.DataFrame) -> np.ndarray:
    """Each case's order number (-1: its (shop, order) is not among the trade lines)."""
    shop = code_in(sales["shop_id"], lines["shop_id"])
    order = code_in(sales["order_id"], lines["order_id"])
    line_shop, line_order = codes(lines["shop_id"]), codes(lines["order_id"])
    # Each order id's shop and number, when every order id is one shop's (the usual case):
    # a table by order code, no sort.
    kinds = len(lines["order_id"].cat.categories)
    owner = np.full(kinds + 1, -1, dtype=np.int64)
    owner[line_order] = line_shop
    if (owner[line_order] == line_shop).all():
        numbered = np.full(kinds + 1, -1, dtype=np.int64)
        numbered[line_order] = number
        hit = (order >= 0) & (shop >= 0) & (owner[order] == shop)
        return np.where(hit, numbered[order], -1)
    width = np.int64(kinds + 1)
    line_keys = line_shop * width + line_order
    keys = shop.astype(np.int64) * width + order
    keys[(shop < 0) | (order < 0)] = -1
    known, first = np.unique(line_keys, return_index=True)  # each order's key once
    at = np.minimum(np.searchsorted(known, keys), max(len(known) - 1, 0))
    hit = (keys >= 0) & (len(known) > 0) & (known[at] == keys) if len(known) else keys < -1
    return np.where(hit, number[first[at]] if len(known) else -1, -1)


def score_units(units: Units, available: set, shops: int) -> list:
    """The Experience of each of `shops` shops from the units, in the window ending at
    units.as_of (a later moment scores the same data as the window rolls on)."""
    return experience_of(experience_tally(units, available, shops), units.card, available,
                         shops)


def experience_tally(units: Units, available: set, shops: int) -> dict:
    """Per metric the inputs allow, `metric:NAME`: (shops, 3) the members, the sum of what
    they add and the bad ones (sums of whole numbers: exact, so tallies of disjoint units
    add up to the tally of all of them)."""
    lacking = missing_inputs(available)
    return {f"metric:{m}": _per_shop(measure(m, units), units, shops)
            for m in METRICS if not lacking[m]}


def experience_of(tally: dict, card, available: set, shops: int) -> list:
    """Each shop's Experience from its metric tallies (experience_tally, or a sum of them)."""
    missing = _named_missing(missing_inputs(available), available)
    sums = {name[len("metric:"):]: value for name, value in tally.items()
            if name.startswith("metric:")}
    return [_shop_experience(card, {m: _value(m, *s[k]) for m, s in sums.items()}, missing)
            for k in range(shops)]


def values_of(sums: dict, shops: int) -> list:
    """Per shop, {metric: (MetricValue without points, its exact value)} of every metric of
    the tallies (experience_tally, or a sum of them)."""
    return [{name[len("metric:"):]: _value(name[len("metric:"):], *s[k])
             for name, s in sums.items() if name.startswith("metric:")} for k in range(shops)]


def _per_shop(found, units: Units, shops: int) -> np.ndarray:
    """(shops, 3): per shop the members, the sum of what they add, and the bad ones."""
    shop = getattr(units, found.unit).shop
    mine = found.member & (shop >= 0)
    where = shop[mine]
    bad = found.bad[mine] if found.bad is not None else np.zeros(int(mine.sum()), dtype=bool)
    return np.stack([np.bincount(where, minlength=shops),
                     np.bincount(where, weights=found.adds[mine], minlength=shops),
                     np.bincount(where[bad], minlength=shops)], axis=1)


def _named_missing(lacking: dict, available: set) -> tuple:
    """The inputs whose absence left a metric out, in the order the metrics need them; a
    column of a file that is missing itself is not named (the file is)."""
    out = []
    for gone in lacking.values():
        for name in gone:
            if "." in name and name.split(".")[0] not in available:
                continue
            if name not in out:
                out.append(name)
    return tuple(out)


def _value(metric: str, count: int, total: float, bad: int) -> tuple[MetricValue, object]:
    """One shop's figures of one metric from its member count, total and bad count, and its
    value exact (a Fraction: the scorecard compares and weighs values at full precision)."""
    count, total, bad = int(count), float(total), int(bad)
    if metric == "valid_paid_orders":
        return MetricValue(count, count, None, None), count
    if metric in MEANS:
        unit = MEANS[metric] or 1
        has_bad = metric == "goods_score"
        numerator = int(round(total)) if has_bad else total / unit
        if not count:
            return MetricValue(None, 0, 0, 0 if has_bad else None), None
        exact = Fraction(total) / count / unit  # total seconds / count (hours: / 3600)
        return MetricValue(float(exact), numerator, count, bad if has_bad else None), exact
    numerator = int(round(total))
    if not count:
        return MetricValue(None, 0, 0, bad), None
    return MetricValue(numerator / count, numerator, count, bad), Fraction(numerator, count)


def _shop_experience(card: Scorecard, found: dict, missing: tuple) -> Experience:
    values = {m: v for m, (v, _) in found.items()}
    valid = values["valid_paid_orders"].value if "valid_paid_orders" in values else None
    scored = score(card, {m: exact for m, (_, exact) in found.items()},
                   {m: v.bad for m, v in values.items()}, valid)
    place = {r.metric: (d.name, r.weight) for d in card.dimensions for r in d.metrics}
    metrics = {m: MetricValue(v.value, v.numerator, v.denominator, v.bad,
                              _plain(scored["points"].get(m)), scored["floored"].get(m, False),
                              *place.get(m, (None, None)))
               for m, v in values.items()}
    return Experience(card.name, card.window_days, scored["stage"], scored["total"],
                      scored["display"], scored["stars"], card.example_bounds, missing,
                      scored["dimensions"], metrics)


def _plain(points):
    """Points as JSON numbers: a Fraction (a value taken as its points) as a float."""
    return float(points) if isinstance(points, Fraction) else points
