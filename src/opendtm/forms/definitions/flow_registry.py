"""Flow Monitoring Registry, form id `dtm_fmr` (docs/flows.md, "The form").

One submission per group of people observed passing a flow monitoring point during its
observation window: when, where (the point's code in the registry) and which way, how many
and who (men, women, boys, girls when known), their nationality, where they come from and
where they go next and in the end (country, admin 1, optional admin 2), how, why and for how
long, and the counts of people with specific needs. A blank count is "not recorded", never
zero. Movements are counted, not people: one person crossing twice is two movements.
"""

from __future__ import annotations

from opendtm.forms.definitions.common import (
    DEFAULT_LANGUAGE,
    FORM_VERSION,
    Row,
    choice_list,
    count_row,
    metadata_rows,
)

SETTINGS: Row = {
    "form_id": "dtm_fmr",
    "version": FORM_VERSION,
    "form_title": "DTM flow monitoring registry",
    "default_language": DEFAULT_LANGUAGE,
}
# The largest group one submission counts (a full ferry is counted in several groups).
GROUP_MAX = 10_000
ISO3_REGEX = "^[A-Z]{3}$"
SEX_AGE = [
    ("men", "Men (18 and over)", "#affected+m+adult"),
    ("women", "Women (18 and over)", "#affected+f+adult"),
    ("boys", "Boys (under 18)", "#affected+m+children"),
    ("girls", "Girls (under 18)", "#affected+f+children"),
]
NOT_RECORDED = "Leave blank when it was not recorded: blank is not zero."


def _country(name: str, label: str, hxl: str, required: str = "") -> Row:
    return {
        "type": "text",
        "name": name,
        "label": label,
        "hint": "ISO 3166 alpha-3 code in capitals, e.g. PHL, IRN",
        "required": required,
        "constraint": f"regex(., '{ISO3_REGEX}')",
        "constraint_message": "Three capital letters, e.g. PHL.",
        "hxl": hxl,
    }


def _place(prefix: str, what: str, required: str = "") -> list[Row]:
    """Country, admin 1 and admin 2 of a place (`prev_`, `next_`, `final_`). In the country
    of the operation admin units are P-codes; abroad a P-code, an ISO 3166-2 code or a name."""
    tag = {"prev": "previous", "next": "next", "final": "final"}[prefix]
    return [
        _country(f"{prefix}_country", f"{what}: country", f"#country+{tag}+code", required),
        {
            "type": "text",
            "name": f"{prefix}_adm1",
            "label": f"{what}: admin 1 (region, province)",
            "hint": "P-code in the operation's country; abroad a P-code, ISO 3166-2 code or name",
            "relevant": f"${{{prefix}_country}} != ''",
            "hxl": f"#adm1+{tag}+code",
        },
        {
            "type": "text",
            "name": f"{prefix}_adm2",
            "label": f"{what}: admin 2 (district), if known",
            "relevant": f"${{{prefix}_adm1}} != ''",
            "hxl": f"#adm2+{tag}+code",
        },
    ]


def _sex_age_rows() -> list[Row]:
    rows = [
        count_row(name, label, hxl, hint="Leave all four blank when sex and age were not recorded")
        for name, label, hxl in SEX_AGE
    ]
    others = " + ".join(f"coalesce(${{{name}}}, 0)" for name, _, _ in SEX_AGE[:-1])
    rows[-1]["constraint"] = f". >= 0 and {others} + . = ${{group_size}}"
    rows[-1]["constraint_message"] = "Men, women, boys and girls together make up the group."
    return rows


