"""The published-figures snapshot: built at publication, equal to the live figures, replaced
atomically, and reproducible after the gazetteer changes."""

from __future__ import annotations

import pytest
from django.db.models import Count
from polars.testing import assert_frame_equal

from opendtm.accounts.models import AuditEvent
from opendtm.core.errors import Conflict, PermissionDenied
from opendtm.figures import snapshot as snapshot_module
from opendtm.figures import sources
from opendtm.figures.models import (
    FigureRow,
    FigureSnapshot,
    OriginFigureRow,
    SiteFigureRow,
    SnapshotUnit,
)
from opendtm.figures.queries import (
    figures_by_admin,
    figures_by_site,
    figures_headline,
    figures_origin_matrix,
)
from opendtm.figures.services import figures_snapshot_build
from opendtm.figures.sources import LiveFigures, SnapshotFigures
from opendtm.gazetteer.models import AdminUnit
from opendtm.ingest.models import ImportBatch
from tests.figures.conftest import B3, B4, B5, M1, M2, M4, P2, World

pytestmark = pytest.mark.django_db


def _state(round_id: int) -> tuple[int, list[tuple[int, ...]], int, int, int]:
    snapshot = FigureSnapshot.objects.get(round_id=round_id)
    rows = list(
        FigureRow.objects.filter(round_id=round_id)
        .order_by("level", "pcode")
        .values_list("level", "unit_id", "idp_ind", "suppressed")
    )
    return (
        snapshot.pk,
        rows,
        SiteFigureRow.objects.filter(round_id=round_id).count(),
        OriginFigureRow.objects.filter(round_id=round_id).count(),
        SnapshotUnit.objects.filter(snapshot=snapshot).count(),
    )


def test_publishing_builds_the_snapshot_with_its_provenance(world: World) -> None:
    round_ = world.rounds[1]
    snapshot = FigureSnapshot.objects.get(round=round_)
    assert snapshot.batch_ids == sorted(
        ImportBatch.objects.filter(round=round_).values_list("id", flat=True)
    )
    assert (snapshot.threshold, snapshot.location_level, snapshot.origin_max_level) == (5, 4, 4)
    assert (snapshot.baseline_rows, snapshot.site_rows, snapshot.origin_rows) == (5, 3, 5)
    assert snapshot.gazetteer_version_id == round_.gazetteer_version_id is not None
    assert snapshot.built_by == world.admin
    levels = dict(
        FigureRow.objects.filter(round=round_)
        .values_list("level")
        .annotate(n=Count("id"))
        .order_by()
    )
    assert levels == {0: 1, 1: 1, 2: 2, 3: 4, 4: 5}
    assert SiteFigureRow.objects.filter(round=round_).count() == 3
    event = AuditEvent.objects.get(action="figures.snapshot")
    assert event.actor == world.admin
    assert event.summary == (
        "built the figures of round 1 of typhoon (5 baseline, 3 site rows; threshold 5)"
    )
    assert not FigureSnapshot.objects.filter(round=world.rounds[2]).exists()


def test_the_snapshot_equals_the_live_figures(world: World) -> None:
    world.publish(2)
    for number in (1, 2):
        round_ = world.rounds[number]
        for exact in (False, True):
            stored = SnapshotFigures(FigureSnapshot.objects.get(round=round_), exact=exact)
            computed = LiveFigures(round_, world.operation, threshold=None if exact else 5)
            for level in range(5):
                a = stored.admin(level, None, None, 0)[0]
                b = computed.admin(level, None, None, 0)[0]
                assert_frame_equal(a, b.select(a.columns))
            a, b = stored.sites(None, None, 0)[0], computed.sites(None, None, 0)[0]
            assert_frame_equal(a, b.select(a.columns), check_dtypes=False)
            for origin in range(1, 5):
                for destination in range(5):
                    a = stored.origins(origin, destination, None, None, 0)[0]
                    b = computed.origins(origin, destination, None, None, 0)[0]
                    assert_frame_equal(a, b.select(a.columns))


