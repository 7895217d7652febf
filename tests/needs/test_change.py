"""Needs figures compared with a round published on an older gazetteer version: through the
crosswalk, as displacement figures are (the world of tests/figures/test_versions.py)."""

from __future__ import annotations

import pytest

from opendtm.needs.queries import needs_by_admin
from tests.figures.test_versions import _round_2
from tests.ingest.test_gazetteer_versions import versions_world

pytestmark = pytest.mark.django_db


def test_change_follows_the_crosswalk() -> None:
    world = versions_world()
    _round_2(world)
    figures = needs_by_admin(
        user=world.admin, operation=world.operation, round_number=2, level=2, exact=True
    )
    assert figures.previous_round_number == 1
    shelter = {
        r["pcode"]: (
            r["severity"],
            r["severity_previous"],
            r["severity_change"],
            r["assessed"],
            r["pin_ind_previous"],
            r["change_note"],
        )
        for r in figures.rows.to_dicts()
        if r["sector"] == "shelter"
    }
    # every location names shelter (2) with no household in makeshift shelter (1): shelter 2
    assert shelter == {
        "PH01001": (2, 2, 0, 110, 0, "renamed from Abra"),
        "PH01005": (2, 2, 0, 250, 0, "recoded from PH01002"),
        "PH01006": (2, None, None, 120, None, "split from PH01003"),
        "PH01007": (2, None, None, 130, None, "split from PH01003"),
        "PH01010": (2, None, None, 70, None, "merged from PH01004, PH01009"),
    }
