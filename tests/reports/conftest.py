"""The figures tests' operation (tests/figures/conftest.py) with what a site profile adds:
priority needs, vulnerable persons, diseases, movements and site management of site S2.

S2 (50 individuals in round 1, published; 40 in round 2, open):

| round | pwd | plw | uasc | older alone | arrivals | departures | needs | diseases | management |
|---|---|---|---|---|---|---|---|---|---|
| 1 | 4 | 5 | 0 | 10 | 20 | 3 | food, water, shelter | diarrhoea, measles | yes |
| 2 | 4 | 2 | 1 | - | 0 | 10 | shelter, health | none | no |

So a published round 1 (threshold 5) shows pwd hidden (4 of 50), plw 10.0%, uasc 0.0%,
older alone 20.0%, 20 arrivals and departures hidden (3); round 2, for analysts only, shows
10.0%, 5.0%, 2.5%, -, 0 and 10.
"""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest

from opendtm.mobility.models import SiteAssessment
from tests.figures.conftest import World, world_build
from tests.web.conftest import web_world  # noqa: F401  (the same operation and users)

S2_FACTS = {
    1: {
        "pwd_ind": 4,
        "plw_ind": 5,
        "uasc_ind": 0,
        "older_alone_ind": 10,
        "arrivals_ind": 20,
        "departures_ind": 3,
        "priority_need_1": "food",
        "priority_need_2": "water",
        "priority_need_3": "shelter",
        "diseases": ["diarrhoea", "measles"],
        "site_management": True,
    },
    2: {
        "pwd_ind": 4,
        "plw_ind": 2,
        "uasc_ind": 1,
        "older_alone_ind": None,
        "arrivals_ind": 0,
        "departures_ind": 10,
        "priority_need_1": "shelter",
        "priority_need_2": "health",
        "priority_need_3": None,
        "diseases": ["none"],
        "site_management": False,
    },
}


def facts_store(world: World) -> None:
    """S2's profile fields, stored on its assessments (as an import of them would)."""
    for number, values in S2_FACTS.items():
        SiteAssessment.objects.filter(site=world.sites["S2"], round=world.rounds[number]).update(
            **values
        )


@pytest.fixture
def world(db: Any) -> World:
    built = world_build()
    facts_store(built)
    return built


def pdf_text(content: bytes, folder: Path) -> str:
    """The text of a PDF as pdftotext reads it (layout kept, so a row stays on one line)."""
    path = folder / "report.pdf"
    path.write_bytes(content)
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout
