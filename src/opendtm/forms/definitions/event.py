"""Emergency event tracking, form id `dtm_ett` (docs/domain.md §10, docs/events.md).

One submission per event, sent the day a new displacement happens, weeks before the next round:
what happened (type, date, the admin unit of the area), the group displaced (households and
individuals, counted or estimated), where from and where to (a P-code, or a site code of the
operation's registry), the shelter arrangement, casualties and vulnerabilities, nationality, the
initial needs ranked 1 to 3, and the source with its reliability. An event is dated, never a
round figure: the import stores it apart from every round (`opendtm import ett`).
"""

from __future__ import annotations

from opendtm.forms.definitions.common import (
    DEFAULT_LANGUAGE,
    FORM_VERSION,
    LOCATION_COUNT_MAX,
    PCODE_REGEX,
    PRIORITY_NEEDS,
    Row,
    admin_rows,
    choice_list,
    count_row,
    counts_bounded,
    metadata_rows,
)

SETTINGS: Row = {
    "form_id": "dtm_ett",
    "version": FORM_VERSION,
    "form_title": "DTM emergency event tracking",
    "default_language": DEFAULT_LANGUAGE,
}

SITE_CODE_REGEX = "^[A-Za-z0-9_.-]+$"

# The event types, as (name, English label); `events.choices.EventType` holds the same names.
EVENT_TYPES = [
    ("flood", "Flood"),
    ("typhoon", "Typhoon / storm"),
    ("earthquake", "Earthquake"),
    ("landslide", "Landslide"),
    ("volcanic_eruption", "Volcanic eruption"),
    ("fire", "Fire"),
    ("conflict", "Conflict / armed clash"),
    ("eviction", "Eviction"),
    ("other", "Other"),
]
COUNT_METHODS = [("counted", "Counted"), ("estimated", "Estimated")]
SHELTER = [
    ("host_family", "With host families"),
    ("evacuation_centre", "Evacuation centre or collective centre"),
    ("site", "Displacement site or camp"),
    ("rented", "Rented accommodation"),
    ("makeshift", "Makeshift shelter"),
    ("open_air", "In the open, without shelter"),
    ("mixed", "Mixed arrangements"),
    ("unknown", "Not known yet"),
]
VULNERABILITIES = [
    ("none", "None reported"),
    ("uasc", "Unaccompanied or separated children"),
    ("pwd", "Persons with disabilities"),
    ("plw", "Pregnant or lactating women"),
    ("older", "Older persons"),
    ("chronic_illness", "Persons with chronic illness"),
    ("female_headed", "Female-headed households"),
]
NATIONALITY = [
    ("nationals", "Nationals of the country"),
    ("foreign", "Foreign nationals"),
    ("mixed", "Nationals and foreign nationals"),
    ("unknown", "Not known"),
]
SOURCES = [
    ("authorities", "Local authorities"),
    ("community", "Community leaders or key informants"),
    ("partner", "Humanitarian partner"),
    ("dtm_team", "DTM field team (direct observation)"),
    ("media", "Media"),
    ("other", "Other"),
]
RELIABILITY = [
    ("confirmed", "Confirmed (observed or from several sources)"),
    ("likely", "Likely (one credible source)"),
    ("unverified", "Not verified"),
]


def _place_rows(side: str, label: str, hxl: str) -> list[Row]:
    """`<side>_pcode` (an admin unit, level 2 or finer) or `<side>_site_id` (a site code)."""
    return [
        {
            "type": "text",
            "name": f"{side}_pcode",
            "label": f"{label} (P-code)",
            "hint": "P-code of the admin 2 unit (or finer), if not a site of the registry",
            "constraint": f"regex(., '{PCODE_REGEX}')",
            "constraint_message": "Type the P-code in capitals, e.g. PH01028.",
            "hxl": f"#adm2+{hxl}+code",
        },
        {
            "type": "text",
            "name": f"{side}_site_id",
            "label": f"{label} (site code)",
            "hint": "The stable code of the site in the operation's site registry, if a site",
            "constraint": f"regex(., '{SITE_CODE_REGEX}')",
            "constraint_message": "Letters, digits, '-', '_' or '.' only, without spaces.",
            "hxl": f"#loc+site+{hxl}+code",
        },
    ]


