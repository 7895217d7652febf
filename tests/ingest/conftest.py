"""A small Philippine-style gazetteer, an operation with an open round, and valid rows of the
shipped site and baseline forms to spoil one field at a time."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from opendtm.forms.queries import form_spec_get
from opendtm.forms.spec import FormSpec
from opendtm.gazetteer.choices import CodeKind
from opendtm.gazetteer.models import AdminUnit, AdminUnitCode, GazetteerVersion
from opendtm.operations.models import Operation, Round
from tests.factories import (
    CountryUnitFactory,
    GazetteerVersionFactory,
    OperationFactory,
    RoundFactory,
    SuperuserFactory,
)

# pcode: (name, level, parent, lat, lon)
UNITS: dict[str, tuple[str, int, str, float | None, float | None]] = {
    "PH01": ("Ilocos Region", 1, "PH", 17.0, 120.5),
    "PH01028": ("Ilocos Norte", 2, "PH01", 18.2, 120.7),
    "PH0102801": ("Adams", 3, "PH01028", 18.45, 120.90),
    "PH0102801001": ("Adams", 4, "PH0102801", 18.46, 120.91),
    "PH0102802": ("Bacarra", 3, "PH01028", 18.25, 120.61),
    "PH0102802001": ("Bani", 4, "PH0102802", 18.25, 120.61),
    "PH03": ("Central Luzon", 1, "PH", 15.5, 120.7),
    "PH03008": ("Bataan", 2, "PH03", 14.65, 120.45),
    "PH0300801": ("Abucay", 3, "PH03008", 14.72, 120.53),
    "PH0300801001": ("Bangkal", 4, "PH0300801", 14.73, 120.54),
    "PH0102899": ("Retired town", 3, "PH01028", 18.3, 120.7),
}
ALTERNATIVES = {"0102801001": "PH0102801001", "PH012801001": "PH0102801001"}


def gazetteer_build() -> dict[str, AdminUnit]:
    """The test gazetteer (UNITS, with one unit retired by a newer version, and ALTERNATIVES),
    by P-code; also the corpus runner's."""
    version = GazetteerVersionFactory(country_iso3="PHL")
    units = {"PH": CountryUnitFactory(country_iso3="PHL", introduced_in=version)}
    newer = GazetteerVersion.objects.create(
        country_iso3="PHL", label="newer", source="tests", sha256="1" * 64
    )
    for pcode, (name, level, parent, lat, lon) in UNITS.items():
        units[pcode] = AdminUnit.objects.create(
            country_iso3="PHL",
            pcode=pcode,
            name=name,
            level=level,
            parent=units[parent],
            latitude=lat,
            longitude=lon,
            introduced_in=version,
            retired_in=newer if pcode == "PH0102899" else None,
        )
    for code, pcode in ALTERNATIVES.items():
        AdminUnitCode.objects.create(
            country_iso3="PHL", code=code, unit=units[pcode], kind=CodeKind.PSGC
        )
    return units


@pytest.fixture
def gazetteer(db: Any) -> dict[str, AdminUnit]:
    return gazetteer_build()


@pytest.fixture
def operation(gazetteer: dict[str, AdminUnit]) -> Operation:
    return OperationFactory(code="phl-test", location_level=4)


@pytest.fixture
def round_(operation: Operation) -> Round:
    return RoundFactory(operation=operation)


@pytest.fixture
def actor(db: Any) -> Any:
    return SuperuserFactory(username="officer")


@pytest.fixture(scope="session")
def site_form() -> FormSpec:
    return form_spec_get(form_id="dtm_site")


@pytest.fixture(scope="session")
def baseline_form() -> FormSpec:
    return form_spec_get(form_id="dtm_baseline")


SEX_AGE = (
    "ind_f_lt1", "ind_f_1_5", "ind_f_6_17", "ind_f_18_59", "ind_f_60p",
    "ind_m_lt1", "ind_m_1_5", "ind_m_6_17", "ind_m_18_59", "ind_m_60p",
)  # fmt: skip


