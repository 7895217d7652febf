"""The hand-made operation of the figures tests, with one user per role for the pages."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User

from opendtm.accounts.choices import Role
from opendtm.accounts.models import OperationGrant
from opendtm.ingest.models import ImportBatch
from opendtm.ingest.services import import_commit
from tests.factories import UserFactory
from tests.figures.conftest import World, world_build

PASSWORD = "correct horse battery staple"


@dataclass
class WebWorld:
    world: World
    users: dict[str, User | None]  # role name -> user (None: anonymous)


@pytest.fixture
def web_world(db: Any, settings: Any, tmp_path: Any) -> WebWorld:
    settings.UPLOAD_ROOT = tmp_path / "uploads"
    settings.OPENDTM_TASKS_INLINE = True
    world = world_build()
    users: dict[str, User | None] = {
        "anonymous": None,
        "norole": UserFactory(username="nora"),
        "viewer": world.viewer,
        "analyst": world.analyst,
        "manager": UserFactory(username="max"),
        "admin": UserFactory(username="ada"),
        "superuser": world.admin,
    }
    OperationGrant.objects.create(
        user=users["manager"], operation=world.operation, role=Role.MANAGER
    )
    OperationGrant.objects.create(user=users["admin"], operation=world.operation, role=Role.ADMIN)
    for user in users.values():
        if user is not None:
            user.set_password(PASSWORD)
            user.save(update_fields=["password"])
    return WebWorld(world, users)


MESSY_SITES = Path(__file__).resolve().parents[1] / "ingest" / "fixtures" / "sites_messy.csv"


def messy_sites_import(world: World, folder: Path) -> ImportBatch:
    """Import tests/ingest/fixtures/sites_messy.csv (its units moved into this world's
    gazetteer) into open round 2 as the superuser: 6 rows read, rows 2, 3 and 6 (uuid-a, -b,
    -e) stored flagged, rows 4, 5 and 7 (uuid-c, -d and a second uuid-a) rejected."""
    export = folder / "sites.csv"
    text = MESSY_SITES.read_text().replace("0102801", "0100101").replace("PH01028", "PH01001")
    export.write_text(text)
    result = import_commit(
        operation=world.operation,
        round=world.rounds[2],
        form_id="dtm_site",
        path=export,
        actor=world.admin,
    )
    assert result.batch is not None
    return result.batch
