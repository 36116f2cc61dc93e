"""Ratings joined to their trade lines: each rating finds its own line (by line id, by its item
or title, or as the only line of its order), or is rejected (its line was rejected, or its
order's lines cannot be told apart), or stays an orphan."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from shopscore.scoring.engine import ids
from shopscore.scoring.engine.coded import codes
from shopscore.scoring.engine.routing import id_hashes
from shopscore.scoring.inputs.columns import ITEM_TITLE, RATING_COLUMNS


def reject(rows: pd.DataFrame, mask, column, reason, rejects: list) -> pd.DataFrame:
    if mask.any():
        bad = rows.loc[mask]
        rejects.append(pd.DataFrame({"file": bad["_file"], "fileno": bad["_fileno"],
                                     "row": bad["_row"], "column": column, "value": None,
                                     "reason": reason}))
    return rows.loc[~mask].reset_index(drop=True)



def reject_duplicates(good: pd.DataFrame, key: list, rejects: list) -> pd.DataFrame:
    """Rows repeating an earlier row's key are rejected. Only rows whose last key column
    (a coded line id) repeats can repeat a key: when line ids are unique, nothing to do."""
    last = good[key[-1]]
    if isinstance(last.dtype, pd.CategoricalDtype):
        codes = last.cat.codes.to_numpy()
        if len(codes) and codes[0] >= 0 and (codes[1:] > codes[:-1]).all():
            return good  # every line id once, in order: nothing can repeat
        seen = np.bincount(codes[codes >= 0], minlength=len(last.cat.categories))
        repeats = (codes < 0) | (seen[np.maximum(codes, 0)] > 1)
        if not repeats.any():
            return good
        dup = np.zeros(len(good), dtype=bool)
        dup[repeats] = good.loc[repeats, key].duplicated(keep="first").to_numpy()
    else:
        dup = good.duplicated(key, keep="first").to_numpy()
    return reject(good, dup, ",".join(key), "duplicate", rejects)



def _merge_roles(ratings: pd.DataFrame) -> pd.DataFrame:
    """A buyer's row and the seller's row of one line (rating exports with `role`) become one:
    among ratings of the same line, a seller-only row lends its seller rating to the buyer's."""
    pos = ratings["_pos"].to_numpy()
    matched = pos >= 0
    counts = np.bincount(pos[matched]) if matched.any() else np.zeros(0, dtype=np.int64)
    shared = matched.copy()
    shared[matched] = counts[pos[matched]] > 1
    seller_only = (ratings["credit"].isna() & ratings["seller_credit"].notna()).to_numpy()
    donors = np.flatnonzero(shared & seller_only)
    if not donors.size:
        return ratings
    takers = np.flatnonzero(shared & ~seller_only)
    donor_of = pd.Series(donors, index=pos[donors])
    donor_of = donor_of[~donor_of.index.duplicated()]
    has = np.isin(pos[takers], donor_of.index.to_numpy())
    takers = takers[has]
    given = donor_of.loc[pos[takers]].to_numpy()
    ratings = ratings.copy()
    for col in ("seller_credit", "seller_rated_at"):
        values = ratings[col].copy()
        fill = values.iloc[takers].isna().to_numpy()
        values.iloc[takers[fill]] = ratings[col].iloc[given[fill]].to_numpy()
        ratings[col] = values
    used = np.zeros(len(ratings), dtype=bool)
    used[np.unique(given)] = True
    return ratings.loc[~used].reset_index(drop=True)



def code_in(values, column: pd.Series) -> np.ndarray:
    """The code each value has among a categorical column's categories, or -1."""
    if isinstance(values, pd.Series) and isinstance(values.dtype, pd.CategoricalDtype):
        # Categorical values: their categories are looked up, once each.
        found = code_in(values.cat.categories.astype(object), column)
        return np.append(found, -1)[values.cat.codes.to_numpy()]
    cats = ids.text_of(pd.Series(column.cat.categories))
    given = pa.array(np.asarray(values, dtype=object), type=pa.large_string(), from_pandas=True)
    found = pc.index_in(given, value_set=cats)
    return found.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64)



