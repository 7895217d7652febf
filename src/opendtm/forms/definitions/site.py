"""Site assessment, form id `dtm_site` (docs/domain.md §4.2).

One submission per displacement site per round: identity and location of the site, its
population by sex and age, vulnerabilities, movements, and services by sector (shelter, WASH,
health, food, education, protection), then the three priority needs.
"""

from __future__ import annotations

from opendtm.forms.definitions.common import (
    DEFAULT_LANGUAGE,
    FORM_VERSION,
    PRIORITY_NEEDS,
    SITE_COUNT_MAX,
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
    "form_id": "dtm_site",
    "version": FORM_VERSION,
    "form_title": "DTM site assessment",
    "default_language": DEFAULT_LANGUAGE,
}


def _at_most(total: str, what: str) -> dict[str, str]:
    return {
        "constraint": f". >= 0 and . <= ${{{total}}}",
        "constraint_message": f"Cannot be negative or more than the {what} of the site.",
    }


SURVEY: list[Row] = [
    *metadata_rows(),
    *general_rows(),
    {"type": "begin_group", "name": "site", "label": "Site identification"},
    {
        "type": "text",
        "name": "site_id",
        "label": "Site ID",
        "hint": "The stable code of the site in the operation's site registry",
        "required": "yes",
        "constraint": "regex(., '^[A-Za-z0-9_.-]+$')",
        "constraint_message": "Letters, digits, '-', '_' or '.' only, without spaces.",
        "hxl": "#loc+site+code",
    },
    {
        "type": "text",
        "name": "site_name",
        "label": "Site name",
        "required": "yes",
        "hxl": "#loc+site+name",
    },
    {
        "type": "select_one site_type",
        "name": "site_type",
        "label": "Site type",
        "required": "yes",
        "hxl": "#loc+site+type",
    },
    {
        "type": "select_one site_status",
        "name": "site_status",
        "label": "Site status",
        "hxl": "#status+site",
    },
    yes_no_row(
        "site_management",
        "Is a site management agency present?",
        "#indicator+site_management",
    ),
    {"type": "end_group"},
    {"type": "begin_group", "name": "location", "label": "Location"},
    *admin_rows(),
    {
        "type": "geopoint",
        "name": "gps",
        "label": "GPS coordinates of the site",
        "required": "yes",
        "hxl": "#geo+coord",
    },
    {"type": "end_group"},
    {"type": "begin_group", "name": "population", "label": "Site population"},
    count_row("hh", "Households in the site", "#affected+idps+hh", required="yes"),
    count_row(
        "ind",
        "Individuals in the site",
        "#affected+idps+ind",
        required="yes",
        constraint=". >= ${hh} and . <= 15 * ${hh}",
        constraint_message="Individuals must be between 1 and 15 times the households.",
    ),
    {"type": "end_group"},
    {"type": "begin_group", "name": "demographics", "label": "Sex and age of the population"},
    *sex_age_rows(
        "ind", "", "The ten sex and age groups must add up to the individuals of the site."
    ),
    {"type": "end_group"},
    {"type": "begin_group", "name": "vulnerabilities", "label": "Vulnerable persons"},
    count_row(
        "pwd_ind",
        "Persons with disabilities",
        "#affected+idps+disabled+ind",
        **_at_most("ind", "individuals"),
    ),
    count_row(
        "plw_ind",
        "Pregnant or lactating women",
        "#affected+idps+plw+ind",
        **_at_most("ind", "individuals"),
    ),
    count_row(
        "uasc_ind",
        "Unaccompanied or separated children",
        "#affected+idps+uasc+ind",
        **_at_most("ind", "individuals"),
    ),
    count_row(
        "older_alone_ind",
        "Older persons living alone",
        "#affected+idps+elderly+alone+ind",
        **_at_most("ind", "individuals"),
    ),
    {"type": "end_group"},
    {"type": "begin_group", "name": "movements", "label": "Movements since the last round"},
    count_row("arrivals_ind", "Individuals who arrived", "#affected+idps+arrivals+ind"),
    count_row("departures_ind", "Individuals who left", "#affected+idps+departures+ind"),
    {"type": "end_group"},
    {"type": "begin_group", "name": "shelter", "label": "Shelter"},
    count_row(
        "hh_no_shelter",
        "Households without shelter",
        "#affected+idps+hh+no_shelter",
        **_at_most("hh", "households"),
    ),
    {
        "type": "decimal",
        "name": "covered_area_m2",
        "label": "Covered living space of the site (square metres)",
        "constraint": ". >= 0",
        "constraint_message": "An area cannot be negative.",
        "hxl": "#indicator+covered_area+m2",
    },
    {"type": "end_group"},
    {"type": "begin_group", "name": "wash", "label": "Water, sanitation and hygiene"},
    {
        "type": "select_one water_source",
        "name": "water_source",
        "label": "Main source of drinking water",
        "hxl": "#indicator+water+source",
    },
    {
        "type": "decimal",
        "name": "water_lpd",
        "label": "Water available per person per day (litres)",
        "constraint": ". >= 0",
        "constraint_message": "A quantity of water cannot be negative.",
        "hxl": "#indicator+water+lpd",
    },
    count_row("taps", "Functional taps", "#indicator+water+taps+num"),
    count_row("latrines", "Functional latrines", "#indicator+latrines+num"),
    count_row("showers", "Functional showers or bathing spaces", "#indicator+showers+num"),
    yes_no_row(
        "latrines_separated",
        "Are the latrines separated by sex and lockable?",
        "#indicator+latrines+separated",
    ),
    yes_no_row("handwashing", "Are handwashing facilities available?", "#indicator+handwashing"),
    {"type": "end_group"},
    {"type": "begin_group", "name": "health", "label": "Health"},
    {
        "type": "select_one health_access",
        "name": "health_access",
        "label": "Access to health services",
        "hxl": "#indicator+health+access",
    },
    {
        "type": "select_multiple diseases",
        "name": "diseases",
        "label": "Diseases reported in the last two weeks",
        "constraint": "not(selected(., 'none') and count-selected(.) > 1)",
        "constraint_message": "'None' cannot be combined with a disease.",
        "hxl": "#indicator+diseases+list",
    },
    {"type": "end_group"},
    {"type": "begin_group", "name": "food", "label": "Food"},
    {
        "type": "select_one food_access",
        "name": "food_access",
        "label": "Access to food",
        "hxl": "#indicator+food+access",
    },
    {"type": "end_group"},
    {"type": "begin_group", "name": "education", "label": "Education"},
    {
        "type": "select_one children_in_school",
        "name": "children_in_school",
        "label": "How many school-age children attend school?",
        "hxl": "#indicator+education+attendance",
    },
    {"type": "end_group"},
    {"type": "begin_group", "name": "protection", "label": "Protection"},
    {
        "type": "select_one lighting",
        "name": "lighting",
        "label": "Lighting in the site at night",
        "hxl": "#indicator+lighting",
    },
    yes_no_row(
        "security_incidents",
        "Were security incidents reported in the last two weeks?",
        "#indicator+security_incidents",
    ),
    yes_no_row(
        "gbv_referral",
        "Is a referral pathway for gender-based violence known?",
        "#indicator+gbv+referral",
    ),
    yes_no_row("cfm", "Is there a complaints and feedback mechanism?", "#indicator+cfm"),
    {"type": "end_group"},
    {"type": "begin_group", "name": "needs", "label": "Priority needs"},
    {
        "type": "select_one priority_needs",
        "name": "priority_need_1",
        "label": "First priority need",
        "hxl": "#sector+needs+priority1",
    },
    {
        "type": "select_one priority_needs",
        "name": "priority_need_2",
        "label": "Second priority need",
        "constraint": ". != ${priority_need_1}",
        "constraint_message": "Choose a need other than the first one.",
        "hxl": "#sector+needs+priority2",
    },
    {
        "type": "select_one priority_needs",
        "name": "priority_need_3",
        "label": "Third priority need",
        "constraint": ". != ${priority_need_1} and . != ${priority_need_2}",
        "constraint_message": "Choose a need other than the first two.",
        "hxl": "#sector+needs+priority3",
    },
    {"type": "end_group"},
]
# Every count of a site at most SITE_COUNT_MAX (the device and the import both check it).
SURVEY = counts_bounded(SURVEY, SITE_COUNT_MAX)

