"""What the figures count: each measure's column name, human header, HXL tag, and whether it
counts people (people and household counts are the ones suppressed when small).

Every table, export and snapshot column list is built from these tuples, so a measure is named,
labelled and tagged in exactly one place. HXL tags follow docs/domain.md §6.
"""

from __future__ import annotations

from dataclasses import dataclass

from opendtm.mobility.models import IDP_SEX_AGE_FIELDS, SEX_AGE_FIELDS


@dataclass(frozen=True)
class Measure:
    """One counted quantity."""

    name: str
    label: str
    hxl: str
    people: bool  # a count of persons or households: hidden below the suppression threshold


_SEX = {"f": "Female", "m": "Male"}
# The form's age brackets (ind_<sex>_<bracket>) as words and as HXL age attributes.
_AGE = {
    "lt1": ("under 1", "age0_1"),
    "1_5": ("1-5", "age1_5"),
    "6_17": ("6-17", "age6_17"),
    "18_59": ("18-59", "age18_59"),
    "60p": ("60+", "age60_"),
}


def _sex_age(field: str, *, label: str = "{sex} {age}", tag: str = "idps") -> Measure:
    _ind, sex, bracket = field.removeprefix("idp_").split("_", 2)
    words, age = _AGE[bracket]
    text = label.format(sex=_SEX[sex], lower=_SEX[sex].lower(), age=words)
    return Measure(field, text, f"#affected+{tag}+{sex}+{age}", True)


# The groups of the people in sites, as a site's own row counts them ...
SEX_AGE = tuple(_sex_age(field) for field in SEX_AGE_FIELDS)
# ... as a unit's row sums them (only over sites that gave all ten) ...
SITE_SEX_AGE = tuple(
    _sex_age(field, label="{sex} {age} in sites", tag="sites") for field in SEX_AGE_FIELDS
)
# ... and the groups of all the IDPs of a unit, from its baselines: given only where every
# assessed location with IDPs reported them (`live.idp_breakdown`), null otherwise.
IDP_SEX_AGE = tuple(_sex_age(field, label="IDP {lower} {age}") for field in IDP_SEX_AGE_FIELDS)

ADMIN_MEASURES: tuple[Measure, ...] = (
    Measure("locations", "Assessed locations", "#indicator+locations+num", False),
    Measure("locations_flagged", "Flagged locations", "#indicator+locations+flagged+num", False),
    # 1 on a location whose sites hold more people than its baseline's IDPs, or more sites
    # (not closed) than its sites_count; a coarser unit counts its locations so flagged.
    Measure(
        "locations_over_baseline",
        "Locations whose sites exceed their baseline",
        "#indicator+locations+sites_over+num",
        False,
    ),
    Measure("idp_hh", "IDP households", "#affected+idps+hh", True),
    Measure("idp_ind", "IDP individuals", "#affected+idps+ind", True),
    Measure("returnee_idp_hh", "Returned IDP households", "#affected+returnees+internal+hh", True),
    Measure(
        "returnee_idp_ind", "Returned IDP individuals", "#affected+returnees+internal+ind", True
    ),
    Measure(
        "returnee_abroad_ind",
        "Returnees from abroad (individuals)",
        "#affected+returnees+abroad+ind",
        True,
    ),
    Measure("sites", "Sites assessed", "#indicator+sites+num", False),
    Measure("sites_open", "Open sites", "#indicator+sites+open+num", False),
    Measure("sites_closing", "Closing sites", "#indicator+sites+closing+num", False),
    Measure("sites_closed", "Closed sites", "#indicator+sites+closed+num", False),
    Measure("sites_flagged", "Flagged sites", "#indicator+sites+flagged+num", False),
    Measure("site_hh", "IDP households in sites", "#affected+sites+hh", True),
    Measure("site_ind", "IDP individuals in sites", "#affected+sites+ind", True),
    Measure("sadd_sites", "Sites with sex and age data", "#indicator+sites+sadd+num", False),
    Measure("sadd_ind", "Individuals covered by sex and age data", "#affected+sadd+ind", True),
    *SITE_SEX_AGE,
    Measure(
        "idp_sadd_locations",
        "Locations with the IDPs' sex and age",
        "#indicator+locations+sadd+num",
        False,
    ),
    *IDP_SEX_AGE,
)

SITE_MEASURES: tuple[Measure, ...] = (
    Measure("hh", "Households", "#affected+idps+hh", True),
    Measure("ind", "Individuals", "#affected+idps+ind", True),
    *SEX_AGE,
)

ORIGIN_MEASURES: tuple[Measure, ...] = (
    Measure("locations", "Locations reporting", "#indicator+locations+num", False),
    Measure("origin_hh", "IDP households", "#affected+idps+hh", True),
    Measure("origin_ind", "IDP individuals", "#affected+idps+ind", True),
)

# The admin measures whose change against the previous round the breakdowns carry.
CHANGE_MEASURES = ("idp_hh", "idp_ind")

ADMIN_NAMES = tuple(m.name for m in ADMIN_MEASURES)
SITE_NAMES = tuple(m.name for m in SITE_MEASURES)
ORIGIN_NAMES = tuple(m.name for m in ORIGIN_MEASURES)
PEOPLE = frozenset(m.name for m in (*ADMIN_MEASURES, *SITE_MEASURES, *ORIGIN_MEASURES) if m.people)

# The columns that name an admin unit, as carried by every frame of figures: its own code,
# name, level and centroid, and the code and name of the unit at each level down to its own.
LABEL_COLUMNS = (
    "unit_id",
    "level",
    "pcode",
    "name",
    "latitude",
    "longitude",
    *(f"adm{k}_{part}" for k in range(1, 5) for part in ("pcode", "name")),
)
