"""The shipped XLSForms: the data dictionary of docs/domain.md §4, compiled by pyxform as
deployed."""

from __future__ import annotations

import re
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from pyxform.xls2xform import convert

from opendtm.forms.queries import form_spec_get
from opendtm.forms.spec import FormSpec
from opendtm.forms.translations import forms_translated
from opendtm.forms.xlsform import shipped_rows, write_xlsform
from tests.forms.workbooks import sheet_rows

XF = "{http://www.w3.org/2002/xforms}"
JR = "{http://openrosa.org/javarosa}"
METADATA = {"start", "end", "deviceid"}

# The data dictionary of docs/domain.md §4.1 and §4.2, field by field in form order.
BASELINE = {
    "assessment_date": ("date", True, None),
    "enumerator_code": ("text", True, None),
    "adm1_pcode": ("text", True, None),
    "adm2_pcode": ("text", False, None),
    "adm3_pcode": ("text", False, None),
    "adm4_pcode": ("text", False, None),
    "gps": ("geopoint", False, None),
    "ki_count": ("integer", False, None),
    "idp_present": ("select_one", True, "yes_no"),
    "idp_hh": ("integer", True, None),
    "idp_ind": ("integer", True, None),
    "idp_hh_sites": ("integer", False, None),
    "idp_hh_host": ("integer", False, None),
    "idp_hh_rented": ("integer", False, None),
    "idp_hh_makeshift": ("integer", False, None),
    **{
        f"idp_ind_{sex}_{age}": ("integer", False, None)
        for sex in ("f", "m")
        for age in ("lt1", "1_5", "6_17", "18_59", "60p")
    },
    "displacement_cause": ("select_one", False, "displacement_cause"),
    "idp_arrival": ("select_one", False, "idp_arrival"),
    "origin_pcode": ("text", True, None),
    "origin_hh": ("integer", False, None),
    "origin_ind": ("integer", False, None),
    "returnee_present": ("select_one", True, "yes_no"),
    "returnee_idp_hh": ("integer", False, None),
    "returnee_idp_ind": ("integer", False, None),
    "returnee_abroad_ind": ("integer", False, None),
    "sites_count": ("integer", False, None),
    "priority_needs": ("select_multiple", False, "priority_needs"),
}
SEX_AGE = [
    f"ind_{sex}_{age}" for sex in ("f", "m") for age in ("lt1", "1_5", "6_17", "18_59", "60p")
]
SITE = {
    "assessment_date": ("date", True, None),
    "enumerator_code": ("text", True, None),
    "site_id": ("text", True, None),
    "site_name": ("text", True, None),
    "site_type": ("select_one", True, "site_type"),
    "site_status": ("select_one", False, "site_status"),
    "site_management": ("select_one", False, "yes_no"),
    "adm1_pcode": ("text", True, None),
    "adm2_pcode": ("text", False, None),
    "adm3_pcode": ("text", False, None),
    "adm4_pcode": ("text", False, None),
    "gps": ("geopoint", True, None),
    "hh": ("integer", True, None),
    "ind": ("integer", True, None),
    **dict.fromkeys(SEX_AGE, ("integer", False, None)),
    **dict.fromkeys(
        ["pwd_ind", "plw_ind", "uasc_ind", "older_alone_ind", "arrivals_ind", "departures_ind"],
        ("integer", False, None),
    ),
    "hh_no_shelter": ("integer", False, None),
    "covered_area_m2": ("decimal", False, None),
    "water_source": ("select_one", False, "water_source"),
    "water_lpd": ("decimal", False, None),
    "taps": ("integer", False, None),
    "latrines": ("integer", False, None),
    "showers": ("integer", False, None),
    "latrines_separated": ("select_one", False, "yes_no"),
    "handwashing": ("select_one", False, "yes_no"),
    "health_access": ("select_one", False, "health_access"),
    "diseases": ("select_multiple", False, "diseases"),
    "food_access": ("select_one", False, "food_access"),
    "children_in_school": ("select_one", False, "children_in_school"),
    "lighting": ("select_one", False, "lighting"),
    "security_incidents": ("select_one", False, "yes_no"),
    "gbv_referral": ("select_one", False, "yes_no"),
    "cfm": ("select_one", False, "yes_no"),
    "priority_need_1": ("select_one", False, "priority_needs"),
    "priority_need_2": ("select_one", False, "priority_needs"),
    "priority_need_3": ("select_one", False, "priority_needs"),
}
EVENT = {
    "report_date": ("date", True, None),
    "enumerator_code": ("text", True, None),
    "event_type": ("select_one", True, "event_type"),
    "event_date": ("date", True, None),
    "adm1_pcode": ("text", True, None),
    "adm2_pcode": ("text", False, None),
    "adm3_pcode": ("text", False, None),
    "adm4_pcode": ("text", False, None),
    "count_method": ("select_one", True, "count_method"),
    "displaced_hh": ("integer", False, None),
    "displaced_ind": ("integer", True, None),
    "from_pcode": ("text", False, None),
    "from_site_id": ("text", False, None),
    "to_pcode": ("text", False, None),
    "to_site_id": ("text", False, None),
    "shelter": ("select_one", False, "shelter"),
    "nationality": ("select_one", False, "nationality"),
    "dead": ("integer", False, None),
    "injured": ("integer", False, None),
    "missing": ("integer", False, None),
    "vulnerabilities": ("select_multiple", False, "vulnerabilities"),
    "priority_need_1": ("select_one", False, "priority_needs"),
    "priority_need_2": ("select_one", False, "priority_needs"),
    "priority_need_3": ("select_one", False, "priority_needs"),
    "source_type": ("select_one", True, "source_type"),
    "source_reliability": ("select_one", True, "reliability"),
}
CHOICE_NAMES = {
    "yes_no": ["yes", "no"],
    "displacement_cause": [
        "typhoon", "flood", "storm_surge", "landslide", "earthquake", "volcanic_eruption",
        "drought", "fire", "conflict", "eviction", "other",
    ],
    "idp_arrival": ["lt_1_week", "1_4_weeks", "1_3_months", "3_6_months", "gt_6_months"],
    "priority_needs": [
        "shelter", "nfi", "food", "water", "sanitation", "health", "mhpss", "protection",
        "education", "livelihoods", "cash", "transport", "documentation", "other",
    ],
    "site_type": [
        "planned_camp", "collective_centre", "evacuation_centre", "spontaneous_site",
        "transit_centre", "relocation_site", "host_community_cluster",
    ],
    "site_status": ["open", "closing", "closed"],
    "water_source": [
        "piped", "borehole", "protected_well", "unprotected_well", "surface", "trucking",
        "bottled", "none",
    ],
    "health_access": ["on_site", "lt_5km", "gt_5km", "none"],
    "diseases": [
        "none", "diarrhoea", "respiratory", "fever", "skin", "measles", "dengue", "other",
    ],
    "food_access": ["regular", "irregular", "none"],
    "children_in_school": ["most", "some", "few", "none"],
    "lighting": ["adequate", "partial", "none"],
}  # fmt: skip
HXL_TAG = re.compile(r"^#[a-z][a-z0-9_]*(\+[a-z][a-z0-9_]*)*$")


