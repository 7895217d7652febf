"""A new gazetteer version loaded in the middle of an operation, through the import.

fixtures/versions_v1.csv -> versions_v2.csv (long layout, region PH01, provinces at level 2,
towns at level 3): Abra PH01001 renamed "Abra del Norte"; Bolo recoded PH01002 -> PH01005
(its town PH0100201 moves with it); Cato PH01003 split into Cato North PH01006 and Cato South
PH01007; Dumo PH01004 and Eras PH01009 merged into Dumo-Eras PH01010; Fama PH01011 (and its
town) retired. The operation's locations are provinces (level 2).

`versions_world` is also the start of the figures test (tests/figures/test_versions.py).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from opendtm.forms.queries import form_spec_get
from opendtm.gazetteer.models import AdminUnit
from opendtm.gazetteer.services import gazetteer_load
from opendtm.ingest.services import ImportResult, import_parsed_commit
from opendtm.mobility.models import BaselineAssessment, BaselineOrigin
from opendtm.operations.models import Operation, Round
from opendtm.operations.services import round_publish, round_validate
from tests.factories import OperationFactory, RoundFactory, SuperuserFactory
from tests.ingest.builders import export_build

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).parent / "fixtures"
# Round 1, on v1: IDP individuals per province (households: a fifth).
ROUND_1 = {
    "PH01001": 100,
    "PH01002": 200,
    "PH01003": 300,
    "PH01004": 40,
    "PH01009": 60,
    "PH01011": 50,
}


def location_row(n: int, adm2: str, idp_ind: int, **changes: Any) -> dict[str, Any]:
    """A valid baseline assessment of a province with IDPs; `changes` override fields."""
    hh = idp_ind // 5
    row: dict[str, Any] = {
        "_submission_id": f"loc-{n}",
        "assessment_date": dt.date(2026, 11, 10),
        "enumerator_code": "E01",
        "adm1_pcode": "PH01",
        "adm2_pcode": adm2,
        "ki_count": 2,
        "idp_present": "yes",
        "idp_hh": hh,
        "idp_ind": idp_ind,
        "idp_hh_sites": 0,
        "idp_hh_host": hh,
        "idp_hh_rented": 0,
        "idp_hh_makeshift": 0,
        "displacement_cause": "typhoon",
        "idp_arrival": "1_4_weeks",
        "returnee_present": "no",
        "sites_count": 0,
        "priority_needs": ["shelter"],
    }
    row.update(changes)
    return row


def round_2_rows() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Round 2, sent after v2 was loaded, with a mix of old and new codes (rows 2..9)."""
    rows = [
        location_row(1, "PH01001", 110),  # renamed: same code
        location_row(2, "PH01002", 250, adm3_pcode="PH0100201"),  # old code, chain of v1
        location_row(3, "PH01003", 280),  # split: no single unit
        location_row(4, "PH01006", 120),  # new codes
        location_row(5, "PH01007", 130),
        location_row(6, " ph01004", 70),  # merged: the unit that holds its place now
        location_row(7, "PH01011", 45),  # retired with no successor
        location_row(8, "PH01001", 10, adm1_pcode="PH01", adm2_pcode="PH01005",
                     adm3_pcode="PH0100101", _submission_id="loc-8"),  # wrong chain in any version
    ]  # fmt: skip
    origins = [
        {"_parent_row": 3, "origin_pcode": "PH01002", "origin_hh": 10, "origin_ind": 50},
        {"_parent_row": 7, "origin_pcode": "PH01009", "origin_hh": 4, "origin_ind": 20},
    ]
    return rows, origins


@dataclass
class VersionsWorld:
    operation: Operation
    rounds: dict[int, Round]
    admin: Any

    def import_(self, number: int, rows: list[dict[str, Any]], **kw: Any) -> ImportResult:
        return import_parsed_commit(
            operation=self.operation,
            round=self.rounds[number],
            parsed=export_build(form_spec_get(form_id="dtm_baseline"), rows, **kw),
            actor=self.admin,
            report_path=None,
        )

    def publish(self, number: int) -> Round:
        round_validate(round=self.rounds[number], actor=self.admin)
        return round_publish(round=self.rounds[number], actor=self.admin)


def versions_world() -> VersionsWorld:
    """v1 loaded, round 1 imported on it and published."""
    admin = SuperuserFactory(username="im-officer")
    gazetteer_load(
        path=FIXTURES / "versions_v1.csv", country_iso3="PHL", version_label="v1", actor=admin
    )
    operation = OperationFactory(code="phl-versions", location_level=2)
    world = VersionsWorld(operation, {1: RoundFactory(operation=operation)}, admin)
    rows = [location_row(i, code, ind) for i, (code, ind) in enumerate(ROUND_1.items(), 1)]
    first = world.import_(1, rows)
    assert (first.rows_accepted, first.rows_rejected) == (6, 0)
    world.publish(1)
    return world


