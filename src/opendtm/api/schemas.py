"""What the API answers, as pydantic schemas: the OpenAPI document is generated from these.

Rows of figures carry the export column keys of `figures.exports` (the same keys as the CSV,
JSON and HXL downloads); a hidden (suppressed) cell is null and named in the row's
`suppressed` list.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from ninja import Schema
from pydantic import Field


class ErrorOut(Schema):
    """Every error: a message for a person and a stable code for a script."""

    detail: str = Field(examples=["No operation 'nowhere'. Known operations: typhoon."])
    code: str = Field(
        examples=["not_found"],
        description="not_authenticated, permission_denied, not_found, invalid_input, conflict",
    )


class OperationOut(Schema):
    code: str
    name: str
    country_iso3: str
    crisis_type: str
    mcof_phase: str
    start_date: dt.date
    end_date: dt.date | None
    location_level: int
    is_public: bool
    round_count: int


class RoundOut(Schema):
    number: int
    status: str
    start_date: dt.date
    end_date: dt.date | None
    reporting_date: dt.date
    published_at: dt.datetime | None


class AltCodeOut(Schema):
    code: str
    kind: str


class AdminUnitOut(Schema):
    country_iso3: str
    pcode: str
    name: str
    level: int
    parent_pcode: str | None
    latitude: float | None
    longitude: float | None
    alternative_codes: list[AltCodeOut]


class SiteOut(Schema):
    site_id: str
    name: str
    site_type: str
    status: str = Field(
        description="As the site's latest assessment in a round you may see reports it; "
        "the registry's recorded status when no such assessment reports one."
    )
    status_round: int | None = Field(
        description="The round whose assessment gave `status`; null: the registry's."
    )
    status_on: dt.date | None = Field(
        description="When that assessment was made (else the round's reporting date)."
    )
    admin_pcode: str
    admin_name: str
    latitude: float | None
    longitude: float | None
    opened_on: dt.date | None
    closed_on: dt.date | None = Field(
        description="For a closed site: the date it was reported closed (`status_on`), or "
        "the registry's closing date when the status is the registry's."
    )


class OperationPage(Schema):
    count: int
    results: list[OperationOut]


class RoundPage(Schema):
    count: int
    results: list[RoundOut]


class AdminUnitPage(Schema):
    count: int
    limit: int
    offset: int
    results: list[AdminUnitOut]


class SitePage(Schema):
    count: int
    limit: int
    offset: int
    results: list[SiteOut]


class FiguresPage(Schema):
    """A page of figures (by admin unit, site or origin) of one round."""

    count: int = Field(description="Rows of the whole answer; `results` is the page.")
    limit: int
    offset: int
    provenance: dict[str, Any] = Field(description="Where the numbers come from.")
    totals: dict[str, int | None] = Field(description="Totals of the whole answer.")
    results: list[dict[str, Any]]


class SeriesOut(Schema):
    """One admin unit across the rounds the requester may see, oldest first."""

    count: int
    unit: dict[str, Any]
    provenance: list[dict[str, Any]]
    results: list[dict[str, Any]]


class HeadlineOut(Schema):
    provenance: dict[str, Any]
    figures: dict[str, int | None]
    previous: dict[str, int | None] | None
    change: dict[str, int | None]
    change_pct: dict[str, float | None]


class EventOut(Schema):
    """One tracked event, with the keys of the events' CSV and JSON downloads
    (`events.exports`): reported between rounds, not verified, never in a round's figures."""

    submission_id: str
    event_type: str
    event_date: dt.date
    report_date: dt.date
    area_pcode: str
    area_name: str
    count_method: str = Field(description="counted or estimated")
    displaced_hh: int | None
    displaced_ind: int
    from_pcode: str | None
    from_site_id: str | None
    to_pcode: str | None
    to_site_id: str | None
    shelter: str | None
    nationality: str | None
    dead: int | None
    injured: int | None
    missing: int | None
    vulnerabilities: list[str]
    priority_need_1: str | None
    priority_need_2: str | None
    priority_need_3: str | None
    source_type: str
    source_reliability: str
    confirmed_rounds: list[int] = Field(
        description="The later rounds whose baseline confirmed the event's locations."
    )


