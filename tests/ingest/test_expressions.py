"""The XLSForm expression subset, translated into Polars and evaluated on a frame."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from opendtm.ingest.expressions import Untranslatable, conjuncts, translate

FRAME = pl.DataFrame(
    {
        "hh": pl.Series([2, 5, None], dtype=pl.Int64),
        "ind": pl.Series([10, 3, 4], dtype=pl.Int64),
        "code": pl.Series(["PH01", "ph01", None], dtype=pl.Utf8),
        "need": pl.Series(["food", "water", None], dtype=pl.Utf8),
        "diseases": pl.Series([["none"], ["none", "fever"], []], dtype=pl.List(pl.Utf8)),
        "day": pl.Series([dt.date(2020, 1, 1), dt.date(2999, 1, 1), None], dtype=pl.Date),
        "flag": pl.Series(["yes", "no", None], dtype=pl.Utf8),
    }
)


def evaluate(text: str, current: str) -> list[bool | None]:
    expr = translate(text, current=current, schema=dict(FRAME.schema))
    return FRAME.select(expr.alias("x")).get_column("x").to_list()


@pytest.mark.parametrize(
    ("text", "current", "expected"),
    [
        (". >= ${hh}", "ind", [True, False, None]),
        (". >= ${hh} and . <= 15 * ${hh}", "ind", [True, False, None]),
        (". >= coalesce(${hh}, 0)", "ind", [True, False, True]),
        ("regex(., '^[A-Z]{2}[0-9]+$')", "code", [True, False, None]),
        ("not(selected(., 'none') and count-selected(.) > 1)", "diseases", [True, False, True]),
        (". != 'food'", "need", [False, True, None]),
        ("${flag} = 'yes'", "hh", [True, False, None]),
        (". <= today()", "day", [True, False, None]),
        ("string-length(.) > 3", "code", [True, True, None]),
        ("starts-with(., 'PH')", "code", [True, False, None]),
        ("(. + 1) mod 2 = 1", "hh", [True, False, None]),
        (". div 2 = 1 or . = 5", "hh", [True, True, None]),
        ("-. < 0", "ind", [True, True, True]),
    ],
)
def test_translate(text: str, current: str, expected: list[bool | None]) -> None:
    assert evaluate(text, current) == expected


@pytest.mark.parametrize(
    "text",
    ["sum(../../origins/origin_ind) <= 3", "pulldata('x', 'y')", ". > ${unknown}", ". >"],
)
def test_untranslatable(text: str) -> None:
    with pytest.raises(Untranslatable):
        translate(text, current="ind", schema=dict(FRAME.schema))


def test_conjuncts_split_top_level_and_only() -> None:
    assert conjuncts(". >= 0 and not(a and b) and regex(., 'and')") == [
        ". >= 0",
        "not(a and b)",
        "regex(., 'and')",
    ]


@given(
    a=st.lists(st.integers(-1000, 1000) | st.none(), min_size=1, max_size=30),
    k=st.integers(-50, 50),
    op=st.sampled_from(["<", "<=", ">", ">=", "=", "!="]),
)
def test_comparisons_match_python(a: list[int | None], k: int, op: str) -> None:
    frame = pl.DataFrame({"v": pl.Series(a, dtype=pl.Int64)})
    expr = translate(f". {op} {k}", current="v", schema=dict(frame.schema))
    got = frame.select(expr.alias("x")).get_column("x").to_list()
    ops = {
        "<": lambda x: x < k,
        "<=": lambda x: x <= k,
        ">": lambda x: x > k,
        ">=": lambda x: x >= k,
        "=": lambda x: x == k,
        "!=": lambda x: x != k,
    }
    assert got == [None if x is None else ops[op](x) for x in a]


GENERAL = "hh does not meet a condition the form sets on it"


@pytest.mark.parametrize(
    ("part", "words"),
    [
        (". >= 0", "hh must be at least 0"),
        (". <= 1000000", "hh must be at most 1,000,000"),
        (". >= ${ind}", "hh must be at least ind"),
        (". <= 15 * ${ind}", "hh must be at most 15 * ind"),
        ("coalesce(${a}, 0) + coalesce(${b}, 0) + . = ${ind}", "a + b + hh must equal ind"),
        (". <= today()", "hh cannot be after today"),
        ("regex(., '^[A-Z]{2}[0-9A-Z]+$')", "hh is not written the way the form expects"),
        ("starts-with(., ${adm1_pcode})", "hh must start with adm1_pcode"),
        ("string-length(.) > string-length(${a})", "the length of hh must be more than the "
         "length of a"),
        (". != ${need}", "hh must differ from need"),
        ("not(selected(., 'none') and count-selected(.) > 1)", GENERAL),
        ("sum(../../origins/origin_ind) <= 3", GENERAL),
        (". > 0 or . < -5", GENERAL),
    ],
)  # fmt: skip
def test_a_constraint_part_in_words_never_as_an_expression(part: str, words: str) -> None:
    from opendtm.ingest.expressions import describe

    said = describe(part, current="hh")
    assert said == words
    assert "${" not in said and "coalesce" not in said and "(" not in said


def test_a_relevance_condition_in_words_or_none() -> None:
    from opendtm.ingest.expressions import condition_words

    assert condition_words("${idp_present} = 'yes'", current="x") == "idp_present is 'yes'"
    assert condition_words("selected(${needs}, 'food')", current="x") == "needs includes 'food'"
    assert condition_words("${a} = 'yes' and ${b} > 0", current="x") is None
