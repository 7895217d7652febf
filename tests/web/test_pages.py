"""Pages with their numbers from the query layer, pinned query counts on list pages, the CSP
header, and an import in the browser's steps (upload -> report -> confirm) without a browser."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from opendtm.figures.exports import number
from opendtm.figures.queries import figures_headline
from opendtm.ingest.models import ImportBatch
from opendtm.mobility.models import SiteAssessment
from opendtm.web.middleware import POLICY
from opendtm.web.staticfinders import plotly_bundle, plotly_style_ids
from tests.empty_answers import answer_rows, empty_world_build
from tests.web.conftest import WebWorld

MESSY = Path(__file__).resolve().parents[1] / "ingest" / "fixtures" / "sites_messy.csv"


def test_dashboard_shows_the_query_layer_headline(web_world: WebWorld, client: Client) -> None:
    client.force_login(web_world.users["viewer"])  # type: ignore[arg-type]
    response = client.get("/o/typhoon/")
    assert response.status_code == 200
    assert response["Content-Security-Policy"] == POLICY
    assert "'unsafe-inline'" not in POLICY
    html = response.content.decode()
    headline = figures_headline(
        user=web_world.users["viewer"], operation=web_world.world.operation, round_number=1
    )
    value = headline.figures["idp_ind"]
    assert f'data-measure="idp_ind">{number(value, hidden=value is None)}<' in html
    assert "<script>" not in html and "<script >" not in html  # no inline script
    assert 'id="map-data" type="application/json"' in html
    # The pyramid is the people in sites that gave sex and age, and says so.
    sites = headline.figures["sadd_sites"]
    assert f'id="pyramid-note">People in {sites} sites with sex and age data.</p>' in html
    assert sites == 2


def test_home_query_count_is_pinned(
    web_world: WebWorld, client: Client, django_assert_num_queries: Any
) -> None:
    client.force_login(web_world.users["analyst"])  # type: ignore[arg-type]
    with django_assert_num_queries(3):  # session, user, operations with round counts
        response = client.get("/")
    assert response.status_code == 200
    assert b"typhoon" in response.content


def test_site_list_query_count_is_pinned(
    web_world: WebWorld, client: Client, django_assert_num_queries: Any
) -> None:
    client.force_login(web_world.users["analyst"])  # type: ignore[arg-type]
    with django_assert_num_queries(7):
        response = client.get("/o/typhoon/sites/?status=open")
    assert response.status_code == 200
    # Round 2 (open, seen by the analyst) reports S1 closed and S3 closing: S2 is left.
    assert response.content.count(b'href="/o/typhoon/sites/S') == 1
    assert b'href="/o/typhoon/sites/S2/"' in response.content


def test_upload_report_then_confirm(web_world: WebWorld, client: Client, tmp_path: Path) -> None:
    client.force_login(web_world.users["manager"])  # type: ignore[arg-type]
    export = tmp_path / "sites.csv"
    export.write_text(MESSY.read_text().replace("0102801", "0100101").replace("PH01028", "PH01001"))
    before = ImportBatch.objects.count()
    with export.open("rb") as handle:
        response = client.post(
            "/o/typhoon/rounds/2/import/", {"form_id": "dtm_site", "file": handle}
        )
    assert response.status_code == 302
    job_url = response["Location"]
    page = client.get(job_url).content.decode()
    assert 'data-state="validated"' in page
    assert ImportBatch.objects.count() == before  # the dry run wrote nothing
    errors = client.get(job_url, {"severity": "error"}, HTTP_HX_REQUEST="true",
                        HTTP_HX_TARGET="issues").content.decode()  # fmt: skip
    assert 'class="sev-warning"' not in errors
    assert errors.count('class="sev-error"') >= 1
    report = client.get(job_url + "report.csv")
    assert b"".join(report.streaming_content).startswith(b"sheet,row,submission_id,field")  # type: ignore[attr-defined]
    response = client.post(job_url + "confirm/")
    assert response.status_code == 302
    assert 'data-state="imported"' in client.get(job_url).content.decode()
    assert ImportBatch.objects.count() == before + 1
    stored = list(tmp_path.glob("uploads/*.csv"))
    assert len(stored) == 1 and len(stored[0].stem) == 64  # kept under its sha256


def test_an_upload_that_panics_the_workbook_reader_fails_with_one_line(
    web_world: WebWorld, client: Client, tmp_path: Path
) -> None:
    client.force_login(web_world.users["manager"])  # type: ignore[arg-type]
    data = bytearray((MESSY.parents[2] / "forms" / "fixtures" / "site_legacy.xls").read_bytes())
    data[1424] = 128  # calamine panics on it (pyo3's PanicException, not an Exception)
    export = tmp_path / "sites.xlsx"  # a legacy .xls under the name the page asks for
    export.write_bytes(bytes(data))
    before = ImportBatch.objects.count()
    with export.open("rb") as handle:
        response = client.post(
            "/o/typhoon/rounds/2/import/", {"form_id": "dtm_site", "file": handle}
        )
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert 'data-state="failed"' in page
    assert (
        ".xlsx is damaged or is not an Excel workbook. Export it again (or open it in Excel and "
        "save it again as an Excel workbook) and import that.</p>"
    ) in page
    assert ImportBatch.objects.count() == before


def test_site_profile_shows_the_latest_visible_sector_indicators(
    web_world: WebWorld, client: Client
) -> None:
    world = web_world.world
    SiteAssessment.objects.filter(site=world.sites["S2"], round=world.rounds[1]).update(
        water_lpd=18.0, latrines=1
    )
    SiteAssessment.objects.filter(site=world.sites["S2"], round=world.rounds[2]).update(
        water_lpd=9.0
    )
    client.force_login(web_world.users["viewer"])  # type: ignore[arg-type]
    html = client.get("/o/typhoon/sites/S2/").content.decode()
    assert "Sector indicators <small>round 1</small>" in html  # round 2 is not published
    water = html[html.index('data-indicator="water_lpd"') :].split("</tr>")[0]
    assert '<td class="num">18 litres</td>' in water
    assert 'class="status status-meets"' in water
    latrine = html[html.index('data-indicator="people_per_latrine"') :].split("</tr>")[0]
    assert '<td class="num">50 people</td>' in latrine
    assert "Meets the emergency standard only" in latrine
    client.force_login(web_world.users["analyst"])  # type: ignore[arg-type]
    html = client.get("/o/typhoon/sites/S2/").content.decode()
    assert "Sector indicators <small>round 2</small>" in html
    water = html[html.index('data-indicator="water_lpd"') :].split("</tr>")[0]
    assert '<td class="num">9 litres</td>' in water and "status-below" in water


def test_site_profile_shows_a_score_and_a_value_that_agree(
    web_world: WebWorld, client: Client
) -> None:
    """3.45 m² a person is below 3.5 and shown as 3.45, never as "3.5"; a closed site
    (S1 in round 2) is not scored."""
    world = web_world.world
    SiteAssessment.objects.filter(site=world.sites["S2"], round=world.rounds[1]).update(
        ind=3722, covered_area_m2=12851.8
    )
    SiteAssessment.objects.filter(site=world.sites["S1"], round=world.rounds[2]).update(
        water_lpd=20.0, site_management=True
    )
    client.force_login(web_world.users["viewer"])  # type: ignore[arg-type]
    html = client.get("/o/typhoon/sites/S2/").content.decode()
    space = html[html.index('data-indicator="covered_area_pp"') :].split("</tr>")[0]
    assert '<td class="num">3.45 m²</td>' in space
    assert '<span class="status status-below">Below the standard</span>' in space
    client.force_login(web_world.users["analyst"])  # type: ignore[arg-type]
    html = client.get("/o/typhoon/sites/S1/").content.decode()
    assert "Sector indicators <small>round 2</small>" in html
    table = html[html.index('id="site-indicators"') :].split("</table>")[0]
    water = table[table.index('data-indicator="water_lpd"') :].split("</tr>")[0]
    assert '<td class="num">20 litres</td>' in water and "status-not_scored" in water
    assert "status-meets" not in table and "status-below" not in table
    assert table.count("Not scored: the site is closed or empty") == 16  # all but water_source


def test_chart_pages_hold_a_placeholder_for_each_style_plotly_would_inject(
    web_world: WebWorld, client: Client
) -> None:
    bundle = plotly_bundle().read_text(encoding="utf-8")
    guarded = bundle.count('document.createElement("style");e.id="')
    ids = plotly_style_ids()
    assert ids[0] == "plotly.js-style-global"
    assert len(ids) - 1 == guarded >= 1  # the bundled map libraries' CSS
    client.force_login(web_world.users["viewer"])  # type: ignore[arg-type]
    for url in ("/o/typhoon/", "/o/typhoon/sites/S2/"):
        html = client.get(url).content.decode()
        for style_id in ids:
            assert f'<div id="{style_id}" class="no-inline-styles" hidden></div>' in html
        assert html.index(ids[-1]) < html.index("plotly.min")  # before the bundle runs


def test_the_trend_downloads_as_the_cli_exports_it(web_world: WebWorld, client: Client) -> None:
    client.force_login(web_world.users["analyst"])  # type: ignore[arg-type]
    html = client.get("/o/typhoon/?round=1").content.decode()
    assert 'href="/o/typhoon/download/series.csv?pcode=PH"' in html
    response = client.get("/o/typhoon/download/series.csv?pcode=PH")
    assert response["Content-Disposition"] == 'attachment; filename="typhoon-r2-series.csv"'
    lines = response.content.decode().splitlines()
    assert [line.split(",")[2] for line in lines[1:]] == ["1", "2"]  # the round column


def test_a_site_download_names_formulas_as_text(web_world: WebWorld, client: Client) -> None:
    from opendtm.operations.models import Site

    sites = web_world.world.sites
    Site.objects.filter(pk=sites["S1"].pk).update(name='=HYPERLINK("http://x","Click me")')
    Site.objects.filter(pk=sites["S2"].pk).update(name="@SUM(1+1)*cmd|' /C calc'!A0")
    client.force_login(web_world.users["analyst"])  # type: ignore[arg-type]
    response = client.get("/o/typhoon/download/site.csv?round=2")
    lines = response.content.decode().splitlines()
    assert [line.split(",")[4:6] for line in lines[:1]] == [["Site ID", "Site name"]]
    assert lines[1].startswith(
        'PHL,typhoon,2,2026-11-08,S1,"\'=HYPERLINK(""http://x"",""Click me"")",'
        "evacuation_centre,closed,"
    )
    assert lines[1].endswith(",8,-8,-100.0,30,-30,-100.0,")  # numbers stay numbers
    assert lines[2].startswith(
        "PHL,typhoon,2,2026-11-08,S2,'@SUM(1+1)*cmd|' /C calc'!A0,evacuation_centre,open,"
    )


@pytest.mark.parametrize("kind", ["admin", "site", "origin", "series"])
def test_downloads_of_an_empty_round_are_well_formed(
    db: Any, client: Client, tmp_path: Path, kind: str
) -> None:
    """Every download format of a round that holds nothing reads back as its format (the
    JSON and GeoJSON ones were `"rows": [{"rows": [`)."""
    world = empty_world_build(tmp_path / "data")
    client.force_login(world.analyst)
    for round_number in (1, 2):
        asked = {"round": round_number, **({"pcode": "PH01"} if kind == "series" else {})}
        for fmt in ("csv", "hxl", "json", "geojson", "xlsx"):
            response = client.get(f"/o/typhoon/download/{kind}.{fmt}", asked)
            assert response.status_code == 200, response.content
            _header, rows = answer_rows(fmt, response.content)
            assert len(rows) == (2 if kind == "series" else 0), (round_number, fmt)
