"""DTM API v3 compatibility: `/v3/displacement/...` in the shape of IOM's public DTM API
(docs/domain.md §6), so scripts written for it, the `dtmapi` client among them, work against an
OpenDTM server by changing only the base address.

The v3 API disseminates published data: records come from published rounds only, with small
counts suppressed (null), whoever asks; the response cache (`api.cache`) keeps the answers. A
key in `Ocp-Apim-Subscription-Key` is an OpenDTM API token and opens the private operations
its user holds a role on; public operations answer without a key. Every number comes from
`figures.queries.figures_by_admin`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import polars as pl
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.http import require_GET

from opendtm.api.access import operations_readable, request_user
from opendtm.api.cache import figures_response, v3_key
from opendtm.api.errors import error_status
from opendtm.api.fastpath import cacheable
from opendtm.core.errors import InvalidInput, OpenDTMError
from opendtm.figures.measures import IDP_SEX_AGE
from opendtm.figures.queries import figures_by_admin, figures_origin_matrix
from opendtm.gazetteer.countries import country_get
from opendtm.operations.choices import CrisisType, RoundStatus
from opendtm.operations.models import Operation, Round
from opendtm.operations.queries import operation_list as visible_operations
from opendtm.operations.queries import rounds_of

NOT_AVAILABLE = "Not available"
CONFLICT = {
    CrisisType.CONFLICT: "Conflict",
    CrisisType.EVICTION: "Other",
    CrisisType.OTHER: "Other",
}
NATURAL_DISASTER = "Natural disaster"
# An id unique across rounds: the round's key times this, plus the unit's key.
_ID_STRIDE = 1_000_000
FILTERS = (
    "Operation",
    "CountryName",
    "Admin0Pcode",
    "Admin1Name",
    "Admin1Pcode",
    "Admin2Name",
    "Admin2Pcode",
    "FromReportingDate",
    "ToReportingDate",
    "FromRoundNumber",
    "ToRoundNumber",
)


def envelope(result: list[dict[str, Any]], status: int = 200, errors: list[str] | None = None):
    """The v3 wrapper of every answer, errors included."""
    return JsonResponse(
        {
            "result": result,
            "statusCode": status,
            "isSuccess": status < 400,
            "errorMessages": errors or [],
            "totalRecordsCount": len(result),
        },
        status=status,
    )


def _key_function(endpoint: str) -> Callable[[HttpRequest], str | None]:
    """The cache key of a figures endpoint's answer to this requester: one function, asked by
    the view and by the response cache's short path (`api.fastpath`)."""

    def key_of(request: HttpRequest) -> str | None:
        operations = operations_readable(request)
        return v3_key(request, endpoint=endpoint, operations=operations, filters=FILTERS)

    return key_of


def _answering(
    build: Callable[[HttpRequest], list[dict[str, Any]]], *, cached_as: str | None = None
) -> Callable[..., HttpResponse]:
    """A GET view that wraps `build`'s records, and any error, in the v3 envelope. Figures
    (`cached_as` their route's name) go through the response cache: published figures only,
    whoever asks."""
    key_of = cacheable(cached_as)(_key_function(build.__name__)) if cached_as else None

    @require_GET
    def view(request: HttpRequest) -> HttpResponse:
        try:
            if key_of is None:
                return envelope(build(request))
            key = key_of(request)
            return figures_response(request, key, lambda: envelope(build(request)))
        except OpenDTMError as exc:
            status, _code = error_status(exc)
            return envelope([], int(status), [str(exc)])

    view.__doc__ = build.__doc__
    view.__name__ = build.__name__
    return view


# --- parameters -----------------------------------------------------------------------------


def _text(request: HttpRequest, name: str) -> str | None:
    value = request.GET.get(name, "").strip()
    return value or None


def _date(request: HttpRequest, name: str) -> dt.date | None:
    value = _text(request, name)
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value[:10])
    except ValueError:
        raise InvalidInput(
            f"{name} {value!r} is not a date.", hint="Use YYYY-MM-DD, e.g. 2024-11-30."
        ) from None


