"""Name -> P-code suggestions: accent/case/punctuation-blind, parent-restricted, never a silent
pick among equals."""

from __future__ import annotations

import string
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from opendtm.core.errors import InvalidInput
from opendtm.gazetteer.choices import MatchStatus
from opendtm.gazetteer.matching import (
    Candidate,
    match_file,
    name_key,
    name_parts,
    name_words,
    names_match,
)
from tests.gazetteer.conftest import FIXTURES

LETTERS = string.ascii_letters + "ñÑéÉàüÜçÇôøåß"
names_text = st.text(alphabet=LETTERS + string.digits + " -'.,()/&", max_size=30)
separators = st.sampled_from([" ", "-", "'", ".", ",", "  ", " - ", "/", "_"])


@given(st.text())
def test_name_key_is_lower_ascii_alphanumeric_and_idempotent(text: str) -> None:
    key = name_key(text)
    assert all(c in string.ascii_lowercase + string.digits for c in key)
    assert name_key(key) == key


@given(names_text)
def test_name_key_ignores_case_and_accents(text: str) -> None:
    assert name_key(text.upper()) == name_key(text.lower()) == name_key(text)


@given(names_text, separators, names_text)
def test_name_key_ignores_punctuation_hyphens_and_spaces(left: str, sep: str, right: str) -> None:
    assert name_key(left + sep + right) == name_key(left + right)


@given(st.text())
def test_name_words_agree_with_the_key(text: str) -> None:
    words = name_words(text)
    assert name_words(words) == words
    assert name_key(words) == name_key(text)
    assert "  " not in words and words == words.strip()


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("Las Piñas", "laspinas"),
        ("LAPU-LAPU", "lapulapu"),
        ("Lapu Lapu", "lapulapu"),
        ("Santo Niño (Faire)", "santoninofaire"),
        ("  d'Ávila ", "davila"),
    ],
)
def test_name_key_examples(name: str, key: str) -> None:
    assert name_key(name) == key


def test_name_parts_of_brackets_and_city_of() -> None:
    assert name_parts("Samar (Western Samar)") == (
        ["Samar (Western Samar)", "Samar"],
        ["Western Samar"],
    )
    assert name_parts("City of Batac") == (
        ["City of Batac", "City of Batac", "Batac City"],
        ["Batac"],
    )


def _match(names: list[tuple[str, str | None]], level: int = 3) -> list[tuple[object, ...]]:
    return [
        (
            m.pcode,
            m.matched_name,
            m.score,
            m.status.value,
            [(c.pcode, c.score) for c in m.candidates],
        )
        for m in names_match(country_iso3="PHL", names=names, level=level)
    ]


@pytest.mark.django_db
def test_statuses_on_the_hand_made_gazetteer(load: Callable[..., Any]) -> None:
    load("wide.csv")
    assert _match(
        [
            ("adams", "Ilocos Norte"),  # exact despite case, parent by name
            ("BACARRA", "PH01028"),  # exact, parent by P-code
            ("Alilém", "ph 01029"),  # accent ignored, parent code in any form
            ("Bacara", None),  # one typo: matched
            ("Basko", "Batanes"),  # too far: none, with the candidate shown
            ("Nowhere", None),
            ("Adams", "Batanes"),  # exists, but not under this parent
            ("Adams", "Atlantis"),  # unknown parent: suggestions only
        ]
    ) == [
        ("PH0102801", "Adams", 100, "exact", [("PH0102801", 100)]),
        ("PH0102802", "Bacarra", 100, "exact", [("PH0102802", 100)]),
        ("PH0102901", "Alilem", 100, "exact", [("PH0102901", 100)]),
        ("PH0102802", "Bacarra", 92, "matched", [("PH0102802", 92)]),
        ("", "", 80, "none", [("PH0200901", 80)]),
        ("", "", 0, "none", []),
        ("", "", 0, "none", []),
        ("", "", 100, "none", [("PH0102801", 100)]),
    ]


