"""A small operation whose figures the API tests know by hand.

Gazetteer: admin_tree(depth=3, fanout=2): regions PH01, PH02; provinces PH01001, PH01002,
PH02001, PH02002; municipalities (the locations) PH0100101 ... PH0200202. Rows:
fixtures/baseline.csv, origins.csv, sites.csv. Rounds 1 and 2 are published through the real
services (so their snapshots are built), round 3 is open. Users: boss (instance admin), mia
(manager), ana (analyst, also owner of `token`), vic (viewer), otto (no role).
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from opendtm.accounts.choices import Role
from opendtm.accounts.models import OperationGrant
from opendtm.api.services import token_create
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
OPERATION_NAME = "Philippines - Typhoon test"


def _rows(name: str) -> list[dict[str, str]]:
    with (FIXTURES / name).open(newline="") as handle:
        return list(csv.DictReader(handle))


def _int(value: str) -> int | None:
    return int(value) if value != "" else None


def _as_received(model: type[Any], row: dict[str, str], number: int) -> dict[str, Any]:
    """Where a stored row came from: the row itself (`raw`) or its place in the batch's file
    (`source_sheet`, `source_row`), whichever the assessment models keep."""
    fields = {f.name for f in model._meta.get_fields()}
    if "raw" in fields:
        return {"raw": json.dumps(row)}
    return {"source_sheet": "fixture", "source_row": number + 2}


@dataclass
class World:
    operation: Operation
    rounds: dict[int, Round]
    units: dict[str, AdminUnit]
    sites: dict[str, Site]
    users: dict[str, User]
    token: str

    def load(self, number: int) -> None:
        """Store the fixture rows of round `number`, one import batch per form."""
        round_ = self.rounds[number]
        admin = self.users["admin"]
        batches = {
            form: ImportBatch.objects.create(
                operation=self.operation,
                round=round_,
                form_id=form,
                file_name=f"round{number}_{form}.xlsx",
                sha256="0" * 64,
                imported_by=admin,
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
                **_as_received(BaselineAssessment, row, i),
                idp_hh=int(row["idp_hh"]),
                idp_ind=int(row["idp_ind"]),
                returnee_idp_hh=0,
                returnee_idp_ind=0,
                returnee_abroad_ind=0,
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
                **_as_received(BaselineOrigin, row, i),
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
                **_as_received(SiteAssessment, row, i),
                hh=int(row["hh"]),
                ind=int(row["ind"]),
                **{k: _int(row[k]) for k in SEX_AGE_FIELDS},
            )
            for i, row in enumerate(_rows("sites.csv"))
            if int(row["round"]) == number
        )

    def open_round(self, number: int, start: dt.date) -> None:
        round_ = RoundFactory(operation=self.operation, start_date=start)
        assert round_.number == number
        round_.operation = self.operation
        self.rounds[number] = round_

    def publish(self, number: int) -> None:
        round_validate(round=self.rounds[number], actor=self.users["admin"])
        round_publish(round=self.rounds[number], actor=self.users["admin"])


def world_build(*, public: bool) -> World:
    units = admin_tree(depth=3, fanout=2)
    operation = OperationFactory(
        code="typhoon", name=OPERATION_NAME, location_level=3, is_public=public
    )
    users = {
        "admin": SuperuserFactory(username="boss"),
        "manager": UserFactory(username="mia"),
        "analyst": UserFactory(username="ana"),
        "viewer": UserFactory(username="vic"),
        "outsider": UserFactory(username="otto"),
    }
    for role in (Role.MANAGER, Role.ANALYST, Role.VIEWER):
        OperationGrant.objects.create(user=users[role.value], operation=operation, role=role)
    sites = {
        "S1": SiteFactory(
            operation=operation, site_id="S1", admin_unit=units["PH0100101"], latitude=11.3
        ),
        "S2": SiteFactory(operation=operation, site_id="S2", admin_unit=units["PH0200101"]),
    }
    token = token_create(username="ana", name="tests", actor=users["analyst"]).secret
    world = World(operation, {}, units, sites, users, token)
    starts = {1: dt.date(2026, 11, 1), 2: dt.date(2026, 12, 1), 3: dt.date(2027, 1, 5)}
    for number in (1, 2, 3):
        world.open_round(number, starts[number])
        world.load(number)
        if number < 3:
            world.publish(number)
    return world


@pytest.fixture
def world(db: Any) -> World:
    """The operation, private."""
    return world_build(public=False)


@pytest.fixture
def public_world(db: Any) -> World:
    """The same operation, public."""
    return world_build(public=True)


@pytest.fixture(autouse=True)
def _figures_cache_empty() -> None:
    """Each test starts with an empty response cache (the cache lives as long as the process)."""
    from django.core.cache import caches

    from opendtm.api.cache import CACHE_ALIAS

    caches[CACHE_ALIAS].clear()


def client_for(world: World, who: str) -> Client:
    """A client as `who`: "anonymous", "token" (the world's API token) or a role's user."""
    if who == "anonymous":
        return Client()
    if who == "token":
        return Client(headers={"Authorization": f"Bearer {world.token}"})
    client = Client()
    client.force_login(world.users[who])
    return client
