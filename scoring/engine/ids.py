"""Id columns as integer codes: every rule groups by codes, never by strings.

Ids are text (CONTRACT.md: never parse them as numbers) and stay text in every output. To
code them fast, ids that are a number written plainly (`3012000000876561521`), or a fixed
prefix and such a number (`tb983634972`), are coded through that number: it stands for the
text one to one, and integers sort and group far faster than strings. Any other id column
is dictionary-encoded by pyarrow, and only its distinct values are cleaned of the wrappers
spreadsheets add (`="…"`, a leading `'`, spaces, tabs)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

# An id a spreadsheet turned into scientific notation (1.23457E+18): the digits are lost.
DAMAGED_ID = r"^[0-9](?:\.[0-9]+)?[eE]\+?[0-9]+$"


def arrow_of(column, combine: bool = True) -> pa.Array:
    """One Arrow array of a column (pandas Series, Arrow array or chunked array), without a
    copy where the column is Arrow-backed; a categorical becomes a dictionary array over its
    categories; chunks of a dictionary column share one dictionary. With combine=False a
    chunked column of text stays chunked (no copy)."""
    if isinstance(column, pd.Series):
        get = getattr(column.array, "__arrow_array__", None)
        if isinstance(column.dtype, pd.CategoricalDtype):
            codes = column.cat.codes.to_numpy()
            column = pa.DictionaryArray.from_arrays(
                pa.array(codes, mask=codes < 0), text_of(pd.Series(column.cat.categories)))
        elif get is not None:
            column = get()
        else:
            try:
                column = pa.array(column, type=pa.large_string(), from_pandas=True)
            except (pa.ArrowInvalid, pa.ArrowTypeError):
                column = pa.array([None if pd.isna(v) else str(v) for v in column],
                                  type=pa.large_string())
    if isinstance(column, pa.ChunkedArray):
        if pa.types.is_dictionary(column.type):
            column = column.unify_dictionaries()
        elif not combine and column.num_chunks > 1:
            return column
        if any(c.type != column.type for c in column.chunks):
            # pandas may join a column's text of `string` and `large_string` chunks (frames of
            # two readers concatenated): one type, so that the chunks can be joined
            column = pa.chunked_array([c.cast(pa.large_string()) if pa.types.is_string(c.type)
                                       else c for c in column.chunks])
        column = column.combine_chunks() if column.num_chunks != 1 else column.chunk(0)
    return column


def text_of(column) -> pa.Array:
    """A column as one large_string array (ids and words as the file wrote them; never a
    Python string per row)."""
    column = arrow_of(column)
    if not pa.types.is_large_string(column.type):
        column = column.cast(pa.large_string())
    return column


def _prefix(arr: pa.Array) -> str | None:
    """The letters before the number of the first id (`tb` of `tb983634972`, or nothing),
    if it is such an id; a wrapper (a tab, `'`, `="`) is no prefix: those ids get cleaned."""
    at = pc.index(arr.is_valid(), True).as_py()
    if at < 0:
        return None
    first = [arr[at].as_py()]
    head = first[0].rstrip("0123456789")
    plain = all(ch.isascii() and (ch.isalpha() or ch in "_-") for ch in head)
    return head if plain and len(head) < len(first[0]) and len(head) <= 8 else None


def _number_codes(arr: pa.Array):
    """(codes, categories, whether the categories are in text order) when every id is one
    prefix and a plainly written number, else None.

    "Plainly written": digits only, no sign, no leading zero, at most 19 digits (int64), so the
    number gives back the very text. Ids sort by that number; nothing depends on their
    order beyond being the same on every run."""
    prefix = _prefix(arr)
    if prefix is None:
        return None
    text = arr
    if prefix:
        if not pc.all(pc.starts_with(arr, prefix)).as_py():
            return None
        arr = pc.utf8_slice_codeunits(arr, len(prefix))
    try:
        numbers = pc.cast(arr, pa.int64())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    # The cast took digits with an optional sign; the number's own text has no sign and no
    # leading zero ("007", "+7", "-0" are other ids than 7 and 0).
    chunks = arr.chunks if isinstance(arr, pa.ChunkedArray) else [arr]
    first_char, length = (np.concatenate(x) for x in zip(*map(_first_bytes, chunks),
                                                             strict=True))
    if ((length > 1) & ((first_char < ord("1")) | (first_char > ord("9")))).any():
        return None
    present = None if numbers.null_count == 0 else numbers.is_valid().to_numpy(
        zero_copy_only=False)
    value = numbers.to_numpy(zero_copy_only=False) if present is None else \
        numbers.fill_null(0).to_numpy(zero_copy_only=False)
    rows = None if present is None else np.flatnonzero(present)
    if rows is not None:
        value = value[rows]
    if (value < 0).any():
        return None
    inverse, first = dense_codes(value)
    # Codes numbered by value, over numbers of one length behind one prefix: the codes are
    # in the text's order too (the rules' text tie-breaks then need no text).
    present_length = length if rows is None else length[rows]
    text_sorted = bool(len(first) < 2 or (
        present_length.min() == present_length.max()
        and (value[first[1:]] > value[first[:-1]]).all()))
    if rows is None:
        codes = inverse
    else:
        codes = np.full(len(arr), -1, dtype=np.int32)
        codes[rows], first = inverse, rows[first]
    # Each distinct id's text is the text of its first row (cheaper than printing numbers).
    if len(first) == len(text) and (first[1:] > first[:-1]).all():
        words = text  # every id once, in order: the column itself
    elif (first[1:] > first[:-1]).all():  # ids in order of appearance: keep the first rows
        keep = np.zeros(len(text), dtype=bool)
        keep[first] = True
        words = pc.filter(text, pa.array(keep))
    else:
        words = pc.take(text, pa.array(first))
    # Chunks stay chunks (a pandas text array holds them as they are): joining millions of
    # ids into one buffer would copy them all again.
    return codes, words.cast(pa.large_string()), text_sorted


def _first_bytes(arr: pa.Array):
    """(first byte, length in bytes) of every string, read from the Arrow buffers (0 and 0
    for a missing one)."""
    offsets_type = np.int64 if pa.types.is_large_string(arr.type) else np.int32
    _, offsets, data = arr.buffers()
    offsets = np.frombuffer(offsets, dtype=offsets_type)[arr.offset:arr.offset + len(arr) + 1]
    length = np.diff(offsets)
    data = np.frombuffer(data, dtype=np.uint8) if data is not None else np.zeros(1, np.uint8)
    first = np.where(length > 0, data[np.minimum(offsets[:-1], max(len(data) - 1, 0))], 0)
    return first, length


def dense_codes(values: np.ndarray):
    """The code of each value and the row where each code first occurs, codes 0.. numbering
    the distinct values (equal exactly where the values are).

    Ids an export lists in order (order ids grow with time) take one stable argsort, which
    is quick on nearly sorted input; others (buyers, items) are hashed by pyarrow, which
    numbers values in order of appearance."""
    steps = len(values) - 1
    if steps > 0 and np.count_nonzero(values[1:] >= values[:-1]) < 0.9 * steps:
        codes = pc.dictionary_encode(pa.array(values)).indices.to_numpy(
            zero_copy_only=False).astype(np.int32)
        rising = np.empty(len(codes), dtype=bool)
        rising[0] = True
        top = np.maximum.accumulate(codes)
        np.greater(top[1:], top[:-1], out=rising[1:])
        return codes, np.flatnonzero(rising)
    if steps > 0 and (values[1:] >= values[:-1]).all():  # in order already: no sort
        new = np.ones(len(values), dtype=bool)
        np.not_equal(values[1:], values[:-1], out=new[1:])
        codes = np.cumsum(new, dtype=np.int32)
        codes -= 1
        return codes, np.flatnonzero(new)
    perm = np.argsort(values, kind="stable")
    ordered = values[perm]
    new = np.ones(len(values), dtype=bool)
    np.not_equal(ordered[1:], ordered[:-1], out=new[1:])
    codes = np.empty(len(values), dtype=np.int32)
    codes[perm] = np.cumsum(new) - 1
    return codes, perm[new]


def _clean(words: pa.Array) -> pa.Array:
    """Distinct ids stripped of spreadsheet wrappers; empty becomes missing."""
    words = pc.utf8_trim_whitespace(words)
    if pc.any(pc.or_(pc.starts_with(words, "="), pc.starts_with(words, "'"))).as_py():
        words = pc.replace_substring_regex(words, pattern=r'^="(.*)"$', replacement=r"\1")
        words = pc.utf8_trim_whitespace(
            pc.replace_substring_regex(words, pattern=r"^'", replacement=""))
    return pc.if_else(pc.equal(words, ""), pa.scalar(None, words.type), words)


def clean_text(column) -> pa.Array:
    """Each row's id as the text its category would have (encode): the column's text,
    cleaned; missing where there is none."""
    arr = arrow_of(column)
    if pa.types.is_dictionary(arr.type):
        arr = arr.cast(arr.type.value_type)
    return _clean(text_of(arr))


def _dictionary_codes(arr: pa.Array):
    """(codes, categories, damaged per code) through pyarrow's dictionary encoding, the
    distinct values cleaned (two spellings of one id after cleaning become one code)."""
    enc = arr if pa.types.is_dictionary(arr.type) else pc.dictionary_encode(arr)
    indices = enc.indices.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int32)
    words = _clean(enc.dictionary.cast(pa.large_string()))
    again = pc.dictionary_encode(words)
    remap = again.indices.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int32)
    if (remap == np.arange(len(remap))).all():  # cleaning changed no id
        codes = indices
    else:
        codes = np.where(indices >= 0, np.append(remap, -1)[indices], -1).astype(np.int32)
    damaged = pc.fill_null(pc.match_substring_regex(again.dictionary, DAMAGED_ID),
                           False).to_numpy(zero_copy_only=False)
    return codes, again.dictionary, damaged


# Marks a categories Index known to be in strictly increasing text order (a hint: an Index
# without it is simply examined).
_TEXT_SORTED = "_shopscore_text_sorted"


def text_sorted(categories: pd.Index) -> bool:
    """Whether these categories were made in strictly increasing text order."""
    return getattr(categories, _TEXT_SORTED, False)


def categorical(codes: np.ndarray, categories, sorted_text: bool = False) -> pd.Categorical:
    """A Categorical of codes over distinct text categories, built without hashing them again
    (they are distinct by construction); `sorted_text`: they are in text order."""
    index = pd.Index(pd.array(categories, dtype=pd.StringDtype("pyarrow", na_value=np.nan)))
    if sorted_text:
        setattr(index, _TEXT_SORTED, True)
    maker = getattr(pd.CategoricalDtype, "_from_fastpath", None)
    dtype = maker(index, False) if maker is not None else pd.CategoricalDtype(index)
    return pd.Categorical.from_codes(codes, dtype=dtype, validate=False)


def encode(column) -> tuple[pd.Categorical, np.ndarray]:
    """An id column as a Categorical of its cleaned text, and which rows hold a damaged id."""
    arr = arrow_of(column, combine=False)
    found = None
    if not pa.types.is_dictionary(arr.type):  # else: read as a dictionary (few distinct ids)
        if not (pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type)):
            arr = arr.cast(pa.large_string())
        found = _number_codes(arr)
        if found is None:
            arr = text_of(arr)
    if found is not None:
        codes, words, sorted_text = found
        return categorical(codes, words, sorted_text), np.zeros(len(codes), dtype=bool)
    codes, words, damaged = _dictionary_codes(arr)
    if not damaged.any():
        return categorical(codes, words), np.zeros(len(codes), dtype=bool)
    return categorical(codes, words), np.append(damaged, False)[codes]