def _number(request: HttpRequest, name: str) -> int | None:
    value = _text(request, name)
    if value is None:
        return None
    if not value.isdigit():
        raise InvalidInput(f"{name} {value!r} is not a round number.", hint="Use e.g. 3.")
    return int(value)


def _operations(request: HttpRequest) -> list[Operation]:
    """The operations the requester may see that match Operation, CountryName, Admin0Pcode."""
    wanted = (_text(request, "Operation") or "").lower()
    country = (_text(request, "CountryName") or "").lower()
    iso3 = (_text(request, "Admin0Pcode") or "").upper()
    found: list[Operation] = []
    for operation in visible_operations(user=request_user(request)):
        if wanted and wanted not in (operation.name.lower(), operation.code.lower()):
            continue
        if country and country_get(operation.country_iso3).name.lower() != country:
            continue
        if iso3 and operation.country_iso3.upper() != iso3:
            continue
        found.append(operation)
    return found


def _reporting_date(round_: Round) -> dt.date:
    return round_.reporting_date


def _rounds(request: HttpRequest, operation: Operation) -> list[Round]:
    """The operation's published rounds within the round-number and reporting-date ranges."""
    first, last = _number(request, "FromRoundNumber"), _number(request, "ToRoundNumber")
    since, until = _date(request, "FromReportingDate"), _date(request, "ToReportingDate")
    return [
        r
        for r in rounds_of(operation=operation, user=request_user(request))
        if r.status == RoundStatus.PUBLISHED
        and (first is None or r.number >= first)
        and (last is None or r.number <= last)
        and (since is None or _reporting_date(r) >= since)
        and (until is None or _reporting_date(r) <= until)
    ]


# --- records --------------------------------------------------------------------------------


def _unit_filter(request: HttpRequest, level: int) -> pl.Expr:
    """Admin1Name/Admin1Pcode/Admin2Name/Admin2Pcode as a filter on the rows (exact, any case)."""
    keep = pl.lit(True)
    for k in (1, 2):
        if k > level:
            break
        for part, name in (("pcode", f"Admin{k}Pcode"), ("name", f"Admin{k}Name")):
            value = _text(request, name)
            if value is not None:
                keep &= pl.col(f"adm{k}_{part}").str.to_lowercase() == value.lower()
    return keep


def _sexes(row: dict[str, Any]) -> tuple[int | None, int | None]:
    """(numberMales, numberFemales) of the unit's IDPs from their sex-and-age groups, which add
    up to idp_ind; both null where the unit does not carry them (a location with IDPs did not
    give them) or a cell is hidden. Never from the sites: they hold only some of the IDPs."""
    cells = {sex: [row[m.name] for m in IDP_SEX_AGE if m.name.startswith(f"idp_ind_{sex}_")]
             for sex in ("m", "f")}  # fmt: skip
    if row["idp_ind"] is None or any(c is None for group in cells.values() for c in group):
        return None, None
    return int(sum(cells["m"])), int(sum(cells["f"]))


def _single_origins(user: Any, operation: Operation, number: int, level: int) -> dict[int, dict]:
    """Destination unit -> the admin 1 unit its IDPs come from, with the IDPs reported from
    there; only for destinations whose reported origins all lie in one admin 1 unit."""
    if level == 0:
        return {}
    matrix = figures_origin_matrix(
        user=user, operation=operation, round_number=number, origin_level=1, destination_level=level
    )
    found: dict[int, dict] = {}
    several: set[int] = set()
    for row in matrix.rows.iter_rows(named=True):
        dest, origin, ind = row["destination_id"], row["origin_adm1_pcode"], row["origin_ind"]
        if origin is None or (dest in found and found[dest]["pcode"] != origin):
            several.add(dest)
        elif dest in found:
            seen = found[dest]["ind"]
            found[dest]["ind"] = None if seen is None or ind is None else seen + ind
        else:
            found[dest] = {"pcode": origin, "name": row["origin_adm1_name"], "ind": ind}
    return {dest: origin for dest, origin in found.items() if dest not in several}


