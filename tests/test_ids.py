"""Id coding (scoring/ids.py): the fast number paths give exactly what plain text coding gives."""

import re

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from shopscore.scoring.engine import ids


def cleaned(value):
    """The id as the loader must see it, written from the docstring of scoring/ids.py."""
    if value is None:
        return None
    text = value.strip()
    text = re.sub(r'^="(.*)"$', r"\1", text)
    text = re.sub(r"^'", "", text).strip()
    return text or None


def decoded(values):
    coded, damaged = ids.encode(pd.Series(values, dtype="object"))
    cats = list(coded.categories)
    assert len(set(cats)) == len(cats)  # distinct categories: one code per id
    return [None if c < 0 else cats[c] for c in coded.codes], list(damaged)


number = st.integers(0, 9_223_372_036_854_775_807).map(str)
padded = st.integers(0, 999).map(lambda n: f"{n:05d}")  # leading zeros: text, not a number
prefixed = st.tuples(st.sampled_from(["tb", "t_", "O", "shop-"]), number).map("".join)
wrapped = number.map(lambda s: f'="{s}"') | number.map(lambda s: f"'{s}") | number.map(
    lambda s: f" {s}\t")
odd = st.sampled_from(["", " ", "+7", "-7", "7", "07", "1.23457E+18", "1e5", "abc", "买家甲"])
an_id = st.one_of(number, padded, prefixed, wrapped, odd, st.none())


@settings(max_examples=300, deadline=None)
@given(st.lists(an_id, max_size=40) | st.lists(number | st.none(), max_size=40)
       | st.lists(prefixed, max_size=40))
def test_codes_decode_to_the_cleaned_text(values):
    got, damaged = decoded(values)
    assert got == [cleaned(v) for v in values]
    assert damaged == [bool(v is not None and cleaned(v) is not None and re.match(
        ids.DAMAGED_ID, cleaned(v))) for v in values]


def test_plain_numbers_and_prefixed_numbers_keep_their_text():
    values = ["3012000000876561521", "9", "10", "9", None, "9223372036854775807", "0"]
    assert decoded(values)[0] == values
    values = ["tb983634972", "tb7", "tb983634972"]
    assert decoded(values)[0] == values


def test_texts_a_number_would_merge_stay_apart():
    # "7", "07", "+7" and " 7" are the same number but not the same id (the last is "7").
    got, _ = decoded(["7", "07", "+7", " 7", "tb7", "tb07"])
    assert got == ["7", "07", "+7", "7", "tb7", "tb07"]
    coded, _ = ids.encode(pd.Series(["7", "07", "+7", " 7"], dtype="object"))
    assert list(coded.codes) == [0, 1, 2, 0]


def test_unordered_and_ordered_columns_code_alike():
    ordered = [str(n) for n in range(100, 200)] * 2
    shuffled = ordered[::7] + ordered[1::7] + ordered[2::7]
    for values in (sorted(ordered), shuffled):
        assert decoded(values)[0] == values


fixed_length = st.integers(10**8, 10**9 - 1).map(str)  # one length: text order = number order


@settings(max_examples=200, deadline=None)
@given(st.lists(an_id, max_size=40) | st.lists(fixed_length | st.none(), max_size=40)
       | st.lists(fixed_length.map("tb".__add__), max_size=40))
def test_categories_said_to_be_in_text_order_are(values):
    # The hint lets the rules' tie-breaks skip the text: it must never be given wrongly.
    coded, _ = ids.encode(pd.Series(values, dtype="object"))
    cats = list(coded.categories)
    if ids.text_sorted(coded.categories):
        assert cats == sorted(cats) and len(set(cats)) == len(cats)


def test_number_ids_of_one_length_are_in_text_order_and_of_mixed_lengths_not():
    same, _ = ids.encode(pd.Series(["100", "100", "200", "300"], dtype="object"))  # in order
    assert ids.text_sorted(same.categories) and list(same.categories) == ["100", "200", "300"]
    nearly = [str(n) for n in range(100, 120)]
    nearly[5], nearly[6] = nearly[6], nearly[5]  # one step back: sorted by number, not hashed
    coded, _ = ids.encode(pd.Series(nearly, dtype="object"))
    assert ids.text_sorted(coded.categories) and list(coded.categories) == sorted(nearly)
    mixed, _ = ids.encode(pd.Series(["9", "10"], dtype="object"))  # "10" < "9" as text
    assert not ids.text_sorted(mixed.categories)
