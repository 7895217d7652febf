"""The dashboard's filters: the query string read into one FiguresRequest per widget, every
widget and download answering the same filtered question (exact values), the round it lands on,
the draft banner, the fixed class breaks of the map and its Natural Earth coasts.

Hand-computed from tests/figures/fixtures: round 1 (published) P1 = PH01001 holds 133 IDPs
(M1 130, M2 3), P2 = PH01002 145 (M3 120, M4 25); round 2 (open) P1 87 (M1 84, M2 3), P2 77
(M3 45, M4 32). Sites in round 2: S1 closed (0), S2 open (40, in P2), S3 closing (11, in P2).
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
import shapely
from django.http import QueryDict
from django.test import Client

from opendtm.core.errors import InvalidInput
from opendtm.figures.choices import Grouping
from opendtm.gazetteer.models import AdminBoundary
from opendtm.web.charts import class_breaks, class_legend
from opendtm.web.dashboard import Filters, default_round, figures_request
from tests.figures.conftest import M1, M2, M3, M4, P1, P2
from tests.web.conftest import WebWorld


def _map(html: str) -> dict[str, Any]:
    start = html.index('<script id="map-data" type="application/json">') + 46
    return json.loads(html[start : html.index("</script>", start)])  # type: ignore[no-any-return]


def _kpi(html: str, measure: str) -> str:
    found = re.search(rf'data-measure="{measure}">([^<]*)<', html)
    assert found is not None, measure
    return found.group(1)


def _total(html: str, name: str) -> str:
    found = re.search(rf'data-total="{name}">([^<]*)<', html)
    assert found is not None, name
    return found.group(1)


def _download_sum(client: Client, url: str, column: str) -> int:
    response = client.get(url)
    assert response.status_code == 200, response.content
    return sum(row[column] for row in json.loads(response.content)["rows"])


# --- the query string -> FiguresRequest ------------------------------------------------------


def test_filters_read_every_parameter_and_write_them_back(web_world: WebWorld) -> None:
    query = QueryDict("round=2&pcode=+PH01001+&site_type=planned_camp&site_status=open")
    filters = Filters.read(query)
    assert filters == Filters(2, "PH01001", "planned_camp", "open")
    assert filters.query() == "round=2&pcode=PH01001&site_type=planned_camp&site_status=open"
    assert filters.query(pcode=None) == "round=2&site_type=planned_camp&site_status=open"
    assert Filters.read(QueryDict("parent=PH01002&pcode=PH01001")).pcode == "PH01002"
    assert Filters.read(QueryDict("site_type=&pcode=")) == Filters()


def test_site_filters_reach_the_figures_by_site_only(web_world: WebWorld) -> None:
    operation = web_world.world.operation
    query = QueryDict("round=2&pcode=PH01002&site_status=closing&level=3")
    sites = figures_request(query, operation, Grouping.SITE, level=1)
    assert (sites.round_number, sites.pcode, sites.site_type, sites.site_status) == (
        2,
        "PH01002",
        None,
        "closing",
    )
    admin = figures_request(query, operation, Grouping.ADMIN, level=1)
    assert (admin.level, admin.pcode, admin.site_status) == (3, "PH01002", None)


def test_a_site_filter_that_is_no_choice_is_refused_naming_it(web_world: WebWorld) -> None:
    operation = web_world.world.operation
    with pytest.raises(InvalidInput) as caught:
        figures_request(QueryDict("site_type=tent"), operation, Grouping.SITE, level=1)
    assert str(caught.value).startswith("site_type 'tent' is not one of planned_camp, ")


def test_default_round_is_the_latest_published_one(web_world: WebWorld) -> None:
    rounds = list(web_world.world.operation.rounds.order_by("number"))
    assert [r.status for r in rounds] == ["published", "open"]
    assert default_round(rounds) == 1
    assert default_round(rounds[1:]) == 2
    assert default_round([]) is None


# --- the page ----------------------------------------------------------------------------------


def test_an_analyst_lands_on_the_published_round_and_sees_a_draft_only_when_asked(
    web_world: WebWorld, client: Client
) -> None:
    client.force_login(web_world.users["analyst"])  # type: ignore[arg-type]
    html = client.get("/o/typhoon/").content.decode()
    assert '<option value="1" selected>' in html
    assert "draft-banner" not in html
    draft = client.get("/o/typhoon/?round=2").content.decode()
    assert '<option value="2" selected>' in draft
    assert 'id="draft-banner"' in draft and "Draft, not published." in draft


def test_every_widget_and_download_answers_the_same_unit(
    web_world: WebWorld, client: Client
) -> None:
    """Round 2 (exact): headline = the table's rows summed = its total = the download's."""
    client.force_login(web_world.users["analyst"])  # type: ignore[arg-type]
    html = client.get(f"/o/typhoon/?round=2&pcode={P1}").content.decode()
    assert _kpi(html, "idp_ind") == "87"
    cells = re.findall(r'data-cell="idp_ind">([^<]*)<', html)
    assert cells == ["84", "3"]  # M1, M2: the level under P1
    assert _total(html, "idp_ind") == "87"
    download = f"/o/typhoon/download/admin.json?round=2&amp;level=3&amp;pcode={P1}"
    assert f'href="{download}"' in html
    assert _download_sum(client, download.replace("&amp;", "&"), "idp_ind") == 87
    assert f'?round=2&amp;pcode={M1}">{M1}</a>' in html  # drill-down keeps the round
    start = html.index('id="crumbs"')
    crumbs = html[start : html.index("</nav>", start)]
    assert re.findall(r">([^<>]+)</(?:a|span)>", crumbs) == [
        web_world.world.operation.name,
        "Adm1 PH01 (PH01)",
        f"Adm2 {P1} ({P1})",
    ]
    assert _map(html)["units"]["label"] == [f"Adm3 {M1} ({M1})"]  # M2 has no centroid


def test_published_figures_agree_where_nothing_is_hidden(
    web_world: WebWorld, client: Client
) -> None:
    client.force_login(web_world.users["viewer"])  # type: ignore[arg-type]
    html = client.get(f"/o/typhoon/?pcode={P2}").content.decode()
    assert _kpi(html, "idp_ind") == "145"
    assert re.findall(r'data-cell="idp_ind">([^<]*)<', html) == ["120", "25"]  # M3, M4
    assert _total(html, "idp_ind") == "145"
    url = f"/o/typhoon/download/admin.json?round=1&level=3&pcode={P2}"
    assert _download_sum(client, url, "idp_ind") == 145


def test_site_filters_keep_the_sites_everywhere_sites_are_counted(
    web_world: WebWorld, client: Client
) -> None:
    client.force_login(web_world.users["analyst"])  # type: ignore[arg-type]
    html = client.get(f"/o/typhoon/?round=2&pcode={P2}&site_status=closing").content.decode()
    assert _kpi(html, "sites") == "1" and _kpi(html, "site_ind") == "11"
    assert _total(html, "ind") == "11"
    assert _kpi(html, "idp_ind") == "77"  # locations' IDPs stay whole, and the page says so
    assert 'id="site-filter-note"' in html
    url = f"/o/typhoon/download/site.json?round=2&amp;pcode={P2}&amp;site_status=closing"
    assert f'href="{url}"' in html
    assert _download_sum(client, url.replace("&amp;", "&"), "ind") == 11
    assert '<option value="closing" selected>' in html
    assert _map(html).get("sites", {"label": []})["label"] == []  # S3 has no coordinates
    opened = client.get("/o/typhoon/?round=2&site_status=open").content.decode()
    assert _map(opened)["sites"]["label"] == ["Site S2"]
    assert _total(opened, "ind") == "40"


def test_a_bad_filter_is_a_400_naming_it(web_world: WebWorld, client: Client) -> None:
    client.force_login(web_world.users["viewer"])  # type: ignore[arg-type]
    response = client.get("/o/typhoon/?site_status=gone")
    assert response.status_code == 400
    assert "site_status &#x27;gone&#x27; is not one of planned, open, closing, closed." in (
        response.content.decode()
    )


# --- the map ---------------------------------------------------------------------------------


def test_class_breaks_are_nice_quintiles() -> None:
    assert class_breaks([]) == []
    assert class_breaks([None, None]) == []
    assert class_breaks([130, None, 120, 25]) == [50, 200]
    assert class_breaks([130, 3, 120, 25, 84, 3, 45, 32]) == [5, 50, 200]
    assert class_breaks([0, 0]) == [1]
    assert class_legend([5, 50, 200]) == [
        {"from": 0, "to": 5, "colour": "#eff3ff"},
        {"from": 6, "to": 50, "colour": "#bdd7e7"},
        {"from": 51, "to": None, "colour": "#6baed6"},  # open: a later round may count more
    ]


def outline_level_3(web_world: WebWorld) -> None:
    """Boxes as the outlines of the four municipalities (level 3), 0.5 degrees apart."""
    for i, unit in enumerate(u for u in web_world.world.units.values() if u.level == 3):
        box = shapely.box(121 + i / 2, 11, 121.5 + i / 2, 12)
        AdminBoundary.objects.create(
            unit=unit, wkb=box.wkb, display_wkb=box.wkb, min_x=121 + i / 2, min_y=11,
            max_x=121.5 + i / 2, max_y=12,
        )  # fmt: skip


def test_the_map_follows_the_drill_down_in_classes_fixed_for_every_round(
    web_world: WebWorld, client: Client
) -> None:
    outline_level_3(web_world)
    legends = []
    for role in ("viewer", "analyst"):
        client.force_login(web_world.users[role])  # type: ignore[arg-type]
        one = _map(client.get(f"/o/typhoon/?round=1&pcode={P1}").content.decode())["areas"]
        legends.append(one["legend"])
    two = _map(client.get(f"/o/typhoon/?round=2&pcode={P1}").content.decode())["areas"]
    # The published round's level 3 (M1 and M2 hidden: M2's 3 is small and M1 would give it
    # away from P1's total; 120, 25) makes the classes of every round, for every reader: a
    # draft round is shaded in the same classes.
    assert legends == [two["legend"]] * 2
    assert two["legend"] == class_legend([50, 200]) == class_legend(class_breaks([120, 25]))
    assert [(a["label"], a["value"], a["colour"]) for a in one["areas"]] == [
        (f"Adm3 {M1} ({M1})", None, "#d9d9d9"),
        (f"Adm3 {M2} ({M2})", None, "#d9d9d9"),
    ]
    assert [(a["value"], a["colour"]) for a in two["areas"]] == [(84, "#bdd7e7"), (3, "#eff3ff")]
    p2 = _map(client.get(f"/o/typhoon/?round=2&pcode={P2}").content.decode())["areas"]
    assert [a["label"][:14] for a in p2["areas"]] == [f"Adm3 {M3}", f"Adm3 {M4}"]


def test_the_map_carries_the_coast_and_borders_of_its_box_only(
    web_world: WebWorld, client: Client
) -> None:
    outline_level_3(web_world)
    client.force_login(web_world.users["viewer"])  # type: ignore[arg-type]
    data = _map(client.get(f"/o/typhoon/?pcode={P1}").content.decode())
    west, south, east, north = data["bounds"]
    assert (west, south, east, north) == (120.9, 10.9, 122.1, 12.1)  # M1, M2 and a margin
    xs, ys = data["basemap"]["coast"]
    points = [(x, y) for x, y in zip(xs, ys, strict=True) if x is not None]
    assert len(points) >= 10  # Panay's coast crosses this box
    assert all(west <= x <= east and south <= y <= north for x, y in points)
    assert data["basemap"]["borders"] == [[], []]  # no land border in the Philippines


@pytest.mark.parametrize(
    ("pcode", "idp_ind"),
    [("PH", "278"), ("PH0100101001", "*"), ("PH0100201001", "120"), ("PH0100202002", "0")],
)
def test_any_unit_down_to_the_locations_is_an_area(
    web_world: WebWorld, client: Client, pcode: str, idp_ind: str
) -> None:
    """The country, B1 (hidden as in the table: B2 would give it away), B4, B6 (no row in
    round 1); an unknown code is a 404."""
    client.force_login(web_world.users["viewer"])  # type: ignore[arg-type]
    response = client.get(f"/o/typhoon/?pcode={pcode}")
    assert response.status_code == 200
    assert _kpi(response.content.decode(), "idp_ind") == idp_ind
    assert client.get("/o/typhoon/?pcode=XX99").status_code == 404


def _table_rows(html: str, table_id: str) -> list[tuple[str, ...]]:
    start = html.index(f'id="{table_id}"')
    body = html[html.index("<tbody>", start) : html.index("</tbody>", start)]
    return [
        tuple(re.findall(r"<t[hd][^>]*>([^<]*)</t[hd]>", row))
        for row in re.findall(r"<tr>(.*?)</tr>", body)
    ]


def test_every_chart_has_its_table_with_the_charts_numbers(
    web_world: WebWorld, client: Client
) -> None:
    """The map's numbers are the breakdown's (`data-table`); the trend and the pyramid are
    followed by tables of the very series they draw."""
    client.force_login(web_world.users["analyst"])  # type: ignore[arg-type]
    html = client.get("/o/typhoon/?round=2").content.decode()
    assert 'id="map" class="chart tall" data-table="breakdown-table"' in html
    assert 'id="breakdown-table"' in html
    assert _table_rows(html, "trend-table") == [("R1", "278", "0"), ("R2", "164", "146")]
    start = html.index('<script id="pyramid-data" type="application/json">') + 50
    pyramid = json.loads(html[start : html.index("</script>", start)])
    drawn = zip(pyramid["brackets"], pyramid["female"], pyramid["male"], strict=True)
    assert _table_rows(html, "pyramid-table") == [(b, f"{f:,}", f"{m:,}") for b, f, m in drawn]
    assert len(pyramid["brackets"]) == 5