def site_row(n: int = 1, **changes: Any) -> dict[str, Any]:
    """A valid site assessment in PH0102801001; `changes` override fields."""
    row: dict[str, Any] = {
        "_submission_id": f"site-{n}",
        "assessment_date": dt.date(2026, 11, 10),
        "enumerator_code": "E01",
        "site_id": f"S-{n:03d}",
        "site_name": f"Site {n}",
        "site_type": "evacuation_centre",
        "site_status": "open",
        "site_management": "yes",
        "adm1_pcode": "PH01",
        "adm2_pcode": "PH01028",
        "adm3_pcode": "PH0102801",
        "adm4_pcode": "PH0102801001",
        "gps": (18.46, 120.91, 10.0, 5.0),
        "hh": 20,
        "ind": 100,
        **dict(zip(SEX_AGE, (2, 8, 20, 15, 5, 2, 8, 20, 15, 5), strict=True)),
        "pwd_ind": 3,
        "plw_ind": 2,
        "uasc_ind": 0,
        "older_alone_ind": 1,
        "arrivals_ind": 10,
        "departures_ind": 0,
        "hh_no_shelter": 2,
        "covered_area_m2": 350.5,
        "water_source": "trucking",
        "water_lpd": 12.5,
        "taps": 2,
        "latrines": 4,
        "showers": 2,
        "latrines_separated": "no",
        "handwashing": "yes",
        "health_access": "lt_5km",
        "diseases": ["diarrhoea", "fever"],
        "food_access": "irregular",
        "children_in_school": "some",
        "lighting": "partial",
        "security_incidents": "no",
        "gbv_referral": "yes",
        "cfm": "no",
        "priority_need_1": "shelter",
        "priority_need_2": "water",
        "priority_need_3": "food",
    }
    row.update(changes)
    return row


def baseline_row(n: int = 1, **changes: Any) -> dict[str, Any]:
    """A valid baseline assessment of PH0102801001 with IDPs; `changes` override fields."""
    row: dict[str, Any] = {
        "_submission_id": f"ba-{n}",
        "assessment_date": dt.date(2026, 11, 10),
        "enumerator_code": "E02",
        "adm1_pcode": "PH01",
        "adm2_pcode": "PH01028",
        "adm3_pcode": "PH0102801",
        "adm4_pcode": "PH0102801001",
        "gps": None,
        "ki_count": 3,
        "idp_present": "yes",
        "idp_hh": 40,
        "idp_ind": 180,
        "idp_hh_sites": 10,
        "idp_hh_host": 20,
        "idp_hh_rented": 5,
        "idp_hh_makeshift": 5,
        "displacement_cause": "typhoon",
        "idp_arrival": "1_4_weeks",
        "returnee_present": "no",
        "returnee_idp_hh": None,
        "returnee_idp_ind": None,
        "returnee_abroad_ind": None,
        "sites_count": 1,
        "priority_needs": ["shelter", "food"],
    }
    row.update(changes)
    return row


OWN_APPS = frozenset(
    {"accounts", "api", "core", "figures", "forms", "gazetteer", "ingest", "mobility", "operations"}
)


def database_fingerprint() -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table of OpenDTM's apps (and the users), as values in key order: a
    refused import must leave it equal, to the last value. The browser's import jobs are left
    out: they record the attempt (failed, with its reason), which is not the round's data."""
    from django.apps import apps

    tables: dict[str, list[tuple[Any, ...]]] = {}
    jobs = {"ingest.ImportJob", "ingest.ImportJobTransition"}
    for model in apps.get_models():
        if model._meta.label in jobs:
            continue
        if model._meta.app_label in OWN_APPS or model._meta.label == "auth.User":
            tables[model._meta.label] = list(model.objects.order_by("pk").values_list())
    return tables