SURVEY: list[Row] = [
    *metadata_rows(),
    {"type": "begin_group", "name": "observation", "label": "Observation"},
    {
        "type": "date",
        "name": "obs_date",
        "label": "Date of observation",
        "required": "yes",
        "constraint": ". <= today()",
        "constraint_message": "The date cannot be in the future.",
        "hxl": "#date+observed",
    },
    {
        "type": "time",
        "name": "window_start",
        "label": "Observation window: start",
        "hxl": "#date+window+start",
    },
    {
        "type": "time",
        "name": "window_end",
        "label": "Observation window: end",
        "hxl": "#date+window+end",
    },
    {
        "type": "text",
        "name": "fmp_code",
        "label": "Flow monitoring point code",
        "hint": "The stable code of the point in the operation's registry",
        "required": "yes",
        "constraint": "regex(., '^[A-Za-z0-9_.-]+$')",
        "constraint_message": "Letters, digits, '-', '_' or '.' only, without spaces.",
        "hxl": "#loc+fmp+code",
    },
    {
        "type": "text",
        "name": "enumerator_code",
        "label": "Enumerator code",
        "hxl": "#contributor+code",
    },
    {
        "type": "select_one direction",
        "name": "direction",
        "label": "Direction of the group",
        "hint": "At a border point, incoming enters the operation's country",
        "required": "yes",
        "hxl": "#indicator+direction",
    },
    {"type": "end_group"},
    {"type": "begin_group", "name": "group", "label": "The group observed"},
    count_row(
        "group_size",
        "Number of people in the group",
        "#affected+ind",
        required="yes",
        constraint=f". >= 1 and . <= {GROUP_MAX}",
        constraint_message=f"A group has 1 to {GROUP_MAX:,} people.",
    ),
    *_sex_age_rows(),
    _country("nationality", "Nationality of the group", "#country+nationality+code"),
    {"type": "end_group"},
    {"type": "begin_group", "name": "journey", "label": "The journey"},
    *_place("prev", "Previous location"),
    *_place("next", "Next destination"),
    *_place("final", "Intended final destination"),
    {
        "type": "select_one transport",
        "name": "transport",
        "label": "Means of transport",
        "hxl": "#indicator+transport",
    },
    {
        "type": "select_one reason",
        "name": "reason",
        "label": "Main reason for moving",
        "hxl": "#indicator+reason",
    },
    {
        "type": "select_one duration",
        "name": "intended_duration",
        "label": "Intended duration of stay at the destination",
        "hxl": "#indicator+duration",
    },
    {"type": "end_group"},
    {"type": "begin_group", "name": "vulnerabilities", "label": "People with specific needs"},
    count_row(
        "uac_count",
        "Unaccompanied children",
        "#affected+children+unaccompanied",
        hint=NOT_RECORDED,
        constraint=". >= 0 and . <= ${group_size}",
        constraint_message="Cannot be negative or more than the group.",
    ),
    count_row(
        "pwd_count",
        "Persons with disabilities",
        "#affected+disabled",
        hint=NOT_RECORDED,
        constraint=". >= 0 and . <= ${group_size}",
        constraint_message="Cannot be negative or more than the group.",
    ),
    count_row(
        "plw_count",
        "Pregnant women",
        "#affected+pregnant",
        hint=NOT_RECORDED,
        constraint=". >= 0 and . <= ${group_size}",
        constraint_message="Cannot be negative or more than the group.",
    ),
    count_row(
        "older_count",
        "Older persons (60 and over)",
        "#affected+older",
        hint=NOT_RECORDED,
        constraint=". >= 0 and . <= ${group_size}",
        constraint_message="Cannot be negative or more than the group.",
    ),
    {"type": "end_group"},
]

CHOICES: list[Row] = [
    *choice_list(
        "direction",
        [("incoming", "Incoming"), ("outgoing", "Outgoing"), ("transit", "Transit")],
    ),
    *choice_list(
        "transport",
        [
            ("on_foot", "On foot"),
            ("car", "Private car"),
            ("bus", "Bus"),
            ("truck", "Truck"),
            ("motorcycle", "Motorcycle"),
            ("train", "Train"),
            ("boat", "Boat or ferry"),
            ("plane", "Plane"),
            ("animal", "Animal or cart"),
            ("other", "Other"),
        ],
    ),
    *choice_list(
        "reason",
        [
            ("economic", "Economic reasons, work"),
            ("conflict", "Conflict or violence"),
            ("natural_disaster", "Natural disaster"),
            ("family", "Family visit or reunification"),
            ("return", "Return home"),
            ("education", "Education"),
            ("health", "Health care"),
            ("seasonal", "Seasonal movement"),
            ("tourism", "Tourism"),
            ("other", "Other"),
        ],
    ),
    *choice_list(
        "duration",
        [
            ("lt_1_week", "Less than a week"),
            ("1_4_weeks", "1 to 4 weeks"),
            ("1_6_months", "1 to 6 months"),
            ("gt_6_months", "More than 6 months"),
            ("permanent", "Permanently"),
            ("unknown", "Does not know"),
        ],
    ),
]
