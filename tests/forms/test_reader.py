"""`read_export`: every reading variant of issue 3, with exact parsed values and issues."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

import polars as pl

from opendtm.forms.queries import form_spec_get
from opendtm.forms.reader import ISSUE_SCHEMA, read_export
from opendtm.forms.sources import rows_as_received
from opendtm.mobility.models import IDP_SEX_AGE_FIELDS
from tests.forms.workbooks import Rows, xlsx_write

FIXTURES = Path(__file__).parent / "fixtures"
BASELINE = form_spec_get(form_id="dtm_baseline")
SITE = form_spec_get(form_id="dtm_site")
NEEDS = [c.name for c in BASELINE.choices["priority_needs"]]
KOBO_TITLE = "DTM baseline (location) assessm"  # the form title cut to Excel's 31 characters
MAIN_META = [
    "_id", "_uuid", "_submission_time", "_validation_status", "_notes", "_status",
    "_submitted_by", "__version__", "_tags", "_index",
]  # fmt: skip
REPEAT_META = [
    "_index", "_parent_table_name", "_parent_index", "_submission__id", "_submission__uuid",
    "_submission__submission_time", "_submission__validation_status", "_submission__notes",
    "_submission__status", "_submission__submitted_by", "_submission___version__",
    "_submission__tags",
]  # fmt: skip
BLANK_BASELINE = {
    "adm4_pcode": None,
    "idp_hh_sites": None,
    "idp_hh_host": None,
    "idp_hh_rented": None,
    "idp_hh_makeshift": None,
    "returnee_idp_hh": None,
    "returnee_idp_ind": None,
    "returnee_abroad_ind": None,
    **dict.fromkeys(IDP_SEX_AGE_FIELDS),
}


def onehot(chosen: str) -> list[object]:
    return [1 if name in chosen.split() else 0 for name in NEEDS]


def kobo_baseline_sheets() -> dict[str, Rows]:
    """A KoboToolbox XLSX export (XML names, group paths, numbers as numbers), as formpack
    writes it: geopoint as one column plus `_gps_*`, select_multiple as one column plus 0/1
    columns, metadata after the questions, the `origins` repeat on its own sheet."""
    header = [
        "start", "end", "general/assessment_date", "general/enumerator_code",
        "location/adm1_pcode", "location/adm2_pcode", "location/adm3_pcode",
        "location/adm4_pcode", "location/gps", "location/_gps_latitude",
        "location/_gps_longitude", "location/_gps_altitude", "location/_gps_precision",
        "key_informants/ki_count", "idp/idp_present", "idp/idp_hh", "idp/idp_ind",
        "idp/idp_shelter/idp_hh_sites", "idp/idp_shelter/idp_hh_host",
        "idp/idp_shelter/idp_hh_rented", "idp/idp_shelter/idp_hh_makeshift",
        "idp/displacement_cause", "idp/idp_arrival", "returnees/returnee_present",
        "returnees/returnee_idp_hh", "returnees/returnee_idp_ind",
        "returnees/returnee_abroad_ind", "sites/sites_count", "needs/priority_needs",
        *[f"needs/priority_needs/{name}" for name in NEEDS], *MAIN_META,
    ]  # fmt: skip
    start = "2026-03-02T08:07:00.000+08:00"
    end = "2026-03-02T08:41:00.000+08:00"
    main: Rows = [
        header,
        [start, end, dt.date(2026, 3, 2), "ENUM-01", "PH08", "PH08037", "PH0803701", None,
         "11.2431 125.0012 12 5", 11.2431, 125.0012, 12, 5, 3, "yes", 20, 85, 5, 10, 3, 2,
         "typhoon", "1_4_weeks", "no", None, None, None, 1, "shelter food water",
         *onehot("shelter food water"), 100001, "a1b2-0001", "2026-03-02T14:07:00", None, None,
         "submitted_via_web", None, "vXyZ", None, 1],
        [start, end, "02/03/2026", "ENUM-02", "PH08", "PH08037", "PH0803702", None, None, None,
         None, None, None, 2, "no", None, None, None, None, None, None, None, None, "yes", 4, 18,
         2, 0, "nfi health", *onehot("nfi health"), 100002, "a1b2-0002", "2026-03-02T15:00:00",
         None, None, "submitted_via_web", None, "vXyZ", None, 2],
        [start, end, 46084, "ENUM-03", "PH08", "PH08026", "PH0802601", None, "11.4 125.3 0 0",
         11.4, 125.3, 0, 0, "three", "Yes", 12.5, 60, None, None, None, None, "Flood",
         "LT_1_WEEK", "no", None, None, None, 0, "food", *onehot("food"), 100003, "a1b2-0003",
         "2026-03-03T09:30:00", None, None, "submitted_via_web", None, "vXyZ", None, 3],
        [None] * len(header),
        [start, end, "2026-03-04", "ENUM-01", "PH08", "PH08037", "PH0803703", None, "95 125",
         95, 125, None, None, 1, "yes", 8, 30, None, None, None, None, "conflict",
         "gt_6_months", "no", None, None, None, 0, "water shelter", *onehot("water shelter"),
         100004, "a1b2-0004", "2026-03-04T10:00:00", None, None, "submitted_via_web", None,
         "vXyZ", None, 4],
    ]  # fmt: skip
    origins_header = [
        "idp/origins/origin_pcode", "idp/origins/origin_hh", "idp/origins/origin_ind",
        *REPEAT_META,
    ]  # fmt: skip

    def origin(pcode: str, hh: object, ind: object, index: int, parent: int) -> list[object]:
        uuid = f"a1b2-000{parent}"
        meta = [100000 + parent, uuid, "2026-03-02T14:07:00", None, None, "submitted_via_web"]
        return [pcode, hh, ind, index, KOBO_TITLE, parent, *meta, None, "vXyZ", None]

    origins: Rows = [
        origins_header,
        origin("PH08037", 3, 12, 1, 1),
        origin("PH07022", 2, 9, 2, 1),
        origin("PH08026", 1, "x", 3, 3),
        origin("PH05017", 1, 4, 4, 9),
    ]
    return {KOBO_TITLE: main, "origins": origins}


EXPECTED_KOBO_MAIN = [
    {
        "_row": 2, "_sheet": KOBO_TITLE, "_submission_id": "a1b2-0001", "_index": 1,
        "_submitted_at": dt.datetime(2026, 3, 2, 14, 7), "assessment_date": dt.date(2026, 3, 2),
        "enumerator_code": "ENUM-01", "adm1_pcode": "PH08", "adm2_pcode": "PH08037",
        "adm3_pcode": "PH0803701", "gps__lat": 11.2431, "gps__lon": 125.0012, "gps__alt": 12.0,
        "gps__acc": 5.0, "ki_count": 3, "idp_present": "yes", "idp_hh": 20, "idp_ind": 85,
        "idp_hh_sites": 5, "idp_hh_host": 10, "idp_hh_rented": 3, "idp_hh_makeshift": 2,
        "displacement_cause": "typhoon", "idp_arrival": "1_4_weeks", "returnee_present": "no",
        "sites_count": 1, "priority_needs": ["shelter", "food", "water"],
    },
    {
        "_row": 3, "_sheet": KOBO_TITLE, "_submission_id": "a1b2-0002", "_index": 2,
        "_submitted_at": dt.datetime(2026, 3, 2, 15, 0), "assessment_date": dt.date(2026, 3, 2),
        "enumerator_code": "ENUM-02", "adm1_pcode": "PH08", "adm2_pcode": "PH08037",
        "adm3_pcode": "PH0803702", "gps__lat": None, "gps__lon": None, "gps__alt": None,
        "gps__acc": None, "ki_count": 2, "idp_present": "no", "idp_hh": None, "idp_ind": None,
        "displacement_cause": None, "idp_arrival": None, "returnee_present": "yes",
        "returnee_idp_hh": 4, "returnee_idp_ind": 18, "returnee_abroad_ind": 2,
        "sites_count": 0, "priority_needs": ["nfi", "health"],
    },
    {
        "_row": 4, "_sheet": KOBO_TITLE, "_submission_id": "a1b2-0003", "_index": 3,
        "_submitted_at": dt.datetime(2026, 3, 3, 9, 30), "assessment_date": dt.date(2026, 3, 3),
        "enumerator_code": "ENUM-03", "adm1_pcode": "PH08", "adm2_pcode": "PH08026",
        "adm3_pcode": "PH0802601", "gps__lat": 11.4, "gps__lon": 125.3, "gps__alt": 0.0,
        "gps__acc": 0.0, "ki_count": None, "idp_present": "yes", "idp_hh": None, "idp_ind": 60,
        "displacement_cause": "flood", "idp_arrival": "lt_1_week", "returnee_present": "no",
        "sites_count": 0, "priority_needs": ["food"],
    },
    {
        "_row": 6, "_sheet": KOBO_TITLE, "_submission_id": "a1b2-0004", "_index": 4,
        "_submitted_at": dt.datetime(2026, 3, 4, 10, 0), "assessment_date": dt.date(2026, 3, 4),
        "enumerator_code": "ENUM-01", "adm1_pcode": "PH08", "adm2_pcode": "PH08037",
        "adm3_pcode": "PH0803703", "gps__lat": None, "gps__lon": None, "gps__alt": None,
        "gps__acc": None, "ki_count": 1, "idp_present": "yes", "idp_hh": 8, "idp_ind": 30,
        "displacement_cause": "conflict", "idp_arrival": "gt_6_months", "returnee_present": "no",
        "sites_count": 0, "priority_needs": ["water", "shelter"],
    },
]  # fmt: skip


def issue(
    sheet: str,
    row: int,
    submission: str | None,
    field: str,
    value: str | None,
    rule: str,
    message: str,
) -> dict[str, object]:
    return {
        "sheet": sheet,
        "row": row,
        "submission_id": submission,
        "field": field,
        "value": value,
        "rule": rule,
        "severity": "error",
        "message": message,
    }


def test_kobo_xlsx_export_with_group_paths_and_a_repeat_sheet(tmp_path: Path) -> None:
    path = xlsx_write(tmp_path / "baseline_r1.xlsx", kobo_baseline_sheets())
    parsed = read_export(form=BASELINE, path=path)

    assert parsed.file_name == "baseline_r1.xlsx"
    assert parsed.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert parsed.sources == {"main": path}
    assert parsed.main.to_dicts() == [{**BLANK_BASELINE, **row} for row in EXPECTED_KOBO_MAIN]
    raw = rows_as_received(path, KOBO_TITLE, [2])[2]
    assert list(raw)[:6] == [
        "start",
        "end",
        "general/assessment_date",
        "general/enumerator_code",
        "location/adm1_pcode",
        "location/adm2_pcode",
    ]
    assert raw["general/assessment_date"] == "2026-03-02 00:00:00"
    assert raw["location/gps"] == "11.2431 125.0012 12 5"
    assert raw["key_informants/ki_count"] == "3"
    assert raw["location/adm4_pcode"] == ""
    assert raw["needs/priority_needs/food"] == "1"
    assert len(raw) == 29 + len(NEEDS) + len(MAIN_META)

    assert parsed.repeats["origins"].to_dicts() == [
        {"_row": 2, "_sheet": "origins", "_parent_row": 2, "_submission_id": "a1b2-0001",
         "origin_pcode": "PH08037", "origin_hh": 3, "origin_ind": 12},
        {"_row": 3, "_sheet": "origins", "_parent_row": 2, "_submission_id": "a1b2-0001",
         "origin_pcode": "PH07022", "origin_hh": 2, "origin_ind": 9},
        {"_row": 4, "_sheet": "origins", "_parent_row": 4, "_submission_id": "a1b2-0003",
         "origin_pcode": "PH08026", "origin_hh": 1, "origin_ind": None},
        {"_row": 5, "_sheet": "origins", "_parent_row": None, "_submission_id": None,
         "origin_pcode": "PH05017", "origin_hh": 1, "origin_ind": 4},
    ]  # fmt: skip
    assert rows_as_received(path, "origins", [2])[2]["_parent_index"] == "1"
    assert parsed.issues.to_dicts() == [
        issue(KOBO_TITLE, 4, "a1b2-0003", "ki_count", "three", "type.integer",
              "ki_count must be a whole number; got 'three'"),
        issue(KOBO_TITLE, 4, "a1b2-0003", "idp_hh", "12.5", "type.integer",
              "idp_hh must be a whole number; got '12.5'"),
        issue(KOBO_TITLE, 6, "a1b2-0004", "gps", "95 125", "type.geopoint",
              "gps must be 'latitude longitude [altitude accuracy]' with latitude between -90 "
              "and 90 and longitude between -180 and 180; got '95 125'"),
        issue("origins", 4, "a1b2-0003", "origin_ind", "x", "type.integer",
              "origin_ind must be a whole number; got 'x'"),
        issue("origins", 5, None, "_parent_index", "9", "repeat.orphan",
              f"origins row has no parent submission: _parent_index '9' matches no _index in "
              f"{KOBO_TITLE}"),
    ]  # fmt: skip
    assert parsed.ignored_columns == [
        "start", "end", "_validation_status", "_notes", "_status", "_submitted_by",
        "__version__", "_tags", "_parent_table_name", "_submission__id",
        "_submission__submission_time", "_submission__validation_status", "_submission__notes",
        "_submission__status", "_submission__submitted_by", "_submission___version__",
        "_submission__tags",
    ]  # fmt: skip


def test_main_frame_schema_follows_the_contract(tmp_path: Path) -> None:
    path = xlsx_write(tmp_path / "baseline.xlsx", kobo_baseline_sheets())
    parsed = read_export(form=BASELINE, path=path)
    schema = dict(parsed.main.schema)
    assert list(schema)[:6] == [
        "_row",
        "_sheet",
        "_submission_id",
        "_index",
        "_submitted_at",
        "assessment_date",
    ]
    assert [schema[c] for c in list(schema)[:5]] == [
        pl.Int64, pl.Utf8, pl.Utf8, pl.Int64, pl.Datetime("us"),
    ]  # fmt: skip
    assert schema["assessment_date"] == pl.Date
    assert schema["ki_count"] == pl.Int64
    assert schema["priority_needs"] == pl.List(pl.Utf8)
    assert [c for c in schema if c.startswith("gps")] == [
        "gps__lat",
        "gps__lon",
        "gps__alt",
        "gps__acc",
    ]
    assert "origin_pcode" not in schema
    assert dict(parsed.repeats["origins"].schema) == {
        "_row": pl.Int64, "_sheet": pl.Utf8, "_parent_row": pl.Int64, "_submission_id": pl.Utf8,
        "origin_pcode": pl.Utf8, "origin_hh": pl.Int64, "origin_ind": pl.Int64,
    }  # fmt: skip
    assert dict(parsed.issues.schema) == ISSUE_SCHEMA


def test_one_hot_columns_are_used_when_the_space_separated_one_is_missing(tmp_path: Path) -> None:
    sheets = kobo_baseline_sheets()
    main = sheets[KOBO_TITLE]
    drop = main[0].index("needs/priority_needs")
    sheets[KOBO_TITLE] = [row[:drop] + row[drop + 1 :] for row in main]
    parsed = read_export(form=BASELINE, path=xlsx_write(tmp_path / "b.xlsx", sheets))
    assert parsed.main["priority_needs"].to_list() == [
        ["shelter", "food", "water"],
        ["nfi", "health"],
        ["food"],
        ["shelter", "water"],
    ]


def test_without_a_repeat_sheet_the_repeat_is_empty(tmp_path: Path) -> None:
    sheets = kobo_baseline_sheets()
    del sheets["origins"]
    parsed = read_export(form=BASELINE, path=xlsx_write(tmp_path / "b.xlsx", sheets))
    assert parsed.repeats["origins"].height == 0
    assert parsed.repeats["origins"].columns == [
        "_row", "_sheet", "_parent_row", "_submission_id", "origin_pcode", "origin_hh",
        "origin_ind",
    ]  # fmt: skip
    assert parsed.main.height == 4
    assert parsed.issues.filter(pl.col("rule") == "repeat.missing").rows() == [
        (KOBO_TITLE, None, None, "origins", None, "repeat.missing", "warning",
         "the workbook has no sheet 'origins' or 'Places of origin of the IDPs' (its sheets: "
         f"{KOBO_TITLE}): no origins rows were read"),
    ]  # fmt: skip


def test_a_csv_without_its_repeat_file_says_no_repeat_rows_were_read() -> None:
    parsed = read_export(form=BASELINE, path=FIXTURES / "central_baseline.csv")
    assert parsed.issues.filter(pl.col("rule") == "repeat.missing")["message"].to_list() == [
        "a CSV file holds one table: no origins rows were read (give them as a file of their "
        "own: --repeat origins=FILE)"
    ]


def test_an_orphan_that_names_its_submission_by_uuid_is_an_error_of_it(tmp_path: Path) -> None:
    """`_parent_index` 42 matches no `_index`, but `_submission__uuid` names a1b2-0001: the
    row stays an orphan (an error) of that submission instead of one of nobody's."""
    sheets = kobo_baseline_sheets()
    parent = sheets["origins"][0].index("_parent_index")
    sheets["origins"][1][parent] = 42
    sheets["origins"][2][parent] = None
    parsed = read_export(form=BASELINE, path=xlsx_write(tmp_path / "b.xlsx", sheets))
    frame = parsed.repeats["origins"]
    assert frame.select("_row", "_parent_row", "_submission_id").rows() == [
        (2, 2, "a1b2-0001"),
        (3, 2, "a1b2-0001"),
        (4, 4, "a1b2-0003"),
        (5, None, None),  # its uuid a1b2-0009 names nobody either
    ]
    orphans = parsed.issues.filter(pl.col("rule") == "repeat.orphan")
    assert orphans.select("row", "submission_id", "value", "message").rows() == [
        (2, "a1b2-0001", "42",
         "origins row points at no submission: _parent_index '42' matches no _index in "
         f"{KOBO_TITLE}, but its _submission__uuid is submission a1b2-0001 (row 2), which is "
         "rejected with it"),
        (3, "a1b2-0001", None,
         "origins row points at no submission: _parent_index is empty, but its "
         "_submission__uuid is submission a1b2-0001 (row 2), which is rejected with it"),
        (5, None, "9", "origins row has no parent submission: _parent_index '9' matches no "
         f"_index in {KOBO_TITLE}"),
    ]  # fmt: skip


