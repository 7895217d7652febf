"""The hand-made operation of the figures tests, with one user per role for the pages."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib.auth.models import User

from opendtm.accounts.choices import Role
from opendtm.accounts.models import OperationGrant
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
    settings.OPENDTM_WEB_IMPORT_INLINE = True
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