def test_a_failed_rebuild_leaves_the_old_snapshot(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = _state(world.rounds[1].pk)
    events = AuditEvent.objects.count()
    real_insert = snapshot_module.rows_insert

    def failing_insert(model, names, rows):  # type: ignore[no-untyped-def]
        if model is OriginFigureRow:  # the old rows are deleted and most new ones written
            raise RuntimeError("disk full")
        real_insert(model, names, rows)

    monkeypatch.setattr(snapshot_module, "rows_insert", failing_insert)
    with pytest.raises(RuntimeError, match="disk full"):
        figures_snapshot_build(round=world.rounds[1], actor=world.admin)
    assert _state(world.rounds[1].pk) == before
    assert AuditEvent.objects.count() == events
    monkeypatch.setattr(snapshot_module, "rows_insert", real_insert)
    figures_snapshot_build(round=world.rounds[1], actor=world.admin)
    after = _state(world.rounds[1].pk)
    assert after[0] != before[0]  # a new snapshot ...
    assert after[1:] == before[1:]  # ... with the same figures
    assert AuditEvent.objects.count() == events + 1


def test_rebuild_is_refused_for_unpublished_rounds_and_non_managers(world: World) -> None:
    with pytest.raises(Conflict) as caught:
        figures_snapshot_build(round=world.rounds[2], actor=world.admin)
    assert str(caught.value).startswith("Round 2 of typhoon is open, not published")
    with pytest.raises(PermissionDenied):
        figures_snapshot_build(round=world.rounds[1], actor=world.analyst)
    assert not FigureSnapshot.objects.filter(round=world.rounds[2]).exists()
    assert FigureSnapshot.objects.count() == 1


def test_a_new_threshold_is_applied_live_until_the_rebuild(
    world: World, settings: pytest.FixtureRequest
) -> None:
    settings.OPENDTM_SUPPRESSION_THRESHOLD = 2  # type: ignore[attr-defined]
    answer = figures_by_admin(
        user=world.viewer, operation=world.operation, round_number=1, level=4, parent_pcode=M2
    )
    assert answer.provenance.source == "live"
    assert answer.provenance.threshold == 2
    assert answer.rows.select("pcode", "idp_hh", "idp_ind").rows() == [(B3, None, 3)]
    figures_snapshot_build(round=world.rounds[1], actor=world.admin)
    rebuilt = figures_by_admin(
        user=world.viewer, operation=world.operation, round_number=1, level=4, parent_pcode=M2
    )
    assert rebuilt.provenance.source == "snapshot"
    assert rebuilt.rows.select("pcode", "idp_hh", "idp_ind").rows() == [(B3, None, 3)]


def test_published_figures_keep_the_gazetteer_they_were_built_on(world: World) -> None:
    AdminUnit.objects.filter(pcode=M1).update(name="Renamed later")
    published = figures_by_admin(
        user=world.viewer, operation=world.operation, round_number=1, level=3
    )
    assert published.rows.get_column("name").to_list()[:2] == [f"Adm3 {M1}", f"Adm3 {M2}"]
    live = figures_by_admin(user=world.analyst, operation=world.operation, round_number=2, level=3)
    assert live.rows.get_column("name").to_list()[0] == "Renamed later"


def test_publishing_the_next_round_compares_published_with_published(world: World) -> None:
    world.publish(2)
    headline = figures_headline(user=world.viewer, operation=world.operation, round_number=2)
    assert headline.provenance.source == "snapshot"
    assert headline.provenance.previous_round_number == 1
    assert (headline.figures["idp_ind"], headline.change["idp_ind"]) == (164, -114)


def test_drilling_down_the_snapshot_follows_its_own_parents(world: World) -> None:
    op, viewer = world.operation, world.viewer
    barangays = figures_by_admin(
        user=viewer, operation=op, round_number=1, level=4, parent_pcode=P2
    )
    assert barangays.provenance.source == "snapshot"
    assert barangays.rows.select("pcode", "idp_ind").rows() == [(B4, 120), (B5, 25)]
    assert barangays.total_rows == 2
    assert barangays.totals["idp_ind"] == 145
    one = figures_by_admin(user=viewer, operation=op, round_number=1, level=4, parent_pcode=B4)
    assert one.rows.get_column("pcode").to_list() == [B4]
    sites = figures_by_site(user=viewer, operation=op, round_number=1, parent_pcode=P2)
    assert sites.rows.get_column("site_code").to_list() == ["S2", "S3"]
    matrix = figures_origin_matrix(
        user=world.analyst,
        operation=op,
        round_number=1,
        origin_level=4,
        destination_level=4,
        parent_pcode=P2,
        exact=True,
    )
    assert matrix.rows.select("destination_pcode", "origin_pcode", "origin_ind").rows() == [
        (B4, M4, 120),
        (B5, B4, 25),
    ]
    assert (matrix.coarser_rows, matrix.totals) == (1, {"origin_hh": 35, "origin_ind": 145})


def test_answers_too_big_to_list_their_ids_are_the_same(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    def answers() -> list[object]:
        op, viewer = world.operation, world.viewer
        return [
            figures_by_admin(user=viewer, operation=op, round_number=1, level=4).rows,
            figures_by_site(user=viewer, operation=op, round_number=1).rows,
            figures_origin_matrix(
                user=viewer, operation=op, round_number=1, origin_level=3, destination_level=4
            ).rows,
        ]

    listed = answers()
    monkeypatch.setattr(sources, "_ID_LIST", 1)  # read the labels by level instead
    for before, after in zip(listed, answers(), strict=True):
        assert_frame_equal(before, after)  # type: ignore[arg-type]
