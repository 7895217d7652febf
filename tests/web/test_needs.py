"""The needs dashboard, its downloads and the site profile's severity, on the hand-made round
of tests/needs/test_queries.py: sites A (100 people, 2 litres of water: wash 3) and B (40,
16 litres: wash 1) in PH01001, a location PH01002 with 50 IDPs outside sites and 6 returnees
(shelter 3, food named: 2)."""

from __future__ import annotations

import csv
import io
import json
import re

import openpyxl
import pytest
from django.test import Client

from opendtm.gazetteer.models import AdminUnit
from opendtm.operations.services import round_publish, round_validate
from tests.factories import BaselineAssessmentFactory
from tests.needs.test_queries import Needs, needs  # noqa: F401 - the fixture

pytestmark = pytest.mark.django_db

NA = "\u2013"  # an en dash: not assessed in that sector


def _cells(html: str, table: str) -> list[list[str]]:
    """The text of each body row's cells of table `table`."""
    body = re.search(rf'id="{table}".*?<tbody>(.*?)</tbody>', html, re.S)
    assert body is not None, table
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", body.group(1), re.S)
    return [
        [re.sub(r"<[^>]+>", "", c).replace("&nbsp;", " ").strip() for c in
         re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)]
        for row in rows
    ]  # fmt: skip


def test_the_needs_page_of_an_open_round(needs: Needs, client: Client) -> None:  # noqa: F811
    needs.round_with(water=(2.0, 16.0))
    client.force_login(needs.analyst)
    html = client.get("/o/flood/needs/").content.decode()
    assert 'id="draft-banner"' in html
    # level 1, one unit; sectors in the rule set's order, then intersectoral
    [severity] = _cells(html, "severity-table")
    assert severity[0] == "PH01"
    # cccm 1, shelter 3 (the location), wash 3, health 1, food 2, education 1, protection 1,
    # intersectoral 3 (156 of 196 people at 3)
    assert severity[2:] == ["1", "3", "3", "1", "2", "1", "1", "3"]
    pin = _cells(html, "pin-table")[0]
    # shelter 56 (50 host + 6 returnees), wash 100 (site A), intersectoral 100 + 56 = 156
    assert pin[2:] == ["0", "56", "100", "0", "0", "0", "0", "156"]
    # the intersectoral distribution: A at 3, the location at 3 (shelter), B at 1
    assert _cells(html, "distribution-table") == [
        ["PH01", severity[1], "3", "3", "40", "0", "156", "0", "0", "196", ""]
    ]
    assert _cells(html, "priority-locations") == [["Food", "100 %", "1 of 1", "100 %"]]
    assert _cells(html, "priority-sites") == [["Drinking water", "100 %", "2 of 2", "100 %"]]
    ranked = _cells(html, "ranked-sites")
    assert [(r[0], r[2], r[3]) for r in ranked] == [
        ("A1", "3", "Water, sanitation and hygiene"),
        ("B1", "1", "Camp coordination and management"),
    ]


def test_the_filters_drill_down_and_rank_by_sector(needs: Needs, client: Client) -> None:  # noqa: F811
    needs.round_with(water=(2.0, 16.0))
    client.force_login(needs.analyst)
    html = client.get("/o/flood/needs/?pcode=PH01&sector=wash").content.decode()
    # level 2 within PH01: PH01001 holds the sites, PH01002 the location
    assert [r[0] for r in _cells(html, "severity-table")] == ["PH01001", "PH01002"]
    assert [(r[0], r[3]) for r in _cells(html, "distribution-table")] == [
        ("PH01001", "3"),
        ("PH01002", "1"),
    ]
    ranked = _cells(html, "ranked-sites")
    assert [(r[0], r[2], r[3]) for r in ranked] == [
        ("A1", "3", "Water available per person per day"),
        ("B1", "1", "Water available per person per day"),  # all 1: the first declared
    ]
    # the sites of another unit: none
    other = client.get("/o/flood/needs/?pcode=PH01002").content.decode()
    assert _cells(other, "ranked-sites") == [["No site scored in this round and area."]]
    bad = client.get("/o/flood/needs/?sector=nutrition", headers={"accept": "text/html"})
    assert bad.status_code == 400
    assert (
        "Sector &#x27;nutrition&#x27; is not one of rule set sphere-2018-v2" in bad.content.decode()
    )