def v2_load(world: VersionsWorld) -> None:
    gazetteer_load(
        path=FIXTURES / "versions_v2.csv", country_iso3="PHL", version_label="v2", actor=world.admin
    )


def test_old_codes_are_normalised_with_a_warning_and_lost_ones_refused() -> None:
    world = versions_world()
    v2_load(world)
    world.rounds[2] = RoundFactory(operation=world.operation)
    rows, origins = round_2_rows()
    result = world.import_(2, rows, repeats={"origins": origins})
    lines = [
        (r["row"], r["field"], r["value"], r["rule"], r["severity"], r["message"])
        for r in result.issues.iter_rows(named=True)
        if not r["rule"].startswith("form.")
    ]
    assert lines == [
        (3, "adm2_pcode", "PH01002", "gazetteer.old_code", "warning",
         "PH01002 is the old code of Bolo, now PH01005 (gazetteer v2, recoded)"),
        (4, "adm2_pcode", "PH01003", "gazetteer.retired", "error",
         "PH01003 is retired from the gazetteer (split in v2; now PH01006, PH01007: no single "
         "unit holds its place); use the code of the unit that holds its place now"),
        (7, "adm2_pcode", " ph01004", "gazetteer.old_code", "warning",
         "PH01004 is the old code of Dumo-Eras, now PH01010 (gazetteer v2, merged)"),
        (8, "adm2_pcode", "PH01011", "gazetteer.retired", "error",
         "PH01011 is retired from the gazetteer (retired in v2 with no successor); use the "
         "code of the unit that holds its place now"),
        (9, "adm2_pcode", "PH01005", "gazetteer.parent_mismatch", "error",
         "PH01005 is not the admin level 2 unit that PH0100101 belongs to (that is PH01001)"),
        (9, "adm2_pcode", "PH01005", "duplicate.location_in_round", "error",
         "this location is already assessed in row 3 of the file (submission loc-2)"),
        # Bolo's round 1 figure is found under its old code (a recoded place is one place).
        (9, "idp_ind", "10", "previous_round.change", "warning",
         "idp_ind went from 200 in round 1 to 10 (more than 50% and at least 100 people)"),
        (2, "origin_pcode", "PH01002", "gazetteer.old_code", "warning",
         "PH01002 is the old code of Bolo, now PH01005 (gazetteer v2, recoded)"),
        (3, "origin_pcode", "PH01009", "gazetteer.old_code", "warning",
         "PH01009 is the old code of Dumo-Eras, now PH01010 (gazetteer v2, merged)"),
    ]  # fmt: skip
    assert (result.rows_read, result.rows_accepted, result.rows_rejected) == (8, 5, 3)
    assert result.rows_flagged == 2  # the rows sent with old codes, kept for review
    stored = BaselineAssessment.objects.filter(round=world.rounds[2])
    assert sorted(stored.values_list("submission_id", "location__pcode", "idp_ind")) == [
        ("loc-1", "PH01001", 110),
        ("loc-2", "PH01005", 250),
        ("loc-4", "PH01006", 120),
        ("loc-5", "PH01007", 130),
        ("loc-6", "PH01010", 70),
    ]
    origin_codes = BaselineOrigin.objects.filter(assessment__round=world.rounds[2])
    assert sorted(origin_codes.values_list("assessment__submission_id", "origin__pcode")) == [
        ("loc-2", "PH01005"),
        ("loc-6", "PH01010"),
    ]
    # Round 1 keeps the units and the version it was published with.
    round_1 = BaselineAssessment.objects.filter(round=world.rounds[1])
    assert sorted(round_1.values_list("location__pcode", flat=True)) == sorted(ROUND_1)
    world.rounds[1].refresh_from_db()
    assert world.rounds[1].gazetteer_version.label == "v1"
    assert AdminUnit.objects.get(pcode="PH01002").retired_in.label == "v2"


def test_a_refused_import_of_old_codes_writes_nothing() -> None:
    world = versions_world()
    v2_load(world)
    world.rounds[2] = RoundFactory(operation=world.operation)
    before = BaselineAssessment.objects.count()
    result = world.import_(2, [location_row(1, "PH01003", 280), location_row(2, "PH01011", 45)])
    assert (result.rows_accepted, result.rows_rejected) == (0, 2)
    assert [r["rule"] for r in result.issues.iter_rows(named=True) if r["row"]] == [
        "gazetteer.retired",
        "gazetteer.retired",
    ]
    assert BaselineAssessment.objects.count() == before
    assert not BaselineAssessment.objects.filter(round=world.rounds[2]).exists()