def data_fields(spec: FormSpec) -> dict[str, tuple[str, bool, str | None]]:
    return {
        f.name: (f.type, f.required, f.list_name) for f in spec.fields if f.type not in METADATA
    }


@pytest.mark.parametrize(
    ("form_id", "expected"),
    [("dtm_baseline", BASELINE), ("dtm_site", SITE), ("dtm_ett", EVENT)],
)
def test_shipped_form_has_exactly_the_fields_of_the_data_dictionary(
    form_id: str, expected: dict[str, tuple[str, bool, str | None]]
) -> None:
    spec = form_spec_get(form_id=form_id)
    assert list(data_fields(spec).items()) == list(expected.items())
    assert [f.name for f in spec.fields if f.type in METADATA] == ["start", "end", "deviceid"]
    assert spec.version == "2026.1"


def test_shipped_choice_lists_hold_the_dictionary_names_with_english_labels() -> None:
    lists = {**form_spec_get(form_id="dtm_baseline").choices}
    lists.update(form_spec_get(form_id="dtm_site").choices)
    assert {name: [c.name for c in choices] for name, choices in lists.items()} == CHOICE_NAMES
    assert all(c.label and c.label != c.name for choices in lists.values() for c in choices)
    assert [c.label for c in lists["yes_no"]] == ["Yes", "No"]


def test_baseline_groups_and_origins_repeat() -> None:
    spec = form_spec_get(form_id="dtm_baseline")
    assert spec.repeats == ("origins",)
    assert [f.name for f in spec.repeat_fields("origins")] == [
        "origin_pcode",
        "origin_hh",
        "origin_ind",
    ]
    assert spec.field("origin_ind").group_path == ("idp", "origins")
    assert spec.field("idp_hh_makeshift").group_path == ("idp", "idp_shelter")
    assert spec.field("adm3_pcode").group_path == ("location",)
    assert spec.field("idp_hh").relevant == "${idp_present} = 'yes'"
    assert spec.group_labels["origins"] == "Places of origin of the IDPs"


def test_site_groups_carry_sectors() -> None:
    spec = form_spec_get(form_id="dtm_site")
    groups = {f.name: f.group_path for f in spec.fields}
    assert groups["ind_m_60p"] == ("demographics",)
    assert groups["water_lpd"] == ("wash",)
    assert groups["gbv_referral"] == ("protection",)
    assert groups["priority_need_3"] == ("needs",)
    assert spec.repeats == ()


