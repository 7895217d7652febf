"""Every matching rule on the spellings real lists carry, with exact expected rows: "St." for
"Saint", hyphens and spaces, apostrophes, abbreviations ("Grd"), truncated names, accents,
bracketed former names, Roman numerals, names and parents in another loaded language, and the
guards that keep near misses from becoming confident wrong answers."""

from __future__ import annotations

import string
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from opendtm.gazetteer.matching import names_match
from opendtm.gazetteer.names import (
    ABBREVIATIONS,
    canonical_key,
    canonical_words,
    cut_short,
    name_signature,
)

pytestmark = pytest.mark.django_db

Row = tuple[str, str, int, str, list[tuple[str, int]]]


@pytest.fixture
def gazetteer(load: Callable[..., Any]) -> None:
    load("hti_names.csv", country_iso3="HTI")


def match(names: list[tuple[str, str | None]]) -> list[tuple[object, ...]]:
    return [
        (
            m.pcode,
            m.matched_name,
            m.score,
            m.status.value,
            m.rule,
            [(c.pcode, c.score) for c in m.candidates],
        )
        for m in names_match(country_iso3="HTI", names=names, level=2)
    ]


@pytest.mark.parametrize(
    ("sent", "parent", "expected"),
    [
        # "St." / "Ste" for Saint / Sainte, "Grd" for Grand: abbreviations written out.
        (
            "St-Marc",
            "Nord",
            ("HT0311", "Saint-Marc", 99, "matched", "abbreviation", [("HT0311", 99)]),
        ),
        (
            "Ste Suzanne",
            None,
            ("HT0313", "Sainte-Suzanne", 99, "matched", "abbreviation", [("HT0313", 99)]),
        ),
        (
            "Grd-Goave",
            "Ouest",
            ("HT0113", "Grand-Goâve", 99, "matched", "abbreviation", [("HT0113", 99)]),
        ),
        # Hyphens against spaces, apostrophes, accents, case: the same name; the parent may be
        # named in any loaded language (Haitian Creole, French) or by its P-code.
        (
            "Port au Prince",
            "Lwès",
            ("HT0111", "Port-au-Prince", 100, "exact", "name", [("HT0111", 100)]),
        ),
        (
            "Anse d'Hainault",
            "Grand Anse",
            ("HT0812", "Anse-d'Hainault", 100, "exact", "name", [("HT0812", 100)]),
        ),
        (
            "ANSE DHAINAULT",
            None,
            ("HT0812", "Anse-d'Hainault", 100, "exact", "name", [("HT0812", 100)]),
        ),
        ("Jeremie", "Grandans", ("HT0811", "Jérémie", 100, "exact", "name", [("HT0811", 100)])),
        (
            "Cap Haitien",
            "ht 03",
            ("HT0312", "Cap-Haïtien", 100, "exact", "name", [("HT0312", 100)]),
        ),
        # A bracketed former name, and the name without its bracket.
        (
            "Mole",
            "Grand'Anse",
            ("HT0813", "Môle Saint-Nicolas (Môle)", 100, "exact", "name", [("HT0813", 100)]),
        ),
        (
            "Môle Saint-Nicolas",
            None,
            ("HT0813", "Môle Saint-Nicolas (Môle)", 100, "exact", "name", [("HT0813", 100)]),
        ),
        # Roman numerals after the first word read as numbers.
        (
            "Petite Riviere 2",
            "Grandans",
            ("HT0815", "Petite Rivière II", 99, "matched", "abbreviation", [("HT0815", 99)]),
        ),
        # A name cut short inside a word, long enough to be read as the start of another.
        (
            "Croix-des-Bouq",
            "Ouest",
            ("HT0114", "Croix-des-Bouquets", 95, "matched", "truncation", [("HT0114", 95)]),
        ),
        # ... but cut at a word boundary, or short, it is not guessed.
        ("Croix des", "Ouest", ("", "", 0, "none", "", [])),
        # Two units go on the same way: ambiguous, both listed.
        (
            "Sainte-Anne d",
            "Nord",
            ("", "", 95, "ambiguous", "truncation", [("HT0320", 95), ("HT0321", 95)]),
        ),
        # A slip of the keyboard, with the same distinguishing word: matched.
        (
            "Plaisanse Nord",
            "Nord",
            ("HT0314", "Plaisance Nord", 93, "matched", "fuzzy", [("HT0314", 93)]),
        ),
        # Another compass point, another number: another place, listed but never chosen.
        ("Cabuaan Este", "Nord", ("", "", 96, "none", "", [("HT0318", 96)])),
        ("Section 676", "Nord", ("", "", 91, "none", "", [("HT0319", 91)])),
        ("Plaisance Est", "Nord", ("", "", 74, "none", "", [("HT0314", 74)])),
        # A name that exists elsewhere is not bent to a neighbour's under the wrong parent.
        ("Corail", "Nord", ("", "", 92, "none", "", [("HT0316", 92)])),
        ("Corail", "Grandans", ("HT0817", "Corail", 100, "exact", "name", [("HT0817", 100)])),
        # An unknown parent: suggestions only.
        ("Jérémie", "Atlantis", ("", "", 100, "none", "", [("HT0811", 100)])),
    ],
)
def test_matching_rules(gazetteer: None, sent: str, parent: str | None, expected: Row) -> None:
    assert match([(sent, parent)]) == [expected]


def test_names_in_another_language_at_the_level_itself(gazetteer: None) -> None:
    found = names_match(
        country_iso3="HTI", names=[("Lwes", None), ("Nord", None), ("Grandans", None)], level=1
    )
    assert [(m.pcode, m.matched_name, m.status.value) for m in found] == [
        ("HT01", "West", "exact"),
        ("HT03", "North", "exact"),
        ("HT08", "Grand'Anse", "exact"),
    ]


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("Sto. Niño", "santo nino"),
        ("St-Marc", "saint marc"),
        ("Grd'Anse", "grand anse"),
        ("Brgy. 1 (Pob.)", "barangay 1 poblacion"),
        ("Poblacion IV", "poblacion 4"),
        ("I-Tbayat", "i tbayat"),  # a first word is never a numeral
        ("Gen. Trias", "general trias"),
        ("Negros Occ.", "negros occidental"),
        ("Stone", "stone"),  # abbreviations are whole words only
    ],
)
def test_canonical_words(name: str, words: str) -> None:
    assert canonical_words(name) == words


def test_signatures_and_cut_names() -> None:
    assert name_signature("cabuaan este") == ("este",)
    assert name_signature("barangay 576 poblacion") == ("576", "poblacion")
    assert name_signature("san jose") == ()
    assert cut_short("Basco (Santo Dom")
    assert not cut_short("Basco (Santo Domingo)")


names_text = st.text(alphabet=string.ascii_letters + "ñÑéÉàüçôøß0123456789 -'.,()", max_size=40)


@given(names_text)
def test_canonical_forms_are_stable(name: str) -> None:
    words = canonical_words(name)
    assert canonical_words(words) == words
    assert canonical_key(name) == words.replace(" ", "")
    assert name_signature(words) == tuple(sorted(name_signature(words)))


@given(names_text, st.sampled_from(sorted(ABBREVIATIONS)))
def test_an_abbreviation_and_its_word_read_the_same(name: str, short: str) -> None:
    assert canonical_key(f"{name} {short}.") == canonical_key(f"{name} {ABBREVIATIONS[short]}")
