"""Every query function answers in a fixed number of queries, however many rows a round holds.

Counts include the access checks: the user's grant (twice for those who are not analysts:
may they see unpublished rounds, then published ones) and the rounds with their snapshots.
A live admin frame costs two queries more for the locations whose sites exceed their baseline
(the sites by location, then those locations' baselines).
A page that ends the answer needs no COUNT(*).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from opendtm.figures import queries
from opendtm.gazetteer.models import AdminUnit
from opendtm.mobility.models import BaselineAssessment, SiteAssessment
from opendtm.operations.models import Site
from tests.figures.conftest import M4, P2, World, where_from

pytestmark = pytest.mark.django_db


def _calls(world: World) -> dict[str, tuple[int, Callable[[], Any]]]:
    op, viewer, analyst = world.operation, world.viewer, world.analyst
    return {
        "headline, published": (
            5,
            lambda: queries.figures_headline(user=viewer, operation=op, round_number=1),
        ),
        "headline, live": (
            10,
            lambda: queries.figures_headline(user=analyst, operation=op, round_number=2),
        ),
        "by admin, published": (
            7,
            lambda: queries.figures_by_admin(user=viewer, operation=op, round_number=1, level=3),
        ),
        "by admin, published page under a unit": (
            10,
            lambda: queries.figures_by_admin(
                user=viewer, operation=op, round_number=1, level=4, parent_pcode=P2, limit=2
            ),
        ),
        "by admin, live": (
            15,
            lambda: queries.figures_by_admin(user=analyst, operation=op, round_number=2, level=4),
        ),
        "by site, published": (
            7,
            lambda: queries.figures_by_site(user=viewer, operation=op, round_number=1),
        ),
        "by site, live": (
            12,
            lambda: queries.figures_by_site(user=analyst, operation=op, round_number=2),
        ),
        "origins, published": (
            6,
            lambda: queries.figures_origin_matrix(
                user=viewer, operation=op, round_number=1, origin_level=3, destination_level=3
            ),
        ),
        "origins, live": (
            6,
            lambda: queries.figures_origin_matrix(
                user=analyst, operation=op, round_number=2, origin_level=3, destination_level=4
            ),
        ),
        "time series, published": (
            8,
            lambda: queries.figures_time_series(user=viewer, operation=op, pcode=M4),
        ),
        "time series, published and live": (
            15,  # round 1 read twice: hidden cells for its own row, exact for round 2's change
            lambda: queries.figures_time_series(user=analyst, operation=op, pcode=M4),
        ),
    }


def _counted(world: World) -> dict[str, int]:
    counts = {}
    for name, (_expected, call) in _calls(world).items():
        with CaptureQueriesContext(connection) as captured:
            call()
        counts[name] = len(captured.captured_queries)
    return counts


def test_pinned_query_counts(world: World) -> None:
    assert _counted(world) == {name: n for name, (n, _call) in _calls(world).items()}


def test_query_counts_do_not_grow_with_rows(world: World) -> None:
    before = _counted(world)
    round_ = world.rounds[2]
    batch = SiteAssessment.objects.filter(round=round_).first()
    assert batch is not None
    barangays = AdminUnit.objects.filter(level=4).exclude(
        pk__in=BaselineAssessment.objects.filter(round=round_).values("location_id")
    )
    BaselineAssessment.objects.bulk_create(
        BaselineAssessment(
            round=round_,
            batch_id=batch.batch_id,
            submission_id=f"more-{unit.pcode}",
            location=unit,
            idp_hh=3,
            idp_ind=9,
            **where_from(BaselineAssessment, 0),
        )
        for unit in barangays
    )
    for i, unit in enumerate(barangays[:10]):
        site = Site.objects.create(
            operation=world.operation, site_id=f"X{i}", name=f"X{i}", site_type="planned_camp",
            admin_unit=unit,
        )  # fmt: skip
        SiteAssessment.objects.create(
            round=round_,
            batch_id=batch.batch_id,
            submission_id=f"x{i}",
            site=site,
            admin_unit=unit,
            hh=2,
            ind=7,
            **where_from(SiteAssessment, i),
        )
    assert BaselineAssessment.objects.filter(round=round_).count() == 16  # all barangays
    assert _counted(world) == before
