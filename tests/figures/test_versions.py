"""Figures of a round compared with one published on an older gazetteer version.

The world of tests/ingest/test_gazetteer_versions.py: round 1 published on v1; v2 loaded with a
rename (Abra), a recode (Bolo PH01002 -> PH01005), a split (Cato PH01003 -> PH01006, PH01007),
a merge (Dumo PH01004 + Eras PH01009 -> PH01010) and a retirement (Fama PH01011); round 2
imported with old and new codes. Its change since round 1 goes through the crosswalk.
"""

from __future__ import annotations

from typing import Any

import pytest

from opendtm.figures.exports import export_frame
from opendtm.figures.queries import figures_by_admin, figures_headline, figures_time_series
from opendtm.gazetteer.queries import version_get
from opendtm.operations.services import operation_gazetteer_adopt
from tests.factories import RoundFactory
from tests.ingest.test_gazetteer_versions import (
    VersionsWorld,
    location_row,
    round_2_rows,
    v2_load,
    versions_world,
)

pytestmark = pytest.mark.django_db

COLUMNS = ("pcode", "name", "idp_ind", "idp_ind_previous", "idp_ind_change", "idp_ind_change_pct",
           "change_note")  # fmt: skip
LEVEL_2 = [
    ("PH01001", "Abra del Norte", 110, 100, 10, 10.0, "renamed from Abra"),
    ("PH01005", "Bolo", 250, 200, 50, 25.0, "recoded from PH01002"),
    ("PH01006", "Cato North", 120, None, None, None, "split from PH01003"),
    ("PH01007", "Cato South", 130, None, None, None, "split from PH01003"),
    ("PH01010", "Dumo-Eras", 70, None, None, None, "merged from PH01004, PH01009"),
]
CHANGES = [
    ("recoded", "PH01002", "Bolo", "PH01005", "recoded to PH01005", 40, 200),
    ("split", "PH01003", "Cato", "PH01006, PH01007", "split into PH01006, PH01007", 60, 300),
    ("merged", "PH01004", "Dumo", "PH01010", "merged into PH01010", 8, 40),
    ("merged", "PH01009", "Eras", "PH01010", "merged into PH01010", 12, 60),
    ("retired", "PH01011", "Fama", None, "retired in v2 with no successor", 10, 50),
]


def _round_2(world: VersionsWorld) -> None:
    v2_load(world)
    world.rounds[2] = RoundFactory(operation=world.operation)
    rows, origins = round_2_rows()
    assert world.import_(2, rows, repeats={"origins": origins}).rows_accepted == 5


def _admin(world: VersionsWorld, number: int, level: int, **kw: Any) -> Any:
    return figures_by_admin(
        user=world.admin,
        operation=world.operation,
        round_number=number,
        level=level,
        exact=True,
        **kw,
    )


def _rows(answer: Any) -> list[tuple[Any, ...]]:
    return list(answer.rows.select(COLUMNS).iter_rows())


def test_change_across_versions_follows_the_crosswalk_live_and_published() -> None:
    world = versions_world()
    _round_2(world)
    live = _admin(world, 2, 2)
    assert live.provenance.source == "live"
    assert _rows(live) == LEVEL_2
    assert list(live.gazetteer_changes.iter_rows()) == CHANGES
    # The region is the same unit in both versions: its change is the real one.
    assert _rows(_admin(world, 2, 1)) == [("PH01", "Region One", 680, 750, -70, -9.3, None)]
    headline = figures_headline(
        user=world.admin, operation=world.operation, round_number=2, exact=True
    )
    assert (headline.figures["idp_ind"], headline.previous["idp_ind"]) == (680, 750)
    assert headline.change["idp_ind"] == -70
    # Published once the operation is on v2: the round carries the version its rows are on.
    operation_gazetteer_adopt(
        operation=world.operation,
        version=version_get(country_iso3="PHL", label="v2"),
        actor=world.admin,
        reason="COD-AB v2 loaded",
    )
    world.publish(2)
    published = _admin(world, 2, 2)
    assert (published.provenance.source, published.provenance.gazetteer_version) == (
        "snapshot",
        "PHL v2",
    )
    assert _rows(published) == LEVEL_2
    assert list(published.gazetteer_changes.iter_rows()) == CHANGES
    # Exports carry the note: a partner's table says why a place has no change.
    exported = export_frame(published)
    notes = dict(exported.select("adm2_pcode", "change_note").iter_rows())
    assert notes["PH01005"] == "recoded from PH01002"
    assert notes["PH01006"] == "split from PH01003"


