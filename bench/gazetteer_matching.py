"""Precision and recall of name matching on public place-name variants (not the test fixtures).

    .venv/bin/python bench/gazetteer_matching.py            # prints markdown tables

Data sets, all built here from public data shipped in installed packages:
1. former names: the psgc package's own `old_names` (renamed barangays, municipalities and
   provinces), each sent with its parent's name. Run twice: with the built-in gazetteer (which
   keeps them as former names) and with those former names removed, as a gazetteer that does
   not know them: there every answer should be `none` or right, never a wrong P-code.
2. spelling variants of real PSGC names made by the rules below (each rule applied to every
   sampled name it changes), sent with the municipality's (or province's) name as parent;
3. negatives: real barangay names sent under another municipality of the same province that has
   no barangay of that name: the right answer is `none`;
4. another country in several languages: Switzerland's cantons and Belgium's provinces from
   pycountry's ISO 3166-2 data (official name, plus French, German and Italian translations
   from its gettext catalogues), loaded with the official and French names; queried in each
   language, Italian and Dutch not loaded.

A sent name is *decided* when its status is exact or matched; precision = right decided /
decided, recall = right decided / names sent. Results are recorded in docs/matching.md.
"""

from __future__ import annotations

import gettext
import os
import random
import re
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

if not os.environ.get("DATABASE_URL"):
    os.environ.setdefault("OPENDTM_HOME", tempfile.mkdtemp(prefix="opendtm-bench-"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "opendtm.settings")

SAMPLE = 4000  # barangays sampled for the variant rules (plus every municipality)
SEED = 11

Query = tuple[str, str | None, str]  # name sent, parent sent, expected P-code ("" = none)


def _abbreviate(name: str) -> str:
    for full, short in (
        ("Santo ", "Sto. "),
        ("Santa ", "Sta. "),
        ("General ", "Gen. "),
        ("President ", "Pres. "),
        ("Poblacion", "Pob."),
        ("Barangay ", "Brgy. "),
        ("Saint ", "St. "),
        ("Mount ", "Mt. "),
    ):
        if full in name:
            return name.replace(full, short)
    return name


def _hyphens(name: str) -> str:
    if "-" in name:
        return name.replace("-", " ")
    words = name.split(" ")
    return "-".join(words) if len(words) == 2 else name


def _accents(name: str) -> str:
    from unidecode import unidecode

    return unidecode(name)


def _truncate(name: str) -> str:
    return name[:14] if len(name) > 17 and name[13] != " " and name[14] != " " else name


def _drop_bracket(name: str) -> str:
    return re.sub(r"\s*\([^)]*\)", "", name).strip()


def _bracket_only(name: str) -> str:
    found = re.search(r"\(([^)]*)\)", name)
    return found.group(1).strip() if found else name


def _city_of(name: str) -> str:
    found = re.match(r"^City of (.+)$", name)
    return f"{found.group(1)} City" if found else name


def _upper(name: str) -> str:
    return name.upper()


def _typo(name: str) -> str:
    """One letter left out in the middle of the longest word (a typing slip)."""
    words = name.split(" ")
    longest = max(range(len(words)), key=lambda i: len(words[i]))
    word = words[longest]
    if len(word) < 6:
        return name
    middle = len(word) // 2
    words[longest] = word[:middle] + word[middle + 1 :]
    return " ".join(words)


def _swap(name: str) -> str:
    """Two neighbouring letters swapped in the middle of the longest word."""
    words = name.split(" ")
    longest = max(range(len(words)), key=lambda i: len(words[i]))
    word = words[longest]
    middle = len(word) // 2
    if len(word) < 6 or word[middle - 1] == word[middle]:
        return name
    words[longest] = word[: middle - 1] + word[middle] + word[middle - 1] + word[middle + 1 :]
    return " ".join(words)


RULES: dict[str, Callable[[str], str]] = {
    "abbreviation (Sto., Sta., Gen., Pres., Pob., Brgy.)": _abbreviate,
    "hyphens against spaces": _hyphens,
    "accents dropped (Ñ -> N)": _accents,
    "truncated to 14 characters": _truncate,
    "bracketed part left out": _drop_bracket,
    "only the bracketed (former) name": _bracket_only,
    '"City of X" as "X City"': _city_of,
    "upper case": _upper,
    "one letter missing": _typo,
    "two letters swapped": _swap,
}


def _score(queries: list[Query], level: int, country: str = "PHL") -> dict[str, Any]:
    from opendtm.gazetteer.matching import names_match

    started = time.perf_counter()
    matches = names_match(
        country_iso3=country, names=[(name, parent) for name, parent, _ in queries], level=level
    )
    seconds = time.perf_counter() - started
    statuses = Counter(m.status.value for m in matches)
    decided = [(m, q) for m, q in zip(matches, queries, strict=True) if m.pcode]
    right = sum(1 for m, q in decided if m.pcode == q[2])
    wrong = sorted(
        ((q, m.pcode, m.matched_name, m.score, m.rule) for m, q in decided if m.pcode != q[2]),
        key=lambda w: w[4] != "fuzzy",  # fuzzy mistakes first: they are the matcher's own
    )
    wrong_by = Counter(m.rule for m, q in decided if m.pcode != q[2])
    positives = sum(1 for q in queries if q[2])
    return {
        "n": len(queries),
        "statuses": statuses,
        "right": right,
        "wrong": len(wrong),
        "wrong_by": wrong_by,
        "precision": right / len(decided) if decided else 1.0,
        "recall": right / positives if positives else None,
        "examples": wrong[:5],
        "seconds": seconds,
    }


def _psgc() -> tuple[Any, dict[str, str], dict[str, str]]:
    """Current built-in units (pcode, name, level, parent pcode) and names by P-code."""
    import polars as pl

    from opendtm.gazetteer.queries import units_frame

    units = units_frame(country_iso3="PHL")
    by_id = dict(zip(units["id"].to_list(), units["pcode"].to_list(), strict=True))
    units = units.with_columns(
        pl.col("parent_id").replace_strict(by_id, default=None).alias("parent")
    )
    name = dict(zip(units["pcode"].to_list(), units["name"].to_list(), strict=True))
    parent = dict(zip(units["pcode"].to_list(), units["parent"].to_list(), strict=True))
    return units, name, parent


def former_name_queries(level: int) -> list[Query]:
    from opendtm.gazetteer.builtin import psgc_units

    units, _ = psgc_units()
    _, name, parent = _psgc()
    queries = []
    for pcode, old in (
        units.filter(units["old_names"].is_not_null()).select("pcode", "old_names").iter_rows()
    ):
        if pcode not in parent or len(pcode) != {2: 7, 3: 9, 4: 12}[level]:
            continue
        for former in old.split(";"):
            former = re.sub(r"(?i)\s+merged into\s.*$", "", former).strip()
            if former and former.lower() != name[pcode].lower():
                queries.append((former, name.get(parent[pcode] or "", None), pcode))
    return queries


def variant_queries(level: int) -> dict[str, list[Query]]:
    units, name, parent = _psgc()
    rng = random.Random(SEED)
    pcodes = units.filter(units["level"] == level)["pcode"].to_list()
    if len(pcodes) > SAMPLE:
        pcodes = rng.sample(pcodes, SAMPLE)
    out: dict[str, list[Query]] = {}
    for rule, change in RULES.items():
        queries = []
        for pcode in pcodes:
            varied = change(name[pcode])
            if varied != name[pcode]:
                queries.append((varied, name[parent[pcode]], pcode))
        out[rule] = queries
    return out


def negative_queries() -> list[Query]:
    """Barangay names under another municipality of the same province where no barangay has
    that name, in any form the gazetteer knows (official or former, abbreviations written
    out)."""
    from opendtm.gazetteer.models import AdminUnitName
    from opendtm.gazetteer.names import canonical_key

    units, name, parent = _psgc()
    rng = random.Random(SEED + 1)
    by_municipality: dict[str, set[str]] = defaultdict(set)
    barangays = units.filter(units["level"] == 4)["pcode"].to_list()
    for pcode in barangays:
        by_municipality[parent[pcode]].add(canonical_key(name[pcode]))
    for pcode, other in AdminUnitName.objects.filter(
        unit__country_iso3="PHL", unit__level=4
    ).values_list("unit__pcode", "name"):
        by_municipality[parent[pcode]].add(canonical_key(other))
    municipalities_of: dict[str, list[str]] = defaultdict(list)
    for municipality in by_municipality:
        municipalities_of[parent[municipality]].append(municipality)
    queries = []
    for pcode in rng.sample(barangays, 3000):
        home = parent[pcode]
        others = [m for m in municipalities_of[parent[home]] if m != home]
        if not others:
            continue
        other = rng.choice(others)
        if canonical_key(name[pcode]) in by_municipality[other]:
            continue
        queries.append((name[pcode], other, ""))  # the parent as its P-code: no doubt which
    return queries


def _translations(language: str) -> gettext.NullTranslations:
    import pycountry

    try:
        return gettext.translation("iso3166-2", pycountry.LOCALES_DIR, languages=[language])
    except OSError:
        return gettext.NullTranslations()


def multilingual(country: str, iso2: str, actor: Any) -> dict[str, list[Query]]:
    """Load the country's ISO 3166-2 subdivisions (official + French names), return queries
    per language."""
    import polars as pl
    import pycountry

    from opendtm.gazetteer.services import gazetteer_load

    subdivisions = sorted(
        (s for s in pycountry.subdivisions.get(country_code=iso2) if s.parent_code is None),
        key=lambda s: s.code,
    )
    rows = [
        {
            "ADM1_PCODE": iso2 + s.code.split("-")[1],
            "ADM1_EN": s.name,
            "ADM1_FR": _translations("fr").gettext(s.name),
        }
        for s in subdivisions
    ]
    path = Path(tempfile.mkdtemp()) / f"{country.lower()}_adm1.csv"
    pl.DataFrame(rows).write_csv(path)
    gazetteer_load(path=path, country_iso3=country, actor=actor)
    out: dict[str, list[Query]] = {}
    for language in ("official", "fr", "de", "it", "nl"):
        queries = []
        for row, s in zip(rows, subdivisions, strict=True):
            sent = s.name if language == "official" else _translations(language).gettext(s.name)
            if language != "official" and sent == s.name:
                continue  # no translation: the same query as the official name
            queries.append((sent, None, row["ADM1_PCODE"]))
        out[language] = queries
    return out


def _wrong(r: dict[str, Any]) -> str:
    """Wrong decisions, by the rule that made them (name: another unit has that very name)."""
    if not r["wrong"]:
        return "0"
    parts = ", ".join(f"{n} {status}" for status, n in sorted(r["wrong_by"].items()))
    return f"{r['wrong']} ({parts})"


def _line(label: str, r: dict[str, Any]) -> str:
    s = r["statuses"]
    recall = "-" if r["recall"] is None else f"{100 * r['recall']:.1f} %"
    return (
        f"| {label} | {r['n']:,} | {s.get('exact', 0):,} | {s.get('matched', 0):,} | "
        f"{s.get('ambiguous', 0):,} | {s.get('none', 0):,} | {_wrong(r)} | "
        f"{100 * r['precision']:.1f} % | {recall} |"
    )


HEADER = (
    "| set | names | exact | matched | ambiguous | none | wrong | precision | recall |\n"
    "|---|---|---|---|---|---|---|---|---|"
)


def main() -> None:
    from opendtm.cli.bootstrap import setup_django

    setup_django()
    from django.db import transaction

    from opendtm.accounts.services import user_for_cli
    from opendtm.gazetteer.models import AdminUnit, AdminUnitName
    from opendtm.gazetteer.services import gazetteer_load

    if AdminUnit.objects.exists():
        sys.exit("Run on an empty database (a fresh OPENDTM_HOME).")
    actor = user_for_cli()
    gazetteer_load(path=None, country_iso3="PHL", builtin=True, actor=actor)
    wrong: list[str] = []
    print(HEADER)
    for level, word in ((4, "barangays"), (3, "municipalities and cities")):
        queries = former_name_queries(level)
        result = _score(queries, level)
        print(_line(f"former names of {word} (psgc `old_names`), gazetteer keeps them", result))
        with transaction.atomic():
            AdminUnitName.objects.filter(kind="former").delete()
            blind = _score(queries, level)
            transaction.set_rollback(True)
        print(_line(f"former names of {word}, gazetteer does not know them", blind))
        wrong += [f"former {word} (unknown): {e}" for e in blind["examples"]]
    for level, word in ((4, "barangay"), (3, "municipality")):
        for rule, queries in variant_queries(level).items():
            if not queries:
                continue
            result = _score(queries, level)
            print(_line(f"{word}: {rule}", result))
            wrong += [f"{word} {rule}: {e}" for e in result["examples"]]
    negatives = _score(negative_queries(), 4)
    print(_line("barangay under another municipality of its province (answer: none)", negatives))
    wrong += [f"negative: {e}" for e in negatives["examples"]]
    for country, iso2 in (("CHE", "CH"), ("BEL", "BE")):
        for language, queries in multilingual(country, iso2, actor).items():
            loaded = "loaded" if language in ("official", "fr") else "not loaded"
            result = _score(queries, 1, country)
            print(_line(f"{country} adm1 in {language} ({loaded})", result))
            wrong += [f"{country} {language}: {e}" for e in result["examples"]]
    print("\nWrong answers (first five of each set):")
    for line in wrong:
        print(f"- {line}")


if __name__ == "__main__":
    main()
