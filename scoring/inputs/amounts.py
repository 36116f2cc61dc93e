"""Amounts in yuan as exports write them (`1234.5`, `￥1,234.50`, `12元`), read strictly: a
value that is not a finite number written one of those ways (`inf`, `nan`, `1e999`, `1,2,3`)
is bad, never guessed at."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from shopscore.scoring.engine import ids

# An optional currency sign, an optional sign, digits (thousands separated by commas in groups
# of three, or plain digits with an optional exponent), decimals, an optional 元.
_AMOUNT = (r"^[¥￥]?\s*[-+]?[¥￥]?\s*(?:\d{1,3}(?:,\d{3})+(?:\.\d+)?|(?:\d+\.?\d*|\.\d+)"
           r"(?:[eE][-+]?\d+)?)\s*元?$")


def parse_amounts(series: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """(values as float64, bad) of a column of amounts: NaN where empty or bad; bad marks a
    value given that is no finite amount. Typed numeric columns (Parquet, Excel) are taken as
    they are: NaN there is a missing amount (as pandas and Polars write one), an infinite
    one is bad."""
    if pd.api.types.is_numeric_dtype(series):
        arr = ids.arrow_of(series)
        values = pc.cast(arr, pa.float64()).to_numpy(zero_copy_only=False).astype("float64")
        present = pc.is_valid(arr).to_numpy(zero_copy_only=False)
        bad = present & np.isinf(values)
        values[bad] = np.nan
        return values, bad
    arr = pc.utf8_trim_whitespace(ids.text_of(series))
    arr = pc.if_else(pc.equal(arr, ""), pa.scalar(None, pa.large_string()), arr)
    present = pc.fill_null(pc.is_valid(arr), False).to_numpy(zero_copy_only=False)
    try:  # plain numbers, every one: one cast (inf, nan and 1e999 are caught below)
        values = pc.cast(arr, pa.float64())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        shaped = pc.fill_null(pc.match_substring_regex(arr, _AMOUNT), False)
        cleaned = pc.replace_substring_regex(pc.if_else(shaped, arr, pa.scalar(None, arr.type)),
                                             pattern=r"[¥￥元,\s]", replacement="")
        values = pc.cast(cleaned, pa.float64())
    values = values.to_numpy(zero_copy_only=False).astype("float64")
    bad = present & ~np.isfinite(values)
    values[bad] = np.nan
    return values, bad