def test_repeat_sheet_found_by_label_and_joined_on_the_submission_uuid(tmp_path: Path) -> None:
    sheets = kobo_baseline_sheets()
    origins = sheets.pop("origins")
    keep = [i for i, h in enumerate(origins[0]) if h not in ("_parent_index", "_index")]
    sheets["Places of origin of the IDPs"] = [[row[i] for i in keep] for row in origins]
    parsed = read_export(form=BASELINE, path=xlsx_write(tmp_path / "b.xlsx", sheets))
    frame = parsed.repeats["origins"]
    assert frame["_parent_row"].to_list() == [2, 2, 4, None]
    assert frame["_sheet"].to_list() == ["Places of origin of the IDPs"] * 4
    assert parsed.issues.filter(pl.col("rule") == "repeat.orphan")["message"].to_list() == [
        "origins row has no parent submission: _submission__uuid 'a1b2-0009' matches no _uuid "
        f"in {KOBO_TITLE}"
    ]


def kobo_site_label_sheets() -> dict[str, Rows]:
    """A KoboToolbox XLSX export with labels as headers and answers ("labels" export)."""
    diseases = [c.label for c in SITE.choices["diseases"]]
    header = [
        "start", "General information/Assessment date", "General information/Enumerator code",
        "Site identification/Site ID", "Site identification/Site name",
        "Site identification/Site type", "Site identification/Site status",
        "Site identification/Is a site management agency present?",
        "Location/Admin 1 (region, state or province)", "Location/Admin 2 (province, district)",
        "Location/GPS coordinates of the site", "Location/_GPS coordinates of the site_latitude",
        "Location/_GPS coordinates of the site_longitude",
        "Location/_GPS coordinates of the site_altitude",
        "Location/_GPS coordinates of the site_precision",
        "Site population/Households in the site", "Site population/Individuals in the site",
        "Sex and age of the population/Females under 1 year",
        "Water, sanitation and hygiene/Main source of drinking water",
        "Health/Diseases reported in the last two weeks",
        *[f"Health/Diseases reported in the last two weeks/{label}" for label in diseases],
        "Priority needs/First priority need", "_id", "_uuid", "_submission_time", "_index",
    ]  # fmt: skip

    def flags(*chosen: str) -> list[object]:
        return [1 if label in chosen else 0 for label in diseases]

    return {
        "DTM site assessment": [
            header,
            ["2026-03-02T08:00:00.000+08:00", "2026-03-02", "ENUM-01", "SITE-001",
             "Covered court", "Evacuation centre", "Open", "Yes", "PH08", "PH08037",
             "11.2 125.0 0 4", 11.2, 125.0, 0, 4, 12, 40, 2, "Water trucking",
             "Diarrhoea Respiratory infections", *flags("Diarrhoea", "Respiratory infections"),
             "Drinking water", 2001, "s-0001", "2026-03-02T12:00:00", 1],
            ["2026-03-02T09:00:00.000+08:00", "2026-03-02", "ENUM-02", "SITE-002", "Chapel",
             "Tents", "Closing", "No", "PH08", "PH08037", "11.3 125.1 0 4", 11.3, 125.1, 0, 4,
             5, 21, 0, "Piped water", "Skin diseases Other disease",
             *flags("Skin diseases", "Other disease"), "Food", 2002, "s-0002",
             "2026-03-02T12:30:00", 2],
            ["2026-03-02T10:00:00.000+08:00", "2026-03-02", "ENUM-02", "SITE-003", "School",
             "collective centre", "open", "yes", "PH08", "PH08026", None, None, None, None,
             None, 7, 30, 1, "No water source", "None", *flags("None"), "Cash assistance",
             2003, "s-0003", "2026-03-02T13:00:00", 3],
        ]
    }  # fmt: skip


