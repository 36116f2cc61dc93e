"""Marketplace exports: detect the platform from the headers and map them onto canonical columns.

Everything platform-specific lives in formats/platforms.toml; this module only applies it."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from shopscore.scoring.engine.ids import arrow_of, text_of
from shopscore.scoring.errors import OptionError
from shopscore.scoring.inputs.amounts import parse_amounts
from shopscore.scoring.inputs.columns import CANONICAL, ITEM_TITLE, SERVICE_TIME_COLUMNS

# Helper columns a platform may supply to derive canonical ones; dropped after mapping.
DERIVED = ("unit_price", "quantity", "refund_amount", "refund_status", "after_sale", "role")
# Kept after mapping: the rows whose status word itself says refunded (退款成功).
STATUS_REFUNDED = "status_refunded"


@dataclass(frozen=True)
class Platform:
    name: str
    label: str
    detect: tuple  # tuples of headers; a file with all headers of any tuple is this platform
    columns: dict  # canonical column -> tuple of accepted header names
    status: dict  # platform status word -> canonical status
    refunded_status: tuple = ()  # status words that also say the line itself was refunded


@dataclass(frozen=True)
class Mapped:
    """A file's columns renamed to canonical names, and which header fed which column."""

    frame: pd.DataFrame
    platform: str
    headers: dict  # canonical column -> header name found in the file


@lru_cache(maxsize=1)
def table() -> dict:
    text = resources.files("shopscore.scoring.inputs").joinpath("formats", "platforms.toml").read_text(
        encoding="utf-8")
    return tomllib.loads(text)


@lru_cache(maxsize=1)
def platforms() -> dict:
    doc = table()
    out = {}
    common = {**doc.get("common", {}).get("columns", {}),
              **doc.get("service", {}).get("trade_columns", {})}
    for name in doc["order"]:
        spec = doc["platforms"][name]
        own = spec.get("columns", {}) if name != "canonical" else {c: [c] for c in CANONICAL}
        columns = {k: tuple(dict.fromkeys(list(own.get(k, [])) + list(common.get(k, []))))
                   for k in dict.fromkeys(list(own) + list(common))}
        detect = tuple(tuple(x) for x in spec.get("detect_any", [spec.get("detect", [])]))
        out[name] = Platform(name, spec.get("label", name), detect, columns,
                             dict(spec.get("status", {})),
                             tuple(spec.get("refunded_status", ())))
    return out


def headers_of(columns) -> frozenset:
    """Every header some platform reads into one of the given canonical columns."""
    out = set(columns)
    for platform in platforms().values():
        for column in columns:
            out.update(platform.columns.get(column, ()))
    return frozenset(out)


@lru_cache(maxsize=1)
def known_headers() -> frozenset:
    """Every header some platform reads: its aliases, detecting headers and canonical names.
    Other columns of a file carry nothing the audit uses, so they need not be read."""
    out = set(CANONICAL) | set(DERIVED)
    for platform in platforms().values():
        for aliases in platform.columns.values():
            out.update(aliases)
        for group in platform.detect:
            out.update(group)
    return frozenset(out)


def names() -> list[str]:
    return list(platforms())


def detect(headers) -> str | None:
    """The first platform (in the table's order) whose detecting headers are all present."""
    have = {str(h).strip() for h in headers}
    for platform in platforms().values():
        if any(group and set(group) <= have for group in platform.detect):
            return platform.name
    return None


def word_table(section: str) -> dict:
    """Word -> canonical value for credit_words / role_words (case-insensitive for ASCII)."""
    out = {}
    for canonical, words in table()[section].items():
        for word in words:
            out[word.lower()] = canonical
    return out


def accepted_headers(column: str) -> list[str]:
    """Every header name any platform accepts for a canonical column (for error messages)."""
    seen = [column]
    for platform in platforms().values():
        for header in platform.columns.get(column, ()):
            if header not in seen:
                seen.append(header)
    return seen


def map_columns(frame: pd.DataFrame, name: str, taken=()) -> Mapped:
    """Rename a file's columns to canonical names and translate its vocabularies. `taken`:
    canonical columns already read from the same file (a Parquet file's id columns, read
    first), which its other headers must not fill again."""
    if name not in platforms():
        raise OptionError(f"--platform {name!r}: expected one of auto, {', '.join(names())}")
    platform = platforms()[name]
    have = list(frame.columns)
    picked, headers = {}, {}
    for column, aliases in platform.columns.items():
        if column in taken:
            continue
        # A header feeds one column, but a service time may share its header with another
        # (Taobao's 确认收货时间 is the completion and the nearest thing to a sign-for), and
        # the title may be the item too (an export without codes).
        found = [a for a in aliases if a in have
                 and (a not in headers.values() or column in SERVICE_TIME_COLUMNS
                      or column == ITEM_TITLE)]
        if not found:
            continue
        picked[column], headers[column] = frame[found[0]], found[0]
        for alias in found[1:]:  # an empty cell falls back to the next accepted header
            value = picked[column]
            blank = value.isna() | (value.astype("string[pyarrow]").str.strip() == "")
            if blank.any():
                picked[column] = value.where(~blank.fillna(True), frame[alias])
    # A file already in canonical names keeps them whatever the platform.
    for column in have:
        if column in platforms()["canonical"].columns and column not in picked \
                and column not in taken:
            picked[column] = frame[column]
            headers[column] = column
    out = pd.DataFrame(picked, index=frame.index, copy=False)
    said_refunded = None
    if "status" in out and platform.refunded_status:  # read before the words are translated
        said_refunded = _is_word(out["status"], platform.refunded_status)
    if "status" in out and platform.status:
        out["status"] = _translate(out["status"], {**_canonical_status(), **platform.status})
    for column in ("credit", "seller_credit"):
        if column in out:
            out[column] = _translate(out[column], word_table("credit_words"))
    out = _derive(out, said_refunded)
    return Mapped(out, name, headers)