def test_the_older_round_keeps_its_own_codes_and_under_a_unit_only_its_changes() -> None:
    world = versions_world()
    _round_2(world)
    first = _admin(world, 1, 2)
    assert first.provenance.gazetteer_version == "PHL v1"
    assert list(first.rows.select("pcode", "name", "idp_ind", "change_note").iter_rows()) == [
        ("PH01001", "Abra", 100, None),
        ("PH01002", "Bolo", 200, None),
        ("PH01003", "Cato", 300, None),
        ("PH01004", "Dumo", 40, None),
        ("PH01009", "Eras", 60, None),
        ("PH01011", "Fama", 50, None),
    ]
    assert first.gazetteer_changes.is_empty()  # no round before it
    paged = _admin(world, 2, 2, parent_pcode="PH01", limit=2, offset=1)
    assert _rows(paged) == LEVEL_2[1:3]
    assert list(paged.gazetteer_changes.iter_rows()) == CHANGES


def test_rounds_on_the_same_version_have_no_note() -> None:
    world = versions_world()
    world.rounds[2] = RoundFactory(operation=world.operation)
    assert world.import_(2, [location_row(1, "PH01002", 220)]).rows_accepted == 1
    answer = _admin(world, 2, 2)
    assert _rows(answer) == [("PH01002", "Bolo", 220, 200, 20, 10.0, None)]
    assert answer.gazetteer_changes.is_empty()


# --- one unit across rounds on different versions -----------------------------------------

SERIES = ("round_number", "pcode", "idp_ind", "idp_ind_previous", "idp_ind_change",
          "idp_ind_change_pct", "change_note")  # fmt: skip


def _series(world: VersionsWorld, pcode: str) -> tuple[str, list[tuple[Any, ...]]]:
    answer = figures_time_series(
        user=world.admin, operation=world.operation, pcode=pcode, exact=True
    )
    return answer.unit["pcode"], list(answer.rows.select(SERIES).iter_rows())


BOLO = [
    (1, "PH01002", 200, None, None, None, "before v2: recoded from PH01002"),
    (2, "PH01005", 250, 200, 50, 25.0, "recoded from PH01002"),
]


@pytest.mark.parametrize("published", [False, True])
def test_time_series_follows_a_unit_through_the_crosswalk(published: bool) -> None:
    world = versions_world()
    _round_2(world)
    if published:
        operation_gazetteer_adopt(
            operation=world.operation,
            version=version_get(country_iso3="PHL", label="v2"),
            actor=world.admin,
            reason="COD-AB v2 loaded",
        )
        world.publish(2)
    # A recoded unit: its round on v1 under its old code, the change a real one.
    assert _series(world, "PH01005") == ("PH01005", BOLO)
    assert _series(world, "PH01002") == ("PH01005", BOLO)  # the old code names today's unit
    assert _series(world, "PH01001") == (
        "PH01001",
        [
            (1, "PH01001", 100, None, None, None, "before v2: renamed from Abra"),
            (2, "PH01001", 110, 100, 10, 10.0, "renamed from Abra"),
        ],
    )
    # Born of a split or a merge: no figure of its own before, never its predecessors' sum.
    assert _series(world, "PH01006") == (
        "PH01006",
        [
            (1, None, None, None, None, None, "before v2: split from PH01003"),
            (2, "PH01006", 120, None, None, None, "split from PH01003"),
        ],
    )
    assert _series(world, "PH01010") == (
        "PH01010",
        [
            (1, None, None, None, None, None, "before v2: merged from PH01004, PH01009"),
            (2, "PH01010", 70, None, None, None, "merged from PH01004, PH01009"),
        ],
    )
    # A unit split, merged or retired since: its own figures, then none, with what became of it.
    assert _series(world, "PH01003") == (
        "PH01003",
        [
            (1, "PH01003", 300, None, None, None, None),
            (2, None, None, 300, None, None, "split into PH01006, PH01007 in v2"),
        ],
    )
    assert _series(world, "PH01009")[1][1] == (
        2, None, None, 60, None, None, "merged into PH01010 in v2",
    )  # fmt: skip
    assert _series(world, "PH01011")[1][1] == (
        2, None, None, 50, None, None, "retired in v2 with no successor",
    )  # fmt: skip
    # The region is the same unit in both versions: no note.
    assert _series(world, "PH01") == (
        "PH01",
        [(1, "PH01", 750, None, None, None, None), (2, "PH01", 680, 750, -70, -9.3, None)],
    )


def test_time_series_on_one_version_has_no_note() -> None:
    world = versions_world()
    world.rounds[2] = RoundFactory(operation=world.operation)
    assert world.import_(2, [location_row(1, "PH01002", 220)]).rows_accepted == 1
    assert _series(world, "PH01002") == (
        "PH01002",
        [(1, "PH01002", 200, None, None, None, None), (2, "PH01002", 220, 200, 20, 10.0, None)],
    )
    assert _series(world, "PH01003")[1][1] == (2, "PH01003", 0, 300, -300, -100.0, None)
