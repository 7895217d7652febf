"""Baseline (location) assessment, form id `dtm_baseline` (docs/domain.md §4.1).

One submission per location per round, from key informants: are there IDPs and returnees, how
many (by sex and age where the informants know it: optional, all ten groups or none), in what
shelter, why and since when they came, from where (the `origins` repeat), and what
they need most.
"""

from __future__ import annotations

from opendtm.forms.definitions.common import (
    DEFAULT_LANGUAGE,
    FORM_VERSION,
    LOCATION_COUNT_MAX,
    PCODE_REGEX,
    PRIORITY_NEEDS,
    YES_NO,
    Row,
    admin_rows,
    choice_list,
    count_row,
    counts_bounded,
    general_rows,
    metadata_rows,
    sex_age_rows,
    yes_no_row,
)

SETTINGS: Row = {
    "form_id": "dtm_baseline",
    "version": FORM_VERSION,
    "form_title": "DTM baseline (location) assessment",
    "default_language": DEFAULT_LANGUAGE,
}

IDP = "${idp_present} = 'yes'"
RETURNEES = "${returnee_present} = 'yes'"
SHELTER = ("idp_hh_sites", "idp_hh_host", "idp_hh_rented", "idp_hh_makeshift")


def _shelter_constraint(name: str) -> str:
    """The four shelter arrangements together cannot exceed the IDP households."""
    terms = " + ".join("." if other == name else f"coalesce(${{{other}}}, 0)" for other in SHELTER)
    return f". >= 0 and {terms} <= ${{idp_hh}}"