@pytest.mark.parametrize("form_id", ["dtm_baseline", "dtm_site", "dtm_ett"])
def test_every_question_carries_a_valid_hxl_tag(form_id: str) -> None:
    spec = form_spec_get(form_id=form_id)
    tags = {f.name: f.hxl for f in spec.fields if f.type not in METADATA}
    assert all(tag and HXL_TAG.match(tag) for tag in tags.values()), tags
    assert len(set(tags.values())) == len(tags)


def test_hxl_tags_of_the_reported_figures() -> None:
    baseline = form_spec_get(form_id="dtm_baseline")
    site = form_spec_get(form_id="dtm_site")
    assert {n: baseline.field(n).hxl for n in ("adm1_pcode", "adm4_pcode", "origin_pcode")} == {
        "adm1_pcode": "#adm1+code",
        "adm4_pcode": "#adm4+code",
        "origin_pcode": "#adm2+origin+code",
    }
    assert baseline.field("assessment_date").hxl == "#date+reported"
    assert baseline.field("idp_hh").hxl == "#affected+idps+hh"
    assert baseline.field("idp_ind").hxl == "#affected+idps+ind"
    assert baseline.field("returnee_idp_ind").hxl == "#affected+returnees+internal+ind"
    assert {n: site.field(n).hxl for n in ("site_id", "site_name", "site_type")} == {
        "site_id": "#loc+site+code",
        "site_name": "#loc+site+name",
        "site_type": "#loc+site+type",
    }
    assert site.field("ind_f_lt1").hxl == "#affected+idps+f+age0_1"
    assert site.field("ind_m_60p").hxl == "#affected+idps+m+age60_"
    assert baseline.field("idp_ind_f_lt1").hxl == "#affected+idps+f+age0_1"
    assert baseline.field("idp_ind_m_60p").hxl == "#affected+idps+m+age60_"
    assert baseline.field("idp_ind_f_18_59").label == "IDP females 18 to 59 years"
    assert site.field("ind_f_18_59").label == "Females 18 to 59 years"


def test_written_xlsform_has_hxl_column_and_settings(tmp_path: Path) -> None:
    path = write_xlsform(shipped_rows("dtm_site"), tmp_path / "dtm_site.xlsx")
    survey = sheet_rows(path, "survey")
    assert survey[0] == [
        "type", "name", "label", "hint", "required", "constraint", "constraint_message", "hxl",
    ]  # fmt: skip
    site_id = next(row for row in survey if row[1] == "site_id")
    assert site_id == [
        "text",
        "site_id",
        "Site ID",
        "The stable code of the site in the operation's site registry",
        "yes",
        "regex(., '^[A-Za-z0-9_.-]+$')",
        "Letters, digits, '-', '_' or '.' only, without spaces.",
        "#loc+site+code",
    ]
    assert sheet_rows(path, "settings") == [
        ["form_id", "version", "form_title", "default_language"],
        ["dtm_site", "2026.1", "DTM site assessment", "English (en)"],
    ]
    assert sheet_rows(path, "choices")[:3] == [
        ["list_name", "name", "label"],
        ["yes_no", "yes", "Yes"],
        ["yes_no", "no", "No"],
    ]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dtm_site.xlsx"]


def binds(xform: str) -> dict[str, dict[str, str]]:
    root = ET.fromstring(xform)
    return {b.attrib["nodeset"]: dict(b.attrib) for b in root.iter(f"{XF}bind")}


