"""Rows both shipped forms share: metadata, admin units, the yes/no and priority-needs lists."""

from __future__ import annotations

from typing import Any

Row = dict[str, Any]

FORM_VERSION = "2026.1"

# Upper bounds of every count, declared in each count's constraint (`. <= N`), so that the
# device refuses a larger number and the import reads the bound from the form (`Field.maximum`):
# no real site holds a million people, no location ten million. They keep every figure far
# from overflowing (docs/forms.md, docs/import.md "Limits").
SITE_COUNT_MAX = 1_000_000
LOCATION_COUNT_MAX = 10_000_000
DEFAULT_LANGUAGE = "English (en)"

# Shape of a COD-AB P-code: ISO alpha-2 country prefix, then digits (some gazetteers use
# letters too). A child's code starts with its parent's (docs/domain.md §5).
PCODE_REGEX = "^[A-Z]{2}[0-9A-Z]+$"
ADMIN_LABELS = {
    1: "Admin 1 (region, state or province)",
    2: "Admin 2 (province, district)",
    3: "Admin 3 (municipality, sub-district)",
    4: "Admin 4 (village, ward, barangay)",
}


def metadata_rows() -> list[Row]:
    """Start, end and device ID, which every KoboToolbox or ODK form collects for audit."""
    return [
        {"type": "start", "name": "start"},
        {"type": "end", "name": "end"},
        {"type": "deviceid", "name": "deviceid"},
    ]


def general_rows() -> list[Row]:
    """Date and enumerator: the first group of every DTM form."""
    return [
        {"type": "begin_group", "name": "general", "label": "General information"},
        {
            "type": "date",
            "name": "assessment_date",
            "label": "Assessment date",
            "required": "yes",
            "constraint": ". <= today()",
            "constraint_message": "The assessment date cannot be in the future.",
            "hxl": "#date+reported",
        },
        {
            "type": "text",
            "name": "enumerator_code",
            "label": "Enumerator code",
            "required": "yes",
            "hxl": "#contributor+code",
        },
        {"type": "end_group"},
    ]


def admin_rows() -> list[Row]:
    """adm1_pcode ... adm4_pcode as typed P-codes, each checked against its parent's code.

    Written as `text` so that the form deploys without a gazetteer; `forms.xlsform` rewrites
    them into cascading `select_one` questions when an operation's units are filled in.
    """
    rows: list[Row] = []
    for level in range(1, 5):
        name = f"adm{level}_pcode"
        constraint = f"regex(., '{PCODE_REGEX}')"
        message = "Type the P-code in capitals, e.g. PH01"
        if level > 1:
            parent = f"${{adm{level - 1}_pcode}}"
            constraint += (
                f" and starts-with(., {parent}) and string-length(.) > string-length({parent})"
            )
            message += f", starting with the admin {level - 1} P-code"
        rows.append(
            {
                "type": "text",
                "name": name,
                "label": ADMIN_LABELS[level],
                "hint": "P-code of the unit in the country's common operational gazetteer",
                "required": "yes" if level == 1 else "",
                "constraint": constraint,
                "constraint_message": message + ".",
                "hxl": f"#adm{level}+code",
            }
        )
    return rows


YES_NO: list[Row] = [
    {"list_name": "yes_no", "name": "yes", "label": "Yes"},
    {"list_name": "yes_no", "name": "no", "label": "No"},
]

PRIORITY_NEEDS: list[Row] = [
    {"list_name": "priority_needs", "name": name, "label": label}
    for name, label in [
        ("shelter", "Shelter"),
        ("nfi", "Non-food items"),
        ("food", "Food"),
        ("water", "Drinking water"),
        ("sanitation", "Sanitation and hygiene"),
        ("health", "Health care"),
        ("mhpss", "Mental health and psychosocial support"),
        ("protection", "Protection"),
        ("education", "Education"),
        ("livelihoods", "Livelihoods"),
        ("cash", "Cash assistance"),
        ("transport", "Transport"),
        ("documentation", "Civil documentation"),
        ("other", "Other"),
    ]
]


def choice_list(list_name: str, pairs: list[tuple[str, str]]) -> list[Row]:
    """Rows of one choice list from (name, English label) pairs."""
    return [{"list_name": list_name, "name": name, "label": label} for name, label in pairs]


def count_row(name: str, label: str, hxl: str, **extra: str) -> Row:
    """An integer count question, never negative unless `constraint` says more."""
    row: Row = {"type": "integer", "name": name, "label": label, "hxl": hxl}
    row["constraint"] = ". >= 0"
    row["constraint_message"] = "A count cannot be negative."
    row.update(extra)
    return row


def counts_bounded(rows: list[Row], maximum: int) -> list[Row]:
    """Every integer question of the survey with `and . <= maximum` in its constraint."""
    out = []
    for row in rows:
        if row.get("type") == "integer":
            constraint = row.get("constraint") or ". >= 0"
            message = row.get("constraint_message") or "A count cannot be negative."
            row = {
                **row,
                "constraint": f"{constraint} and . <= {maximum}",
                "constraint_message": f"{message} It cannot be more than {maximum:,}.",
            }
        out.append(row)
    return out


# The sex and age groups, as (name suffix, label, HXL age attribute). Age brackets vary by
# country: an operation changes them in its own copy of the form, the reader follows the form.
AGE_GROUPS = [
    ("lt1", "under 1 year", "age0_1"),
    ("1_5", "1 to 5 years", "age1_5"),
    ("6_17", "6 to 17 years", "age6_17"),
    ("18_59", "18 to 59 years", "age18_59"),
    ("60p", "60 years and over", "age60_"),
]


def sex_age_groups(total: str, people: str = "") -> list[tuple[str, str, str]]:
    """(name, label, HXL) of the ten groups of `total`: `<total>_<sex>_<bracket>`, e.g.
    ind_f_lt1 in the site form, idp_ind_f_lt1 in the baseline ("IDP females under 1 year")."""
    return [
        (
            f"{total}_{sex}_{suffix}",
            f"{people} {word.lower()} {label}" if people else f"{word} {label}",
            f"#affected+idps+{sex}+{hxl}",
        )
        for sex, word in (("f", "Females"), ("m", "Males"))
        for suffix, label, hxl in AGE_GROUPS
    ]


def sex_age_rows(total: str, people: str, message: str, **extra: str) -> list[Row]:
    """Ten counts; the last one checks that together they make up `total` (the ingest also
    checks that they are given all ten or none)."""
    groups = sex_age_groups(total, people)
    rows = [count_row(name, label, hxl, **extra) for name, label, hxl in groups]
    others = " + ".join(f"coalesce(${{{name}}}, 0)" for name, _, _ in groups[:-1])
    rows[-1]["constraint"] = f". >= 0 and {others} + . = ${{{total}}}"
    rows[-1]["constraint_message"] = message
    return rows


def yes_no_row(name: str, label: str, hxl: str, **extra: str) -> Row:
    row: Row = {"type": "select_one yes_no", "name": name, "label": label, "hxl": hxl}
    row.update(extra)
    return row
