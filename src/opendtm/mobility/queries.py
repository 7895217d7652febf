"""Reads of the mobility records, restricted to what the user may see."""

from __future__ import annotations

from typing import Any

import polars as pl
from django.conf import settings

from opendtm.forms.queries import form_spec_get
from opendtm.mobility.choices import AssessmentForm, StandardStatus
from opendtm.mobility.indicators import INDICATORS, SOURCE_FIELDS, indicators_frame
from opendtm.mobility.models import SiteAssessment
from opendtm.mobility.profile import SOURCE_FIELDS as PROFILE_FIELDS
from opendtm.mobility.profile import profile_frame
from opendtm.operations.choices import RoundStatus
from opendtm.operations.models import Operation, Site
from opendtm.operations.queries import AnyUser, round_get, rounds_of

_TYPES: dict[str, Any] = {
    "covered_area_m2": pl.Float64,
    "water_lpd": pl.Float64,
    **dict.fromkeys(
        (
            "latrines_separated",
            "handwashing",
            "security_incidents",
            "gbv_referral",
            "cfm",
            "site_management",
        ),
        pl.Boolean,
    ),
    **dict.fromkeys(
        (
            "site_status",
            "water_source",
            "health_access",
            "food_access",
            "children_in_school",
            "lighting",
        ),
        pl.Utf8,
    ),
}


def site_indicators(*, user: AnyUser, operation: Operation, site: Site) -> pl.DataFrame:
    """The sector indicators of the site in every round the user may see (published rounds
    only for viewers and the public), by round then in the rule set's order: `round`, then
    the columns of `mobility.indicators.indicators_frame`. One query."""
    rounds = rounds_of(operation=operation, user=user).values("pk")
    rows = (
        SiteAssessment.objects.filter(site=site, round__in=rounds)
        .order_by("round__number")
        .values_list("round__number", *SOURCE_FIELDS)
    )
    schema = {"round": pl.Int64} | {f: _TYPES.get(f, pl.Int64) for f in SOURCE_FIELDS}
    assessments = pl.DataFrame(list(rows), schema=schema, orient="row")
    labels = _select_one_labels()
    return indicators_frame(assessments, ["round"], labels)


def _select_one_labels() -> dict[str, dict[str, str]]:
    """Per select_one field of the site form, the label of each of its choices."""
    spec = form_spec_get(form_id=AssessmentForm.SITE)
    return {
        f.name: {c.name: c.label for c in spec.choices.get(f.list_name or "", ())}
        for f in spec.fields
        if f.type == "select_one"
    }


def _choice_labels() -> dict[str, dict[str, str]]:
    """The label of each choice of the site form's lists, by list name."""
    spec = form_spec_get(form_id=AssessmentForm.SITE)
    return {name: {c.name: c.label for c in choices} for name, choices in spec.choices.items()}


def site_facts(*, user: AnyUser, operation: Operation, site: Site) -> pl.DataFrame:
    """The site's priority needs, vulnerable persons (shares of its population), diseases,
    movements and site management in every round the user may see, by round: the columns of
    `mobility.profile.profile_frame`. A published round hides small groups (its figures'
    suppression threshold); an unpublished one, seen only by analysts and up, is exact. One
    query."""
    rounds = rounds_of(operation=operation, user=user).values("pk")
    rows = (
        SiteAssessment.objects.filter(site=site, round__in=rounds)
        .order_by("round__number")
        .values_list("round__number", "round__status", *PROFILE_FIELDS)
    )
    text = ("priority_need_1", "priority_need_2", "priority_need_3")
    schema: dict[str, Any] = (
        {"round": pl.Int64, "published": pl.Boolean}
        | {f: pl.Utf8 if f in text else pl.Int64 for f in PROFILE_FIELDS}
        | {"diseases": pl.List(pl.Utf8), "site_management": pl.Boolean}
    )
    values = [(number, status == RoundStatus.PUBLISHED, *rest) for number, status, *rest in rows]
    assessments = pl.DataFrame(values, schema=schema, orient="row")
    threshold = settings.OPENDTM_SUPPRESSION_THRESHOLD
    return profile_frame(assessments, threshold, _choice_labels())


def round_indicator_summary(
    *, user: AnyUser, operation: Operation, round_number: int
) -> pl.DataFrame:
    """How many of the round's assessed sites stand how against each indicator's standard:
    one row per indicator in the rule set's order (`indicator`, `sector`, `label`,
    `standard`), then one count of sites per `StandardStatus` value. Counts of sites, not of
    people: nothing is suppressed. NotFound for a round the user may not see. One query."""
    round_ = round_get(operation=operation, number=round_number, user=user)
    rows = SiteAssessment.objects.filter(round=round_).values_list("site_id", *SOURCE_FIELDS)
    schema = {"site": pl.Int64} | {f: _TYPES.get(f, pl.Int64) for f in SOURCE_FIELDS}
    assessments = pl.DataFrame(list(rows), schema=schema, orient="row")
    labels = _select_one_labels()
    scored = indicators_frame(assessments, ["site"], labels)
    tally = scored.group_by("indicator").agg(
        (pl.col("status") == s.value).sum().cast(pl.Int64).alias(s.value) for s in StandardStatus
    )
    described = pl.DataFrame(
        {
            "indicator": [i.key for i in INDICATORS],
            "sector": [i.sector.value for i in INDICATORS],
            "label": [str(i.label) for i in INDICATORS],
            "standard": [str(i.standard) for i in INDICATORS],
        }
    )
    return described.join(tally, on="indicator", how="left", maintain_order="left").with_columns(
        pl.col(s.value).fill_null(0) for s in StandardStatus
    )