CHOICES: list[Row] = [
    *YES_NO,
    *choice_list(
        "site_type",
        [
            ("planned_camp", "Planned camp"),
            ("collective_centre", "Collective centre"),
            ("evacuation_centre", "Evacuation centre"),
            ("spontaneous_site", "Spontaneous (self-settled) site"),
            ("transit_centre", "Reception or transit centre"),
            ("relocation_site", "Relocation site"),
            ("host_community_cluster", "Cluster of families in host communities"),
        ],
    ),
    *choice_list("site_status", [("open", "Open"), ("closing", "Closing"), ("closed", "Closed")]),
    *choice_list(
        "water_source",
        [
            ("piped", "Piped water"),
            ("borehole", "Borehole"),
            ("protected_well", "Protected well"),
            ("unprotected_well", "Unprotected well"),
            ("surface", "Surface water (river, lake, pond)"),
            ("trucking", "Water trucking"),
            ("bottled", "Bottled water"),
            ("none", "No water source"),
        ],
    ),
    *choice_list(
        "health_access",
        [
            ("on_site", "Health facility on site"),
            ("lt_5km", "Health facility less than 5 km away"),
            ("gt_5km", "Health facility 5 km or more away"),
            ("none", "No access to health services"),
        ],
    ),
    *choice_list(
        "diseases",
        [
            ("none", "None"),
            ("diarrhoea", "Diarrhoea"),
            ("respiratory", "Respiratory infections"),
            ("fever", "Fever"),
            ("skin", "Skin diseases"),
            ("measles", "Measles"),
            ("dengue", "Dengue"),
            ("other", "Other disease"),
        ],
    ),
    *choice_list(
        "food_access",
        [
            ("regular", "Regular access"),
            ("irregular", "Irregular access"),
            ("none", "No access to food"),
        ],
    ),
    *choice_list(
        "children_in_school",
        [("most", "Most"), ("some", "Some"), ("few", "Few"), ("none", "None attend")],
    ),
    *choice_list(
        "lighting",
        [("adequate", "Adequate"), ("partial", "Partial"), ("none", "No lighting")],
    ),
    *PRIORITY_NEEDS,
]