def _line_positions(lines: pd.DataFrame, order_ids, line_ids) -> np.ndarray:
    """The row of `lines` that holds each (order_id, line_id) pair, or -1."""
    oc = code_in(order_ids, lines["order_id"])
    lc = code_in(line_ids, lines["line_id"])
    width = np.int64(len(lines["line_id"].cat.categories) + 1)
    keys = oc.astype(np.int64) * width + lc
    keys[(oc < 0) | (lc < 0)] = -1
    line_keys = codes(lines["order_id"]) * width + codes(lines["line_id"])
    pos = pd.Index(line_keys).get_indexer(keys)
    pos[keys < 0] = -1
    return pos



def as_text(column) -> np.ndarray:
    """A column's values as an object array of text (None where missing)."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        cats = np.asarray(column.cat.categories.astype(str), dtype=object)
        got = column.cat.codes.to_numpy()
        out = np.full(len(got), None, dtype=object)
        out[got >= 0] = cats[got[got >= 0]]
        return out
    values = column.astype(object).to_numpy()
    return np.where(pd.isna(values), None, values).astype(object)


# The keys a rating without its line's id may name its line by, tried in this order.
LINE_KEYS = ("line_id", "item_id", ITEM_TITLE)
GONE = -1  # the pool row of a trade line that was rejected


def _pool(lines: pd.DataFrame, gone: pd.DataFrame, orders: np.ndarray) -> pd.DataFrame:
    """Every trade line of the given orders, read or rejected: order, the line keys, and its
    row in `lines` (GONE for a rejected one)."""
    wanted = code_in(pd.unique(orders[pd.notna(orders)]), lines["order_id"])
    own = codes(lines["order_id"])
    rows = np.flatnonzero(np.isin(own, wanted[wanted >= 0]))
    part = {"order": as_text(lines["order_id"].iloc[rows]), "row": rows}
    for key in LINE_KEYS:
        if key in lines:
            part[key] = as_text(lines[key].iloc[rows])
    pool = pd.DataFrame(part)
    if len(gone):
        mine = gone.loc[gone["order"].isin(set(orders[pd.notna(orders)]))]
        pool = pd.concat([pool, mine.assign(row=GONE)], ignore_index=True)
    return pool


def _match(pool: pd.DataFrame, orders: np.ndarray, keys: np.ndarray, key: str):
    """(how many lines of its order carry each rating's key, the row of the first) for one
    key column of the pool."""
    named = pool.loc[pool[key].notna(), ["order", key, "row"]]
    if not len(named):
        return np.zeros(len(orders), np.int64), np.full(len(orders), GONE, np.int64)
    table = named.groupby(["order", key], sort=False)["row"].agg(["size", "first"])
    found = table.reindex(pd.MultiIndex.from_arrays([orders, keys]))
    return (found["size"].fillna(0).to_numpy(np.int64),
            found["first"].fillna(GONE).to_numpy(np.int64))


def _resolve_lines(lines: pd.DataFrame, ratings: pd.DataFrame, rejects: list,
                   gone: pd.DataFrame | None = None) -> pd.DataFrame:
    """Give each rating the line_id of its trade line (and its row there, `_pos`): the line
    it names by its order and line id; else its order's one line of the rating's item (by
    item id, then by title); else its order's only line. A rating whose line was read but
    rejected (`gone`: order, line_id, item_id, item_title of the rejected trade rows) is
    rejected as `line_rejected`, never joined to another line of its order; one whose order
    has several lines and nothing that tells them apart as `ambiguous_line`. A rating of an
    order not in the data keeps what it has and becomes an orphan (`_pos` -1)."""
    gone = gone if gone is not None else pd.DataFrame(columns=["order", *LINE_KEYS])
    order_of = as_text(ratings["order_id"])
    line_of = (as_text(ratings["line_id"]) if "line_id" in ratings
               else np.full(len(ratings), None, dtype=object))
    pos = _line_positions(lines, order_of, line_of)
    verdict = np.zeros(len(ratings), dtype=np.int8)  # 1 ambiguous_line, 2 line_rejected
    todo = np.flatnonzero(pos < 0)
    if todo.size:
        pool = _pool(lines, gone, order_of[todo])
        unsure = np.zeros(len(todo), dtype=bool)
        left = np.ones(len(todo), dtype=bool)  # not decided yet
        for key in LINE_KEYS:
            if key not in ratings or key not in pool:
                continue
            given = line_of[todo] if key == "line_id" else as_text(ratings[key])[todo]
            size, row = _match(pool, order_of[todo], given, key)
            one = left & (size == 1)
            pos[todo[one & (row >= 0)]] = row[one & (row >= 0)]
            verdict[todo[one & (row == GONE)]] = 2
            unsure |= left & (size > 1)
            left &= ~one
        size, row = _match(pool.assign(_all=""), order_of[todo], np.full(len(todo), ""),
                           "_all")  # the order's lines, whatever their keys
        one = left & ~unsure & (size == 1)  # an order of one line: that line
        pos[todo[one & (row >= 0)]] = row[one & (row >= 0)]
        verdict[todo[one & (row == GONE)]] = 2
        verdict[todo[left & ~one & (size > 0)]] = 1
        joined = todo[pos[todo] >= 0]
        line_of[joined] = as_text(lines["line_id"].iloc[pos[joined]])
        unknown = todo[(size == 0) & left]
        line_of[unknown] = np.where(pd.isna(line_of[unknown]), order_of[unknown],
                                    line_of[unknown])
    ratings = ratings.assign(line_id=line_of, _pos=pos)
    ratings = reject(ratings, verdict == 2, "line_id", "line_rejected", rejects)
    return reject(ratings, verdict[verdict != 2] == 1, "line_id", "ambiguous_line", rejects)



def shared_orders(lines: pd.DataFrame, gone: pd.DataFrame | None = None) -> np.ndarray:
    """The hashes (routing.id_hashes) of the order ids that trade rows of more than one shop
    hold, the lines' and the rejected rows' (`gone`: their keys, with `shop`): a rating or an
    after-sale case of such an order is told apart by its shop. A row naming no shop counts
    for none."""
    if "shop_id" not in lines or not len(lines):
        return np.zeros(0, np.uint64)
    one_shop = list(lines["shop_id"].cat.categories)
    if len(one_shop) <= 1 and (gone is None or "shop" not in gone or gone["shop"].dropna()
                               .isin(one_shop).all()):
        return np.zeros(0, np.uint64)  # one shop: no order id is shared
    order, shop = codes(lines["order_id"]), codes(lines["shop_id"])
    named = (order >= 0) & (shop >= 0)
    order, shop = order[named], shop[named]
    first = np.full(len(lines["order_id"].cat.categories) + 1, -1, np.int64)
    first[order[::-1]] = shop[::-1]  # the last write wins: each order's first shop
    orders = np.asarray(lines["order_id"].cat.categories, dtype=object)
    held = list(orders[np.unique(order[shop != first[order]])])
    if gone is not None and len(gone) and "shop" in gone:
        known = gone.loc[gone["shop"].notna(), ["order", "shop"]]
        at = code_in(known["order"].to_numpy(object), lines["order_id"])
        line_shop = first[np.where(at >= 0, at, -1)]
        shops = np.asarray(lines["shop_id"].cat.categories, dtype=object)
        pairs = pd.concat([known, pd.DataFrame({
            "order": known["order"].to_numpy(object)[line_shop >= 0],
            "shop": shops[line_shop[line_shop >= 0]]})], ignore_index=True).drop_duplicates()
        many = pairs["order"].value_counts()
        held += list(many.index[many.to_numpy() > 1])
    if not held:
        return np.zeros(0, np.uint64)
    return np.unique(id_hashes(pd.Series(held, dtype=object))[0])


def in_shared(column, shared: np.ndarray) -> np.ndarray:
    """Which rows name one of the `shared` orders."""
    if not len(shared):
        return np.zeros(len(column), dtype=bool)
    found, named = id_hashes(column)
    return named & np.isin(found, shared)


SHOP_MARK = "\x1f"  # between the shop and the order id in a shared order's key


def _shop_orders(frame: pd.DataFrame, mine: np.ndarray) -> pd.Categorical:
    """The order ids with the rows' shop put in front where `mine` (a key of its own for
    each shop's order of a shared id)."""
    order = as_text(frame["order_id"])
    order[mine] = as_text(frame["shop_id"])[mine] + SHOP_MARK + order[mine]
    return ids.encode(pd.Series(order, dtype=object))[0]


def join_ratings(lines: pd.DataFrame, ratings: pd.DataFrame, rejects: list,
                 gone: pd.DataFrame | None = None, shared=()):
    """Attach rating columns to their trade lines; return (lines, orphan rating rows).
    `gone`: the rejected trade rows' keys (see _resolve_lines). `shared`: the orders lines
    of several shops hold (shared_orders), whose ratings join within their own shop; one
    that names no shop cannot be told apart (`ambiguous_shop`)."""
    if len(shared):
        return _join_by_shop(lines, ratings, rejects, gone, shared)
    key = ["order_id", "line_id"]
    ratings = _resolve_lines(lines, ratings, rejects, gone)
    ratings = _merge_roles(ratings)
    ratings = reject_duplicates(ratings, key, rejects)
    pos = ratings["_pos"].to_numpy(dtype=np.int64)
    found = pos >= 0
    target, source = pos[found], np.flatnonzero(found)
    lines = lines.copy()
    for col in (c for c in RATING_COLUMNS if c in ratings):
        given = ratings[col]
        if isinstance(given.dtype, pd.CategoricalDtype):
            merged = lines[col].cat.codes.to_numpy(copy=True)
            merged[target] = given.cat.codes.to_numpy()[source]
            lines[col] = pd.Categorical.from_codes(merged, categories=given.cat.categories)
        else:
            # a copy of its own: pandas may hand out an Arrow column's read-only memory
            merged = np.array(lines[col].to_numpy())
            merged[target] = given.to_numpy()[source]
            lines[col] = merged
    return lines, ratings.loc[~found].drop(columns=["_pos"]).reset_index(drop=True)



def _join_by_shop(lines, ratings, rejects, gone, shared):
    """join_ratings where some order ids are held by several shops: those orders are keyed
    by (shop, order) while joining."""
    mine = in_shared(ratings["order_id"], shared)
    unnamed = mine & (codes(ratings["shop_id"]) < 0)
    ratings = reject(ratings, unnamed, "shop_id", "ambiguous_shop", rejects)
    mine = mine[~unnamed]
    keyed = ratings.assign(order_id=_shop_orders(ratings, mine), _order=ratings["order_id"])
    by_shop = lines.assign(order_id=_shop_orders(lines, in_shared(lines["order_id"], shared)))
    if gone is not None and len(gone) and "shop" in gone:
        held = in_shared(gone["order"], shared) & gone["shop"].notna().to_numpy()
        gone = gone.assign(order=np.where(held, gone["shop"].astype(object) + SHOP_MARK
                                          + gone["order"].astype(object), gone["order"]))
    joined, orphans = join_ratings(by_shop, keyed, rejects, gone)
    joined["order_id"] = lines["order_id"]
    orphans["order_id"] = orphans.pop("_order")
    return joined, orphans
