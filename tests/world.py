"""The test world the figures, API and web tests share: one operation with its gazetteer,
sites, users and grants, and rounds whose assessments are stored as an import stores them.

A `Plan` says what the world holds; its rows come from three CSV files in `plan.data`
(baseline.csv, origins.csv, sites.csv, one line per stored row, with its round), so the totals
a test asserts can be computed by hand from them. Everything is written through the factories
of tests/factories.py (no permission check, no audit event), except the token and the
publication of rounds, which go through the real services so that the published rounds'
snapshots are built as in production. tests/api/conftest.py and tests/figures/conftest.py
each declare one plan.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.contrib.auth.models import User
from django.test import Client

from opendtm.accounts.choices import Role
from opendtm.api.services import token_create
from opendtm.gazetteer.models import AdminUnit
from opendtm.mobility.choices import AssessmentForm
from opendtm.operations.models import Operation, Round, Site
from opendtm.operations.services import round_publish, round_validate
from tests.factories import (
    BaselineAssessmentFactory,
    BaselineOriginFactory,
    ImportBatchFactory,
    OperationFactory,
    OperationGrantFactory,
    RoundFactory,
    SiteAssessmentFactory,
    SiteFactory,
    SuperuserFactory,
    UserFactory,
    admin_tree,
)

SUPERUSER = "admin"  # the key of the plan's instance administrator (who imports and publishes)


@dataclass(frozen=True)
class Plan:
    """What a world holds.

    `users` maps a key to a username, in creation order: the key `admin` is the instance
    administrator, a key that names another role (`manager`, `analyst`, `viewer`) gets that
    role on the operation, any other key (`outsider`) no role at all. `sites` maps a site id to
    its admin unit and coordinates. Rounds 1..`published` are published, the others stay open
    (only the last may be: one open round per operation).
    """

    data: Path
    depth: int
    location_level: int
    users: dict[str, str]
    sites: dict[str, tuple[str, float | None, float | None]]
    rounds: int
    published: int
    operation_name: str | None = None
    public: bool = False
    starts: dict[int, dt.date] = field(default_factory=dict)
    centroids: dict[str, tuple[float, float]] = field(default_factory=dict)
    token_owner: str | None = None


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as handle:
        return list(csv.DictReader(handle))


def _int(value: str) -> int | None:
    return int(value) if value != "" else None


def where_from(model: type[Any], number: int) -> dict[str, Any]:
    """Where a stored row says it was read from: row `number` (0-based, under the header) of a
    sheet called "fixture". `model` is the assessment model the row is stored in."""
    return {"source_sheet": "fixture", "source_row": number + 2}


@dataclass
class World:
    operation: Operation
    units: dict[str, AdminUnit]
    sites: dict[str, Site]
    users: dict[str, User]
    data: Path
    rounds: dict[int, Round] = field(default_factory=dict)
    token: str = ""

    @property
    def admin(self) -> User:
        return self.users[SUPERUSER]

    @property
    def analyst(self) -> User:
        return self.users[Role.ANALYST.value]

    @property
    def viewer(self) -> User:
        return self.users[Role.VIEWER.value]

    def open_round(self, number: int, start: dt.date | None = None) -> Round:
        """Open round `number` (the next one), starting on `start` or a week after the last."""
        dates = {"start_date": start} if start is not None else {}
        round_ = RoundFactory(operation=self.operation, **dates)
        assert round_.number == number
        round_.operation = self.operation
        self.rounds[number] = round_
        return round_

    def load(self, number: int) -> None:
        """Store the data rows of round `number` as an import would: one batch per form."""
        round_ = self.rounds[number]
        batches = {
            form: ImportBatchFactory(round=round_, form_id=form, imported_by=self.admin)
            for form in (AssessmentForm.BASELINE, AssessmentForm.SITE)
        }
        by_location = {}
        for i, row in enumerate(_rows(self.data / "baseline.csv")):
            if int(row.pop("round")) != number:
                continue
            location = row.pop("location")
            flagged = row.pop("flagged", "no") == "yes"
            by_location[location] = BaselineAssessmentFactory(
                round=round_,
                batch=batches[AssessmentForm.BASELINE],
                location=self.units[location],
                flagged=flagged,
                source_row=i + 2,
                **{name: _int(value) for name, value in row.items()},
            )
        for i, row in enumerate(_rows(self.data / "origins.csv")):
            if int(row["round"]) == number:
                BaselineOriginFactory(
                    assessment=by_location[row["location"]],
                    origin=self.units[row["origin"]],
                    origin_hh=int(row["origin_hh"]),
                    origin_ind=int(row["origin_ind"]),
                    source_row=i + 2,
                )
        for i, row in enumerate(_rows(self.data / "sites.csv")):
            if int(row.pop("round")) != number:
                continue
            SiteAssessmentFactory(
                round=round_,
                batch=batches[AssessmentForm.SITE],
                site=self.sites[row.pop("site")],
                admin_unit=self.units[row.pop("unit")],
                site_status=row.pop("site_status"),
                source_row=i + 2,
                **{name: _int(value) for name, value in row.items()},
            )

    def publish(self, number: int) -> Round:
        """Validate and publish round `number` through the services (its snapshot is built)."""
        round_ = self.rounds[number]
        round_validate(round=round_, actor=self.admin)
        return round_publish(round=round_, actor=self.admin)


def world_build(plan: Plan, *, public: bool | None = None) -> World:
    """The world `plan` describes (`public` overrides whether its operation is public)."""
    if public is not None:
        plan = dataclasses.replace(plan, public=public)
    units = admin_tree(depth=plan.depth, fanout=2)
    for pcode, (lat, lon) in plan.centroids.items():
        AdminUnit.objects.filter(pcode=pcode).update(latitude=lat, longitude=lon)
        units[pcode].latitude, units[pcode].longitude = lat, lon
    names = {"name": plan.operation_name} if plan.operation_name else {}
    operation = OperationFactory(
        code="typhoon", location_level=plan.location_level, is_public=plan.public, **names
    )
    users: dict[str, User] = {
        key: (SuperuserFactory if key == SUPERUSER else UserFactory)(username=username)
        for key, username in plan.users.items()
    }
    for key, user in users.items():
        if key != SUPERUSER and key in Role.values:
            OperationGrantFactory(user=user, operation=operation, role=Role(key))
    sites = {
        site_id: SiteFactory(
            operation=operation,
            site_id=site_id,
            admin_unit=units[pcode],
            latitude=lat,
            longitude=lon,
        )
        for site_id, (pcode, lat, lon) in plan.sites.items()
    }
    world = World(operation, units, sites, users, plan.data)
    if plan.token_owner:
        owner = users[plan.token_owner]
        world.token = token_create(username=owner.username, name="tests", actor=owner).secret
    for number in range(1, plan.rounds + 1):
        world.open_round(number, plan.starts.get(number))
        world.load(number)
        if number <= plan.published:
            world.publish(number)
    return world


def client_for(world: World, who: str) -> Client:
    """A client as `who`: "anonymous", "token" (the world's API token) or a user's key."""
    if who == "anonymous":
        return Client()
    if who == "token":
        return Client(headers={"Authorization": f"Bearer {world.token}"})
    client = Client()
    client.force_login(world.users[who])
    return client
