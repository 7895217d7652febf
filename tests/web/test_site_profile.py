"""The site profile's needs, vulnerable persons, diseases, movements and site management, as
each reader may see them (S2's facts: tests/reports/conftest.py), and its tables as files."""

from __future__ import annotations

import io

import pytest
from django.test import Client
from openpyxl import load_workbook

from tests.reports.conftest import facts_store
from tests.web.conftest import WebWorld


def _row(html: str, marker: str) -> str:
    return html[html.index(marker) :].split("</tr>")[0]


def test_the_profile_shows_the_new_sections(web_world: WebWorld, client: Client) -> None:
    facts_store(web_world.world)
    client.force_login(web_world.users["viewer"])  # type: ignore[arg-type]
    html = client.get("/o/typhoon/sites/S2/").content.decode()
    assert (
        '<ol class="needs"><li data-rank="1">Food</li><li data-rank="2">Drinking water</li>' in html
    )
    assert '<li data-rank="3">Shelter</li></ol>' in html
    assert _row(html, 'data-group="pwd_ind"').endswith('<td class="num">*</td>')
    assert _row(html, 'data-group="plw_ind"').endswith('<td class="num">10.0%</td>')
    assert _row(html, 'data-group="uasc_ind"').endswith('<td class="num">0.0%</td>')
    assert _row(html, 'data-group="older_alone_ind"').endswith('<td class="num">20.0%</td>')
    assert _row(html, 'data-movement="arrivals_ind"').endswith('<td class="num">20</td>')
    assert _row(html, 'data-movement="departures_ind"').endswith('<td class="num">*</td>')
    assert '<ul class="diseases"><li>Diarrhoea</li><li>Measles</li></ul>' in html
    assert '<strong id="site-management-value">yes</strong>' in html
    assert "* hidden: fewer than 5 persons." in html
    assert 'href="/o/typhoon/sites/S2/profile.pdf"' in html
    assert 'href="/o/typhoon/sites/S2/tables/needs.xlsx"' in html
    client.force_login(web_world.users["analyst"])  # type: ignore[arg-type]
    html = client.get("/o/typhoon/sites/S2/").content.decode()
    assert '<li data-rank="1">Shelter</li><li data-rank="2">Health care</li></ol>' in html
    assert _row(html, 'data-group="pwd_ind"').endswith('<td class="num">10.0%</td>')
    assert _row(html, 'data-group="uasc_ind"').endswith('<td class="num">2.5%</td>')
    assert _row(html, 'data-group="older_alone_ind"').endswith('<td class="num">-</td>')
    assert _row(html, 'data-movement="departures_ind"').endswith('<td class="num">10</td>')
    assert '<ul class="diseases"><li>None</li></ul>' in html
    assert '<strong id="site-management-value">no</strong>' in html
    assert "* hidden" not in html.split('id="site-vulnerabilities"')[1].split("</section>")[0]


def test_answers_left_blank_say_not_reported(web_world: WebWorld, client: Client) -> None:
    client.force_login(web_world.users["viewer"])  # type: ignore[arg-type]
    html = client.get("/o/typhoon/sites/S3/").content.decode()
    assert "No priority need reported." in html
    assert '<strong id="site-management-value">not reported</strong>' in html
    assert _row(html, 'data-group="pwd_ind"').endswith('<td class="num">-</td>')


def test_the_tables_download_as_the_profile_shows_them(web_world: WebWorld, client: Client) -> None:
    """The viewer's files hold published round 1 only, hidden cells empty and named."""
    facts_store(web_world.world)
    client.force_login(web_world.users["viewer"])  # type: ignore[arg-type]
    response = client.get("/o/typhoon/sites/S2/tables/needs.csv")
    assert response["Content-Disposition"] == 'attachment; filename="typhoon-site-S2-needs.csv"'
    assert response.content.decode().splitlines() == [
        "Round,Priority need 1,Priority need 2,Priority need 3,"
        "Persons with disabilities (% of individuals),"
        "Pregnant or lactating women (% of individuals),"
        "Unaccompanied or separated children (% of individuals),"
        "Older persons living alone (% of individuals),"
        "Individuals who arrived since the last round,Individuals who left since the last round,"
        "Diseases reported,Site management agency present,Hidden cells",
        "1,Food,Drinking water,Shelter,,10.0,0.0,20.0,20,,Diarrhoea; Measles,yes,"
        '"pwd_ind_pct, departures_ind"',
    ]
    response = client.get("/o/typhoon/sites/S2/tables/population.xlsx")
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:6] == (
        "Round",
        "Status",
        "Households",
        "Individuals",
        "Change in individuals",
        "Change in individuals (%)",
    )
    assert len(rows) == 2 and rows[1][:4] == (1, "open", None, None)
    assert client.get("/o/typhoon/sites/S2/tables/nosuch.csv").status_code == 404
    assert client.get("/o/typhoon/sites/S2/tables/needs.pdf").status_code == 404


def test_a_missing_renderer_library_is_a_page_naming_it(
    web_world: WebWorld, client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    from opendtm.reports import rendering

    monkeypatch.setattr(
        rendering, "LIBRARIES", (*rendering.LIBRARIES, ("opendtm-nosuch-1.0", "libnosuch-1.0-0"))
    )
    client.force_login(web_world.users["viewer"])  # type: ignore[arg-type]
    response = client.get("/o/typhoon/rounds/1/report.pdf")
    assert response.status_code == 503
    assert "PDF reports need system packages this machine lacks: libnosuch-1.0-0." in (
        response.content.decode()
    )
