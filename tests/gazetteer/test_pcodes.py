"""P-code normalisation and the Philippine derivation from PSGC codes (docs/domain.md §5)."""

from __future__ import annotations

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from opendtm.gazetteer.pcodes import (
    correspondence_code,
    pcode_forms,
    pcode_normalise,
    pcode_normalise_expr,
    psgc_pcode,
)

SPACES = [" ", "\t", "\n", "\r", "\u00a0", "\u2009", "\u202f", "\u3000", "\ufeff", "\u200b"]
code_text = st.text(alphabet=st.sampled_from("PHph0123456789-_."), max_size=14)
spaces = st.lists(st.sampled_from(SPACES), max_size=3).map("".join)


@pytest.mark.parametrize(
    ("sent", "normal"),
    [
        ("PH0102801001", "PH0102801001"),
        (" ph0102801001 ", "PH0102801001"),
        ("PH 01 028", "PH01028"),
        ("\u00a0ph01028\t", "PH01028"),
        ("\ufeffPH01", "PH01"),
        ("0102801001", "0102801001"),
        ("", ""),
        (None, ""),
    ],
)
def test_pcode_normalise_examples(sent: str | None, normal: str) -> None:
    assert pcode_normalise(sent) == normal


@given(st.text())
def test_pcode_normalise_is_idempotent_upper_and_spaceless(text: str) -> None:
    once = pcode_normalise(text)
    assert pcode_normalise(once) == once
    assert once == once.upper()
    assert not any(c in once for c in SPACES)


@given(code_text, spaces, spaces, spaces)
def test_spaces_anywhere_and_case_do_not_change_a_code(
    code: str, before: str, inside: str, after: str
) -> None:
    half = len(code) // 2
    sent = before + code[:half].lower() + inside + code[half:] + after
    assert pcode_normalise(sent) == code.upper()


@given(st.lists(st.text(), max_size=20))
def test_polars_expression_agrees_with_the_python_function(texts: list[str]) -> None:
    frame = pl.DataFrame({"code": texts}, schema={"code": pl.Utf8})
    normalised = frame.select(pcode_normalise_expr("code"))["code"].to_list()
    assert normalised == [pcode_normalise(t) or None for t in texts]


@pytest.mark.parametrize(
    ("psgc", "level", "pcode"),
    [
        ("0102801001", 1, "PH01"),
        ("0102801001", 2, "PH01028"),
        ("0102801001", 3, "PH0102801"),
        ("0102801001", 4, "PH0102801001"),
        ("1300000000", 1, "PH13"),
        ("1300000000", 2, "PH13000"),  # NCR's pseudo-province shares the region's PSGC code
        ("0330199999", 2, "PH03301"),  # pseudo-province of the independent City of Angeles
        ("1380600000", 3, "PH1380600"),  # City of Manila
        ("1380601000", 3, "PH1380601"),  # its sub-municipality Tondo I/II
    ],
)
def test_psgc_pcode(psgc: str, level: int, pcode: str) -> None:
    assert psgc_pcode(psgc, level) == pcode


@pytest.mark.parametrize("bad", ["010280100", "01028010011", "PH01028010", "01028O1001"])
def test_psgc_pcode_refuses_what_is_not_a_psgc_code(bad: str) -> None:
    with pytest.raises(ValueError, match="is not a 10-digit PSGC code"):
        psgc_pcode(bad, 4)


def test_correspondence_code_gets_the_country_prefix() -> None:
    assert correspondence_code("012801001") == "PH012801001"
    with pytest.raises(ValueError, match="9-digit"):
        correspondence_code("0102801001")


@pytest.mark.parametrize(
    ("code", "forms"),
    [
        ("PH0102801001", ["PH0102801001", "0102801001"]),
        ("0102801001", ["0102801001", "PH0102801001"]),
        ("012801001", ["012801001", "PH012801001"]),
        ("PH", ["PH", "PHPH"]),
        ("", []),
    ],
)
def test_pcode_forms_try_with_and_without_the_prefix(code: str, forms: list[str]) -> None:
    assert pcode_forms(code, iso2="PH") == forms