def test_kobo_label_export(tmp_path: Path) -> None:
    path = xlsx_write(tmp_path / "sites_labels.xlsx", kobo_site_label_sheets())
    parsed = read_export(form=SITE, path=path)
    columns = [
        "_row", "_submission_id", "assessment_date", "enumerator_code", "site_id", "site_name",
        "site_type", "site_status", "site_management", "adm1_pcode", "adm2_pcode", "gps__lat",
        "gps__lon", "gps__alt", "gps__acc", "hh", "ind", "ind_f_lt1", "water_source", "diseases",
        "priority_need_1",
    ]  # fmt: skip
    assert parsed.main.select(columns).rows() == [
        (2, "s-0001", dt.date(2026, 3, 2), "ENUM-01", "SITE-001", "Covered court",
         "evacuation_centre", "open", "yes", "PH08", "PH08037", 11.2, 125.0, 0.0, 4.0, 12, 40, 2,
         "trucking", ["diarrhoea", "respiratory"], "water"),
        (3, "s-0002", dt.date(2026, 3, 2), "ENUM-02", "SITE-002", "Chapel", None, "closing", "no",
         "PH08", "PH08037", 11.3, 125.1, 0.0, 4.0, 5, 21, 0, "piped", ["skin", "other"], "food"),
        (4, "s-0003", dt.date(2026, 3, 2), "ENUM-02", "SITE-003", "School", "collective_centre",
         "open", "yes", "PH08", "PH08026", None, None, None, None, 7, 30, 1, "none", ["none"],
         "cash"),
    ]  # fmt: skip
    assert parsed.issues.to_dicts() == [
        issue("DTM site assessment", 3, "s-0002", "site_type", "Tents", "choice.unknown",
              "site_type must be a name or label of the choices in list 'site_type'; got 'Tents'"),
    ]  # fmt: skip
    assert parsed.ignored_columns == ["start"]


