"""Reads of operations, rounds and sites, restricted to what the user may see."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser

from opendtm.accounts.choices import Role
from opendtm.accounts.models import OperationGrant
from opendtm.core.errors import InvalidInput, NotFound
from opendtm.gazetteer.choices import CodeKind
from opendtm.gazetteer.models import AdminUnit, AdminUnitCode
from opendtm.operations.choices import RoundStatus
from opendtm.operations.models import Operation
from opendtm.operations.queries import (
    admin_unit_for_code,
    admin_units_for_codes,
    gazetteer_version_latest,
    operation_get,
    operation_list,
    round_get,
    rounds_of,
    site_counts_by_status,
    site_get,
    sites_of,
)
from tests.factories import (
    GazetteerVersionFactory,
    OperationFactory,
    RoundFactory,
    SiteFactory,
    SuperuserFactory,
    UserFactory,
    admin_tree,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def tree() -> dict[str, AdminUnit]:
    return admin_tree(depth=3, fanout=2)


def test_operation_get_is_restricted_and_hints_at_visible_codes() -> None:
    secret = OperationFactory(code="secret")
    OperationFactory(code="open-data", is_public=True)
    alice = UserFactory()
    assert operation_get(user=SuperuserFactory(), code=" SECRET ") == secret
    with pytest.raises(NotFound) as caught:
        operation_get(user=alice, code="secret")
    assert str(caught.value) == "No operation 'secret'. Known operations: open-data."
    OperationGrant.objects.create(user=alice, operation=secret, role=Role.VIEWER)
    assert operation_get(user=alice, code="secret") == secret


def test_operation_get_with_none_visible() -> None:
    with pytest.raises(NotFound) as caught:
        operation_get(user=AnonymousUser(), code="x")
    assert str(caught.value) == (
        "No operation 'x'. There is none yet: create one with `opendtm operation create`."
    )


def test_operation_list_counts_rounds_in_one_query(django_assert_num_queries: Any) -> None:
    a = OperationFactory(code="a", is_public=True)
    OperationFactory(code="b")
    RoundFactory(operation=a, status=RoundStatus.PUBLISHED)
    RoundFactory(operation=a)
    with django_assert_num_queries(1):
        rows = [(op.code, op.round_count) for op in operation_list(user=SuperuserFactory.build())]
    assert rows == [("a", 2), ("b", 0)]


def test_operation_list_anonymous_one_query(django_assert_num_queries: Any) -> None:
    for n in range(6):
        OperationFactory(code=f"op{n}", is_public=n < 3)
    with django_assert_num_queries(1):
        assert [op.code for op in operation_list(user=None)] == ["op0", "op1", "op2"]


def test_rounds_of_hides_unpublished_rounds_from_viewers() -> None:
    op = OperationFactory(is_public=True)
    RoundFactory(operation=op, status=RoundStatus.PUBLISHED)
    RoundFactory(operation=op, status=RoundStatus.VALIDATED)
    RoundFactory(operation=op)
    viewer, analyst = UserFactory(), UserFactory()
    OperationGrant.objects.create(user=viewer, operation=op, role=Role.VIEWER)
    OperationGrant.objects.create(user=analyst, operation=op, role=Role.ANALYST)
    for user, expected in (
        (None, [(1, "published")]),
        (viewer, [(1, "published")]),
        (analyst, [(1, "published"), (2, "validated"), (3, "open")]),
    ):
        assert [(r.number, r.status) for r in rounds_of(operation=op, user=user)] == expected
    assert round_get(operation=op, number=3, user=analyst).status == "open"
    with pytest.raises(NotFound) as caught:
        round_get(operation=op, number=3, user=viewer)
    assert str(caught.value) == f"Operation {op.code} has no round 3. Its rounds: 1."
    with pytest.raises(NotFound):
        round_get(operation=op, number=3, user=None)


def test_rounds_of_counts_transitions() -> None:
    op = OperationFactory()
    r = RoundFactory(operation=op)
    r.transitions.create(from_status="open", to_status="validated", by=SuperuserFactory())
    assert [
        (x.number, x.transition_count) for x in rounds_of(operation=op, user=SuperuserFactory())
    ] == [(1, 1)]


def test_sites_of_filters(tree: dict[str, AdminUnit]) -> None:
    op = OperationFactory(code="phl-ty")
    for site_id, status, site_type, unit in (
        ("A", "open", "evacuation_centre", "PH0100101"),
        ("B", "closed", "evacuation_centre", "PH0100202"),
        ("C", "open", "planned_camp", "PH01002"),
        ("D", "closing", "collective_centre", "PH0200101"),
        ("E", "open", "evacuation_centre", "PH01"),
    ):
        SiteFactory(
            operation=op, site_id=site_id, status=status, site_type=site_type, admin_unit=tree[unit]
        )
    SiteFactory(admin_unit=tree["PH0100101"])  # another operation's site
    admin = SuperuserFactory()

    def ids(**filters: Any) -> list[str]:
        return [s.site_id for s in sites_of(user=admin, operation=op, **filters)]

    assert ids() == ["A", "B", "C", "D", "E"]
    assert ids(status="Open") == ["A", "C", "E"]
    assert ids(site_type="evacuation_centre") == ["A", "B", "E"]
    assert ids(admin_pcode="ph01") == ["A", "B", "C", "E"]
    assert ids(admin_pcode="PH01002") == ["B", "C"]
    assert ids(admin_pcode="PH0100202") == ["B"]
    assert ids(admin_pcode="PH") == ["A", "B", "C", "D", "E"]
    assert ids(admin_pcode="PH01", status="open", site_type="planned_camp") == ["C"]
    with pytest.raises(NotFound) as caught:
        ids(admin_pcode="PH77")
    assert str(caught.value).startswith("P-code 'PH77' is not an admin unit of PHL.")
    with pytest.raises(InvalidInput):
        ids(status="abandoned")


def test_sites_of_query_count_is_pinned(
    tree: dict[str, AdminUnit], django_assert_num_queries: Any
) -> None:
    op = OperationFactory()
    for n in range(25):
        SiteFactory(operation=op, admin_unit=tree["PH0100101" if n % 2 else "PH0200202"])
    admin = SuperuserFactory()
    with django_assert_num_queries(1):  # the status and who may see what are subqueries
        rows = [(s.site_id, s.admin_unit.pcode) for s in sites_of(user=admin, operation=op)]
    assert len(rows) == 25
    with django_assert_num_queries(3):  # the code (P-codes, alternative codes), the sites
        found = sites_of(user=admin, operation=op, admin_pcode="PH01")
        rows = [(s.site_id, s.admin_unit.pcode) for s in found]
    assert {pcode for _, pcode in rows} == {"PH0100101"}
    assert len(rows) == 12


def test_site_get_and_counts(tree: dict[str, AdminUnit]) -> None:
    op = OperationFactory(code="phl-ty")
    SiteFactory(operation=op, site_id="S-1", admin_unit=tree["PH01"])
    SiteFactory(operation=op, site_id="S-2", status="closed", admin_unit=tree["PH01"])
    admin = SuperuserFactory()
    assert site_get(user=admin, operation=op, site_id=" S-1 ").admin_unit.pcode == "PH01"
    with pytest.raises(NotFound) as caught:
        site_get(user=admin, operation=op, site_id="S-3")
    assert str(caught.value) == (
        "Operation phl-ty has no site 'S-3'. "
        "List them with `opendtm sites list --operation phl-ty`."
    )
    assert site_counts_by_status(user=admin, operation=op) == {
        "planned": 0,
        "open": 1,
        "closing": 0,
        "closed": 1,
    }


def test_admin_unit_lookups(tree: dict[str, AdminUnit]) -> None:
    retired = tree["PH02"]
    retired.retired_in = GazetteerVersionFactory(label="2025")
    retired.save()
    AdminUnitCode.objects.create(
        country_iso3="PHL", code="9999", unit=tree["PH01002"], kind=CodeKind.FORMER
    )
    assert admin_unit_for_code(country_iso3="phl", code=" ph01001 ") == tree["PH01001"]
    assert admin_unit_for_code(country_iso3="PHL", code="0100101") == tree["PH0100101"]
    assert admin_unit_for_code(country_iso3="PHL", code="9999") == tree["PH01002"]
    assert admin_unit_for_code(country_iso3="PHL", code="PH02") == retired  # reads may filter
    with pytest.raises(NotFound) as caught:
        admin_unit_for_code(country_iso3="HTI", code="PH01")
    assert str(caught.value).startswith("P-code 'PH01' is not an admin unit of HTI.")
    found = admin_units_for_codes(country_iso3="PHL", codes=["ph01", "PH02", "PH9", "9999"])
    assert {code: unit.pcode for code, unit in found.items()} == {
        "ph01": "PH01",
        "PH02": "PH02",
        "9999": "PH01002",
    }


def test_gazetteer_version_latest() -> None:
    assert gazetteer_version_latest(country_iso3="PHL") is None
    GazetteerVersionFactory(label="a")
    b = GazetteerVersionFactory(label="b")
    GazetteerVersionFactory(country_iso3="HTI", label="c")
    assert gazetteer_version_latest(country_iso3="phl") == b


def test_operation_fixture_dates() -> None:
    """The factories' defaults other tests rely on."""
    op = OperationFactory()
    r1, r2 = RoundFactory(operation=op, status=RoundStatus.PUBLISHED), RoundFactory(operation=op)
    assert (op.start_date, r1.start_date, r2.start_date) == (
        dt.date(2026, 11, 1),
        dt.date(2026, 11, 1),
        dt.date(2026, 11, 8),
    )
    assert r1.published_at is not None and r2.published_at is None
    assert isinstance(op, Operation)
