"""Versioned loads: the same content changes nothing; a new version updates, adds, retires."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from opendtm.accounts.models import AuditEvent
from opendtm.core.errors import Conflict, InvalidInput
from opendtm.gazetteer.models import AdminBoundary, AdminUnit, GazetteerVersion
from opendtm.gazetteer.queries import unit_resolve
from opendtm.gazetteer.services import gazetteer_load
from tests.gazetteer.conftest import FIXTURES, level_counts, stored_rows

pytestmark = pytest.mark.django_db

Loader = Callable[..., Any]
WRITES = ("INSERT", "UPDATE", "DELETE")


def writes(queries: CaptureQueriesContext) -> list[str]:
    return [
        q["sql"] for q in queries.captured_queries if q["sql"].lstrip().upper().startswith(WRITES)
    ]


def test_version_records_label_file_and_checksum(load: Loader, actor: Any) -> None:
    result = load("wide.csv", valid_from=date(2023, 1, 1))
    version = result.version
    assert (version.country_iso3, version.label, version.source) == ("PHL", "wide", "wide.csv")
    assert version.sha256 == hashlib.sha256((FIXTURES / "wide.csv").read_bytes()).hexdigest()
    assert version.valid_from == date(2023, 1, 1)
    assert version.loaded_by == actor
    assert AdminUnit.objects.get(pcode="PH0102801").valid_from == date(2023, 1, 1)
    event = AuditEvent.objects.get(action="gazetteer.load")
    assert event.actor == actor
    assert event.object_id == str(version.pk)
    assert (
        event.summary == "loaded PHL gazetteer wide: 11 created, 0 updated, 0 unchanged, 0 retired"
    )
    assert event.changes["levels"]["3"] == {
        "created": 5,
        "updated": 0,
        "unchanged": 0,
        "retired": 0,
    }


def test_loading_the_same_file_twice_changes_nothing(load: Loader) -> None:
    first = load("wide.csv")
    before = stored_rows()
    with CaptureQueriesContext(connection) as queries:
        again = load("wide.csv")
    assert writes(queries) == []
    assert stored_rows() == before
    assert not again.changed
    assert again.version == first.version
    assert level_counts(again) == {
        0: (0, 0, 1, 0),
        1: (0, 0, 2, 0),
        2: (0, 0, 3, 0),
        3: (0, 0, 5, 0),
        4: (0, 0, 0, 0),
    }


def test_same_content_under_a_new_label_is_still_unchanged(load: Loader) -> None:
    first = load("wide.csv")
    again = load("wide.csv", version_label="cod-ab-2023")
    assert not again.changed
    assert again.version == first.version
    assert GazetteerVersion.objects.count() == 1


def test_same_label_with_other_content_is_refused(load: Loader) -> None:
    load("wide.csv", version_label="cod-ab")
    before = stored_rows()
    with pytest.raises(Conflict) as refused:
        load("wide_v2.csv", version_label="cod-ab")
    assert str(refused.value) == (
        "Version 'cod-ab' of PHL was already loaded from different content (wide.csv). Give "
        "this edition its own label with --version LABEL. Nothing was loaded."
    )
    assert stored_rows() == before


def test_new_version_updates_adds_and_retires_never_deletes(load: Loader) -> None:
    old = load("wide.csv").version
    result = load("wide_v2.csv", valid_from=date(2026, 1, 1))
    new = result.version
    # Adams' population, Basco's name change; Itbayat is new; Sabtang is gone.
    assert level_counts(result) == {
        0: (0, 0, 1, 0),
        1: (0, 0, 2, 0),
        2: (0, 0, 3, 0),
        3: (1, 2, 2, 1),
        4: (0, 0, 0, 0),
    }
    assert AdminUnit.objects.get(pcode="PH0102801").population == 2300
    basco = AdminUnit.objects.get(pcode="PH0200901")
    assert (basco.name, basco.latitude) == ("Basco (Santo Domingo)", 20.449)  # kept: not given
    itbayat = AdminUnit.objects.get(pcode="PH0200902")
    assert (itbayat.introduced_in, itbayat.parent.pcode, itbayat.population) == (
        new,
        "PH02009",
        3380,
    )
    sabtang = AdminUnit.objects.get(pcode="PH0200905")
    assert (sabtang.retired_in, sabtang.valid_to, sabtang.introduced_in) == (
        new,
        date(2026, 1, 1),
        old,
    )
    assert unit_resolve(country_iso3="PHL", code="ph0200905") == sabtang  # old codes resolve
    assert new.unit_count == 11
    assert AdminUnit.objects.count() == 12


def test_a_retired_unit_that_comes_back_is_current_again(load: Loader) -> None:
    load("wide.csv")
    load("wide_v2.csv")
    result = load("semicolon_bom.csv")
    sabtang = AdminUnit.objects.get(pcode="PH0200905")
    assert (sabtang.retired_in, sabtang.valid_to, sabtang.name) == (
        None,
        None,
        "Sabtang; Santo Niño",
    )
    assert AdminUnit.objects.get(pcode="PH0200902").retired_in == result.version
    assert level_counts(result)[3] == (0, 3, 2, 1)


def test_changed_polygon_is_rewritten(load: Loader, tmp_path: Path) -> None:
    load("adm2.geojson")
    moved = tmp_path / "adm2_v2.geojson"
    moved.write_text((FIXTURES / "adm2.geojson").read_text().replace("122.0,", "122.5,"))
    result = load(moved)
    assert level_counts(result)[2] == (0, 1, 2, 0)
    assert result.boundaries_written == 1
    box = AdminBoundary.objects.get(unit__pcode="PH02009")
    assert (box.min_x, box.max_x) == (121.8, 122.5)
    assert AdminBoundary.objects.count() == 3


def test_file_and_builtin_together_are_refused(actor: Any) -> None:
    with pytest.raises(InvalidInput, match="Give either a file or --builtin, not both"):
        gazetteer_load(path=FIXTURES / "wide.csv", country_iso3="PHL", builtin=True, actor=actor)


def test_no_builtin_for_other_countries(actor: Any) -> None:
    with pytest.raises(InvalidInput) as refused:
        gazetteer_load(path=None, country_iso3="ken", builtin=True, actor=actor)
    assert str(refused.value) == (
        "There is no built-in gazetteer for KEN; built in: PHL. Load the country's COD-AB file "
        "with `opendtm gazetteer load FILE --country ISO3`."
    )


def test_unknown_country_is_refused(actor: Any) -> None:
    with pytest.raises(InvalidInput, match="'XYZ' is not an ISO 3166 country code"):
        gazetteer_load(path=FIXTURES / "wide.csv", country_iso3="XYZ", actor=actor)


@pytest.mark.parametrize("who", ["manager", "deactivated admin", "nobody"])
def test_only_an_instance_administrator_loads_a_gazetteer(who: str) -> None:
    """A gazetteer codes the places of every operation of its country: loading one is for
    instance administrators; anyone else is refused before the file is read, writing nothing."""
    from django.contrib.auth.models import AnonymousUser

    from opendtm.accounts.choices import Role
    from opendtm.accounts.models import OperationGrant
    from opendtm.core.errors import PermissionDenied
    from tests.factories import OperationFactory, SuperuserFactory, UserFactory

    actor: Any
    if who == "manager":
        actor = UserFactory(username="mia")
        OperationGrant.objects.create(user=actor, operation=OperationFactory(), role=Role.ADMIN)
    elif who == "deactivated admin":
        actor = SuperuserFactory(username="mia", is_active=False)
    else:
        actor = AnonymousUser()
    before = stored_rows()
    with pytest.raises(PermissionDenied) as refused:
        gazetteer_load(path=FIXTURES / "no-such-file.csv", country_iso3="PHL", actor=actor)
    name = "anonymous" if who == "nobody" else "mia"
    assert str(refused.value) == (
        f"{name} may not load a gazetteer: only an instance administrator may. Ask an "
        "administrator (a user created with `opendtm user create --admin`)."
    )
    assert stored_rows() == before
