"""The needs endpoints on the hand-made round of tests/needs/test_queries.py: sites A (100
people, wash 3) and B (40, wash 1) in PH01001, a location PH01002 with 50 IDPs outside sites
and 6 returnees (shelter 3, food named). Who may see what: tests/api/test_access.py."""

from __future__ import annotations

import csv
import io

import pytest
from django.test import Client

from opendtm.operations.services import round_publish, round_validate
from tests.factories import BaselineAssessmentFactory
from tests.needs.test_queries import Needs, needs  # noqa: F401 - the fixture

pytestmark = pytest.mark.django_db

N = "/api/v1/operations/flood/needs"


def test_needs_by_admin_unit(needs: Needs, client: Client) -> None:  # noqa: F811
    needs.round_with(water=(2.0, 16.0))
    client.force_login(needs.analyst)
    body = client.get(f"{N}/admin?level=1").json()
    head = {k: v for k, v in body.items() if k != "rows"}
    assert head == {
        "operation": "flood",
        "round": 1,
        "round_status": "open",
        "rules_version": "sphere-2018-v2",
        "level": 1,
        "threshold": None,
        "previous_round": None,
    }
    rows = {r["sector"]: r for r in body["rows"]}
    wash = rows["wash"]
    assert (wash["severity"], wash["places"], wash["assessed"], wash["pin_ind"]) == (3, 3, 196, 100)
    assert wash["severity_distribution"] == {"1": 96, "2": 0, "3": 100, "4": 0, "5": 0}
    across = rows["intersectoral"]
    assert (across["pin_ind"], across["pin_sites"], across["pin_host"]) == (156, 100, 50)
    assert across["pin_method"].endswith("never the sum of sectors")
    only = client.get(f"{N}/admin?level=2&sector=shelter").json()["rows"]
    assert [(r["pcode"], r["pin_ind"]) for r in only] == [("PH01001", 0), ("PH01002", 56)]
    hxl = client.get(f"{N}/admin?level=1&format=hxl")
    assert hxl["Content-Disposition"] == 'attachment; filename="flood-r1-needs1.csv"'
    lines = list(csv.reader(io.StringIO(hxl.content.decode())))
    assert lines[1][:3] == ["#adm1+code", "#adm1+name", "#sector+code"]
    assert len(lines) == 2 + 8
    bad = client.get(f"{N}/admin?sector=nutrition")
    assert bad.status_code == 400 and bad.json()["code"] == "invalid_input"


def test_priority_needs_and_site_severity(needs: Needs, client: Client) -> None:  # noqa: F811
    needs.round_with(water=(2.0, 16.0))
    client.force_login(needs.analyst)
    body = client.get(f"{N}/priority?level=1").json()
    assert (body["round"], body["rules_version"], body["level"]) == (1, "sphere-2018-v2", 1)
    got = [
        (r["pcode"], r["source"], r["need"], r["places"], r["places_assessed"], r["share_places"])
        for r in body["rows"]
    ]
    assert got == [
        ("PH01", "locations", "food", 1, 1, 1.0),
        ("PH01", "sites", "water", 2, 2, 1.0),
    ]
    # locations: 60 IDPs of 60 name food; sites: both name water at rank 1, 140 people
    assert [(r["people"], r["people_assessed"]) for r in body["rows"]] == [(60, 60), (140, 140)]
    sites = client.get(f"{N}/sites?sector=intersectoral").json()
    assert [(r["site_code"], r["severity"], r["worst_indicator"]) for r in sites["rows"]] == [
        ("A1", 3, "wash"),
        ("B1", 1, "cccm"),
    ]
    wash = client.get(f"{N}/sites?sector=wash&pcode=PH01001").json()["rows"]
    assert [(r["site_code"], r["severity"], r["worst_indicator"]) for r in wash] == [
        ("A1", 3, "water_lpd"),
        ("B1", 1, "water_lpd"),
    ]
    assert client.get(f"{N}/sites?pcode=PH01002").json()["rows"] == []
    assert client.get(f"{N}/sites?sector=nutrition").status_code == 400


def test_published_needs_hide_small_counts_for_viewers(needs: Needs, client: Client) -> None:  # noqa: F811
    first = needs.round_with(water=(2.0, 16.0))
    BaselineAssessmentFactory(
        round=first,
        location=needs.units["PH02001"],
        idp_hh=1,
        idp_ind=3,
        idp_hh_makeshift=1,
        priority_needs=["food"],
    )
    round_validate(round=first, actor=needs.admin)
    round_publish(round=first, actor=needs.admin)
    client.force_login(needs.viewer)
    body = client.get(f"{N}/admin?level=1").json()
    assert (body["round_status"], body["threshold"]) == ("published", 5)
    rows = {(r["pcode"], r["sector"]): r for r in body["rows"]}
    shelter = rows["PH02", "shelter"]
    assert (shelter["severity"], shelter["pin_ind"], shelter["pin_host"]) == (5, None, None)
    assert shelter["suppressed"] > 0
    assert rows["PH01", "intersectoral"]["pin_ind"] == 156
    priority = client.get(f"{N}/priority?level=1").json()["rows"]
    food = next(r for r in priority if r["pcode"] == "PH02")
    # one location of 3 IDPs names food: its share stays, the count of people is hidden
    assert (food["places"], food["share_places"], food["people"]) == (1, 1.0, None)
    assert client.get(f"{N}/admin?exact=true").status_code == 403
    client.force_login(needs.analyst)
    exact = client.get(f"{N}/admin?level=1&exact=true").json()
    assert {(r["pcode"], r["sector"]): r for r in exact["rows"]}["PH02", "shelter"]["pin_ind"] == 3