def test_semicolon_csv_with_bom_bare_and_dotted_headers() -> None:
    path = FIXTURES / "site_semicolon_bom.csv"
    parsed = read_export(form=SITE, path=path)
    assert parsed.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    columns = [
        "_row", "_sheet", "_submission_id", "_index", "_submitted_at", "assessment_date",
        "site_id", "site_name", "site_type", "site_status", "site_management", "gps__lat",
        "gps__lon", "gps__alt", "hh", "ind", "ind_m_60p", "covered_area_m2", "water_source",
        "water_lpd", "diseases", "priority_need_1", "priority_need_2", "priority_need_3",
    ]  # fmt: skip
    sheet = "site_semicolon_bom.csv"
    assert parsed.main.select(columns).rows() == [
        (2, sheet, "uuid-s1", 1, dt.datetime(2026, 3, 2, 10), dt.date(2026, 3, 2), "SITE-001",
         'Barangay Hall; "Annex"', "evacuation_centre", "open", "yes", 11.2431, 125.0012, None,
         12, 40, 19, 12.5, "piped", 15.5, ["diarrhoea", "respiratory"], "food", "water",
         "shelter"),
        (3, sheet, "uuid-s2", 2, dt.datetime(2026, 3, 3, 10), dt.date(2026, 3, 3), "SITE-002",
         "Tent city", "planned_camp", None, "no", None, None, None, 7, None, 0, None, None, None,
         ["none"], "cash", None, None),
        (5, sheet, "uuid-s3", 3, dt.datetime(2026, 3, 4, 9), dt.date(2026, 3, 4), "SITE-003",
         "School annex", "collective_centre", "closing", None, 11.3, 125.2, None, None, 30, None,
         None, "trucking", None, None, None, None, None),
    ]  # fmt: skip
    raw = rows_as_received(path, sheet, [2])[2]
    assert raw["site.site_name"] == 'Barangay Hall; "Annex"'
    assert raw["site_type"] == "  Evacuation_Centre "
    assert raw["ind"] == " 40 "
    assert parsed.issues.to_dicts() == [
        issue(sheet, 3, "uuid-s2", "site_status", "reopened", "choice.unknown",
              "site_status must be a name or label of the choices in list 'site_status'; "
              "got 'reopened'"),
        issue(sheet, 3, "uuid-s2", "gps", "95 125.1", "type.geopoint",
              "gps must be 'latitude longitude [altitude accuracy]' with latitude between -90 "
              "and 90 and longitude between -180 and 180; got '95 125.1'"),
        issue(sheet, 3, "uuid-s2", "ind", "7.5", "type.integer",
              "ind must be a whole number; got '7.5'"),
        issue(sheet, 5, "uuid-s3", "hh", "abc", "type.integer",
              "hh must be a whole number; got 'abc'"),
        issue(sheet, 5, "uuid-s3", "diseases", "diseases/diarrhoea=2", "choice.unknown",
              "diseases must be names or labels of the choices in list 'diseases', separated "
              "by spaces (or 0/1 in one column per choice); got 'diseases/diarrhoea=2'"),
    ]  # fmt: skip
    assert parsed.ignored_columns == ["start", "end", "deviceid", "remarks"]


