"""A published round's needs figures come from what was stored when it was published, and
are the same rows as the live computation, suppressed or exact, at every level and within a
unit, with the change across rounds."""

from __future__ import annotations

from typing import Any

import polars as pl
import pytest

from opendtm.figures.services import figures_snapshot_build
from opendtm.mobility.models import SiteAssessment
from opendtm.needs.models import NeedsSnapshot, NeedsSnapshotPart
from opendtm.needs.queries import needs_by_admin, needs_priority
from opendtm.operations.models import Round
from opendtm.operations.services import round_publish, round_validate
from tests.factories import BaselineAssessmentFactory
from tests.needs.test_queries import Needs, needs  # noqa: F401 - the fixture

pytestmark = pytest.mark.django_db


def _published(needs: Needs, water: tuple[float, float]) -> Round:  # noqa: F811
    round_ = needs.round_with(water=water)
    BaselineAssessmentFactory(
        round=round_,
        location=needs.units["PH02001"],
        idp_hh=1,
        idp_ind=3,
        idp_hh_makeshift=1,
        priority_needs=["food"],
    )
    round_validate(round=round_, actor=needs.admin)
    round_publish(round=round_, actor=needs.admin)
    return round_


def _answers(needs: Needs, number: int) -> dict[str, pl.DataFrame]:  # noqa: F811
    """Every needs answer of round `number` a viewer and an analyst get."""
    out: dict[str, pl.DataFrame] = {}
    for who, user, exact in (("viewer", needs.viewer, False), ("analyst", needs.analyst, True)):
        for level, pcode in ((0, None), (1, None), (2, None), (2, "PH01"), (1, "PH01001")):
            key = f"{who} {level} {pcode}"
            asked = {"user": user, "operation": needs.operation, "round_number": number}
            asked |= {"level": level, "parent_pcode": pcode, "exact": exact}
            out[f"area {key}"] = needs_by_admin(**asked).rows
            out[f"priority {key}"] = needs_priority(**asked)
    return out


def test_publishing_stores_every_level(needs: Needs) -> None:  # noqa: F811
    round_ = _published(needs, water=(2.0, 16.0))
    snapshot = NeedsSnapshot.objects.get(round=round_)
    assert snapshot.rules_version == "sphere-2018-v2"
    parts = NeedsSnapshotPart.objects.filter(snapshot=snapshot).order_by("kind", "level")
    # level 0: one unit, 7 sectors and intersectoral; level 1: PH01 (8 rows) and PH02 (the
    # location of 3 IDPs: no cccm, 7 rows); level 2: PH01001 (sites: 8), PH01002 (7), PH02001
    assert snapshot.threshold == 5
    exact = [(p.kind, p.level, p.rows) for p in parts if p.kind in ("area", "priority")]
    assert exact == [
        ("area", 0, 8),
        ("area", 1, 15),
        ("area", 2, 22),
        ("priority", 0, 2),
        ("priority", 1, 3),
        ("priority", 2, 3),
    ]
    # and each as published, row for row
    published = {(p.kind, p.level): p.rows for p in parts}
    assert [published["area_pub", n] for n in (0, 1, 2)] == [8, 15, 22]
    assert [published["prio_pub", n] for n in (0, 1, 2)] == [2, 3, 3]


def test_published_figures_are_the_live_ones(needs: Needs) -> None:  # noqa: F811
    _published(needs, water=(2.0, 16.0))
    _published(needs, water=(16.0, 16.0))  # round 2: its change is against round 1
    stored = {n: _answers(needs, n) for n in (1, 2)}
    assert stored[2]["area viewer 1 None"]["severity_previous"].to_list()[:3] == [1, 3, 3]
    NeedsSnapshot.objects.all().delete()
    for number in (1, 2):
        live = _answers(needs, number)
        assert live.keys() == stored[number].keys()
        for key, frame in live.items():
            assert frame.equals(stored[number][key]), (number, key)
            assert frame.schema == stored[number][key].schema, (number, key)


def test_a_published_round_answers_from_what_was_stored(needs: Needs) -> None:  # noqa: F811
    round_ = _published(needs, water=(2.0, 16.0))

    def wash_pin() -> int:
        rows = needs_by_admin(user=needs.viewer, operation=needs.operation, level=1).rows
        wash = rows.filter((pl.col("pcode") == "PH01") & (pl.col("sector") == "wash"))
        return int(wash["pin_ind"][0])

    assert wash_pin() == 100  # site A: water 2 litres
    # the stored assessment changes under the published round (no service does this): the
    # answer is still the one built at publishing, until the figures are rebuilt
    SiteAssessment.objects.filter(round=round_, site__site_id="A1").update(water_lpd=16.0)
    assert wash_pin() == 100
    figures_snapshot_build(round=round_, actor=needs.admin)
    assert wash_pin() == 0


def test_another_threshold_reads_the_exact_rows_and_suppresses_them(
    needs: Needs,  # noqa: F811
    settings: Any,
) -> None:
    _published(needs, water=(2.0, 16.0))
    settings.OPENDTM_SUPPRESSION_THRESHOLD = 200  # the stored published rows used 5
    rows = needs_by_admin(user=needs.viewer, operation=needs.operation, level=1)
    assert rows.threshold == 200
    across = rows.rows.filter((pl.col("pcode") == "PH01") & (pl.col("sector") == "intersectoral"))
    assert across["pin_ind"].to_list() == [None]  # 156 people in need: below 200
    stored = _answers(needs, 1)
    NeedsSnapshot.objects.all().delete()
    for key, frame in _answers(needs, 1).items():
        assert frame.equals(stored[key]), key


def test_a_unit_of_a_large_level_is_read_live(needs: Needs, monkeypatch: Any) -> None:  # noqa: F811
    from opendtm.needs import snapshot

    round_ = _published(needs, water=(2.0, 16.0))
    stored = _answers(needs, 1)
    monkeypatch.setattr(snapshot, "WITHIN_MAX_ROWS", 10)  # level 2 has 22 rows
    SiteAssessment.objects.filter(round=round_, site__site_id="A1").update(water_lpd=16.0)
    within = needs_by_admin(
        user=needs.analyst, operation=needs.operation, level=2, parent_pcode="PH01", exact=True
    ).rows
    # read live: the changed assessment shows (the whole level is still the stored one)
    wash = within.filter((pl.col("pcode") == "PH01001") & (pl.col("sector") == "wash"))
    assert wash["pin_ind"].to_list() == [0]
    assert stored["area analyst 2 PH01"].filter(
        (pl.col("pcode") == "PH01001") & (pl.col("sector") == "wash")
    )["pin_ind"].to_list() == [100]
    whole = needs_by_admin(user=needs.analyst, operation=needs.operation, level=2, exact=True)
    assert whole.rows.equals(stored["area analyst 2 None"])