SURVEY: list[Row] = [
    *metadata_rows(),
    {"type": "begin_group", "name": "general", "label": "Report"},
    {
        "type": "date",
        "name": "report_date",
        "label": "Date of this report",
        "required": "yes",
        "constraint": ". <= today()",
        "constraint_message": "The report date cannot be in the future.",
        "hxl": "#date+reported",
    },
    {
        "type": "text",
        "name": "enumerator_code",
        "label": "Enumerator or focal point code",
        "required": "yes",
        "hxl": "#contributor+code",
    },
    {"type": "end_group"},
    {"type": "begin_group", "name": "event", "label": "Event"},
    {
        "type": "select_one event_type",
        "name": "event_type",
        "label": "Type of event",
        "required": "yes",
        "hxl": "#event+type",
    },
    {
        "type": "date",
        "name": "event_date",
        "label": "Date of the event",
        "required": "yes",
        "constraint": ". <= today() and . <= ${report_date}",
        "constraint_message": "The event date cannot be in the future nor after the report date.",
        "hxl": "#date+event",
    },
    *admin_rows(),
    {"type": "end_group"},
    {"type": "begin_group", "name": "displaced", "label": "People displaced"},
    {
        "type": "select_one count_method",
        "name": "count_method",
        "label": "Were the displaced counted or estimated?",
        "required": "yes",
        "hxl": "#meta+count+method",
    },
    count_row("displaced_hh", "Households displaced", "#affected+displaced+hh"),
    count_row(
        "displaced_ind",
        "Individuals displaced",
        "#affected+displaced+ind",
        required="yes",
        constraint=". >= coalesce(${displaced_hh}, 0)",
        constraint_message="Individuals cannot be fewer than households.",
    ),
    *_place_rows("from", "Displaced from", "origin"),
    *_place_rows("to", "Displaced to", "destination"),
    {
        "type": "select_one shelter",
        "name": "shelter",
        "label": "Main shelter arrangement of the displaced",
        "hxl": "#indicator+shelter+type",
    },
    {
        "type": "select_one nationality",
        "name": "nationality",
        "label": "Nationality of the displaced",
        "hxl": "#affected+nationality",
    },
    {"type": "end_group"},
    {"type": "begin_group", "name": "casualties", "label": "Casualties and vulnerabilities"},
    count_row("dead", "Persons dead", "#affected+killed"),
    count_row("injured", "Persons injured", "#affected+injured"),
    count_row("missing", "Persons missing", "#affected+missing"),
    {
        "type": "select_multiple vulnerabilities",
        "name": "vulnerabilities",
        "label": "Vulnerable groups among the displaced",
        "constraint": "not(selected(., 'none') and count-selected(.) > 1)",
        "constraint_message": "'None reported' cannot be combined with a group.",
        "hxl": "#indicator+vulnerabilities+list",
    },
    {"type": "end_group"},
    {"type": "begin_group", "name": "needs", "label": "Initial needs"},
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
    {"type": "begin_group", "name": "source", "label": "Source"},
    {
        "type": "select_one source_type",
        "name": "source_type",
        "label": "Source of the information",
        "required": "yes",
        "hxl": "#meta+source+type",
    },
    {
        "type": "select_one reliability",
        "name": "source_reliability",
        "label": "Reliability of the source",
        "required": "yes",
        "hxl": "#meta+source+reliability",
    },
    {"type": "end_group"},
]
# Every count of an event at most LOCATION_COUNT_MAX (the device and the import both check it).
SURVEY = counts_bounded(SURVEY, LOCATION_COUNT_MAX)

CHOICES: list[Row] = [
    *choice_list("event_type", EVENT_TYPES),
    *choice_list("count_method", COUNT_METHODS),
    *choice_list("shelter", SHELTER),
    *choice_list("nationality", NATIONALITY),
    *choice_list("vulnerabilities", VULNERABILITIES),
    *PRIORITY_NEEDS,
    *choice_list("source_type", SOURCES),
    *choice_list("reliability", RELIABILITY),
]