def test_odk_central_csv_with_its_repeat_csv() -> None:
    main, origins = FIXTURES / "central_baseline.csv", FIXTURES / "central_baseline-origins.csv"
    parsed = read_export(form=BASELINE, path=main, repeat_files={"origins": origins})
    assert parsed.sha256 == hashlib.sha256(main.read_bytes() + origins.read_bytes()).hexdigest()
    columns = [
        "_row", "_submission_id", "_index", "_submitted_at", "assessment_date", "adm3_pcode",
        "gps__lat", "gps__lon", "gps__alt", "gps__acc", "idp_present", "idp_hh", "idp_ind",
        "idp_hh_makeshift", "displacement_cause", "returnee_idp_ind", "priority_needs",
    ]  # fmt: skip
    assert parsed.main.select(columns).rows() == [
        (2, "aaa-1", None, dt.datetime(2026, 3, 5, 2, 10, 11, 123000), dt.date(2026, 3, 4),
         "PH0803701", 11.25, 125.01, 12.5, 4.8, "yes", 20, 85, 2, "typhoon", None,
         ["shelter", "food", "water"]),
        (3, "aaa-2", None, dt.datetime(2026, 3, 5, 2, 11), dt.date(2026, 3, 4), "PH0803702", None,
         None, None, None, "no", None, None, None, None, 18, ["nfi", "health"]),
        (4, "aaa-3", None, dt.datetime(2026, 3, 5, 3), None, "PH0802601", None, None, None, None,
         "yes", -3, 40, None, None, None, ["cash"]),
    ]  # fmt: skip
    sheet = "central_baseline-origins.csv"
    assert parsed.sources == {"main": main, "origins": origins}
    assert parsed.repeats["origins"].rows() == [
        (2, sheet, 2, "aaa-1", "PH08037", 3, 12),
        (3, sheet, 2, "aaa-1", "PH07022", 2, 9),
        (4, sheet, 4, "aaa-3", "PH08026", 1, None),
        (5, sheet, None, None, "PH05017", 1, 4),
    ]
    assert [(i["sheet"], i["row"], i["field"], i["rule"]) for i in parsed.issues.to_dicts()] == [
        ("central_baseline.csv", 4, "assessment_date", "type.date"),
        ("central_baseline.csv", 4, "gps", "type.geopoint"),
        ("central_baseline.csv", 4, "displacement_cause", "choice.unknown"),
        (sheet, 4, "origin_ind", "type.integer"),
        (sheet, 5, "PARENT_KEY", "repeat.orphan"),
    ]
    assert parsed.issues["message"].to_list()[4] == (
        "origins row has no parent submission: PARENT_KEY 'uuid:zzz-9' matches no KEY in "
        "central_baseline.csv"
    )
    assert parsed.issues["value"].to_list()[:3] == ["2026-13-01", "11.4", "typhon"]
    assert parsed.ignored_columns == [
        "start", "end", "deviceid", "SubmitterID", "SubmitterName", "AttachmentsPresent",
        "AttachmentsExpected", "Status", "ReviewState", "DeviceID", "Edits", "FormVersion",
    ]  # fmt: skip


