"""Small-count suppression: what published outputs hide, and what analysts see exactly."""

from __future__ import annotations

from typing import Any

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from opendtm.figures.measures import ADMIN_NAMES, LABEL_COLUMNS, PEOPLE
from opendtm.figures.queries import (
    figures_by_admin,
    figures_by_site,
    figures_headline,
    figures_origin_matrix,
)
from opendtm.figures.suppression import (
    MASK,
    _complement,
    _h,
    _primary,
    admin_masks,
    is_hidden,
    masked,
)
from tests.figures.conftest import B1, B2, B3, B4, B5, M1, M2, M3, M4, P2, World

pytestmark = pytest.mark.django_db


def _column(answer: Any, *names: str) -> list[tuple[Any, ...]]:
    return list(answer.rows.select(names).iter_rows())


def test_a_cell_of_3_is_hidden_when_published_and_exact_for_an_analyst(world: World) -> None:
    op = world.operation
    live = figures_by_admin(
        user=world.analyst, operation=op, round_number=2, level=4, parent_pcode=M2
    )
    assert _column(live, "pcode", "idp_hh", "idp_ind", MASK) == [(B3, 1, 3, 0)]
    assert live.provenance.threshold is None
    world.publish(2)
    public = figures_by_admin(user=world.viewer, operation=op, round_number=2, level=4)
    b3 = public.rows.filter(pl.col("pcode") == B3).row(0, named=True)
    assert (b3["idp_hh"], b3["idp_ind"]) == (None, None)  # empty, never 0
    assert b3[MASK] & (1 << ADMIN_NAMES.index("idp_ind"))
    assert b3["idp_ind_change"] is None and b3["idp_ind_previous"] is None
    assert public.provenance.threshold == 5
    exact = figures_by_admin(
        user=world.analyst, operation=op, round_number=2, level=4, parent_pcode=M2, exact=True
    )
    assert _column(exact, "idp_ind", MASK) == [(3, 0)]


def test_published_barangays_hide_the_small_cell_and_its_complements(world: World) -> None:
    answer = figures_by_admin(user=world.viewer, operation=world.operation, round_number=1, level=4)
    # B3 (3) is hidden; its parent M2 (3) too, so M2's one sibling M1 is hidden as well
    # (else P1 - M1 = M2); M1 hidden needs a hidden child: B1, and then B2 with it.
    assert _column(answer, "pcode", "idp_hh", "idp_ind") == [
        (B1, None, None),
        (B2, None, None),
        (B3, None, None),
        (B4, 30, 120),
        (B5, 5, 25),
    ]
    municipalities = figures_by_admin(
        user=world.viewer, operation=world.operation, round_number=1, level=3
    )
    assert _column(municipalities, "pcode", "idp_ind", "site_ind") == [
        (M1, None, 30),
        (M2, None, 0),
        (M3, 120, None),  # the complement of M4's 4 people in sites (P2 - M4 = M3)
        (M4, 25, None),
    ]
    assert municipalities.totals["idp_ind"] == 278  # the true total, not a sum of the shown
    assert municipalities.hidden_cells == sum(
        bin(m).count("1") for m in municipalities.rows.get_column(MASK)
    )


def test_published_totals_hide_small_sex_age_groups(world: World) -> None:
    headline = figures_headline(user=world.viewer, operation=world.operation, round_number=1)
    assert headline.figures["idp_ind"] == 278
    assert headline.figures["ind_f_lt1"] is None  # 3
    assert headline.figures["ind_f_60p"] is None  # 4
    assert headline.figures["ind_f_1_5"] == 10
    assert headline.figures["sites"] == 3  # counts of sites are not about people
    assert headline.provenance.threshold == 5


def test_published_sites_and_origins(world: World) -> None:
    sites = figures_by_site(user=world.viewer, operation=world.operation, round_number=1)
    # S3 (2 households, 4 people) is hidden; S2 with it: M3's people in sites are hidden as
    # M4's complement, so B4's, so its only site's (else P2 - S2 = S3).
    assert _column(sites, "site_code", "hh", "ind") == [
        ("S1", 8, 30),
        ("S2", None, None),
        ("S3", None, None),
    ]
    matrix = figures_origin_matrix(
        user=world.viewer,
        operation=world.operation,
        round_number=1,
        origin_level=3,
        destination_level=3,
    )
    # In M1, 4 households from M1 are hidden, and with them the next smallest, 6 from M2.
    assert _column(matrix, "destination_pcode", "origin_pcode", "origin_hh", "origin_ind") == [
        (M1, M1, None, 15),
        (M1, M2, None, 25),
        (M1, P2, 20, 90),
        (M3, M4, 30, 120),
        (M4, M3, 5, 25),
    ]
    assert matrix.totals == {"origin_hh": 65, "origin_ind": 275}


