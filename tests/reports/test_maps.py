"""The PDF's map is SVG from the dashboard's own layers: the barangays' outlines shaded as the
dashboard shades them (tests/web/test_pages.py), the sites as circles, hidden values grey."""

from __future__ import annotations

import re

import shapely

from opendtm.gazetteer.models import AdminBoundary
from opendtm.reports.documents import round_context, site_context
from opendtm.reports.queries import round_report, site_profile
from tests.figures.conftest import World


def _outlines(world: World) -> None:
    for i, unit in enumerate(u for u in world.units.values() if u.level == 4):
        box = shapely.box(120 + i, 10, 121 + i, 11)
        AdminBoundary.objects.create(
            unit=unit,
            wkb=box.wkb,
            display_wkb=box.wkb,
            min_x=120 + i,
            min_y=10,
            max_x=121 + i,
            max_y=11,
        )


def test_round_map_shades_the_outlines_like_the_dashboard(world: World) -> None:
    _outlines(world)
    report = round_report(user=world.viewer, operation=world.operation, round_number=1)
    context = round_context(report)
    svg = context["map"]
    assert svg.startswith('<svg xmlns="http://www.w3.org/2000/svg"')
    assert 'aria-label="Map of displacement"' in svg
    fills = re.findall(r'<path d="M[^"]+" fill="(#[0-9a-f]{6})"', svg)
    assert fills == ["#d9d9d9", "#d9d9d9", "#d9d9d9", "#bdd7e7", "#eff3ff"]
    assert [k["upto"] for k in context["areas"]["legend"]] == [25, 120]
    # S1 (30 people) and S2 have coordinates; S2's 50 is hidden in round 1: a grey dot.
    circles = re.findall(r'<circle [^>]*r="([0-9.]+)" fill="(#[0-9a-f]{6})"', svg)
    assert circles == [("22.0", "#c55a11"), ("2.5", "#d9d9d9")]


def test_site_map_draws_the_site_in_its_unit(world: World) -> None:
    profile = site_profile(user=world.viewer, operation=world.operation, site_id="S1")
    assert site_context(profile)["map"] is None  # no outline anywhere above it yet
    _outlines(world)
    svg = site_context(profile)["map"]
    assert svg.count("<path ") == 1 and svg.count("<circle ") == 1
    assert 'aria-label="Location of Site S1"' in svg
