"""The command-line value parsers every command uses: strict dates, whole and decimal numbers."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from opendtm.cli.options import date_parse, float_parse, int_parse
from opendtm.core.errors import InvalidInput


@given(st.dates(), st.sampled_from(["", " ", "\t"]))
def test_date_parse_reads_every_iso_date(day: dt.date, pad: str) -> None:
    assert date_parse(f"{pad}{day.isoformat()}{pad}", option="--on") == day


@given(st.text(max_size=12))
def test_date_parse_refuses_anything_else(text: str) -> None:
    try:
        parsed = date_parse(text, option="--on")
    except InvalidInput as exc:
        assert exc.message == f"--on {text!r} is not a date in the form YYYY-MM-DD."
        assert exc.hint == "For example 2026-01-31."
    else:
        assert parsed.isoformat() == text.strip()


@given(st.dates())
def test_date_parse_refuses_digits_of_other_scripts(day: dt.date) -> None:
    arabic = day.isoformat().translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
    with pytest.raises(InvalidInput, match="is not a date in the form YYYY-MM-DD"):
        date_parse(arabic, option="--on")


@pytest.mark.parametrize(
    "text",
    ["2026-1-05", "20260105", "2026-01-05T00:00", "05/01/2026", "", "2026-02-30", "2026-13-01"],
)
def test_date_parse_is_strict(text: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        date_parse(text, option="--start")
    assert str(caught.value) == (
        f"--start {text!r} is not a date in the form YYYY-MM-DD. For example 2026-01-31."
    )


@given(st.integers(min_value=-(10**18) + 1, max_value=10**18 - 1))
def test_int_parse_reads_every_whole_number(n: int) -> None:
    assert int_parse(f" {n} ", option="--number") == n


def test_int_parse_refuses_a_number_no_database_integer_holds() -> None:
    with pytest.raises(InvalidInput) as caught:
        int_parse("9" * 19, option="--number")
    assert caught.value.message == f"--number {'9' * 19!r} is not a whole number."


@pytest.mark.parametrize("text", ["", "1.0", "one", "1e3", "٣", "+"])
def test_int_parse_refuses_anything_else(text: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        int_parse(text, option="--number")
    assert caught.value.message == f"--number {text!r} is not a whole number."


def test_float_parse_reads_decimals_and_leaves_a_missing_option_out() -> None:
    assert float_parse(" 14.25 ", option="--latitude") == 14.25
    assert float_parse(None, option="--latitude") is None
    with pytest.raises(InvalidInput) as caught:
        float_parse("north", option="--latitude")
    assert caught.value.message == "--latitude 'north' is not a decimal number."
