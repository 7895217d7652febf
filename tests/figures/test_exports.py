"""Exports: CSV and XLSX with human headers, HXL read back with libhxl, JSON and GeoJSON;
suppressed cells empty (never 0) and named; nothing but aggregates."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path
from typing import Any

import hxl
import openpyxl
import pytest

from opendtm.figures.answers import figures_pages
from opendtm.figures.choices import Grouping
from opendtm.figures.exports import _TABLE as TABLE_COLUMNS
from opendtm.figures.exports import answer_pages, columns_of, export_write
from opendtm.figures.measures import ADMIN_MEASURES
from opendtm.figures.queries import (
    figures_by_admin,
    figures_by_site,
    figures_origin_matrix,
    figures_time_series,
)
from opendtm.figures.request import FiguresRequest
from tests.empty_answers import FORMATS as EMPTY_FORMATS
from tests.empty_answers import answer_rows, empty_world_build
from tests.figures.conftest import B3, M1, M4, P1, P2, World

pytestmark = pytest.mark.django_db

AGES = ("age0_1", "age1_5", "age6_17", "age18_59", "age60_")
ADMIN_TAGS = [
    "#affected+idps+hh",
    "#affected+idps+ind",
    "#affected+returnees+internal+hh",
    "#affected+returnees+internal+ind",
    "#affected+returnees+abroad+ind",
    "#indicator+sites+num",
    "#indicator+sites+open+num",
    "#indicator+sites+closing+num",
    "#indicator+sites+closed+num",
    "#indicator+sites+flagged+num",
    "#affected+sites+hh",
    "#affected+sites+ind",
    "#indicator+sites+sadd+num",
    "#affected+sadd+ind",
    *(f"#affected+sites+{sex}+{age}" for sex in "fm" for age in AGES),
    "#indicator+locations+sadd+num",
    *(f"#affected+idps+{sex}+{age}" for sex in "fm" for age in AGES),
]
META_TAGS = ["#country+code", "#activity+code", "#round+code", "#date+reported"]
CHANGE_TAGS = [
    "#indicator+idps+hh+previous+num",
    "#indicator+idps+hh+change+num",
    "#indicator+idps+hh+change+pct",
    "#indicator+idps+ind+previous+num",
    "#indicator+idps+ind+change+num",
    "#indicator+idps+ind+change+pct",
]


def _admin(world: World, user: Any, number: int, level: int, **kw: Any) -> Any:
    return lambda limit, offset: figures_by_admin(
        user=user,
        operation=world.operation,
        round_number=number,
        level=level,
        limit=limit,
        offset=offset,
        **kw,
    )


def _write(pages: Any, fmt: str, path: Path) -> int:
    with path.open("wb") as handle:
        return export_write(pages, fmt, handle)


def _csv(path: Path) -> list[list[str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.reader(handle))


def test_hxl_parsed_by_libhxl_with_the_standard_tags(world: World, tmp_path: Path) -> None:
    path = tmp_path / "provinces.csv"
    assert _write(answer_pages(_admin(world, world.viewer, 1, 2)), "hxl", path) == 2
    data = hxl.data(str(path), hxl.InputOptions(allow_local=True))
    assert [c.display_tag for c in data.columns] == [
        *META_TAGS,
        "#adm1+code",
        "#adm1+name",
        "#adm2+code",
        "#adm2+name",
        "#geo+lat",
        "#geo+lon",
        "#indicator+locations+num",
        "#indicator+locations+flagged+num",
        "#indicator+locations+sites_over+num",
        *ADMIN_TAGS,
        *CHANGE_TAGS,
        "#meta+change+note",
        "#meta+suppressed",
    ]
    assert data.tags[:5] == ["#country", "#activity", "#round", "#date", "#adm1"]
    rows = list(data)
    assert [r.get("#adm2+code") for r in rows] == [P1, P2]
    assert [r.get("#affected+idps+ind") for r in rows] == ["133", "145"]
    assert [r.get("#affected+idps+hh") for r in rows] == ["31", "35"]
    assert rows[0].get("#affected+sites+ind") == "30"
    assert rows[0].get("#affected+sites+f+age0_1") in (None, "")  # 1 person: suppressed
    assert rows[0].get("#date+reported") == "2026-11-01"
    assert rows[0].get("#meta+suppressed") == (
        "Female under 1 in sites; Female 1-5 in sites; Female 60+ in sites; Male under 1 in sites;"
        " Male 1-5 in sites; Male 18-59 in sites; Male 60+ in sites"
    )
    # No baseline of the world gives the IDPs' sex and age: the units do not carry it.
    assert [r.get("#indicator+locations+sadd+num") for r in rows] == ["0", "0"]
    assert [r.get("#affected+idps+m+age18_59") for r in rows] == [None, None]


def test_csv_human_headers_and_suppressed_cells_empty(world: World, tmp_path: Path) -> None:
    path = tmp_path / "barangays.csv"
    _write(answer_pages(_admin(world, world.viewer, 1, 4)), "csv", path)
    header, *rows = _csv(path)
    assert header[:12] == [
        "Country",
        "Operation",
        "Round",
        "Reporting date",
        "Admin 1 P-code",
        "Admin 1 name",
        "Admin 2 P-code",
        "Admin 2 name",
        "Admin 3 P-code",
        "Admin 3 name",
        "Admin 4 P-code",
        "Admin 4 name",
    ]
    assert header[14:19] == [
        "Assessed locations",
        "Flagged locations",
        "Locations whose sites exceed their baseline",
        "IDP households",
        "IDP individuals",
    ]
    assert header[-2:] == ["Change across gazetteer versions", "Suppressed cells"]
    assert len(header) == 14 + len(ADMIN_MEASURES) + 8
    b3 = next(r for r in rows if r[10] == B3)
    hh, ind = header.index("IDP households"), header.index("IDP individuals")
    assert (b3[hh], b3[ind]) == ("", "")
    assert b3[-1].startswith("IDP households; IDP individuals")
    text = path.read_text(encoding="utf-8")
    for private in ("E01", "E02", "r1-", "submission"):
        assert private not in text  # no enumerator codes, submission IDs or raw rows


def test_an_analyst_exports_the_unpublished_round_exactly(world: World, tmp_path: Path) -> None:
    path = tmp_path / "exact.csv"
    _write(answer_pages(_admin(world, world.analyst, 2, 4, parent_pcode=P1)), "csv", path)
    header, *rows = _csv(path)
    column = header.index("IDP individuals")
    assert [(r[10], r[column], r[-1]) for r in rows] == [
        ("PH0100101001", "24", ""),
        ("PH0100101002", "60", ""),
        (B3, "3", ""),
    ]
    change = header.index("IDP individuals, change %")
    assert [r[change] for r in rows] == ["-40.0", "-33.3", "0.0"]


def test_xlsx_workbook_with_about_sheet(world: World, tmp_path: Path) -> None:
    path = tmp_path / "figures.xlsx"
    assert _write(answer_pages(_admin(world, world.viewer, 1, 4)), "xlsx", path) == 5
    book = openpyxl.load_workbook(path, read_only=True)
    assert book.sheetnames == ["Figures", "About"]
    rows = list(book["Figures"].iter_rows(values_only=True))
    header = rows[0]
    assert header[:3] == ("Country", "Operation", "Round")
    b3 = next(r for r in rows[1:] if r[10] == B3)
    assert b3[header.index("IDP individuals")] is None
    b4 = next(r for r in rows[1:] if r[10] == "PH0100201001")
    assert b4[header.index("IDP individuals")] == 120
    about = dict(book["About"].iter_rows(values_only=True))
    assert about["Operation"] == "typhoon"
    assert about["Round"] == "1 (published, reported 2026-11-01)"
    assert about["Suppression"].startswith("Empty cells marked in 'Suppressed cells' are hidden")
    assert about["Locations whose sites exceed their baseline"].startswith(
        "1 on a location whose sites hold more individuals than the IDPs its baseline reports"
    )
    assert b4[header.index("Locations whose sites exceed their baseline")] == 0


def test_json_carries_provenance_totals_and_markers(world: World, tmp_path: Path) -> None:
    path = tmp_path / "figures.json"
    _write(answer_pages(_admin(world, world.viewer, 1, 3)), "json", path)
    data = json.loads(path.read_text())
    provenance = data["provenance"][0]
    assert (provenance["round_number"], provenance["threshold"], provenance["source"]) == (
        1,
        5,
        "snapshot",
    )
    assert data["total_rows"] == 4 and data["level"] == 3
    assert data["totals"]["idp_ind"] == 278
    m1 = data["rows"][0]
    assert (m1["adm3_pcode"], m1["idp_ind"], m1["idp_ind_change"]) == (M1, None, None)
    assert "idp_ind" in m1["suppressed"]
    assert data["rows"][3]["idp_ind"] == 25


def test_geojson_points_at_centroids_and_sites(world: World, tmp_path: Path) -> None:
    path = tmp_path / "provinces.geojson"
    _write(answer_pages(_admin(world, world.viewer, 1, 2)), "geojson", path)
    data = json.loads(path.read_text())
    assert data["type"] == "FeatureCollection"
    assert [f["geometry"] for f in data["features"]] == [
        {"type": "Point", "coordinates": [121.5, 11.5]},
        {"type": "Point", "coordinates": [122.5, 12.5]},
    ]
    assert data["features"][0]["properties"]["adm2_pcode"] == P1
    assert data["features"][0]["properties"]["idp_ind"] == 133
    sites = tmp_path / "sites.geojson"
    _write(
        answer_pages(
            lambda limit, offset: figures_by_site(
                user=world.analyst,
                operation=world.operation,
                round_number=2,
                limit=limit,
                offset=offset,
            )
        ),
        "geojson",
        sites,
    )
    features = json.loads(sites.read_text())["features"]
    assert [(f["properties"]["site_code"], f["geometry"]) for f in features] == [
        ("S1", {"type": "Point", "coordinates": [121.3, 11.3]}),
        ("S2", {"type": "Point", "coordinates": [122.3, 12.3]}),
        ("S3", None),  # no coordinates in the registry or the assessment
    ]


def test_site_and_origin_hxl_tags(world: World, tmp_path: Path) -> None:
    sites = tmp_path / "sites.csv"
    _write(
        [figures_by_site(user=world.viewer, operation=world.operation, round_number=1)],
        "hxl",
        sites,
    )
    site_tags = [
        c.display_tag for c in hxl.data(str(sites), hxl.InputOptions(allow_local=True)).columns
    ]
    assert site_tags[4:8] == ["#loc+site+code", "#loc+site+name", "#loc+site+type", "#status+site"]
    assert site_tags[-9:-7] == ["#affected+idps+m+age18_59", "#affected+idps+m+age60_"]
    origins = tmp_path / "origins.csv"
    _write(
        [
            figures_origin_matrix(
                user=world.viewer,
                operation=world.operation,
                round_number=1,
                origin_level=3,
                destination_level=3,
            )
        ],
        "hxl",
        origins,
    )
    data = hxl.data(str(origins), hxl.InputOptions(allow_local=True))
    assert [c.display_tag for c in data.columns] == [
        *META_TAGS,
        "#adm1+origin+code",
        "#adm1+origin+name",
        "#adm2+origin+code",
        "#adm2+origin+name",
        "#adm3+origin+code",
        "#adm3+origin+name",
        "#meta+origin+level",
        "#adm1+code",
        "#adm1+name",
        "#adm2+code",
        "#adm2+name",
        "#adm3+code",
        "#adm3+name",
        "#geo+lat",
        "#geo+lon",
        "#indicator+locations+num",
        "#affected+idps+hh",
        "#affected+idps+ind",
        "#meta+suppressed",
    ]
    rows = [
        (r.get("#adm2+origin+code"), r.get("#adm3+origin+code"), r.get("#meta+origin+level"))
        for r in data
    ]
    assert rows[2] == (P2, None, "2")  # reported at province level: no admin 3 of origin


def test_time_series_export(world: World) -> None:
    series = figures_time_series(user=world.analyst, operation=world.operation, pcode=M4)
    out = io.BytesIO()
    assert export_write([series], "csv", out) == 2
    header, *rows = list(csv.reader(io.StringIO(out.getvalue().decode())))
    assert header[:8] == [
        "Country",
        "Operation",
        "Round",
        "Reporting date",
        "Admin 1 P-code",
        "Admin 1 name",
        "Admin 2 P-code",
        "Admin 2 name",
    ]
    ind = header.index("IDP individuals")
    assert [(r[2], r[header.index("Round status")], r[ind]) for r in rows] == [
        ("1", "published", "25"),
        ("2", "open", "32"),
    ]


LINK = '=HYPERLINK("http://x","Click me")'
CMD = "@SUM(1+1)*cmd|' /C calc'!A0"


def _sites_named_as_formulas(world: World) -> Any:
    from opendtm.operations.models import Site

    Site.objects.filter(pk=world.sites["S1"].pk).update(name=LINK)
    Site.objects.filter(pk=world.sites["S2"].pk).update(name=CMD)
    return lambda limit, offset: figures_by_site(
        user=world.analyst, operation=world.operation, round_number=2, limit=limit, offset=offset
    )


@pytest.mark.parametrize("fmt", ["csv", "hxl"])
def test_site_names_that_are_formulas_come_out_as_text(
    world: World, tmp_path: Path, fmt: str
) -> None:
    path = tmp_path / f"sites.{fmt}"
    _write(answer_pages(_sites_named_as_formulas(world)), fmt, path)
    header, *rows = _csv(path)
    name = header.index("Site name")
    if fmt == "hxl":
        tags = rows.pop(0)
        assert tags[name] == "#loc+site+name"  # a tag row starts with #: left as it is
    raw = path.read_text(encoding="utf-8")
    assert '"\'=HYPERLINK(""http://x"",""Click me"")"' in raw
    assert "'@SUM(1+1)*cmd|' /C calc'!A0" in raw
    assert [r[name] for r in rows] == ["'" + LINK, "'" + CMD, "Site S3"]


def test_site_names_that_are_formulas_are_string_cells_in_xlsx(
    world: World, tmp_path: Path
) -> None:
    path = tmp_path / "sites.xlsx"
    _write(answer_pages(_sites_named_as_formulas(world)), "xlsx", path)
    sheet = openpyxl.load_workbook(path)["Figures"]
    header = [c.value for c in sheet[1]]
    name, ind = header.index("Site name"), header.index("Individuals")
    rows = list(sheet.iter_rows(min_row=2))
    assert [(r[name].value, r[name].data_type) for r in rows] == [
        ("'" + LINK, "s"),
        ("'" + CMD, "s"),
        ("Site S3", "s"),
    ]
    assert [(r[ind].value, r[ind].data_type) for r in rows] == [(0, "n"), (40, "n"), (11, "n")]


# --- answers without rows (issue 11, item 9) ------------------------------------------------

EMPTY_QUESTIONS = [
    # admin 0 is the country: it has its row (of zeros) even when nothing is stored
    *(pytest.param(Grouping.ADMIN, {"level": n}, id=f"admin{n}") for n in range(1, 5)),
    pytest.param(Grouping.SITE, {}, id="site"),
    *(
        pytest.param(Grouping.ORIGIN, {"level": n, "origin_level": o}, id=f"origin{o}-admin{n}")
        for n, o in ((0, 2), (1, 2), (4, 4))
    ),
    # a time series keeps only the rounds reported in its range: none here
    pytest.param(Grouping.ROUND, {"pcode": "PH01", "date_from": dt.date(2030, 1, 1)}, id="round"),
]


@pytest.mark.parametrize("number", [1, 2], ids=["published", "open"])
@pytest.mark.parametrize(("grouping", "options"), EMPTY_QUESTIONS)
def test_every_answer_without_rows_is_a_well_formed_file(
    tmp_path: Path, number: int, grouping: Grouping, options: dict[str, Any]
) -> None:
    """Each format of the answer, read back by a strict reader of that format."""
    world = empty_world_build(tmp_path / "data")
    user = world.viewer if number == 1 else world.analyst
    asked = FiguresRequest(
        operation=world.operation, grouping=grouping, round_number=number, **options
    )
    pages = list(figures_pages(user=user, request=asked))
    assert [page.rows.height for page in pages] == [0]
    table = " ".join(h for h, _key, _kind in TABLE_COLUMNS[type(pages[0])]).split()
    expected = {
        "table": table,
        "csv": [c.header for c in columns_of(pages[0])],
        "hxl": [c.header for c in columns_of(pages[0])],
        "xlsx": [c.header for c in columns_of(pages[0])],
        "json": [],
        "geojson": [],
    }
    for fmt in EMPTY_FORMATS:
        out = io.BytesIO()
        assert export_write(pages, fmt, out) == 0, fmt
        assert answer_rows(fmt, out.getvalue()) == (expected[fmt], []), fmt
        if fmt in ("json", "geojson") and grouping != Grouping.ROUND:
            body = json.loads(out.getvalue())
            assert (body["total_rows"], body["provenance"][0]["round_number"]) == (0, number)