def test_legacy_xls_workbook() -> None:
    parsed = read_export(form=SITE, path=FIXTURES / "site_legacy.xls")
    assert parsed.main.select(
        "_row", "_sheet", "_submission_id", "_index", "assessment_date", "site_id", "site_type",
        "hh", "ind",
    ).rows() == [
        (2, "DTM site assessment", "uuid-x1", 1, dt.date(2026, 3, 2), "SITE-001",
         "evacuation_centre", 12, 40),
        (3, "DTM site assessment", "uuid-x2", 2, dt.date(2026, 3, 2), "SITE-002",
         "collective_centre", 5, 21),
    ]  # fmt: skip
    assert parsed.issues.height == 0


def write_csv(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_headers_with_any_group_separator_or_labels_in_any_case(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "mixed.csv",
        [
            "general.assessment_date,general:enumerator_code,site_id,"
            "SITE IDENTIFICATION/SITE  NAME,  site type ,x/y/population/hh,"
            "Individuals in the site,site/site_id,instanceID,gps",
            "2026-03-02,E1,S-1,Hall,Evacuation centre,3,12,S-9,uuid:i-1,11 125",
        ],
    )
    parsed = read_export(form=SITE, path=path)
    assert parsed.main.select(
        "_submission_id", "assessment_date", "enumerator_code", "site_id", "site_name",
        "site_type", "hh", "ind", "gps__lat", "gps__lon",
    ).rows() == [
        ("i-1", dt.date(2026, 3, 2), "E1", "S-1", "Hall", "evacuation_centre", 3, 12, 11.0, 125.0)
    ]  # fmt: skip
    assert parsed.ignored_columns == ["site/site_id"]


def test_utf16_tab_separated_text_from_excel(tmp_path: Path) -> None:
    path = tmp_path / "unicode.txt"
    path.write_bytes("site_id\tsite_name\thh\r\nS-1\tSto. Niño\t3\r\n".encode("utf-16"))
    parsed = read_export(form=SITE, path=path)
    assert parsed.main.select("_row", "_sheet", "site_id", "site_name", "hh").rows() == [
        (2, "unicode.txt", "S-1", "Sto. Niño", 3)
    ]


def test_rows_as_received_give_the_cells_exactly_whatever_they_hold(tmp_path: Path) -> None:
    path = tmp_path / "odd.csv"
    path.write_text(
        'site_id,diseases,hh,"site\\name"\n"S-""1""","fever ""x""\\",3,"a\tb\u0001"\n'
        'S-2,,"line\nbreak",\n',
        encoding="utf-8",
    )
    parsed = read_export(form=SITE, path=path)
    assert parsed.main["diseases"].to_list() == [None, None]
    assert rows_as_received(path, "ignored for a CSV", [3, 2, 9, 1]) == {
        2: {"site_id": 'S-"1"', "diseases": 'fever "x"\\', "hh": "3", "site\\name": "a\tb\u0001"},
        3: {"site_id": "S-2", "diseases": "", "hh": "line\nbreak", "site\\name": ""},
    }


def test_rows_as_received_of_a_utf16_file_and_a_workbook_sheet(tmp_path: Path) -> None:
    text = tmp_path / "unicode.txt"
    text.write_bytes("site_id\tsite_name\thh\r\nS-1\tSto. Niño\t3\r\n".encode("utf-16"))
    assert rows_as_received(text, "unicode.txt", [2]) == {
        2: {"site_id": "S-1", "site_name": "Sto. Niño", "hh": "3"}
    }
    book = xlsx_write(tmp_path / "b.xlsx", kobo_baseline_sheets())
    origins = rows_as_received(book, "origins", [5])[5]
    assert (origins["idp/origins/origin_pcode"], origins["_parent_index"]) == ("PH05017", "9")


def test_blank_rows_are_skipped_and_row_numbers_kept(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "gaps.csv",
        ["site_id,hh,_uuid", "S-1,3,u1", ",,", "", "S-2,4,u2"],
    )
    parsed = read_export(form=SITE, path=path)
    assert parsed.main.select("_row", "site_id", "hh", "_submission_id").rows() == [
        (2, "S-1", 3, "u1"),
        (5, "S-2", 4, "u2"),
    ]
    assert rows_as_received(path, "gaps.csv", [5]) == {
        5: {"site_id": "S-2", "hh": "4", "_uuid": "u2"}
    }


def test_header_only_export_reads_no_rows(tmp_path: Path) -> None:
    parsed = read_export(form=SITE, path=write_csv(tmp_path / "none.csv", ["site_id,hh"]))
    assert parsed.main.height == 0
    assert parsed.main.schema["hh"] == pl.Int64
    assert parsed.issues.height == 0


def test_a_field_missing_from_the_file_is_a_null_column(tmp_path: Path) -> None:
    parsed = read_export(form=SITE, path=write_csv(tmp_path / "few.csv", ["site_id", "S-1"]))
    assert parsed.main.select("hh", "diseases", "assessment_date", "gps__lat").rows() == [
        (None, None, None, None)
    ]
    assert parsed.main.select("hh", "diseases", "assessment_date", "gps__lat").dtypes == [
        pl.Int64,
        pl.List(pl.Utf8),
        pl.Date,
        pl.Float64,
    ]
