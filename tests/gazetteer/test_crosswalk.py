"""Versions and their crosswalk, end to end: load an edition, load the next one, compare them
(`diff`), and resolve the old codes to today's units (`resolve`)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import polars as pl
import pytest
from click.testing import CliRunner, Result

from opendtm.accounts.models import AuditEvent
from opendtm.cli.main import cli
from opendtm.core.errors import InvalidInput, NotFound
from opendtm.gazetteer.crosswalk import changes_classify, links_find
from opendtm.gazetteer.models import AdminUnit, CrosswalkChange, VersionUnit
from opendtm.gazetteer.queries import accepted_parents_frame, crosswalk_between
from tests.gazetteer.conftest import FIXTURES, level_counts

pytestmark = pytest.mark.django_db

Loader = Callable[..., Any]
ROW = ("kind", "level", "group", "old_pcode", "new_pcode", "old_name", "new_name", "method", "note")

# hti_cod_ab_2022.csv -> hti_cod_ab_2024.csv: Arcahaie renamed Archaie; Croix-des-Bouquets split
# (Thomazeau became its own arrondissement); Les Irois merged into Anse-d'Hainault; Corail
# recoded HT0814 -> HT0815; Môle Saint-Nicolas retired (validTo); Jean-Rabel new; the commune
# Gressier moved to Port-au-Prince.
CHANGES_2024 = [
    ("renamed", 2, 1, "HT0113", "HT0113", "Arcahaie", "Archaie", "", ""),
    (
        "split",
        2,
        2,
        "HT0114",
        "HT0114",
        "Croix-des-Bouquets",
        "Croix-des-Bouquets",
        "same_code",
        "",
    ),
    ("split", 2, 2, "HT0114", "HT0116", "Croix-des-Bouquets", "Thomazeau", "children", ""),
    ("merged", 2, 3, "HT0812", "HT0812", "Anse-d'Hainault", "Anse-d'Hainault", "same_code", ""),
    ("merged", 2, 3, "HT0813", "HT0812", "Les Irois", "Anse-d'Hainault", "children", ""),
    ("recoded", 2, 4, "HT0814", "HT0815", "Corail", "Corail", "name_parent", ""),
    ("retired", 2, 5, "HT0912", "", "Môle Saint-Nicolas (Môle)", "", "", ""),
    ("new", 2, 6, "", "HT0913", "", "Jean-Rabel", "", ""),
    ("moved", 3, 7, "HT01122", "HT01122", "Gressier", "Gressier", "", "parent HT0112 -> HT0111"),
    ("renamed", 3, 8, "HT01131", "HT01131", "Arcahaie", "Archaie", "", ""),
    ("recoded", 3, 9, "HT01142", "HT01162", "Thomazeau", "Thomazeau", "name_code", ""),
    ("recoded", 3, 10, "HT08141", "HT08151", "Corail", "Corail", "name_parent", ""),
    ("retired", 3, 11, "HT09121", "", "Môle Saint-Nicolas", "", "", ""),
    ("new", 3, 12, "", "HT09131", "", "Jean-Rabel", "", ""),
]


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, ["gazetteer", *args], catch_exceptions=False)


@pytest.fixture(autouse=True)
def _cli_user(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENDTM_USER", "cli-tester")


def stored_changes() -> list[tuple[object, ...]]:
    return [
        tuple(row)
        for row in CrosswalkChange.objects.order_by("group", "old_pcode", "new_pcode").values_list(
            *ROW
        )
    ]


def frame_rows(changes: pl.DataFrame) -> list[tuple[object, ...]]:
    return [tuple("" if v is None else v for v in row) for row in changes.select(ROW).iter_rows()]


def test_a_new_edition_records_every_kind_of_change(load: Loader) -> None:
    first = load("hti_cod_ab_2022.csv", country_iso3="HTI")
    assert first.previous is None and first.changes == {}
    assert CrosswalkChange.objects.count() == 0  # nothing to compare the first version with
    second = load("hti_cod_ab_2024.csv", country_iso3="HTI")
    assert second.previous == first.version
    assert second.changes == {
        "merged": 2,
        "moved": 1,
        "new": 2,
        "recoded": 3,
        "renamed": 2,
        "retired": 2,
        "split": 2,
    }
    assert level_counts(second)[2] == (3, 1, 7, 3)  # Thomazeau, Corail, Jean-Rabel created
    assert stored_changes() == CHANGES_2024
    corail = CrosswalkChange.objects.get(kind="recoded", level=2)
    assert (
        corail.old_unit.pcode,
        corail.new_unit.pcode,
        corail.from_version,
        corail.to_version,
    ) == (
        "HT0814",
        "HT0815",
        first.version,
        second.version,
    )
    # The unit ended by validTo is retired on that date; the snapshot holds the live units.
    mole = AdminUnit.objects.get(pcode="HT0912")
    assert (mole.retired_in, mole.valid_to) == (second.version, date(2024, 6, 1))
    assert VersionUnit.objects.filter(version=first.version).count() == 27
    assert VersionUnit.objects.filter(version=second.version).count() == 27 - 6 + 6
    snapshot = dict(
        VersionUnit.objects.filter(unit__pcode="HT0113").values_list("version__label", "name")
    )
    assert snapshot == {"hti_cod_ab_2022": "Arcahaie", "hti_cod_ab_2024": "Archaie"}
    event = AuditEvent.objects.filter(action="gazetteer.load").latest("id")
    assert event.changes["crosswalk_from"] == "hti_cod_ab_2022"
    assert event.changes["crosswalk"] == second.changes
    # The old name is kept as a former name, the replaced French one too.
    arcahaie = AdminUnit.objects.get(pcode="HT0113")
    assert sorted(arcahaie.names.values_list("name", "language", "kind")) == [
        ("Arcahaie", "", "former"),
        ("L'Arcahaie", "fr", "former"),
        ("L'Archaie", "fr", "official"),
    ]


def test_diff_prints_the_crosswalk_as_a_table_or_csv(load: Loader) -> None:
    load("hti_cod_ab_2022.csv", country_iso3="HTI")
    load("hti_cod_ab_2024.csv", country_iso3="HTI")
    table = run("diff", "--country", "hti")
    assert table.exit_code == 0, table.output
    lines = table.stdout.splitlines()
    assert lines[0] == (
        "HTI gazetteer hti_cod_ab_2022 -> hti_cod_ab_2024: 2 merged, 1 moved, 2 new, "
        "3 recoded, 2 renamed, 2 retired, 2 split."
    )
    assert lines[1].split() == [
        "kind", "level", "group", "old_pcode", "old_name", "new_pcode", "new_name", "method",
        "note",
    ]  # fmt: skip
    assert lines[3].split() == [
        "split", "2", "2", "HT0114", "Croix-des-Bouquets", "HT0114", "Croix-des-Bouquets",
        "same_code", "-",
    ]  # fmt: skip
    assert len(lines) == 2 + len(CHANGES_2024)
    csv = run("diff", "--country", "HTI", "--from", "hti_cod_ab_2022", "--format", "csv")
    assert csv.stdout.splitlines()[:3] == [
        "kind,level,group,old_pcode,old_name,new_pcode,new_name,method,share,note",
        "renamed,2,1,HT0113,Arcahaie,HT0113,Archaie,,,",
        "split,2,2,HT0114,Croix-des-Bouquets,HT0114,Croix-des-Bouquets,same_code,,",
    ]
    first_only = run("diff", "--country", "HTI", "--to", "hti_cod_ab_2022")
    assert first_only.exit_code == 1
    assert first_only.stderr == (
        "error: Version hti_cod_ab_2022 is the first HTI version: there is nothing before it "
        "to compare with. Load a newer edition, or give --from and --to.\n"
    )


def test_old_codes_resolve_to_todays_units(load: Loader, tmp_path: Any) -> None:
    load("hti_cod_ab_2022.csv", country_iso3="HTI")
    load("hti_cod_ab_2024.csv", country_iso3="HTI")
    result = run(
        "resolve",
        "--country",
        "HTI",
        "HT0813",
        "ht 0814",
        "HT01142",
        "HT0114",
        "HT0912",
        "0116",
        "XX99",
    )
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        "input,pcode,name,level,version,status",
        "HT0813,HT0812,Anse-d'Hainault,2,hti_cod_ab_2022,retired",
        "ht 0814,HT0815,Corail,2,hti_cod_ab_2022,retired",
        "HT01142,HT01162,Thomazeau,3,hti_cod_ab_2022,retired",
        "HT0114,HT0114,Croix-des-Bouquets,2,hti_cod_ab_2024,current",
        "HT0912,,retired in hti_cod_ab_2024 with no successor,2,hti_cod_ab_2022,retired",
        "0116,HT0116,Thomazeau,2,hti_cod_ab_2024,alternative",
        "XX99,,,,,unknown",
    ]
    assert result.stderr == (
        "7 codes: current 1, alternative 1, retired 4, unknown 1. Unknown: 'XX99'.\n"
    )
    listed = tmp_path / "codes.txt"
    listed.write_text("\ufeffHT0813\n\n ht0111 \n", encoding="utf-8")
    out = tmp_path / "resolved.csv"
    fine = run("resolve", "--country", "HTI", "--file", str(listed), "--output", str(out))
    assert fine.exit_code == 0
    assert out.read_text().splitlines() == [
        "input,pcode,name,level,version,status",
        "HT0813,HT0812,Anse-d'Hainault,2,hti_cod_ab_2022,retired",
        "ht0111,HT0111,Port-au-Prince,2,hti_cod_ab_2024,current",
    ]
    assert fine.stderr == (
        f"2 codes: current 1, alternative 0, retired 1, unknown 0; written to {out}\n"
    )


def test_accepted_parents_keep_older_chains_valid(load: Loader) -> None:
    load("hti_cod_ab_2022.csv", country_iso3="HTI")
    load("hti_cod_ab_2024.csv", country_iso3="HTI")
    parents = accepted_parents_frame(country_iso3="HTI")
    pcode = dict(AdminUnit.objects.values_list("id", "pcode"))
    gressier = [
        (pcode[p], sources) for u, p, sources in parents.iter_rows() if pcode[u] == "HT01122"
    ]
    assert gressier == [
        ("HT0111", "current,hti_cod_ab_2024"),
        ("HT0112", "hti_cod_ab_2022"),
    ]


def test_crosswalk_across_several_versions_follows_the_links(load: Loader) -> None:
    load("hti_cod_ab_2022.csv", country_iso3="HTI")
    load("hti_cod_ab_2024.csv", country_iso3="HTI")
    third = load("hti_cod_ab_2025.csv", country_iso3="HTI")
    assert third.changes == {"recoded": 2}
    # Consecutive versions: exactly what was recorded at load.
    assert frame_rows(crosswalk_between(country_iso3="HTI", to_version="hti_cod_ab_2024")) == (
        CHANGES_2024
    )
    # Across both steps Corail is recoded once, from its first code to its last.
    across = frame_rows(
        crosswalk_between(
            country_iso3="HTI", from_version="hti_cod_ab_2022", to_version="hti_cod_ab_2025"
        )
    )
    expected = [
        ("renamed", 2, 1, "HT0113", "HT0113", "Arcahaie", "Archaie", "", ""),
        (
            "split",
            2,
            2,
            "HT0114",
            "HT0114",
            "Croix-des-Bouquets",
            "Croix-des-Bouquets",
            "same_code",
            "",
        ),
        ("split", 2, 2, "HT0114", "HT0116", "Croix-des-Bouquets", "Thomazeau", "composed", ""),
        ("merged", 2, 3, "HT0812", "HT0812", "Anse-d'Hainault", "Anse-d'Hainault", "same_code", ""),
        ("merged", 2, 3, "HT0813", "HT0812", "Les Irois", "Anse-d'Hainault", "composed", ""),
        ("recoded", 2, 4, "HT0814", "HT0816", "Corail", "Corail", "composed", ""),
        ("retired", 2, 5, "HT0912", "", "Môle Saint-Nicolas (Môle)", "", "", ""),
        ("new", 2, 6, "", "HT0913", "", "Jean-Rabel", "", ""),
        (
            "moved",
            3,
            7,
            "HT01122",
            "HT01122",
            "Gressier",
            "Gressier",
            "",
            "parent HT0112 -> HT0111",
        ),
        ("renamed", 3, 8, "HT01131", "HT01131", "Arcahaie", "Archaie", "", ""),
        ("recoded", 3, 9, "HT01142", "HT01162", "Thomazeau", "Thomazeau", "composed", ""),
        ("recoded", 3, 10, "HT08141", "HT08161", "Corail", "Corail", "composed", ""),
        ("retired", 3, 11, "HT09121", "", "Môle Saint-Nicolas", "", "", ""),
        ("new", 3, 12, "", "HT09131", "", "Jean-Rabel", "", ""),
    ]
    assert across == expected
    resolved = run("resolve", "--country", "HTI", "HT0814", "HT0815")
    assert resolved.stdout.splitlines()[1:] == [
        "HT0814,HT0816,Corail,2,hti_cod_ab_2022,retired",
        "HT0815,HT0816,Corail,2,hti_cod_ab_2024,retired",
    ]


@pytest.mark.parametrize(
    ("options", "error", "message"),
    [
        (
            {"from_version": "hti_cod_ab_2024", "to_version": "hti_cod_ab_2022"},
            InvalidInput,
            "Version hti_cod_ab_2024 was loaded after hti_cod_ab_2022; the crosswalk runs from "
            "an older version to a newer one. Swap them: --from hti_cod_ab_2022 --to "
            "hti_cod_ab_2024.",
        ),
        (
            {"from_version": "cod-ab-1999"},
            NotFound,
            "No version 'cod-ab-1999' of the HTI gazetteer; versions: hti_cod_ab_2022, "
            "hti_cod_ab_2024. See `opendtm gazetteer list`.",
        ),
    ],
)
def test_crosswalk_between_refuses_unknown_or_reversed_versions(
    load: Loader, options: dict[str, str], error: type[Exception], message: str
) -> None:
    load("hti_cod_ab_2022.csv", country_iso3="HTI")
    load("hti_cod_ab_2024.csv", country_iso3="HTI")
    with pytest.raises(error) as refused:
        crosswalk_between(country_iso3="HTI", **options)
    assert str(refused.value) == message


def test_polygons_find_recodes_splits_and_merges_whatever_the_names(load: Loader) -> None:
    load("hti_adm1_2022.geojson", country_iso3="HTI")
    result = load("hti_adm1_2024.geojson", country_iso3="HTI")
    assert frame_rows(crosswalk_between(country_iso3="HTI")) == [
        ("split", 1, 1, "HT01", "HT01", "West", "West", "same_code", ""),
        ("split", 1, 1, "HT01", "HT11", "West", "Gonâve", "polygon", ""),
        ("recoded", 1, 2, "HT02", "HT12", "South-East", "Sud-Est", "polygon", "also renamed"),
        ("merged", 1, 3, "HT03", "HT13", "North", "Nord", "polygon", ""),
        ("merged", 1, 3, "HT04", "HT13", "North-East", "Nord", "polygon", ""),
        ("retired", 1, 4, "HT06", "", "Centre", "", "", ""),
        ("new", 1, 5, "", "HT14", "", "Nippes", "", ""),
    ]
    shares = dict(CrosswalkChange.objects.values_list("new_pcode", "share").exclude(share=None))
    assert shares == {"HT11": 0.5, "HT12": 1.0, "HT13": 1.0}
    assert result.changes == {"merged": 2, "new": 1, "recoded": 1, "retired": 1, "split": 2}


def _side(rows: list[tuple[str, str, int, str | None]]) -> pl.DataFrame:
    return pl.DataFrame(
        rows,
        schema={"pcode": pl.Utf8, "name": pl.Utf8, "level": pl.Int8, "parent_pcode": pl.Utf8},
        orient="row",
    )


def test_links_by_name_need_a_single_candidate_and_former_names_merge() -> None:
    old = _side(
        [
            ("X1", "North", 1, None),
            ("X101", "Poblacion", 2, "X1"),
            ("X102", "Poblacion", 2, "X1"),
            ("X103", "San Rafael", 2, "X1"),
            ("X104", "Dacanlao", 2, "X1"),
        ]
    )
    new = _side(
        [
            ("X1", "North", 1, None),
            ("X111", "Poblacion", 2, "X1"),
            ("X112", "Poblacion", 2, "X1"),
            ("X104", "Dacanlao", 2, "X1"),
        ]
    )
    names = pl.DataFrame({"pcode": ["X104"], "name": ["San  RAFAEL"]})
    links = links_find(old, new, new_names=names)
    # Two "Poblacion" on each side: never paired by name; San Rafael is Dacanlao's former name.
    assert links.rows() == [("X103", "X104", "former_name", None)]
    assert frame_rows(changes_classify(old, new, links)) == [
        ("retired", 2, 1, "X101", "", "Poblacion", "", "", ""),
        ("retired", 2, 2, "X102", "", "Poblacion", "", "", ""),
        ("merged", 2, 3, "X103", "X104", "San Rafael", "Dacanlao", "former_name", ""),
        ("merged", 2, 3, "X104", "X104", "Dacanlao", "Dacanlao", "same_code", ""),
        ("new", 2, 4, "", "X111", "", "Poblacion", "", ""),
        ("new", 2, 5, "", "X112", "", "Poblacion", "", ""),
    ]


def test_load_prints_the_crosswalk_summary() -> None:
    first = run("load", str(FIXTURES / "hti_cod_ab_2022.csv"), "--country", "HTI")
    assert not any(line.startswith("crosswalk") for line in first.stdout.splitlines())
    second = run("load", str(FIXTURES / "hti_cod_ab_2024.csv"), "--country", "HTI")
    assert second.exit_code == 0, second.output
    assert second.stdout.splitlines()[-1] == (
        "crosswalk from hti_cod_ab_2022: 2 merged, 1 moved, 2 new, 3 recoded, 2 renamed, "
        "2 retired, 2 split (`opendtm gazetteer diff --country HTI` lists them)"
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["HT01", "--file", "codes.txt"], "error: Give codes or --file, not both.\n"),
        (["--column", "code"], "error: --column needs --file.\n"),
        (
            [],
            "error: No codes given. Give codes as arguments, or --file FILE with one per line.\n",
        ),
        (["--file", "missing.txt"], "error: missing.txt: no such file. Check the path and try "
         "again.\n"),
    ],
)  # fmt: skip
def test_resolve_refuses_unclear_requests(
    load: Loader, args: list[str], message: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    load("hti_cod_ab_2022.csv", country_iso3="HTI")
    monkeypatch.chdir(tmp_path)
    (tmp_path / "codes.txt").write_text("HT01\n")
    result = run("resolve", "--country", "HTI", *args)
    assert (result.exit_code, result.stdout, result.stderr) == (1, "", message)