def test_unpublished_rounds_are_exact_for_analysts(world: World) -> None:
    sites = figures_by_site(
        user=world.analyst, operation=world.operation, round_number=2, parent_pcode=P2
    )
    assert _column(sites, "site_code", "hh", "ind_f_lt1", MASK) == [
        ("S2", 9, 2, 0),
        ("S3", 3, 0, 0),
    ]


# --- the rules on frames made by hand ------------------------------------------------------


def _level(rows: list[tuple[str, str | None, int]], level: int) -> pl.DataFrame:
    """An admin frame: (pcode, parent pcode, idp_ind) rows; every other measure 0."""
    data: dict[str, Any] = {c: [None] * len(rows) for c in LABEL_COLUMNS}
    data |= {n: [0] * len(rows) for n in ADMIN_NAMES}
    data["unit_id"] = list(range(len(rows)))
    data["level"] = [level] * len(rows)
    data["pcode"] = [r[0] for r in rows]
    data["idp_ind"] = [r[2] for r in rows]
    if level >= 2:
        data[f"adm{level - 1}_pcode"] = [r[1] for r in rows]
    schema = {c: pl.Utf8 for c in LABEL_COLUMNS} | {n: pl.Int64 for n in ADMIN_NAMES}
    schema |= {"unit_id": pl.Int64, "level": pl.Int64, "latitude": pl.Float64}
    schema["longitude"] = pl.Float64
    return pl.DataFrame(data, schema=schema)


def _hidden(frame: pl.DataFrame) -> list[str]:
    return frame.filter(is_hidden(ADMIN_NAMES, "idp_ind")).get_column("pcode").to_list()


def test_rules_on_a_hand_made_tree() -> None:
    frames = {
        0: _level([("X", None, 140)], 0),
        1: _level([("A", None, 100), ("B", None, 40)], 1),
        2: _level([("A1", "A", 3), ("A2", "A", 60), ("A3", "A", 37), ("B1", "B", 40)], 2),
    }
    masks = admin_masks(frames, threshold=5)
    assert _hidden(masks[0]) == []
    assert _hidden(masks[1]) == []
    assert _hidden(masks[2]) == ["A1", "A3"]  # 3, and the smallest other cell of A
    shown = masked(masks[2], ADMIN_NAMES).get_column("idp_ind").to_list()
    assert shown == [None, 60, None, 40]
    assert "_h_idp_ind" not in masks[2].columns and "_parent" not in masks[2].columns


def test_a_hidden_parent_keeps_a_hidden_child() -> None:
    frames = {
        1: _level([("A", None, 2), ("B", None, 50)], 1),  # A hidden; B its complement
        2: _level([("A1", "A", 2), ("B1", "B", 30), ("B2", "B", 20)], 2),
    }
    masks = admin_masks(frames, threshold=5)
    assert _hidden(masks[1]) == ["A", "B"]
    assert _hidden(masks[2]) == ["A1", "B1", "B2"]  # B2 by rule 3, then B1 by rule 2


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 3), st.integers(0, 40)), min_size=1, max_size=25),
    st.integers(1, 10),
)
def test_no_group_ever_has_exactly_one_hidden_cell(
    cells: list[tuple[int, int]], threshold: int
) -> None:
    frame = pl.DataFrame(
        {"group": [g for g, _ in cells], "idp_ind": [v for _, v in cells]},
        schema={"group": pl.Int64, "idp_ind": pl.Int64},
    )
    done = _complement(_primary(frame, ["idp_ind"], threshold), ["idp_ind"], "group", [])
    hidden = done.get_column(_h("idp_ind"))
    values = done.get_column("idp_ind")
    for value, is_h in zip(values, hidden, strict=True):
        if 0 < value < threshold:
            assert is_h  # every small count is hidden
        if value == 0:
            assert not is_h  # 0 identifies nobody and is never hidden
    per_group = done.group_by("group").agg(
        pl.col(_h("idp_ind")).sum().alias("n"),
        (pl.col("idp_ind") > 0).sum().alias("positive"),
    )
    for n, positive in per_group.select("n", "positive").iter_rows():
        assert n != 1 or positive == 1  # one hidden cell only when it is the group's only one


def test_people_measures_are_the_suppressed_ones() -> None:
    assert "idp_ind" in PEOPLE and "ind_m_60p" in PEOPLE and "origin_hh" in PEOPLE
    assert "sites" not in PEOPLE and "locations" not in PEOPLE
