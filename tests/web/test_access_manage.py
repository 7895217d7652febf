"""Every management page for every role, on a private and on a public operation, as
tests/web/test_access.py does for the reading pages: the expected answer is written out
below, one row per page. "login" means the visitor is sent to the login page. After every
refused request, and after a publication asked without its confirmation, nothing changed
(no audit event, no row of operations, rounds, roles, accounts or tokens).

The operation (tests/figures/conftest.py) has round 1 published and round 2, here,
validated (so it may be published, and a round may be opened).
"""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django_tasks_db.models import DBTaskResult

from opendtm.accounts.models import AuditEvent, OperationGrant
from opendtm.api.models import ApiToken
from opendtm.api.services import token_create
from opendtm.figures.models import FigureSnapshot
from opendtm.operations.models import Operation, Round
from tests.web.conftest import WebWorld

ROLES = ("anonymous", "norole", "viewer", "analyst", "manager", "admin", "superuser")
NEW_OPERATION = {
    "code": "new-op",
    "name": "New operation",
    "country": "PHL",
    "crisis_type": "flood",
    "start_date": "2026-01-05",
    "mcof_phase": "during",
    "location_level": "3",
}

# page -> (method, url, data); {token} is the viewer's API token
PAGES: dict[str, tuple[str, str, dict[str, str] | None]] = {
    "rounds": ("get", "/o/typhoon/rounds/", None),
    "round_publish": ("get", "/o/typhoon/rounds/2/publish/", None),
    "publish_unconfirmed": ("post", "/o/typhoon/rounds/2/move/", {"to_status": "published"}),
    "form": ("get", "/o/typhoon/forms/dtm_site.xlsx", None),
    "settings": ("get", "/o/typhoon/settings/", None),
    "people": ("get", "/o/typhoon/people/", None),
    "operation_new": ("get", "/manage/operations/new/", None),
    "users": ("get", "/manage/users/", None),
    "user": ("get", "/manage/users/nora/", None),
    "tokens": ("get", "/account/tokens/", None),
    "round_open": ("post", "/o/typhoon/rounds/open/", {"start_date": "2026-12-01"}),
    "settings_post": (
        "post",
        "/o/typhoon/settings/",
        {"name": "Renamed", "mcof_phase": "after", "end_date": ""},
    ),
    "people_post": ("post", "/o/typhoon/people/", {"username": "nora", "role": "viewer"}),
    "operation_new_post": ("post", "/manage/operations/new/", NEW_OPERATION),
    "users_post": ("post", "/manage/users/", {"username": "newbie"}),
    "user_password": (
        "post",
        "/manage/users/nora/password/",
        {"password": "a long and unusual pass phrase"},
    ),
    "user_active": ("post", "/manage/users/nora/active/", {"active": "0", "reason": "left"}),
    "token_issue": ("post", "/account/tokens/", {"name": "script"}),
    "token_issue_other": ("post", "/account/tokens/", {"name": "x", "username": "boss"}),
    "token_revoke": ("post", "/account/tokens/{token}/revoke/", {"reason": "lost"}),
    "figures_rebuild": ("post", "/o/typhoon/rounds/1/figures/rebuild/", None),
}