@pytest.mark.django_db
def test_two_same_names_in_one_province_are_ambiguous(
    load: Callable[..., Any], tmp_path: Path
) -> None:
    path = tmp_path / "isidro.csv"
    path.write_text(
        "adm1_pcode,adm1_name,adm2_pcode,adm2_name,adm3_pcode,adm3_name\n"
        "PH03,Central Luzon,PH03049,Nueva Ecija,PH0304901,San Isidro\n"
        "PH03,Central Luzon,PH03049,Nueva Ecija,PH0304902,San Isidro\n"
        "PH03,Central Luzon,PH03049,Nueva Ecija,PH0304903,San Isidoro\n"
        "PH03,Central Luzon,PH03054,Pampanga,PH0305401,San Isidro\n"
    )
    load(path)
    matches = names_match(
        country_iso3="PHL",
        names=[
            ("San Isidro", "Nueva Ecija"),
            ("san-isidro", "Pampanga"),
            ("San Isidrro", "PH03049"),
        ],
        level=3,
    )
    assert [(m.pcode, m.status) for m in matches] == [
        ("", MatchStatus.AMBIGUOUS),
        ("PH0305401", MatchStatus.EXACT),
        ("", MatchStatus.AMBIGUOUS),
    ]
    assert matches[0].candidates == (
        Candidate("PH0304901", "San Isidro", 100),
        Candidate("PH0304902", "San Isidro", 100),
    )
    assert [c.pcode for c in matches[2].candidates] == ["PH0304901", "PH0304902", "PH0304903"]


@pytest.mark.django_db
def test_bracketed_and_former_names(load: Callable[..., Any], tmp_path: Path) -> None:
    load("wide_v2.csv")
    assert _match(
        [("Santo Domingo", "Batanes"), ("Basco", None), ("Basco (Santo Domingo)", None)]
    ) == [
        ("PH0200901", "Basco (Santo Domingo)", 100, "exact", [("PH0200901", 100)]),
        ("PH0200901", "Basco (Santo Domingo)", 100, "exact", [("PH0200901", 100)]),
        ("PH0200901", "Basco (Santo Domingo)", 100, "exact", [("PH0200901", 100)]),
    ]


@pytest.mark.django_db
def test_level_without_units_is_refused(load: Callable[..., Any]) -> None:
    load("wide.csv")
    with pytest.raises(InvalidInput, match="No level-4 units are loaded for PHL"):
        names_match(country_iso3="PHL", names=[("Adams", None)], level=4)
    with pytest.raises(InvalidInput, match="Level 7 is not between 1 and 4"):
        names_match(country_iso3="PHL", names=[("Adams", None)], level=7)


@pytest.mark.django_db
def test_match_file_keeps_every_column_and_adds_five(load: Callable[..., Any]) -> None:
    load("wide.csv")
    frame = match_file(
        path=FIXTURES / "names.csv",
        country_iso3="PHL",
        level=3,
        name_column="place",
        parent_column="province",
    )
    assert frame.columns == [
        "id",
        "place",
        "province",
        "pcode",
        "matched_name",
        "score",
        "status",
        "candidates",
    ]
    assert frame.select("id", "pcode", "status", "candidates").rows() == [
        ("1", "PH0102801", "exact", "PH0102801 Adams (100)"),
        ("2", "PH0102802", "exact", "PH0102802 Bacarra (100)"),
        ("3", "PH0102901", "exact", "PH0102901 Alilem (100)"),
        ("4", "", "none", "PH0200901 Basco (80)"),
        ("5", "PH0200905", "exact", "PH0200905 Sabtang (100)"),
        ("6", "", "none", ""),
        ("7", "", "none", ""),
        ("8", "", "none", "PH0102801 Adams (100)"),
    ]


@pytest.mark.django_db
def test_match_file_unknown_column(load: Callable[..., Any]) -> None:
    load("wide.csv")
    with pytest.raises(InvalidInput) as refused:
        match_file(path=FIXTURES / "names.csv", country_iso3="PHL", level=3, name_column="Place")
    assert str(refused.value) == (
        "names.csv: no column 'Place'; columns are: id, place, province. Give the exact column "
        "name with --name-column / --parent-column."
    )