def test_baseline_compiles_to_an_xform_with_its_rules(tmp_path: Path) -> None:
    path = write_xlsform(shipped_rows("dtm_baseline"), tmp_path / "dtm_baseline.xlsx")
    result = convert(xlsform=str(path))
    assert result.warnings == []
    b = binds(result.xform)
    assert b["/data/general/assessment_date"]["type"] == "date"
    assert b["/data/general/assessment_date"]["required"] == "true()"
    assert b["/data/key_informants/ki_count"]["constraint"] == ". >= 1 and . <= 10000000"
    assert b["/data/idp/idp_hh"]["relevant"] == " /data/idp/idp_present  = 'yes'"
    assert b["/data/idp/idp_ind"]["constraint"] == (
        ". >= coalesce( /data/idp/idp_hh , 0) and . <= 10000000"
    )
    assert b["/data/idp/idp_ind"][f"{JR}constraintMsg"] == (
        "IDP individuals cannot be fewer than IDP households. It cannot be more than 10,000,000."
    )
    assert b["/data/idp/origins/origin_ind"]["constraint"] == (
        ". >= coalesce( ../origin_hh , 0) and sum(../../origins/origin_ind) <= "
        "coalesce( /data/idp/idp_ind , 0) and . <= 10000000"
    )
    assert b["/data/location/adm2_pcode"]["constraint"] == (
        "regex(., '^[A-Z]{2}[0-9A-Z]+$') and starts-with(.,  /data/location/adm1_pcode ) "
        "and string-length(.) > string-length( /data/location/adm1_pcode )"
    )
    assert b["/data/location/gps"]["type"] == "geopoint"
    groups = "/data/idp/idp_demographics"
    assert b[f"{groups}/idp_ind_f_lt1"]["constraint"] == ". >= 0 and . <= 10000000"
    sum_rule = b[f"{groups}/idp_ind_m_60p"]["constraint"]
    assert sum_rule.startswith(f". >= 0 and coalesce( {groups}/idp_ind_f_lt1 , 0) + ")
    assert sum_rule.endswith(" + . =  /data/idp/idp_ind  and . <= 10000000")
    root = ET.fromstring(result.xform)
    assert [r.attrib["nodeset"] for r in root.iter(f"{XF}repeat")] == ["/data/idp/origins"]
    assert {i.attrib["id"] for i in root.iter(f"{XF}instance") if "id" in i.attrib} == {
        "yes_no",
        "displacement_cause",
        "idp_arrival",
        "priority_needs",
    }


def test_site_compiles_to_an_xform_with_its_rules(tmp_path: Path) -> None:
    path = write_xlsform(shipped_rows("dtm_site"), tmp_path / "dtm_site.xlsx")
    result = convert(xlsform=str(path))
    assert result.warnings == []
    b = binds(result.xform)
    assert b["/data/location/gps"]["required"] == "true()"
    assert b["/data/population/ind"]["constraint"] == (
        ". >=  /data/population/hh  and . <= 15 *  /data/population/hh  and . <= 1000000"
    )
    assert b["/data/population/hh"][f"{JR}constraintMsg"] == (
        "A count cannot be negative. It cannot be more than 1,000,000."
    )
    sum_rule = b["/data/demographics/ind_m_60p"]["constraint"]
    assert sum_rule.startswith(". >= 0 and coalesce( /data/demographics/ind_f_lt1 , 0) + ")
    assert sum_rule.endswith(" + . =  /data/population/ind  and . <= 1000000")
    assert b["/data/health/diseases"]["constraint"] == (
        "not(selected(., 'none') and count-selected(.) > 1)"
    )
    assert b["/data/shelter/covered_area_m2"]["type"] == "decimal"


@pytest.mark.skipif(
    shutil.which("java") is None,
    reason="ODK Validate needs Java (apt-get install default-jre-headless)",
)
@pytest.mark.parametrize("form_id", ["dtm_baseline", "dtm_site", "dtm_ett"])
def test_shipped_forms_pass_odk_validate(tmp_path: Path, form_id: str) -> None:
    """As shipped: with their five languages (`forms.translations`)."""
    path = write_xlsform(forms_translated(shipped_rows(form_id)), tmp_path / f"{form_id}.xlsx")
    assert convert(xlsform=str(path), validate=True).warnings == []


def test_event_form_choices_and_its_rules(tmp_path: Path) -> None:
    spec = form_spec_get(form_id="dtm_ett")
    assert spec.choice_names("event_type") == (
        "flood", "typhoon", "earthquake", "landslide", "volcanic_eruption", "fire", "conflict",
        "eviction", "other",
    )  # fmt: skip
    assert spec.choice_names("count_method") == ("counted", "estimated")
    assert spec.choice_names("reliability") == ("confirmed", "likely", "unverified")
    assert {n: spec.field(n).hxl for n in ("event_type", "event_date", "displaced_ind")} == {
        "event_type": "#event+type",
        "event_date": "#date+event",
        "displaced_ind": "#affected+displaced+ind",
    }
    assert spec.field("from_site_id").hxl == "#loc+site+origin+code"
    assert spec.field("to_pcode").hxl == "#adm2+destination+code"
    path = write_xlsform(shipped_rows("dtm_ett"), tmp_path / "dtm_ett.xlsx")
    result = convert(xlsform=str(path))
    assert result.warnings == []
    b = binds(result.xform)
    assert b["/data/event/event_date"]["constraint"] == (
        ". <= today() and . <=  /data/general/report_date "
    )
    assert b["/data/displaced/displaced_ind"]["constraint"] == (
        ". >= coalesce( /data/displaced/displaced_hh , 0) and . <= 10000000"
    )
    assert b["/data/needs/priority_need_3"]["constraint"] == (
        ". !=  /data/needs/priority_need_1  and . !=  /data/needs/priority_need_2 "
    )