def test_published_small_counts_are_hidden_for_viewers(needs: Needs, client: Client) -> None:  # noqa: F811
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
    html = client.get("/o/flood/needs/").content.decode()
    assert 'id="draft-banner"' not in html and "counts of people below 5 hidden" in html
    pin = {r[0]: r[2:] for r in _cells(html, "pin-table")}
    # PH02: 3 IDPs in need in shelter and intersectoral: hidden; severity stays visible
    # (a location has no cccm indicator: not assessed; every other sector is)
    assert pin["PH02"] == [NA, "*", "0", "0", "0", "0", "0", "*"]
    severity = {r[0]: r[2:] for r in _cells(html, "severity-table")}
    # its one household in makeshift shelter: 100 %, shelter 5; food named: 2
    assert severity["PH02"] == [NA, "5", "1", "1", "2", "1", "1", "5"]
    download = client.get("/o/flood/needs/download.csv?level=1")
    rows = {
        (r["Admin 1 P-code"], r["Sector"]): r
        for r in csv.DictReader(io.StringIO(download.content.decode()))
    }
    assert rows["PH02", "shelter"]["People in need"] == ""
    assert rows["PH01", "intersectoral"]["People in need"] == "156"


def test_the_downloads(needs: Needs, client: Client) -> None:  # noqa: F811
    needs.round_with(water=(2.0, 16.0))
    AdminUnit.objects.filter(pcode="PH01").update(name="=HYPERLINK(1)")
    client.force_login(needs.analyst)
    query = "?round=1&level=1"
    answer = client.get(f"/o/flood/needs/download.xlsx{query}")
    assert answer["Content-Disposition"] == 'attachment; filename="flood-r1-needs1.xlsx"'
    book = openpyxl.load_workbook(io.BytesIO(answer.content))
    sheet = book["Needs"]
    header = [c.value for c in sheet[1]]
    rows = [
        dict(zip(header, [c.value for c in r], strict=True)) for r in sheet.iter_rows(min_row=2)
    ]
    across = next(r for r in rows if r["Sector"] == "intersectoral")
    assert across["People in need"] == 156 and across["Severity (1-5)"] == 3
    assert across["Admin 1 name"] == "'=HYPERLINK(1)"  # text, never a formula
    assert sheet.cell(2, 2).data_type == "s"
    assert [r[0].value for r in book["About"].iter_rows()][:3] == ["Operation", "Round", "Rule set"]
    hxl = client.get(f"/o/flood/needs/download.hxl{query}").content.decode().splitlines()
    assert hxl[1].startswith("#adm1+code,#adm1+name,#sector+code,#indicator+places+num,#severity")
    body = json.loads(client.get(f"/o/flood/needs/download.json{query}").content)
    assert (body["round"], body["rules_version"], len(body["rows"])) == (1, "sphere-2018-v2", 8)
    assert client.get(f"/o/flood/needs/download.pdf{query}").status_code == 404


def test_the_site_profile_shows_each_sectors_severity(needs: Needs, client: Client) -> None:  # noqa: F811
    needs.round_with(water=(2.0, 16.0))
    client.force_login(needs.analyst)
    html = client.get("/o/flood/sites/A1/").content.decode()
    rows = _cells(html, "site-severity")
    assert rows[2] == ["Water, sanitation and hygiene", "3", "Water available per person per day"]
    assert rows[-1] == [
        "Overall (intersectoral)",
        "3",
        "worst sector: Water, sanitation and hygiene",
    ]
    assert [r[1] for r in rows[:-1]] == ["1", "1", "3", "1", "1", "1", "1"]


def test_the_dashboard_and_round_page_link_to_the_needs_page(needs: Needs, client: Client) -> None:  # noqa: F811
    needs.round_with(water=(2.0, 16.0))
    client.force_login(needs.analyst)
    dashboard = client.get("/o/flood/?round=1").content.decode()
    assert 'href="/o/flood/needs/?round=1" id="needs-link"' in dashboard
    page = client.get("/o/flood/rounds/1/").content.decode()
    assert 'id="needs-link" href="/o/flood/needs/?round=1"' in page
