"""The site registry: registering one or many sites, updating them, and their life cycle."""

from __future__ import annotations

import datetime as dt
import math
from itertools import product
from typing import Any

import pytest
from django.db import connection
from hypothesis import given
from hypothesis import strategies as st

from opendtm.accounts.choices import Role
from opendtm.accounts.models import AuditEvent, OperationGrant
from opendtm.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from opendtm.gazetteer.models import AdminUnit
from opendtm.operations import sites as sites_module
from opendtm.operations.checks import coordinates_check
from opendtm.operations.choices import SiteStatus
from opendtm.operations.models import Operation, Site, SiteStatusChange
from opendtm.operations.services import (
    SiteRecord,
    site_register,
    site_status_change,
    site_update,
    sites_register_many,
)
from opendtm.operations.workflow import SITE_TRANSITIONS
from tests.factories import (
    AdminUnitFactory,
    GazetteerVersionFactory,
    OperationFactory,
    SiteFactory,
    SuperuserFactory,
    UserFactory,
    admin_tree,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def op() -> Operation:
    return OperationFactory(code="phl-ty")


@pytest.fixture
def tree() -> dict[str, AdminUnit]:
    return admin_tree(depth=3, fanout=2)


def _state() -> tuple[int, int, int]:
    return Site.objects.count(), SiteStatusChange.objects.count(), AuditEvent.objects.count()


# --- registering one -----------------------------------------------------------------------


def test_register_one_site(op: Operation, tree: dict[str, AdminUnit]) -> None:
    root = SuperuserFactory(username="root")
    site = site_register(
        operation=op,
        site_id=" EC-001 ",
        name="San Isidro  Elementary School",
        site_type="Evacuation_Centre",
        admin_unit=tree["PH0100101"],
        latitude=14.5,
        longitude=121,
        opened_on=dt.date(2026, 11, 8),
        actor=root,
    )
    site.refresh_from_db()
    assert (
        site.site_id,
        site.name,
        site.site_type,
        site.admin_unit.pcode,
        site.latitude,
        site.longitude,
        site.opened_on,
        site.status,
        site.closed_on,
        site.created_by,
    ) == (
        "EC-001",
        "San Isidro Elementary School",
        "evacuation_centre",
        "PH0100101",
        14.5,
        121.0,
        dt.date(2026, 11, 8),
        "open",
        None,
        root,
    )
    first = SiteStatusChange.objects.get()
    assert (first.from_status, first.to_status, first.on, first.by, first.reason) == (
        "",
        "open",
        dt.date(2026, 11, 8),
        root,
        "registered",
    )
    event = AuditEvent.objects.get()
    assert (event.action, event.summary) == (
        "site.register",
        "registered site EC-001 (San Isidro Elementary School) in PH0100101",
    )


@pytest.mark.parametrize(
    ("change", "error", "message"),
    [
        ({"site_id": "S-1"}, Conflict, "Site 'S-1': operation phl-ty already has this site."),
        ({"site_id": "  "}, InvalidInput, "Site '': the site ID is empty."),
        ({"name": ""}, InvalidInput, "Site 'S-2': site name is empty."),
        ({"site_type": "camp"}, InvalidInput, "Site 'S-2': site type 'camp' is not one of"),
        ({"status": "gone"}, InvalidInput, "Site 'S-2': site status 'gone' is not one of"),
        ({"status": "closed"}, InvalidInput, "Site 'S-2': a closed site needs its closing date."),
        ({"latitude": 91.0}, InvalidInput, "Site 'S-2': latitude 91.0 is outside -90..90."),
        ({"longitude": -180.5}, InvalidInput, "Site 'S-2': longitude -180.5 is outside"),
        ({"latitude": None}, InvalidInput, "Site 'S-2': only one of latitude and longitude"),
        ({"latitude": math.nan}, InvalidInput, "Site 'S-2': latitude nan is outside -90..90."),
        ({"unit": "country"}, InvalidInput, "Site 'S-2': admin unit PH is the country itself."),
        ({"unit": "foreign"}, InvalidInput, "Site 'S-2': admin unit HT01 is in HTI, not in PHL"),
        ({"unit": "retired"}, InvalidInput, "Site 'S-2': admin unit PH02 is retired"),
        ({"opened_on": "2026-11-01"}, InvalidInput, "Site 'S-2': opening date '2026-11-01'"),
    ],
)
def test_register_refused_writes_nothing(
    op: Operation,
    tree: dict[str, AdminUnit],
    change: dict[str, Any],
    error: type[Exception],
    message: str,
) -> None:
    SiteFactory(operation=op, site_id="S-1", admin_unit=tree["PH01"])
    unit = tree["PH01001"]
    which = change.pop("unit", None)
    if which == "country":
        unit = tree["PH"]
    elif which == "foreign":
        unit = AdminUnitFactory(country_iso3="HTI", pcode="HT01")
    elif which == "retired":
        unit = tree["PH02"]
        unit.retired_in = GazetteerVersionFactory(country_iso3="PHL", label="2025")
        unit.save()
    kwargs: dict[str, Any] = {
        "site_id": "S-2",
        "name": "School",
        "site_type": "evacuation_centre",
        "admin_unit": unit,
        "latitude": 10.0,
        "longitude": 120.0,
        **change,
    }
    before = _state()
    with pytest.raises(error) as caught:
        site_register(operation=op, actor=SuperuserFactory(), **kwargs)
    assert str(caught.value).startswith(message)
    assert _state() == before


@pytest.mark.parametrize(
    ("role", "allowed"),
    [(Role.VIEWER, False), (Role.ANALYST, False), (Role.MANAGER, True), (Role.ADMIN, True)],
)
def test_who_may_register(
    op: Operation, tree: dict[str, AdminUnit], role: Role, allowed: bool
) -> None:
    user = UserFactory()
    OperationGrant.objects.create(user=user, operation=op, role=role)
    kwargs: dict[str, Any] = {
        "operation": op,
        "site_id": "S-9",
        "name": "Gym",
        "site_type": "collective_centre",
        "admin_unit": tree["PH01"],
        "actor": user,
    }
    if allowed:
        site_register(**kwargs)
        assert Site.objects.count() == 1
    else:
        with pytest.raises(PermissionDenied):
            site_register(**kwargs)
        assert _state() == (0, 0, 0)


# --- registering many ----------------------------------------------------------------------


def _rows(n: int, start: int = 1) -> list[dict[str, Any]]:
    return [
        {
            "site_id": f"EC-{i:04d}",
            "name": f"Centre {i}",
            "site_type": "evacuation_centre",
            "admin_pcode": "ph0100101" if i % 2 else "PH0100202",
            "latitude": 10 + i / 1000,
            "longitude": 120.5,
            "opened_on": dt.date(2026, 11, 8),
            "source_row": i + 1,
        }
        for i in range(start, start + n)
    ]


def test_register_many_in_one_write(op: Operation, tree: dict[str, AdminUnit]) -> None:
    root = SuperuserFactory()
    created = sites_register_many(operation=op, records=_rows(5), actor=root)
    assert created == dict(
        Site.objects.filter(operation=op).order_by("site_id").values_list("site_id", "pk")
    )
    assert list(created) == [f"EC-{i:04d}" for i in range(1, 6)]
    assert list(
        Site.objects.filter(operation=op)
        .order_by("site_id")
        .values_list("site_id", "admin_unit__pcode")
    ) == [
        ("EC-0001", "PH0100101"),
        ("EC-0002", "PH0100202"),
        ("EC-0003", "PH0100101"),
        ("EC-0004", "PH0100202"),
        ("EC-0005", "PH0100101"),
    ]
    assert SiteStatusChange.objects.filter(to_status="open", reason="registered").count() == 5
    event = AuditEvent.objects.get()
    assert (event.action, event.summary, event.changes["site_ids"][:2]) == (
        "site.register_many",
        "registered 5 sites in operation phl-ty",
        ["EC-0001", "EC-0002"],
    )


def test_register_many_takes_records_and_unit_ids(
    op: Operation, tree: dict[str, AdminUnit]
) -> None:
    records = [
        SiteRecord(
            site_id="T-1",
            name="Transit",
            site_type="transit_centre",
            admin_unit_id=tree["PH02"].pk,
            status="closed",
            opened_on=dt.date(2026, 11, 2),
            closed_on=dt.date(2026, 11, 9),
            closure_reason="returns",
        ),
        SiteRecord(
            site_id="P-1",
            name="Planned",
            site_type="planned_camp",
            admin_pcode="PH01",
            status="planned",
        ),
    ]
    created = sites_register_many(operation=op, records=records, actor=SuperuserFactory())
    assert list(created) == ["T-1", "P-1"]
    sites = Site.objects.in_bulk(list(created.values()))
    assert [(s.site_id, s.status, s.closed_on) for s in map(sites.get, created.values())] == [
        ("T-1", "closed", dt.date(2026, 11, 9)),
        ("P-1", "planned", None),
    ]
    assert SiteStatusChange.objects.get(site__site_id="T-1").on == dt.date(2026, 11, 9)


def test_register_many_queries_do_not_grow_with_rows(
    op: Operation, tree: dict[str, AdminUnit], django_assert_num_queries: Any
) -> None:
    """savepoint, admin units by P-code and by alternative code, known site IDs, insert sites,
    new ids, insert history, audit event, release: 9 statements whatever the number of rows.
    (On PostgreSQL the two inserts are COPYs, which bypass Django's query log: 7 are seen.)"""
    root = SuperuserFactory()
    seen = 9 if connection.vendor == "sqlite" else 7
    with django_assert_num_queries(seen):
        sites_register_many(operation=op, records=_rows(3), actor=root)
    with django_assert_num_queries(seen):
        created = sites_register_many(operation=op, records=_rows(300, start=100), actor=root)
    assert Site.objects.count() == 303
    assert SiteStatusChange.objects.count() == 303
    last = Site.objects.get(site_id="EC-0399")
    assert (created["EC-0399"], last.latitude, last.opened_on) == (
        last.pk,
        10 + 399 / 1000,
        dt.date(2026, 11, 8),
    )
    assert last.status_history.get().on == dt.date(2026, 11, 8)


def test_register_many_in_batches_refuses_a_repeat_across_them(
    op: Operation, tree: dict[str, AdminUnit], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Records go SITES_AT_A_TIME at a time: an ID given again in a later batch is still
    refused, naming the first row, and the batches already written are undone."""
    monkeypatch.setattr(sites_module, "SITES_AT_A_TIME", 2)
    rows = _rows(5)
    rows[4]["site_id"] = "EC-0001"
    before = _state()
    with pytest.raises(InvalidInput) as caught:
        sites_register_many(operation=op, records=iter(rows), actor=SuperuserFactory())
    assert str(caught.value) == (
        "Row 6, site 'EC-0001': the site ID is given twice (first in row 2)."
    )
    assert _state() == before
    created = sites_register_many(operation=op, records=iter(_rows(5)), actor=SuperuserFactory())
    assert list(created) == [f"EC-{i:04d}" for i in range(1, 6)]
    assert SiteStatusChange.objects.filter(site_id__in=created.values()).count() == 5
    assert AuditEvent.objects.get(action="site.register_many").changes["site_ids"] == list(created)


@pytest.mark.parametrize(
    ("bad", "error", "message"),
    [
        (
            {"site_id": "EC-0002"},
            InvalidInput,
            "Row 4, site 'EC-0002': the site ID is given twice (first in row 3).",
        ),
        (
            {"admin_pcode": "PH99"},
            NotFound,
            "Row 4, site 'EC-0003': P-code 'PH99' is not an admin unit of PHL.",
        ),
        (
            {"latitude": 200},
            InvalidInput,
            "Row 4, site 'EC-0003': latitude 200 is outside -90..90.",
        ),
        ({"admin_pcode": ""}, InvalidInput, "Row 4, site 'EC-0003': no admin unit is given."),
        (
            {"admin_pcode": "PH02"},
            InvalidInput,
            "Row 4, site 'EC-0003': admin unit PH02 is retired from the gazetteer. "
            "Use the unit that replaced it.",
        ),
        (
            {"closed_on": dt.date(2026, 11, 9)},
            InvalidInput,
            "Row 4, site 'EC-0003': a closing date is given for a site that is not closed.",
        ),
        ({"colour": "red"}, InvalidInput, "Row 4: unknown field(s) colour."),
        ({"name": None}, InvalidInput, "Row 4: missing name."),
    ],
)
def test_register_many_refuses_the_whole_batch(
    op: Operation,
    tree: dict[str, AdminUnit],
    bad: dict[str, Any],
    error: type[Exception],
    message: str,
) -> None:
    tree["PH02"].retired_in = GazetteerVersionFactory(country_iso3="PHL", label="2025")
    tree["PH02"].save()
    rows = _rows(4)
    rows[2].update(bad)
    before = _state()
    with pytest.raises(error) as caught:
        sites_register_many(operation=op, records=rows, actor=SuperuserFactory())
    assert str(caught.value).startswith(message)
    assert _state() == before


def test_register_many_refuses_a_known_site(op: Operation, tree: dict[str, AdminUnit]) -> None:
    SiteFactory(operation=op, site_id="EC-0002", admin_unit=tree["PH01"])
    before = _state()
    with pytest.raises(Conflict) as caught:
        sites_register_many(operation=op, records=_rows(3), actor=SuperuserFactory())
    assert str(caught.value).startswith(
        "Row 3, site 'EC-0002': operation phl-ty already has this site."
    )
    assert _state() == before


def test_register_many_of_nothing_writes_nothing(op: Operation) -> None:
    assert sites_register_many(operation=op, records=[], actor=SuperuserFactory()) == {}
    assert _state() == (0, 0, 0)


@given(
    st.one_of(st.none(), st.floats(allow_nan=True, allow_infinity=True)),
    st.one_of(st.none(), st.floats(allow_nan=True, allow_infinity=True)),
)
def test_coordinates_check(lat: float | None, lon: float | None) -> None:
    ok = (lat is None and lon is None) or (
        lat is not None
        and lon is not None
        and math.isfinite(lat)
        and math.isfinite(lon)
        and abs(lat) <= 90
        and abs(lon) <= 180
    )
    if ok:
        assert coordinates_check(lat, lon) == (lat, lon)
    else:
        with pytest.raises(InvalidInput):
            coordinates_check(lat, lon)


# --- updating ------------------------------------------------------------------------------


def test_update_records_the_changed_fields(op: Operation, tree: dict[str, AdminUnit]) -> None:
    site = SiteFactory(
        operation=op,
        site_id="S-1",
        name="Old",
        admin_unit=tree["PH01"],
        latitude=1.0,
        longitude=2.0,
    )
    site_update(
        site=site,
        actor=SuperuserFactory(),
        name="New",
        admin_unit=tree["PH01001"],
        latitude=1.0,
        longitude=3.5,
    )
    site.refresh_from_db()
    assert (site.name, site.admin_unit.pcode, site.latitude, site.longitude) == (
        "New",
        "PH01001",
        1.0,
        3.5,
    )
    event = AuditEvent.objects.get()
    assert (event.action, event.summary, event.changes) == (
        "site.update",
        "changed name, admin_unit, longitude of site S-1",
        {"name": ["Old", "New"], "admin_unit": ["PH01", "PH01001"], "longitude": [2.0, 3.5]},
    )


def test_update_refused_writes_nothing(op: Operation, tree: dict[str, AdminUnit]) -> None:
    site = SiteFactory(operation=op, site_id="S-1", admin_unit=tree["PH01"])
    with pytest.raises(InvalidInput) as caught:
        site_update(site=site, actor=SuperuserFactory(), latitude=45.0)
    assert str(caught.value).startswith("Site 'S-1': only one of latitude and longitude is given.")
    site.refresh_from_db()
    assert (site.latitude, AuditEvent.objects.count()) == (None, 0)


# --- life cycle ----------------------------------------------------------------------------

ALLOWED = {
    ("planned", "open"): False,
    ("open", "closing"): False,
    ("closing", "closed"): False,
    ("open", "closed"): True,
    ("closing", "open"): True,
    ("closed", "open"): True,
}  # (from, to): reason required


def test_the_site_table_is_exactly_the_documented_one() -> None:
    assert {
        (a.value, b.value): t.reason_required for (a, b), t in SITE_TRANSITIONS.items()
    } == ALLOWED


@pytest.mark.parametrize(("from_status", "to_status"), list(product(SiteStatus.values, repeat=2)))
def test_every_pair_of_site_statuses(op: Operation, from_status: str, to_status: str) -> None:
    site = SiteFactory(operation=op, status=from_status)
    root = SuperuserFactory()
    on = dt.date(2026, 11, 25)
    if (from_status, to_status) in ALLOWED:
        site_status_change(site=site, to_status=to_status, on=on, reason="as observed", actor=root)
        site.refresh_from_db()
        assert site.status == to_status
        assert site.closed_on == (on if to_status == "closed" else None)
        change = SiteStatusChange.objects.get()
        assert (change.from_status, change.to_status, change.on, change.reason) == (
            from_status,
            to_status,
            on,
            "as observed",
        )
    else:
        before = _state()
        with pytest.raises(Conflict):
            site_status_change(site=site, to_status=to_status, on=on, reason="x", actor=root)
        assert _state() == before


def test_full_life_cycle(op: Operation) -> None:
    root = SuperuserFactory()
    site = SiteFactory(operation=op, status="planned")
    for to, on, reason in (
        ("open", dt.date(2026, 11, 3), ""),
        ("closing", dt.date(2026, 12, 1), ""),
        ("closed", dt.date(2026, 12, 15), "families returned home"),
    ):
        site_status_change(site=site, to_status=to, on=on, reason=reason, actor=root)
    site.refresh_from_db()
    assert (site.status, site.opened_on, site.closed_on, site.closure_reason) == (
        "closed",
        dt.date(2026, 11, 3),
        dt.date(2026, 12, 15),
        "families returned home",
    )
    site_status_change(
        site=site, to_status="open", on=dt.date(2027, 1, 5), reason="new flooding", actor=root
    )
    site.refresh_from_db()
    assert (site.status, site.opened_on, site.closed_on, site.closure_reason) == (
        "open",
        dt.date(2026, 11, 3),
        None,
        "",
    )
    assert [e.action for e in AuditEvent.objects.order_by("id")] == [
        "site.open",
        "site.start_closing",
        "site.close",
        "site.reopen",
    ]


@pytest.mark.parametrize(
    ("from_status", "to_status", "message"),
    [
        (
            "open",
            "closed",
            "Site S-7 of phl-ty: going from open to closed needs a reason. Add --reason TEXT.",
        ),
        ("closed", "open", "Site S-7 of phl-ty: going from closed to open needs a reason."),
        ("closing", "open", "Site S-7 of phl-ty: going from closing to open needs a reason."),
    ],
)
def test_moves_that_need_a_reason(
    op: Operation, from_status: str, to_status: str, message: str
) -> None:
    site = SiteFactory(operation=op, site_id="S-7", status=from_status)
    with pytest.raises(InvalidInput) as caught:
        site_status_change(
            site=site, to_status=to_status, on=dt.date(2026, 11, 25), actor=SuperuserFactory()
        )
    assert str(caught.value).startswith(message)
    assert _state() == (1, 0, 0)


def test_a_change_cannot_predate_the_previous_one(op: Operation) -> None:
    root = SuperuserFactory()
    site = SiteFactory(operation=op, site_id="S-7")
    site_status_change(site=site, to_status="closing", on=dt.date(2026, 12, 1), actor=root)
    with pytest.raises(InvalidInput) as caught:
        site_status_change(site=site, to_status="closed", on=dt.date(2026, 11, 30), actor=root)
    assert str(caught.value) == (
        "Site S-7 of phl-ty: date 2026-11-30 is before its last status change (2026-12-01). "
        "Status changes are recorded in the order they happen."
    )
    site.refresh_from_db()
    assert (site.status, SiteStatusChange.objects.count()) == ("closing", 1)


def test_analyst_may_not_change_a_site(op: Operation) -> None:
    user = UserFactory()
    OperationGrant.objects.create(user=user, operation=op, role=Role.ANALYST)
    site = SiteFactory(operation=op)
    with pytest.raises(PermissionDenied):
        site_status_change(site=site, to_status="closing", on=dt.date(2026, 12, 1), actor=user)
    with pytest.raises(PermissionDenied):
        site_update(site=site, actor=user, name="x")
    site.refresh_from_db()
    assert (site.status, site.name != "x", _state()[1:]) == ("open", True, (0, 0))