def _records(request: HttpRequest, level: int) -> list[dict[str, Any]]:
    user = request_user(request)
    keep = _unit_filter(request, level)
    records: list[dict[str, Any]] = []
    for operation in _operations(request):
        if operation.location_level < level:
            continue
        country = country_get(operation.country_iso3)
        reason = CONFLICT.get(CrisisType(operation.crisis_type), NATURAL_DISASTER)
        for round_ in _rounds(request, operation):
            answer = figures_by_admin(
                user=user, operation=operation, round_number=round_.number, level=level
            )
            rows = answer.rows.filter(keep)
            if not rows.height:
                continue
            origins = _single_origins(user, operation, round_.number, level)
            reported = _reporting_date(round_)
            for row in rows.iter_rows(named=True):
                origin = origins.get(row["unit_id"])
                if origin is not None and (
                    origin["ind"] is None or origin["ind"] != row["idp_ind"]
                ):
                    origin = None  # some IDPs here come from elsewhere, or from nowhere known
                record: dict[str, Any] = {"id": round_.pk * _ID_STRIDE + row["unit_id"]}
                record |= {
                    "operation": operation.name,
                    "admin0Name": country.name,
                    "admin0Pcode": country.iso3,
                }
                for k in range(1, level + 1):
                    record[f"admin{k}Name"] = row[f"adm{k}_name"]
                    record[f"admin{k}Pcode"] = row[f"adm{k}_pcode"]
                males, females = _sexes(row)
                record |= {
                    "numPresentIdpInd": row["idp_ind"],
                    "reportingDate": f"{reported.isoformat()}T00:00:00",
                    "yearReportingDate": reported.year,
                    "monthReportingDate": reported.month,
                    "roundNumber": round_.number,
                    "displacementReason": reason,
                    "numberMales": males,
                    "numberFemales": females,
                    "idpOriginAdmin1Name": origin["name"] if origin else NOT_AVAILABLE,
                    "idpOriginAdmin1Pcode": origin["pcode"] if origin else NOT_AVAILABLE,
                    "assessmentType": "BA",
                }
                if level == 0:
                    del record["id"]
                records.append(record)
    return records


def _admin0(request: HttpRequest) -> list[dict[str, Any]]:
    """IDP figures per country and round."""
    return _records(request, 0)


def _admin1(request: HttpRequest) -> list[dict[str, Any]]:
    """IDP figures per admin 1 unit and round."""
    return _records(request, 1)


def _admin2(request: HttpRequest) -> list[dict[str, Any]]:
    """IDP figures per admin 2 unit and round."""
    return _records(request, 2)


def _country_list(request: HttpRequest) -> list[dict[str, Any]]:
    """The countries of the operations the requester may see, by name."""
    iso3s = {operation.country_iso3 for operation in visible_operations(user=request_user(request))}
    countries = sorted((country_get(c) for c in iso3s), key=lambda c: c.name)
    return [{"admin0Name": c.name, "admin0Pcode": c.iso3} for c in countries]


def _operation_list(request: HttpRequest) -> list[dict[str, Any]]:
    """The operations the requester may see, by name."""
    today = dt.date.today()
    records = []
    for operation in sorted(visible_operations(user=request_user(request)), key=lambda o: o.name):
        active = operation.end_date is None or operation.end_date >= today
        country = country_get(operation.country_iso3)
        records.append(
            {
                "operation": operation.name,
                "operationStatus": "Active" if active else "Inactive",
                "admin0Name": country.name,
                "admin0Pcode": country.iso3,
            }
        )
    return records


admin0 = _answering(_admin0, cached_as="dtm-v3-admin0")
admin1 = _answering(_admin1, cached_as="dtm-v3-admin1")
admin2 = _answering(_admin2, cached_as="dtm-v3-admin2")
country_list = _answering(_country_list)
operation_list = _answering(_operation_list)
