"""The cell parsers, one property at a time, and the fast paths never disagreeing with them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence

import polars as pl
from hypothesis import given
from hypothesis import strategies as st

from opendtm.forms.limits import INTEGER_MAX
from opendtm.forms.queries import form_spec_get
from opendtm.forms.spec import Choice
from opendtm.forms.values import (
    EXCEL_EPOCH,
    cell,
    date_fast,
    date_parse,
    datetime_parse,
    decimal_fast,
    decimal_parse,
    geopoint_parse,
    integer_bounded,
    integer_fast,
    integer_parse,
    select_multiple_parse,
    select_one_fast,
    select_one_parse,
)

INT64 = st.integers(min_value=-(2**63), max_value=2**63 - 1)
DATES = st.dates(min_value=dt.date(1900, 3, 1), max_value=dt.date(9999, 12, 31))
SPACES = st.text(alphabet=" \t\u00a0", max_size=3)
DISEASES = form_spec_get(form_id="dtm_site").choices["diseases"]
NEEDS = form_spec_get(form_id="dtm_site").choices["priority_needs"]


def parse(values: Sequence[str | None], parser: Callable[[pl.Expr], pl.Expr]) -> list[object]:
    frame = pl.DataFrame({"v": list(values)}, schema={"v": pl.Utf8})
    return frame.select(parser(cell("v")).alias("out"))["out"].to_list()


def fast(
    values: Sequence[str | None], parser: Callable[[pl.Expr], tuple[pl.Expr, pl.Expr]]
) -> tuple[list[object], list[bool]]:
    out, suspect = parser(pl.col("v"))
    frame = pl.DataFrame({"v": list(values)}, schema={"v": pl.Utf8})
    result = frame.select(out.alias("out"), suspect.alias("suspect"))
    return result["out"].to_list(), result["suspect"].to_list()


@given(INT64, SPACES, SPACES)
def test_whole_numbers_as_text_or_floats_read_as_integers(n: int, left: str, right: str) -> None:
    texts = [str(n), f"{n}.0", f"{left}{n}{right}", f"{n}.000"]
    assert parse(texts, integer_parse) == [n, n, n, n]


@given(st.floats(allow_nan=False, allow_infinity=False).filter(lambda x: not x.is_integer()))
def test_fractions_are_not_integers(x: float) -> None:
    assert parse([repr(x)], integer_parse) == [None]


def test_integer_refusals() -> None:
    texts = ["12.5", "abc", "1e3", "9223372036854775808", "", "   ", "1 2", "0x1F", None]
    assert parse(texts, integer_parse) == [None] * len(texts)


@given(st.text(max_size=12))
def test_integer_fast_path_agrees_with_the_full_parser(text: str) -> None:
    out, suspect = fast([text], integer_fast)
    if not suspect[0]:
        assert out == parse([text], integer_parse)


@given(st.floats(allow_nan=False, allow_infinity=False, width=64))
def test_decimals_round_trip(x: float) -> None:
    assert parse([repr(x), f" {x!r} "], decimal_parse) == [x, x]


def test_decimal_forms_and_refusals() -> None:
    assert parse(["12,5", ".5", "5.", "-1e3", "+2"], decimal_parse) == [
        12.5,
        0.5,
        5.0,
        -1000.0,
        2.0,
    ]
    refused = ["inf", "nan", "NaN", "-infinity", "1.2.3", "1,2,3", "abc", "", "1e309", "-1e400"]
    assert parse(refused, decimal_parse) == [None] * len(refused)


@given(INT64, st.integers(min_value=0, max_value=INTEGER_MAX))
def test_integers_are_kept_only_within_their_bounds(n: int, maximum: int) -> None:
    frame = pl.DataFrame({"n": [n]}, schema={"n": pl.Int64})
    kept, outside = integer_bounded(pl.col("n"), maximum)
    row = frame.select(kept.alias("kept"), outside.alias("outside")).row(0)
    inside = -INTEGER_MAX <= n <= maximum
    assert row == ((n if inside else None), not inside)


@given(st.text(max_size=12))
def test_decimal_fast_path_agrees_with_the_full_parser(text: str) -> None:
    out, suspect = fast([text], decimal_fast)
    if not suspect[0]:
        assert out == parse([text], decimal_parse)


@given(DATES)
def test_dates_in_every_accepted_form(day: dt.date) -> None:
    serial = (day - EXCEL_EPOCH).days
    texts = [
        day.isoformat(),
        f"{day.isoformat()}T10:15:00+08:00",
        f"{day.isoformat()} 00:00:00",
        day.strftime("%d/%m/%Y"),
        f"{day.day}/{day.month}/{day.year:04d}",
        str(serial),
        f"{serial}.0",
        f"{serial}.75",
    ]
    assert parse(texts, date_parse) == [day] * len(texts)


def test_date_refusals() -> None:
    texts = ["2026-02-30", "31/02/2026", "13/13/2026", "2026/03/02", "March 2", "0", "-5", "abc"]
    assert parse(texts, date_parse) == [None] * len(texts)


@given(st.text(max_size=12))
def test_date_fast_path_agrees_with_the_full_parser(text: str) -> None:
    out, suspect = fast([text], date_fast)
    if not suspect[0]:
        assert out == parse([text], date_parse)


def test_submission_times_become_naive_utc() -> None:
    texts = [
        "2026-03-02T14:05:12",
        "2026-03-02T14:05:12.5Z",
        "2026-03-02 14:05:12",
        "2026-03-02T22:05:12+08:00",
        "x",
    ]
    assert parse(texts, datetime_parse) == [
        dt.datetime(2026, 3, 2, 14, 5, 12),
        dt.datetime(2026, 3, 2, 14, 5, 12, 500000),
        dt.datetime(2026, 3, 2, 14, 5, 12),
        dt.datetime(2026, 3, 2, 14, 5, 12),
        None,
    ]


def scrambled(text: str, draw: st.DrawFn) -> str:
    """The text in random letter case with stray spaces around and between its words."""
    case = "".join(c.upper() if draw(st.booleans()) else c.lower() for c in text)
    gap = draw(st.sampled_from([" ", "  ", "\u00a0", " \t "]))
    return draw(SPACES) + gap.join(case.split(" ")) + draw(SPACES)


@st.composite
def answers(draw: st.DrawFn, choices: tuple[Choice, ...]) -> tuple[str, str]:
    choice = draw(st.sampled_from(choices))
    given_as = draw(st.sampled_from([choice.name, choice.label]))
    return scrambled(given_as, draw), choice.name


@given(answers(NEEDS))
def test_a_choice_given_by_name_or_label_in_any_case_reads_as_its_name(
    answer: tuple[str, str],
) -> None:
    text, name = answer
    assert parse([text], lambda e: select_one_parse(e, NEEDS)) == [name]


@given(answers(NEEDS))
def test_select_one_fast_path_agrees_with_the_full_parser(answer: tuple[str, str]) -> None:
    text, _ = answer
    out, suspect = fast([text], lambda e: select_one_fast(e, tuple(c.name for c in NEEDS)))
    if not suspect[0]:
        assert out == parse([text], lambda e: select_one_parse(e, NEEDS))


def test_unknown_choices_read_as_null() -> None:
    texts = ["typhoon", "food water", "", "Foods"]
    assert parse(texts, lambda e: select_one_parse(e, NEEDS)) == [None] * len(texts)


@st.composite
def selections(draw: st.DrawFn) -> tuple[str, list[str]]:
    picked = draw(st.lists(st.sampled_from(DISEASES), min_size=1, max_size=5))
    words = [scrambled(draw(st.sampled_from([c.name, c.label])), draw) for c in picked]
    text = "".join(word + draw(st.sampled_from([" ", "  ", "\t"])) for word in words)
    return text, list(dict.fromkeys(c.name for c in picked))


@given(selections())
def test_a_multiple_selection_of_names_or_labels_reads_as_names_in_order(
    selection: tuple[str, list[str]],
) -> None:
    text, names = selection
    assert parse([text], lambda e: select_multiple_parse(e, DISEASES)) == [names]


def test_multiple_selection_refusals() -> None:
    texts = ["diarrhoea flu", "skin diseases measle", "respiratory,fever"]
    assert parse(texts, lambda e: select_multiple_parse(e, DISEASES)) == [None] * 3
    assert parse(
        ["Skin diseases Other disease none"], lambda e: select_multiple_parse(e, DISEASES)
    ) == [["skin", "other", "none"]]


def geopoints(texts: Sequence[str | None], *, fast_path: bool) -> list[tuple[object, ...]]:
    frame = pl.DataFrame({"v": list(texts)}, schema={"v": pl.Utf8})
    source = pl.col("v") if fast_path else cell("v")
    stages, numbers, valid, _ = geopoint_parse([source], single=True, fast=fast_path, prefix="g")
    query = frame.lazy()
    for stage in stages:
        query = query.with_columns(stage)
    out = query.select(
        *(pl.when(valid).then(n).alias(f"n{i}") for i, n in enumerate(numbers)), valid.alias("ok")
    ).collect()
    return [tuple(row) for row in out.iter_rows()]


LATS = st.floats(min_value=-90, max_value=90)
LONS = st.floats(min_value=-180, max_value=180)
FINITE = st.floats(allow_nan=False, allow_infinity=False)


@given(LATS, LONS, FINITE, FINITE)
def test_geopoints_in_range_read_exactly(lat: float, lon: float, alt: float, acc: float) -> None:
    texts = [f"{lat!r} {lon!r} {alt!r} {acc!r}", f" {lat!r}  {lon!r} ", f"{lat!r} {lon!r} {alt!r}"]
    assert geopoints(texts, fast_path=False) == [
        (lat, lon, alt, acc, True),
        (lat, lon, None, None, True),
        (lat, lon, alt, None, True),
    ]


@given(st.floats(min_value=90, exclude_min=True, allow_infinity=False), LONS)
def test_a_latitude_beyond_the_pole_is_refused(lat: float, lon: float) -> None:
    assert (
        geopoints([f"{lat!r} {lon!r}", f"{-lat!r} {lon!r}"], fast_path=False)
        == [(None, None, None, None, False)] * 2
    )


def test_geopoint_refusals() -> None:
    texts = ["11.2", "11.2 125 1 2 3", "11.2 200", "abc def", "11.2 125 nan", "11.2,125"]
    assert geopoints(texts, fast_path=False) == [(None, None, None, None, False)] * len(texts)
    assert geopoints(["11,2 125,5"], fast_path=False) == [(11.2, 125.5, None, None, True)]


@given(st.text(alphabet="0123456789. -+eainf", max_size=20))
def test_geopoint_fast_path_agrees_with_the_full_parser(text: str) -> None:
    fast_rows = geopoints([text], fast_path=True)
    if fast_rows[0][-1]:
        assert fast_rows == geopoints([text], fast_path=False)