class EventPage(Schema):
    count: int
    limit: int
    offset: int
    since: dt.date | None = Field(description="Events dated on or after this day.")
    last_published_round: int | None
    headline: str = Field(
        examples=["event tracking since round 3, not verified: 2 events, 1,240 individuals"],
        description="The alert: the events since the last published round.",
    )
    note: str
    results: list[EventOut]


class FlowPointOut(Schema):
    """A flow monitoring point of the registry (docs/flows.md)."""

    code: str
    name: str
    fmp_type: str
    status: str
    admin_pcode: str
    admin_name: str
    latitude: float | None
    longitude: float | None
    neighbour_iso3: str = Field(description="The country across the border; empty elsewhere.")
    observation_days: str = Field(description="ISO weekdays observed, Monday = 1: 1234567.")
    observed_from: str = Field(examples=["06:00"])
    observed_to: str = Field(examples=["18:00"])
    exclusions: str
    services: list[str]
    organisations: list[str]


class FlowPointPage(Schema):
    count: int
    results: list[FlowPointOut]


class FlowStatusChangeOut(Schema):
    on: dt.date
    from_status: str
    to_status: str
    reason: str


class FlowPointDetail(FlowPointOut):
    history: list[FlowStatusChangeOut]


class FlowCoverageOut(Schema):
    """Where and how long the movements were observed (docs/flows.md, "Coverage")."""

    points: int
    point_days: int
    hours: float
    first: dt.date | None
    last: dt.date | None
    statement: str = Field(
        examples=["observed at 6 points during 540 observation hours; not a total of all movements"]
    )


class FlowFiguresOut(Schema):
    """A flow figure: its rows (keys as in the CSV of `opendtm figures --by flow|corridor`)
    and its coverage."""

    title: str
    coverage: FlowCoverageOut
    notes: list[str]
    rows: list[dict[str, Any]]


# --- needs (needs.queries; the keys of `opendtm figures --by needs --format json`) ---------


class NeedsRowOut(Schema):
    """One admin unit and sector (or `intersectoral`). Counts of people are null when hidden
    (`suppressed` says how many cells of the row are)."""

    pcode: str
    name: str
    sector: str
    places: int
    severity: int | None = Field(description="The area's severity (1-5) by the area rule.")
    severity_distribution: dict[str, int | None] = Field(
        description='People assessed at each level, {"1": n, ..., "5": n}.'
    )
    pop_l1: int | None
    pop_l2: int | None
    pop_l3: int | None
    pop_l4: int | None
    pop_l5: int | None
    assessed: int | None
    pin_ind: int | None = Field(description="People in need.")
    pin_sites: int | None
    pin_host: int | None
    pin_returnees: int | None
    pin_ind_f_lt1: int | None
    pin_ind_f_1_5: int | None
    pin_ind_f_6_17: int | None
    pin_ind_f_18_59: int | None
    pin_ind_f_60p: int | None
    pin_ind_m_lt1: int | None
    pin_ind_m_1_5: int | None
    pin_ind_m_6_17: int | None
    pin_ind_m_18_59: int | None
    pin_ind_m_60p: int | None
    pin_method: str
    severity_previous: int | None
    severity_change: int | None
    pin_ind_previous: int | None
    pin_ind_change: int | None
    change_note: str | None
    suppressed: int = Field(description="How many cells of the row are hidden.")


class NeedsOut(Schema):
    operation: str
    round: int
    round_status: str
    rules_version: str
    level: int
    threshold: int | None = Field(description="Counts of people below it are hidden; null: exact.")
    previous_round: int | None = Field(description="The round the change is measured against.")
    rows: list[NeedsRowOut]


class PriorityNeedOut(Schema):
    pcode: str
    name: str
    need: str
    source: str = Field(description="locations (baseline) or sites (needs 1-3 by rank)")
    places: int = Field(description="Places naming the need.")
    places_assessed: int = Field(description="Places that answered.")
    share_places: float | None
    people: int | None
    people_assessed: int | None
    share_people: float | None


class PriorityNeedsOut(Schema):
    operation: str
    round: int
    round_status: str
    rules_version: str
    level: int
    rows: list[PriorityNeedOut]


class SiteSeverityRowOut(Schema):
    site_code: str
    site_name: str
    sector: str
    severity: int | None
    worst_indicator: str | None = Field(
        description="The indicator behind the score; for the intersectoral row, the worst sector."
    )


class SiteSeverityOut(Schema):
    operation: str
    round: int
    round_status: str
    rules_version: str
    rows: list[SiteSeverityRowOut]
