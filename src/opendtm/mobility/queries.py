"""Reads of the mobility records, restricted to what the user may see."""

from __future__ import annotations

from typing import Any

import polars as pl

from opendtm.forms.queries import form_spec_get
from opendtm.mobility.choices import AssessmentForm
from opendtm.mobility.indicators import SOURCE_FIELDS, indicators_frame
from opendtm.mobility.models import SiteAssessment
from opendtm.operations.models import Operation, Site
from opendtm.operations.queries import AnyUser, rounds_of

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
    spec = form_spec_get(form_id=AssessmentForm.SITE)
    labels = {
        f.name: {c.name: c.label for c in spec.choices.get(f.list_name or "", ())}
        for f in spec.fields
        if f.type == "select_one"
    }
    return indicators_frame(assessments, ["round"], labels)
