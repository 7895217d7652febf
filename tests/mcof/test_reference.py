"""MCOF reference data: the shipped rows, the mapping, renaming unconfirmed sectors, the CLI."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from opendtm.accounts.models import AuditEvent
from opendtm.cli.main import cli
from opendtm.core.errors import Conflict, PermissionDenied
from opendtm.mcof.models import CoordinationGroup, Sector
from opendtm.mcof.queries import group_list, sector_get, sector_list, vocabulary_list
from opendtm.mcof.services import sector_rename
from tests.factories import SuperuserFactory, UserFactory

pytestmark = pytest.mark.django_db

CODES = [
    "CCM", "Cash", "EDU", "ERY", "FSC", "HEA", "Hum", "Intersectoral", "LOG", "Multi", "NUT",
    "PRO", "PRO-CPN", "PRO-GBV", "PRO-HLP", "PRO-MIN", "SHL", "TEL", "WSH",
]  # fmt: skip


def test_the_migration_ships_15_sectors_and_the_groups() -> None:
    rows = sector_list()
    assert [r["number"] for r in rows] == list(range(1, 16))
    assert rows[1] == {
        "number": 2,
        "code": "shelter_nfi",
        "name": "Shelter and non-food items",
        "confirmed": True,
        "groups": ["SHL"],
        "hxl": ["SHL"],
    }
    assert rows[4]["groups"] == ["HEA", "PRO"]
    assert [r["number"] for r in rows if not r["confirmed"]] == [3, 6, 9, 10, 12, 13, 14]
    assert sorted(CoordinationGroup.objects.values_list("code", flat=True)) == sorted(CODES)
    groups = {g["code"]: g for g in group_list()}
    assert groups["PRO-GBV"]["parent"] == "PRO"
    assert groups["ERY"]["sectors"] == [6, 7, 8, 13]
    assert groups["WSH"]["sectors"] == []


def test_vocabularies() -> None:
    vocab = vocabulary_list()
    assert [p["code"] for p in vocab["phases"]] == ["before", "during", "after"]
    assert len(vocab["population_groups"]) == 6
    assert [p["code"] for p in vocab["priorities"]][:3] == ["protection", "gbv", "aap"]


def test_an_unconfirmed_sector_is_renamed_by_an_administrator_and_audited() -> None:
    admin = SuperuserFactory()
    sector = sector_get("3")
    sector_rename(sector=sector, name="Transport assistance", actor=admin, reason="MC/2355 p.5")
    assert Sector.objects.get(number=3).name == "Transport assistance"
    event = AuditEvent.objects.get(action="mcof.sector_rename")
    assert (event.actor, event.reason) == (admin, "MC/2355 p.5")
    assert event.changes == {
        "name": ["Transport assistance for affected populations", "Transport assistance"]
    }


def test_a_confirmed_sector_or_an_ordinary_user_is_refused_and_nothing_is_written() -> None:
    with pytest.raises(Conflict):
        sector_rename(sector=sector_get("health"), name="Health", actor=SuperuserFactory())
    with pytest.raises(PermissionDenied):
        sector_rename(sector=sector_get("3"), name="X", actor=UserFactory())
    assert Sector.objects.get(number=4).name == "Health support"
    assert Sector.objects.get(number=3).name == "Transport assistance for affected populations"
    assert not AuditEvent.objects.exists()


def test_cli_sectors() -> None:
    result = CliRunner().invoke(cli, ["mcof", "sectors"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["no", "code", "name", "groups"]
    assert lines[3].split() == [
        "3",
        "transport",
        *["Transport", "assistance", "for", "affected", "populations", "*"],
        "LOG",
    ]
    as_json = CliRunner().invoke(cli, ["mcof", "sectors", "--format", "json"])
    assert len(json.loads(as_json.stdout)) == 15
