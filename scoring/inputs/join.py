"""Ratings joined to their trade lines: each rating finds its own line (by line id, by the only
line of its order, or by its item), or is rejected as ambiguous, or stays an orphan."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from shopscore.scoring.engine import ids
from shopscore.scoring.engine.coded import codes
from shopscore.scoring.inputs.columns import RATING_COLUMNS


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



def _resolve_lines(lines: pd.DataFrame, ratings: pd.DataFrame, rejects: list) -> pd.DataFrame:
    """Give each rating the line_id of its trade line (and its row there, `_pos`): the line it
    names when that line exists; else the only line of its order; else its order's line of
    the same item; else, for an order of several lines, it is ambiguous (rejected). A rating
    of an unknown order keeps what it has and becomes an orphan (`_pos` -1)."""
    order_of = ratings["order_id"].astype(object).to_numpy()
    line_of = (ratings["line_id"].astype(object).to_numpy(copy=True) if "line_id" in ratings
               else np.full(len(ratings), None, dtype=object))
    pos = _line_positions(lines, order_of, line_of)
    todo = np.flatnonzero(pos < 0)
    several = np.zeros(len(ratings), dtype=bool)
    if todo.size:
        line_codes = codes(lines["order_id"])
        per_order = np.bincount(line_codes[line_codes >= 0],
                                minlength=len(lines["order_id"].cat.categories))
        first_row = np.full(len(per_order), -1, dtype=np.int64)
        uniq, first = np.unique(line_codes[::-1], return_index=True)
        first_row[uniq[uniq >= 0]] = (len(line_codes) - 1 - first)[uniq >= 0]
        oc = code_in(order_of[todo], lines["order_id"])
        size = np.zeros(len(todo), dtype=np.int64)
        size[oc >= 0] = per_order[oc[oc >= 0]]
        single = todo[size == 1]
        pos[single] = first_row[oc[size == 1]]
        line_of[single] = lines["line_id"].to_numpy()[pos[single]]
        many = todo[size > 1]
        if many.size and "item_id" in ratings:
            guess = order_of[many] + "-" + ratings["item_id"].astype(object).fillna("").to_numpy()[many]
            hit = _line_positions(lines, order_of[many], guess)
            pos[many[hit >= 0]] = hit[hit >= 0]
            line_of[many[hit >= 0]] = guess[hit >= 0]
            many = many[hit < 0]
        several[many] = True
        unknown = todo[size == 0]
        line_of[unknown] = np.where(pd.isna(line_of[unknown]), order_of[unknown],
                                    line_of[unknown])
    ratings = ratings.assign(line_id=line_of, _pos=pos)
    return reject(ratings, several, "line_id", "ambiguous_line", rejects)



def join_ratings(lines: pd.DataFrame, ratings: pd.DataFrame, rejects: list):
    """Attach rating columns to their trade lines; return (lines, orphan rating rows)."""
    key = ["order_id", "line_id"]
    ratings = _resolve_lines(lines, ratings, rejects)
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
            merged = lines[col].to_numpy(copy=True)
            merged[target] = given.to_numpy()[source]
            lines[col] = merged
    return lines, ratings.loc[~found].drop(columns=["_pos"]).reset_index(drop=True)