SURVEY: list[Row] = [
    *metadata_rows(),
    *general_rows(),
    {"type": "begin_group", "name": "location", "label": "Location"},
    *admin_rows(),
    {
        "type": "geopoint",
        "name": "gps",
        "label": "GPS coordinates of the location",
        "hxl": "#geo+coord",
    },
    {"type": "end_group"},
    {"type": "begin_group", "name": "key_informants", "label": "Key informants"},
    count_row(
        "ki_count",
        "Number of key informants interviewed",
        "#indicator+key_informants+num",
        constraint=". >= 1",
        constraint_message="At least one key informant must have been interviewed.",
    ),
    {"type": "end_group"},
    {"type": "begin_group", "name": "idp", "label": "Internally displaced persons (IDPs)"},
    yes_no_row(
        "idp_present",
        "Are there IDPs in this location?",
        "#affected+idps+present",
        required="yes",
    ),
    count_row("idp_hh", "IDP households", "#affected+idps+hh", required="yes", relevant=IDP),
    count_row(
        "idp_ind",
        "IDP individuals",
        "#affected+idps+ind",
        required="yes",
        relevant=IDP,
        constraint=". >= coalesce(${idp_hh}, 0)",
        constraint_message="IDP individuals cannot be fewer than IDP households.",
    ),
    {
        "type": "begin_group",
        "name": "idp_shelter",
        "label": "Shelter arrangements of IDP households",
        "relevant": IDP,
    },
    *[
        count_row(
            name,
            label,
            f"#affected+idps+hh+{name.removeprefix('idp_hh_')}",
            constraint=_shelter_constraint(name),
            constraint_message=(
                "The shelter arrangements together cannot exceed the IDP households."
            ),
        )
        for name, label in [
            ("idp_hh_sites", "IDP households in displacement sites"),
            ("idp_hh_host", "IDP households with host families"),
            ("idp_hh_rented", "IDP households in rented accommodation"),
            ("idp_hh_makeshift", "IDP households in makeshift shelters"),
        ]
    ],
    {"type": "end_group"},
    {
        "type": "begin_group",
        "name": "idp_demographics",
        "label": "Sex and age of the IDPs (where key informants know them)",
        "relevant": IDP,
    },
    *sex_age_rows(
        "idp_ind",
        "IDP",
        "The ten sex and age groups, when given, must add up to the IDP individuals.",
    ),
    {"type": "end_group"},
    {
        "type": "select_one displacement_cause",
        "name": "displacement_cause",
        "label": "Main cause of displacement",
        "relevant": IDP,
        "hxl": "#cause+displacement",
    },
    {
        "type": "select_one idp_arrival",
        "name": "idp_arrival",
        "label": "When did most IDPs arrive?",
        "relevant": IDP,
        "hxl": "#indicator+idps+arrival",
    },
    {
        "type": "begin_repeat",
        "name": "origins",
        "label": "Places of origin of the IDPs",
        "relevant": IDP,
    },
    {
        "type": "text",
        "name": "origin_pcode",
        "label": "Place of origin (P-code)",
        "hint": "P-code of the admin 2 unit (or finer) the IDPs came from",
        "required": "yes",
        "constraint": f"regex(., '{PCODE_REGEX}')",
        "constraint_message": "Type the P-code in capitals, e.g. PH01028.",
        "hxl": "#adm2+origin+code",
    },
    count_row("origin_hh", "IDP households from this place", "#affected+idps+hh+origin"),
    count_row(
        "origin_ind",
        "IDP individuals from this place",
        "#affected+idps+ind+origin",
        constraint=(
            ". >= coalesce(${origin_hh}, 0)"
            " and sum(../../origins/origin_ind) <= coalesce(${idp_ind}, 0)"
        ),
        constraint_message=(
            "Individuals cannot be fewer than households, and the places of origin together "
            "cannot hold more individuals than the IDPs of the location."
        ),
    ),
    {"type": "end_repeat"},
    {"type": "end_group"},
    {"type": "begin_group", "name": "returnees", "label": "Returnees"},
    yes_no_row(
        "returnee_present",
        "Are there returnees in this location?",
        "#affected+returnees+present",
        required="yes",
    ),
    count_row(
        "returnee_idp_hh",
        "Returnee households (former IDPs)",
        "#affected+returnees+internal+hh",
        relevant=RETURNEES,
    ),
    count_row(
        "returnee_idp_ind",
        "Returnee individuals (former IDPs)",
        "#affected+returnees+internal+ind",
        relevant=RETURNEES,
        constraint=". >= coalesce(${returnee_idp_hh}, 0)",
        constraint_message="Returnee individuals cannot be fewer than returnee households.",
    ),
    count_row(
        "returnee_abroad_ind",
        "Individuals returned from abroad",
        "#affected+returnees+abroad+ind",
        relevant=RETURNEES,
    ),
    {"type": "end_group"},
    {"type": "begin_group", "name": "sites", "label": "Displacement sites"},
    count_row("sites_count", "Number of displacement sites in this location", "#loc+site+num"),
    {"type": "end_group"},
    {"type": "begin_group", "name": "needs", "label": "Needs"},
    {
        "type": "select_multiple priority_needs",
        "name": "priority_needs",
        "label": "Priority needs of the displaced population",
        "hxl": "#sector+needs+priority+list",
    },
    {"type": "end_group"},
]
# Every count of a location at most LOCATION_COUNT_MAX (the device and the import both check it).
SURVEY = counts_bounded(SURVEY, LOCATION_COUNT_MAX)

CHOICES: list[Row] = [
    *YES_NO,
    *choice_list(
        "displacement_cause",
        [
            ("typhoon", "Typhoon"),
            ("flood", "Flood"),
            ("storm_surge", "Storm surge"),
            ("landslide", "Landslide"),
            ("earthquake", "Earthquake"),
            ("volcanic_eruption", "Volcanic eruption"),
            ("drought", "Drought"),
            ("fire", "Fire"),
            ("conflict", "Conflict"),
            ("eviction", "Eviction"),
            ("other", "Other"),
        ],
    ),
    *choice_list(
        "idp_arrival",
        [
            ("lt_1_week", "Less than 1 week ago"),
            ("1_4_weeks", "1 to 4 weeks ago"),
            ("1_3_months", "1 to 3 months ago"),
            ("3_6_months", "3 to 6 months ago"),
            ("gt_6_months", "More than 6 months ago"),
        ],
    ),
    *PRIORITY_NEEDS,
]