L = "login"
# Private operation. Columns: anonymous, no role, viewer, analyst, manager, admin, superuser.
PRIVATE: dict[str, tuple[Any, ...]] = {
    "rounds":              (L,   404, 200, 200, 200, 200, 200),
    "round_publish":       (L,   404, 403, 403, 200, 200, 200),
    "publish_unconfirmed": (L,   404, 403, 403, 302, 302, 302),
    "form":                (L,   404, 403, 403, 200, 200, 200),
    "settings":            (L,   404, 403, 403, 403, 200, 200),
    "people":              (L,   404, 403, 403, 403, 200, 200),
    "operation_new":       (L,   403, 403, 403, 403, 403, 200),
    "users":               (L,   403, 403, 403, 403, 403, 200),
    "user":                (L,   403, 403, 403, 403, 403, 200),
    "tokens":              (L,   200, 200, 200, 200, 200, 200),
    "round_open":          (L,   404, 403, 403, 302, 302, 302),
    "settings_post":       (L,   404, 403, 403, 403, 302, 302),
    "people_post":         (L,   404, 403, 403, 403, 302, 302),
    "operation_new_post":  (L,   403, 403, 403, 403, 403, 302),
    "users_post":          (L,   403, 403, 403, 403, 403, 302),
    "user_password":       (L,   403, 403, 403, 403, 403, 302),
    "user_active":         (L,   403, 403, 403, 403, 403, 302),
    "token_issue":         (L,   200, 200, 200, 200, 200, 200),
    "token_issue_other":   (L,   403, 403, 403, 403, 403, 200),
    "token_revoke":        (L,   403, 302, 403, 403, 403, 302),
    "figures_rebuild":     (L,   404, 403, 403, 302, 302, 302),
}  # fmt: skip
# Public operation: anyone sees its rounds; a user without a role is refused (403), no
# longer told it does not exist; the rest is as on a private one.
PUBLIC: dict[str, tuple[Any, ...]] = PRIVATE | {
    "rounds":              (200, 200, 200, 200, 200, 200, 200),
    "round_publish":       (L,   403, 403, 403, 200, 200, 200),
    "publish_unconfirmed": (L,   403, 403, 403, 302, 302, 302),
    "form":                (L,   403, 403, 403, 200, 200, 200),
    "settings":            (L,   403, 403, 403, 403, 200, 200),
    "people":              (L,   403, 403, 403, 403, 200, 200),
    "round_open":          (L,   403, 403, 403, 302, 302, 302),
    "settings_post":       (L,   403, 403, 403, 403, 302, 302),
    "people_post":         (L,   403, 403, 403, 403, 302, 302),
    "figures_rebuild":     (L,   403, 403, 403, 302, 302, 302),
}  # fmt: skip
REFUSED = {L, 400, 403, 404, 405}

CASES = [
    pytest.param(public, table, role, i, id=f"{'public' if public else 'private'}-{role}")
    for public, table in ((False, PRIVATE), (True, PUBLIC))
    for i, role in enumerate(ROLES)
]


def _state() -> tuple[Any, ...]:
    """Everything a management page may change."""
    return (
        AuditEvent.objects.count(),
        sorted(
            Operation.objects.values_list("code", "name", "is_public", "end_date", "mcof_phase")
        ),
        sorted(Round.objects.values_list("operation__code", "number", "status")),
        sorted(OperationGrant.objects.values_list("user__username", "operation__code", "role")),
        sorted(get_user_model().objects.values_list("username", "is_active", "password")),
        sorted(ApiToken.objects.values_list("pk", flat=True)),
        sorted(FigureSnapshot.objects.values_list("pk", flat=True)),
        DBTaskResult.objects.count(),
    )


@pytest.mark.parametrize(("public", "table", "role", "column"), CASES)
def test_management_pages_answer_each_role(
    web_world: WebWorld,
    client: Client,
    public: bool,
    table: dict[str, tuple[Any, ...]],
    role: str,
    column: int,
) -> None:
    operation = web_world.world.operation
    Operation.objects.filter(pk=operation.pk).update(is_public=public)
    Round.objects.filter(operation=operation, number=2).update(status="validated")
    viewer = web_world.users["viewer"]
    token = token_create(username=viewer.username, actor=viewer).token  # type: ignore[union-attr]
    user = web_world.users[role]
    if user is not None:
        client.force_login(user)
    got: dict[str, Any] = {}
    for page, (method, url, data) in PAGES.items():
        before = _state()
        response = getattr(client, method)(url.format(token=token.pk), data)
        location = response.get("Location", "")
        got[page] = (
            L
            if response.status_code == 302 and location.startswith("/login/")
            else response.status_code
        )
        if got[page] in REFUSED or page == "publish_unconfirmed":
            assert _state() == before, page
        if page == "publish_unconfirmed" and got[page] == 302:
            assert location == "/o/typhoon/rounds/2/publish/"
    assert got == {page: table[page][column] for page in PAGES}
