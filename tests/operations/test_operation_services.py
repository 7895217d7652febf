"""Creating and updating operations: checks, the gazetteer version, audit, refusals."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from opendtm.accounts.choices import Role
from opendtm.accounts.models import AuditEvent, OperationGrant
from opendtm.core.errors import Conflict, InvalidInput, PermissionDenied
from opendtm.operations.checks import operation_code_clean
from opendtm.operations.models import Operation
from opendtm.operations.services import UNSET, operation_create, operation_update
from tests.factories import (
    GazetteerVersionFactory,
    OperationFactory,
    SuperuserFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

GOOD: dict[str, Any] = {
    "code": "PHL-Typhoon-2026",
    "name": "  Philippines   typhoon 2026 ",
    "country_iso3": "phl",
    "crisis_type": "Typhoon",
    "start_date": dt.date(2026, 11, 8),
    "mcof_phase": "during",
    "location_level": 3,
}


def test_create_cleans_and_records_everything() -> None:
    root = SuperuserFactory(username="root")
    op = operation_create(**GOOD, actor=root)
    op.refresh_from_db()
    assert (
        op.code,
        op.name,
        op.country_iso3,
        op.crisis_type,
        op.start_date,
        op.mcof_phase,
        op.location_level,
        op.is_public,
        op.gazetteer_version,
        op.created_by,
    ) == (
        "phl-typhoon-2026",
        "Philippines typhoon 2026",
        "PHL",
        "typhoon",
        dt.date(2026, 11, 8),
        "during",
        3,
        False,
        None,
        root,
    )
    event = AuditEvent.objects.get()
    assert (event.action, event.operation, event.summary) == (
        "operation.create",
        op,
        "created operation phl-typhoon-2026 (PHL, typhoon)",
    )
    assert event.changes["start_date"] == [None, "2026-11-08"]


def test_create_records_the_latest_gazetteer_of_the_country() -> None:
    GazetteerVersionFactory(country_iso3="PHL", label="2023")
    latest = GazetteerVersionFactory(country_iso3="PHL", label="2024")
    GazetteerVersionFactory(country_iso3="HTI", label="2025")  # another country, loaded later
    op = operation_create(**GOOD, actor=SuperuserFactory())
    assert op.gazetteer_version == latest


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"code": "phl typhoon"}, "Operation code 'phl typhoon' is not a valid code."),
        ({"code": "-x"}, "Operation code '-x' is not a valid code."),
        ({"code": "x" * 51}, "Operation code 'xxxxx"),
        ({"name": "   "}, "Operation name is empty. Give the operation name."),
        ({"country_iso3": "XYZ"}, "'XYZ' is not an ISO 3166 country code."),
        ({"crisis_type": "tsunami"}, "Crisis type 'tsunami' is not one of the accepted values."),
        ({"mcof_phase": "recovery"}, "MCOF phase 'recovery' is not one of the accepted values."),
        ({"location_level": 0}, "Location level 0 is not an admin level from 1 to 4."),
        ({"location_level": 5}, "Location level 5 is not an admin level from 1 to 4."),
        ({"location_level": True}, "Location level True is not an admin level from 1 to 4."),
        ({"start_date": "2026-11-08"}, "Start date '2026-11-08' is not a date."),
        (
            {"start_date": dt.datetime(2026, 11, 8, tzinfo=dt.UTC)},
            "Start date datetime.datetime(2026, 11, 8, 0, 0, tzinfo=datetime.timezone.utc) "
            "is not a date.",
        ),
    ],
)
def test_create_refuses_bad_input_and_writes_nothing(change: dict[str, Any], message: str) -> None:
    root = SuperuserFactory()
    with pytest.raises(InvalidInput) as caught:
        operation_create(**{**GOOD, **change}, actor=root)
    assert str(caught.value).startswith(message)
    assert (Operation.objects.count(), AuditEvent.objects.count()) == (0, 0)


def test_create_refuses_a_duplicate_code_whatever_its_case() -> None:
    OperationFactory(code="phl-typhoon-2026", name="first")
    with pytest.raises(Conflict) as caught:
        operation_create(**GOOD, actor=SuperuserFactory())
    assert str(caught.value) == (
        "An operation 'phl-typhoon-2026' already exists. "
        "Choose another code, or see it with `opendtm operation show`."
    )
    assert list(Operation.objects.values_list("name", flat=True)) == ["first"]
    assert AuditEvent.objects.count() == 0


def test_create_needs_an_instance_administrator() -> None:
    admin_elsewhere = UserFactory()
    OperationGrant.objects.create(
        user=admin_elsewhere, operation=OperationFactory(), role=Role.ADMIN
    )
    with pytest.raises(PermissionDenied):
        operation_create(**GOOD, actor=admin_elsewhere)
    assert Operation.objects.count() == 1


@given(st.text(max_size=60))
def test_operation_code_clean(text: str) -> None:
    """Accepted codes are lower-case slugs of at most 50 characters; nothing else passes."""
    try:
        cleaned = operation_code_clean(text)
    except InvalidInput:
        lowered = text.strip().lower()
        assert (
            not lowered
            or len(lowered) > 50
            or not all(c.isascii() and (c.isalnum() or c in "-_") for c in lowered)
            or lowered[0] in "-_"
            or lowered[-1] in "-_"
            or "--" in lowered
            or "__" in lowered
            or "-_" in lowered
            or "_-" in lowered
        )
    else:
        assert cleaned == text.strip().lower()
        assert 1 <= len(cleaned) <= 50
        assert set(cleaned) <= set("abcdefghijklmnopqrstuvwxyz0123456789-_")


@pytest.mark.parametrize("code", ["phl-ty-2026", "a", "hti_eq_2021", "x1-y2_z3"])
def test_operation_code_clean_examples(code: str) -> None:
    assert operation_code_clean(code.upper()) == code


def test_update_changes_only_what_differs_and_audits_it() -> None:
    op = OperationFactory(code="op-u", name="Old", mcof_phase="during", is_public=False)
    admin = UserFactory()
    OperationGrant.objects.create(user=admin, operation=op, role=Role.ADMIN)
    operation_update(
        operation=op,
        actor=admin,
        name="New name",
        mcof_phase="during",
        is_public=True,
        end_date=dt.date(2027, 1, 31),
    )
    op.refresh_from_db()
    assert (op.name, op.is_public, op.end_date) == ("New name", True, dt.date(2027, 1, 31))
    event = AuditEvent.objects.get()
    assert (event.action, event.summary, event.changes) == (
        "operation.update",
        "changed name, is_public, end_date of operation op-u",
        {
            "name": ["Old", "New name"],
            "is_public": [False, True],
            "end_date": [None, "2027-01-31"],
        },
    )
    operation_update(operation=op, actor=admin, name="New name", end_date=UNSET)
    assert AuditEvent.objects.count() == 1


def test_update_refuses_an_end_before_the_start() -> None:
    op = OperationFactory(start_date=dt.date(2026, 11, 1))
    with pytest.raises(InvalidInput) as caught:
        operation_update(operation=op, actor=SuperuserFactory(), end_date=dt.date(2026, 10, 31))
    assert str(caught.value) == "End date 2026-10-31 is before the operation's start 2026-11-01."
    op.refresh_from_db()
    assert (op.end_date, AuditEvent.objects.count()) == (None, 0)


@pytest.mark.parametrize("role", [Role.VIEWER, Role.ANALYST, Role.MANAGER])
def test_update_needs_operation_admin(role: Role) -> None:
    op = OperationFactory(is_public=False)
    user = UserFactory()
    OperationGrant.objects.create(user=user, operation=op, role=role)
    with pytest.raises(PermissionDenied):
        operation_update(operation=op, actor=user, is_public=True)
    op.refresh_from_db()
    assert op.is_public is False