def _canonical_status() -> dict:
    return {s: s for s in ("success", "closed", "open")}


def _translate(series: pd.Series, words: dict) -> pd.Series:
    """Map known words to canonical ones; unknown words stay as they are (and get rejected).
    Each distinct word is looked up once."""
    arr = arrow_of(series)
    enc = arr if pa.types.is_dictionary(arr.type) else pc.dictionary_encode(text_of(arr))
    lower = {k.lower(): v for k, v in words.items()}
    found = enc.dictionary.to_pylist()
    table = [None if w is None else lower.get(w.strip().lower(), w.strip()) for w in found]
    if table == found:  # every word canonical already
        return series
    mapped = pc.take(pa.array(table, type=pa.large_string()), enc.indices)
    return pd.Series(mapped.to_pandas(types_mapper=_text_type), index=series.index)


def _text_type(dtype):
    return pd.StringDtype("pyarrow", na_value=np.nan) if pa.types.is_large_string(dtype) \
        or pa.types.is_string(dtype) else None


def _number(series: pd.Series) -> pd.Series:
    """Amounts as numbers (NaN where empty or no finite amount: amounts.py)."""
    return pd.Series(parse_amounts(series)[0], index=series.index)


def _is_word(series: pd.Series, words) -> np.ndarray:
    """Where a column of words holds one of `words` (stripped; each distinct word once)."""
    arr = arrow_of(series)
    enc = arr if pa.types.is_dictionary(arr.type) else pc.dictionary_encode(text_of(arr))
    hits = np.array([w is not None and w.strip() in words for w in enc.dictionary.to_pylist()]
                    + [False], dtype=bool)
    return hits[enc.indices.fill_null(-1).to_numpy(zero_copy_only=False)]


def _derive(out: pd.DataFrame, said_refunded=None) -> pd.DataFrame:
    """Canonical columns some exports only imply: refunded (from a refund amount above 0, a
    refund or after-sale status, or a line status such as 退款成功), amount, and the rater's
    role."""
    refunded = said_refunded if said_refunded is not None and said_refunded.any() else None
    if "refund_amount" in out:
        hit = (_number(out["refund_amount"]).fillna(0) > 0).to_numpy()
        refunded = hit if refunded is None else (refunded | hit)
    for column in ("refund_status", "after_sale"):
        if column in out:
            text = out[column].astype("string[pyarrow]").fillna("")
            hit = (text.str.contains("退款", regex=False) & ~text.str.contains("关闭|失败|撤销", regex=True)
                   ).to_numpy(dtype=bool)
            refunded = hit if refunded is None else (refunded | hit)
    if refunded is not None and "refunded" not in out:
        out["refunded"] = np.where(refunded, "true", "false")
    elif said_refunded is not None and said_refunded.any():  # the file's own column, and more
        given = out["refunded"].astype("string[pyarrow]").astype(object).to_numpy()
        out["refunded"] = pd.Series(np.where(said_refunded, "true", given), index=out.index,
                                    dtype="string[pyarrow]")
    if "amount" not in out and "unit_price" in out:
        qty = _number(out["quantity"]).fillna(1) if "quantity" in out else 1
        out["amount"] = (_number(out["unit_price"]) * qty).astype("float64")
    if said_refunded is not None and said_refunded.any():  # an order report's word is its
        out[STATUS_REFUNDED] = said_refunded  # lines' too (load._fill_from_orders)
    if "role" in out and "credit" in out:
        role = _translate(out["role"], word_table("role_words")).fillna("buyer")
        seller = (role == "seller").to_numpy(dtype=bool)
        if seller.any():
            out["seller_credit"] = out["credit"].where(seller)
            out["seller_rated_at"] = out["rated_at"].where(seller) if "rated_at" in out else None
            out["credit"] = out["credit"].where(~seller)
            if "rated_at" in out:
                out["rated_at"] = out["rated_at"].where(~seller)
    return out.drop(columns=[c for c in DERIVED if c in out])
