"""Counting by shop: coded reason columns tallied per shop position in one bincount pass."""

from __future__ import annotations

import numpy as np
import pandas as pd


def coded_reasons(column) -> tuple[np.ndarray, list]:
    """A column of reason codes as integer codes (-1: missing) and the name of each code."""
    column = column if isinstance(column, pd.Series) else pd.Series(column)
    if not isinstance(column.dtype, pd.CategoricalDtype):
        column = column.astype(object).astype("category")
    return column.cat.codes.to_numpy(), [str(c) for c in column.cat.categories]  # int8/int16



def is_code(code: np.ndarray, names: list, word: str) -> np.ndarray:
    """Where a coded column (codes, names as from coded_reasons) holds `word`."""
    return code == names.index(word) if word in names else np.zeros(len(code), dtype=bool)



def per_shop(shop: np.ndarray, code: np.ndarray, width: int, shops: int, mask=None) -> np.ndarray:
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



def reason_counts(table: np.ndarray, names: list, skip=()) -> list[dict]:
    """Per shop (a row of table), {code: count} of the codes that occurred, less `skip`."""
    return [{names[j]: int(row[j]) for j in np.flatnonzero(row) if names[j] not in skip}
            for row in table]



def merged(*tables: dict) -> dict:
    """Counts by reason code, summed over the tables (codes in sorted order)."""
    out = {}
    for table in tables:
        for code, n in table.items():
            out[code] = out.get(code, 0) + n
    return dict(sorted(out.items()))



def shop_positions(column, shop_ids: list) -> np.ndarray:
    """Each row's position in shop_ids (-1: missing, or a shop not listed)."""
    listed = pd.Index(shop_ids, dtype=object)
    if isinstance(column.dtype, pd.CategoricalDtype):
        of_category = np.append(listed.get_indexer(column.cat.categories.astype(object)), -1)
        return of_category.astype(np.int32)[column.cat.codes.to_numpy()]  # code -1: the -1
    return listed.get_indexer(pd.Index(np.asarray(column, dtype=object), dtype=object))



# A tally: the counts a run of the engine found, per shop position, as named arrays whose
# first axis is the shop (name -> ndarray). Counts of reasons are named `prefix:code`. Two
# runs over disjoint rows of the same shops add up to the run over all of them: add().

def reason_columns(table: np.ndarray, names: list, prefix: str, skip=()) -> dict:
    """The columns of a (shops, codes) count table as `prefix:code` tally entries (codes
    that never occur and those in `skip` left out)."""
    return {f"{prefix}:{names[j]}": table[:, j] for j in np.flatnonzero(table.sum(axis=0))
            if names[j] not in skip}


def add(*tallies: dict) -> dict:
    """The sum of tallies of the same shops: entries of one name added, others kept."""
    out: dict = {}
    for tally in tallies:
        for name, value in tally.items():
            out[name] = out[name] + value if name in out else value.copy()
    return out


def reasons_at(tally: dict, prefix: str, shop: int) -> dict:
    """One shop's {code: count} of the `prefix:` entries, codes in sorted order, zeros left
    out."""
    start = prefix + ":"
    found = {name[len(start):]: int(value[shop]) for name, value in tally.items()
             if name.startswith(start) and value[shop]}
    return dict(sorted(found.items()))
