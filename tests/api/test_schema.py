"""The OpenAPI document: committed copy up to date, served, offline docs page, and
schemathesis finding no server error anywhere in the API."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.test import Client
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from opendtm.cli.api import openapi_text
from tests.api.conftest import World

COMMITTED = Path(__file__).parents[2] / "docs" / "openapi.json"


def test_committed_document_is_the_generated_one() -> None:
    assert COMMITTED.read_text(encoding="utf-8") == openapi_text(), (
        "docs/openapi.json is stale: run `opendtm api schema --output docs/openapi.json`"
    )


def test_served_document_is_the_generated_one(db: Any) -> None:
    response = Client().get("/api/openapi.json")
    assert response.status_code == 200
    assert response.json() == json.loads(openapi_text())


def test_docs_page_loads_nothing_from_the_internet(db: Any) -> None:
    response = Client().get("/api/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assert "swagger-ui-bundle" in html
    assert "http" not in html.replace("/api/openapi.json", "")


def test_every_operation_is_documented() -> None:
    paths = set(json.loads(openapi_text())["paths"])
    assert paths == {
        "/api/v1/operations",
        "/api/v1/operations/{code}/rounds",
        "/api/v1/admin-units",
        "/api/v1/operations/{code}/sites",
        "/api/v1/operations/{code}/figures/admin",
        "/api/v1/operations/{code}/figures/sites",
        "/api/v1/operations/{code}/figures/origins",
        "/api/v1/operations/{code}/figures/rounds",
        "/api/v1/operations/{code}/figures/headline",
        "/api/v1/operations/{code}/events",
        "/api/v1/portfolio/overview",
        "/api/v1/portfolio/projects",
        "/api/v1/portfolio/projects/{project_code}",
        "/api/v1/operations/{code}/flow-points",
        "/api/v1/operations/{code}/flow-points/{fmp_code}",
        "/api/v1/operations/{code}/flows",
        "/api/v1/operations/{code}/flows/corridors",
        "/api/v1/operations/{code}/needs/admin",
        "/api/v1/operations/{code}/needs/priority",
        "/api/v1/operations/{code}/needs/sites",
    }


@pytest.fixture
def _keep_connection() -> Any:
    """Call the WSGI app as a server would, but keep the test's database connection open (a
    real request closes it at the end, which would end the test's transaction), as Django's
    own test client does."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


schema = schemathesis.openapi.from_dict(json.loads(COMMITTED.read_text(encoding="utf-8")))
APP = get_wsgi_application()


@pytest.mark.slow
@schema.parametrize()
@settings(
    max_examples=15,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_no_server_error(case: Any, public_world: World, _keep_connection: None) -> None:
    """Generated parameters against the fixture operation (a random code would only ever
    meet 404), reaching the figures queries with odd levels, P-codes, pages and formats."""
    if "code" in (case.path_parameters or {}):
        case.path_parameters["code"] = "typhoon"
    response = case.call(app=APP, base_url="http://localhost")
    case.validate_response(response, checks=[not_a_server_error])
