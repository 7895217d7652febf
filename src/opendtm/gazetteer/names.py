"""How place names are compared: the forms a name is reduced to before matching.

- `name_key`: lower-case ASCII letters and digits only, so accents, case, punctuation,
  apostrophes, hyphens and spaces do not count ("Lapu-Lapu" == "LAPU LAPU", "Las Piñas" ==
  "las pinas", "Grand'Anse" == "Grand Anse");
- `name_parts`: a bracketed part is also a name on its own ("Samar (Western Samar)" is "Samar"
  and "Western Samar"), and "City of X" is also "X City" and "X";
- `canonical_words`: each word as its full form: the abbreviations real lists carry ("St." for
  "Saint", "Sto." for "Santo", "Grd" for "Grand", "Gen." for "General", "Pob." for "Poblacion",
  ...) and Roman numerals after the first word ("Poblacion II" == "Poblacion 2");
- `name_signature`: the words that tell neighbouring places apart (numbers, compass points,
  upper/lower, old/new, ...): "Cabuaan Este" and "Cabuaan Oeste", "Barangay 576" and
  "Barangay 676" are different places however close their spelling, so a fuzzy match needs the
  same signature.
"""

from __future__ import annotations

import re
from functools import lru_cache

from unidecode import unidecode

_NOT_ALNUM = re.compile(r"[^a-z0-9]+")
_BRACKET = re.compile(r"[\(\[]([^\)\]]*)[\)\]]")
_OPEN_BRACKET = re.compile(r"[\(\[][^\)\]]*$")
_CITY_OF = re.compile(r"^city\s+of\s+(.+)$", re.IGNORECASE)

# Abbreviation -> full word, as place-name lists write them (English, French, Spanish and
# Philippine usage). A word is replaced only when it stands alone ("st", not "stone").
ABBREVIATIONS: dict[str, str] = {
    "st": "saint",
    "ste": "sainte",
    "sto": "santo",
    "sta": "santa",
    "sn": "san",
    "mt": "mount",
    "mte": "monte",
    "ft": "fort",
    "grd": "grand",
    "gd": "grand",
    "gde": "grande",
    "gen": "general",
    "gral": "general",
    "pres": "president",
    "pdte": "presidente",
    "pob": "poblacion",
    "brgy": "barangay",
    "bgy": "barangay",
    "occ": "occidental",
    "or": "oriental",
    "ori": "oriental",
    "dist": "district",
    "hts": "heights",
    "subd": "subdivision",
    "ext": "extension",
    "sr": "senor",
    "sra": "senora",
    "nstra": "nuestra",
}
ROMAN: dict[str, str] = {
    numeral: str(value)
    for value, numeral in enumerate(
        [
            "i",
            "ii",
            "iii",
            "iv",
            "v",
            "vi",
            "vii",
            "viii",
            "ix",
            "x",
            "xi",
            "xii",
            "xiii",
            "xiv",
            "xv",
            "xvi",
            "xvii",
            "xviii",
            "xix",
            "xx",
        ],
        start=1,
    )
}


# Words that set a place apart from a neighbour of almost the same name (English, Spanish,
# French, Filipino).
# fmt: off
DISTINGUISHING = frozenset({
    "north", "south", "east", "west", "northern", "southern", "eastern", "western",
    "northeast", "northwest", "southeast", "southwest", "norte", "sur", "este", "oeste",
    "nord", "sud", "est", "ouest", "oriental", "occidental", "orientale",
    "upper", "lower", "central", "centro", "proper", "poblacion", "interior", "exterior",
    "ibaba", "ilaya", "itaas", "ilalim", "silangan", "kanluran", "hilaga", "timog",
    "old", "new", "nuevo", "nueva", "viejo", "vieja", "vieux", "nouveau", "nouvelle",
    "haut", "bas", "annex", "extension", "little", "big", "grande", "chico", "chica", "pequeno",
})
# fmt: on


@lru_cache(maxsize=200_000)
def name_words(name: str) -> str:
    """A name as lower-case ASCII words: accents transliterated, punctuation as spaces."""
    return _NOT_ALNUM.sub(" ", unidecode(name or "").lower()).strip()


@lru_cache(maxsize=200_000)
def name_key(name: str) -> str:
    """The form names are compared in: `name_words` without any space ("Lapu-Lapu" ==
    "lapulapu" == "LAPU LAPU", "Las Piñas" == "las pinas")."""
    return _NOT_ALNUM.sub("", unidecode(name or "").lower())


@lru_cache(maxsize=200_000)
def canonical_words(name: str) -> str:
    """`name_words` with each abbreviation written out and Roman numerals (after the first
    word) as digits: "Sto. Niño" -> "santo nino", "Poblacion II" -> "poblacion 2"."""
    words = [ABBREVIATIONS.get(word, word) for word in name_words(name).split()]
    return " ".join(ROMAN.get(word, word) if i else word for i, word in enumerate(words))


@lru_cache(maxsize=200_000)
def canonical_key(name: str) -> str:
    """`canonical_words` without spaces."""
    return canonical_words(name).replace(" ", "")


def name_parts(name: str) -> tuple[list[str], list[str]]:
    """(forms of the whole name, partial names) of a name.

    Whole forms: the name, the name without its bracketed parts, and "X City" for "City of X".
    Partial names: each bracketed part (often a former name) and the X of "City of X".
    """
    name = name or ""
    outside = _BRACKET.sub(" ", name).strip()
    whole = [name, outside]
    parts = _BRACKET.findall(name)
    if city := _CITY_OF.match(outside):
        whole.append(f"{city.group(1)} City")
        parts.append(city.group(1))
    return whole, parts


def cut_short(name: str) -> bool:
    """True when a name looks truncated: a bracket opened and never closed."""
    return bool(_OPEN_BRACKET.search(name or ""))


@lru_cache(maxsize=200_000)
def name_signature(words: str) -> tuple[str, ...]:
    """The distinguishing words (DISTINGUISHING, and numbers) of `canonical_words` output,
    sorted: two names with different signatures are never the same place by similarity alone."""
    return tuple(sorted(word for word in words.split() if word.isdigit() or word in DISTINGUISHING))
