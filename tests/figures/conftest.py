"""A small hand-made operation whose figures the tests compute by hand.

Gazetteer (admin_tree, depth 4): region PH01; provinces P1 = PH01001, P2 = PH01002;
municipalities M1 = PH0100101, M2 = PH0100102 (in P1), M3 = PH0100201, M4 = PH0100202 (in P2);
barangays B1 = PH0100101001, B2 = PH0100101002 (M1), B3 = PH0100102001 (M2),
B4 = PH0100201001 (M3), B5 = PH0100202001, B6 = PH0100202002 (M4). Locations are barangays.

Rows: fixtures/baseline.csv, origins.csv, sites.csv. Round 1 (published through the real
services, so its snapshot is built) has 5 locations, 3 open sites; round 2 (open) has 6
locations with returns, site S1 closed and S3 closing. Sites: S1 in B1, S2 in B4, S3 in B5.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User

from opendtm.accounts.choices import Role
from opendtm.accounts.models import OperationGrant
from opendtm.gazetteer.models import AdminUnit
from opendtm.ingest.models import ImportBatch
from opendtm.mobility.models import (
    SEX_AGE_FIELDS,
    BaselineAssessment,
    BaselineOrigin,
    SiteAssessment,
)
from opendtm.operations.models import Operation, Round, Site
from opendtm.operations.services import round_publish, round_validate
from tests.factories import (
    OperationFactory,
    RoundFactory,
    SiteFactory,
    SuperuserFactory,
    UserFactory,
    admin_tree,
)

FIXTURES = Path(__file__).parent / "fixtures"
P1, P2 = "PH01001", "PH01002"
M1, M2, M3, M4 = "PH0100101", "PH0100102", "PH0100201", "PH0100202"
B1, B2, B3, B4, B5, B6 = (
    "PH0100101001",
    "PH0100101002",
    "PH0100102001",
    "PH0100201001",
    "PH0100202001",
    "PH0100202002",
)
CENTROIDS = {P1: (11.5, 121.5), P2: (12.5, 122.5), M1: (11.25, 121.25), M4: (12.75, 122.75)}


def _rows(name: str) -> list[dict[str, str]]:
    with (FIXTURES / name).open(newline="") as handle:
        return list(csv.DictReader(handle))


def where_from(model: type[Any], number: int) -> dict[str, Any]:
    """Where a stored row says it was read from: its sheet and row in the batch's file."""
    return {"source_sheet": "fixture", "source_row": number + 2}


def _int(value: str) -> int | None:
    return int(value) if value != "" else None


@dataclass
class World:
    operation: Operation
    rounds: dict[int, Round]
    units: dict[str, AdminUnit]
    sites: dict[str, Site]
    admin: User
    analyst: User
    viewer: User

    def publish(self, number: int) -> Round:
        round_ = self.rounds[number]
        round_validate(round=round_, actor=self.admin)
        return round_publish(round=round_, actor=self.admin)

    def open_round(self, number: int) -> Round:
        round_ = RoundFactory(operation=self.operation)
        assert round_.number == number
        round_.operation = self.operation
        self.rounds[number] = round_
        return round_

    def load(self, number: int) -> None:
        """Store the fixture rows of round `number` (as an import would: one batch per form)."""
        round_ = self.rounds[number]
        batches = {
            form: ImportBatch.objects.create(
                operation=self.operation,
                round=round_,
                form_id=form,
                file_name=f"round{number}_{form}.xlsx",
                sha256="0" * 64,
                imported_by=self.admin,
            )
            for form in ("dtm_baseline", "dtm_site")
        }
        stored = BaselineAssessment.objects.bulk_create(
            BaselineAssessment(
                round=round_,
                batch=batches["dtm_baseline"],
                submission_id=f"r{number}-{row['location']}",
                location=self.units[row["location"]],
                enumerator_code="E01",
                idp_present=int(row["idp_ind"]) > 0,
                flagged=row["flagged"] == "yes",
                **where_from(BaselineAssessment, i),
                **{
                    k: int(row[k])
                    for k in (
                        "idp_hh",
                        "idp_ind",
                        "returnee_idp_hh",
                        "returnee_idp_ind",
                        "returnee_abroad_ind",
                    )
                },
            )
            for i, row in enumerate(_rows("baseline.csv"))
            if int(row["round"]) == number
        )
        by_location = {b.location.pcode: b for b in stored}
        BaselineOrigin.objects.bulk_create(
            BaselineOrigin(
                assessment=by_location[row["location"]],
                origin=self.units[row["origin"]],
                origin_hh=int(row["origin_hh"]),
                origin_ind=int(row["origin_ind"]),
                **where_from(BaselineOrigin, i),
            )
            for i, row in enumerate(_rows("origins.csv"))
            if int(row["round"]) == number
        )
        SiteAssessment.objects.bulk_create(
            SiteAssessment(
                round=round_,
                batch=batches["dtm_site"],
                submission_id=f"r{number}-{row['site']}",
                site=self.sites[row["site"]],
                admin_unit=self.units[row["unit"]],
                site_status=row["site_status"],
                enumerator_code="E02",
                **where_from(SiteAssessment, i),
                hh=int(row["hh"]),
                ind=int(row["ind"]),
                **{k: _int(row[k]) for k in SEX_AGE_FIELDS},
            )
            for i, row in enumerate(_rows("sites.csv"))
            if int(row["round"]) == number
        )


def world_build() -> World:
    units = admin_tree(depth=4, fanout=2)
    for pcode, (lat, lon) in CENTROIDS.items():
        AdminUnit.objects.filter(pcode=pcode).update(latitude=lat, longitude=lon)
        units[pcode].latitude, units[pcode].longitude = lat, lon
    operation = OperationFactory(code="typhoon", location_level=4, is_public=False)
    admin = SuperuserFactory(username="boss")
    analyst, viewer = UserFactory(username="ana"), UserFactory(username="vic")
    OperationGrant.objects.create(user=analyst, operation=operation, role=Role.ANALYST)
    OperationGrant.objects.create(user=viewer, operation=operation, role=Role.VIEWER)
    sites = {
        "S1": SiteFactory(
            operation=operation, site_id="S1", admin_unit=units[B1], latitude=11.3, longitude=121.3
        ),
        "S2": SiteFactory(
            operation=operation, site_id="S2", admin_unit=units[B4], latitude=12.3, longitude=122.3
        ),
        "S3": SiteFactory(operation=operation, site_id="S3", admin_unit=units[B5]),
    }
    world = World(operation, {}, units, sites, admin, analyst, viewer)
    world.open_round(1)
    world.load(1)
    world.publish(1)
    world.open_round(2)
    world.load(2)
    return world


@pytest.fixture
def world(db: Any) -> World:
    return world_build()
