"""The query layer against totals computed by hand from fixtures/*.csv (see conftest.py)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser

from opendtm.core.errors import InvalidInput, NotFound, PermissionDenied
from opendtm.figures.queries import (
    figures_by_admin,
    figures_by_site,
    figures_default_round,
    figures_headline,
    figures_origin_matrix,
    figures_time_series,
)
from opendtm.mobility.models import IDP_SEX_AGE_FIELDS
from tests.figures.conftest import B1, B2, B3, B4, B5, B6, M1, M2, M3, M4, P1, P2, World

pytestmark = pytest.mark.django_db

# Round 1, whole operation, by hand from fixtures/*.csv.
ROUND_1 = {
    "locations": 5,  # B1..B5
    "locations_flagged": 1,  # B2
    "locations_over_baseline": 0,  # each location's sites hold fewer than its IDPs
    "idp_hh": 66,  # 10 + 20 + 1 + 30 + 5
    "idp_ind": 278,  # 40 + 90 + 3 + 120 + 25
    "returnee_idp_hh": 0,
    "returnee_idp_ind": 0,
    "returnee_abroad_ind": 0,
    "sites": 3,
    "sites_open": 3,
    "sites_closing": 0,
    "sites_closed": 0,
    "sites_flagged": 0,
    "site_hh": 22,  # 8 + 12 + 2
    "site_ind": 84,  # 30 + 50 + 4
    "sadd_sites": 2,  # S3 gave no sex and age
    "sadd_ind": 80,  # 30 + 50
    "ind_f_lt1": 3,  # 1 + 2
    "ind_f_1_5": 10,  # 4 + 6
    "ind_f_6_17": 16,  # 6 + 10
    "ind_f_18_59": 13,  # 5 + 8
    "ind_f_60p": 4,  # 1 + 3
    "ind_m_lt1": 3,  # 1 + 2
    "ind_m_1_5": 8,  # 3 + 5
    "ind_m_6_17": 12,  # 5 + 7
    "ind_m_18_59": 8,  # 3 + 5
    "ind_m_60p": 3,  # 1 + 2
    # No baseline of the world gives the IDPs' sex and age: nothing known, nothing carried.
    "idp_sadd_locations": 0,
    **dict.fromkeys(IDP_SEX_AGE_FIELDS),
}
# Round 2: returns, S1 closed, S3 closing, B6 newly assessed.
ROUND_2 = {
    "locations": 6,
    "locations_flagged": 1,  # B4
    "locations_over_baseline": 1,  # B5: 11 people in S3, no IDPs in its baseline
    "idp_hh": 40,  # 6 + 15 + 1 + 10 + 0 + 8
    "idp_ind": 164,  # 24 + 60 + 3 + 45 + 0 + 32
    "returnee_idp_hh": 34,  # 4 + 5 + 20 + 5
    "returnee_idp_ind": 146,  # 16 + 30 + 75 + 25
    "returnee_abroad_ind": 9,  # 2 + 7
    "sites": 3,
    "sites_open": 1,  # S2
    "sites_closing": 1,  # S3
    "sites_closed": 1,  # S1
    "sites_flagged": 0,
    "site_hh": 12,  # 0 + 9 + 3
    "site_ind": 51,  # 0 + 40 + 11
    "sadd_sites": 3,
    "sadd_ind": 51,
    "ind_f_lt1": 2,  # 0 + 2 + 0
    "ind_f_1_5": 6,  # 0 + 5 + 1
    "ind_f_6_17": 11,  # 0 + 8 + 3
    "ind_f_18_59": 8,  # 0 + 6 + 2
    "ind_f_60p": 2,
    "ind_m_lt1": 1,
    "ind_m_1_5": 5,  # 4 + 1
    "ind_m_6_17": 8,  # 6 + 2
    "ind_m_18_59": 6,  # 4 + 2
    "ind_m_60p": 2,
    # B5 has no IDPs (its breakdown is known: none); the others gave none: nothing carried.
    "idp_sadd_locations": 1,
    **dict.fromkeys(IDP_SEX_AGE_FIELDS),
}


def _rows(answer: Any, *columns: str) -> list[tuple[Any, ...]]:
    return list(answer.rows.select(columns).iter_rows())


def test_headline_of_a_published_round_exact_for_an_analyst(world: World) -> None:
    headline = figures_headline(
        user=world.analyst, operation=world.operation, round_number=1, exact=True
    )
    assert headline.figures == ROUND_1
    assert headline.previous is None
    assert set(headline.change.values()) == {None}
    provenance = headline.provenance
    assert (provenance.round_number, provenance.round_status, provenance.source) == (
        1,
        "published",
        "snapshot",
    )
    assert provenance.threshold is None
    assert provenance.gazetteer_version == "PHL test"
    assert len(provenance.batch_ids) == 2


def test_headline_of_an_unpublished_round_is_live_with_change(world: World) -> None:
    headline = figures_headline(user=world.analyst, operation=world.operation, round_number=None)
    assert headline.figures == ROUND_2
    assert headline.previous == ROUND_1
    assert headline.provenance.source == "live"
    assert headline.provenance.previous_round_number == 1
    assert headline.change["idp_ind"] == -114  # 164 - 278
    assert headline.change_pct["idp_ind"] == -41.0  # -114 / 278
    assert headline.change["idp_hh"] == -26
    assert headline.change_pct["idp_hh"] == -39.4  # -26 / 66
    assert headline.change["returnee_idp_ind"] == 146
    assert headline.change_pct["returnee_idp_ind"] is None  # previous value 0
    assert headline.change["sites_closed"] == 1
    assert headline.change_pct["site_ind"] == -39.3  # (51 - 84) / 84


def test_by_admin_municipalities_with_change(world: World) -> None:
    answer = figures_by_admin(
        user=world.analyst, operation=world.operation, round_number=2, level=3
    )
    assert answer.total_rows == 4
    assert _rows(
        answer,
        "pcode",
        "locations",
        "idp_hh",
        "idp_ind",
        "returnee_idp_ind",
        "returnee_abroad_ind",
        "sites",
        "sites_closed",
        "site_ind",
    ) == [
        (M1, 2, 21, 84, 46, 2, 1, 1, 0),
        (M2, 1, 1, 3, 0, 0, 0, 0, 0),
        (M3, 1, 10, 45, 75, 7, 1, 0, 40),
        (M4, 2, 8, 32, 25, 0, 1, 0, 11),
    ]
    assert _rows(answer, "idp_ind_previous", "idp_ind_change", "idp_ind_change_pct") == [
        (130, -46, -35.4),
        (3, 0, 0.0),
        (120, -75, -62.5),
        (25, 7, 28.0),
    ]
    assert _rows(answer, "idp_hh_previous", "idp_hh_change", "idp_hh_change_pct") == [
        (30, -9, -30.0),
        (1, 0, 0.0),
        (30, -20, -66.7),
        (5, 3, 60.0),
    ]
    assert answer.totals == ROUND_2
    assert answer.hidden_cells == 0
    assert _rows(answer, "adm1_pcode", "adm2_pcode", "adm3_pcode", "adm4_pcode")[0] == (
        "PH01",
        P1,
        M1,
        None,
    )


def test_by_admin_under_a_province_new_and_emptied_locations(world: World) -> None:
    answer = figures_by_admin(
        user=world.analyst, operation=world.operation, round_number=2, level=4, parent_pcode=P2
    )
    assert answer.within == P2
    assert _rows(answer, "pcode", "idp_ind", "idp_ind_previous", "idp_ind_change_pct") == [
        (B4, 45, 120, -62.5),
        (B5, 0, 25, -100.0),
        (B6, 32, 0, None),  # not assessed in round 1: previous 0, no %
    ]
    assert answer.totals["idp_ind"] == 77  # P2: 45 + 0 + 32
    assert answer.totals["site_ind"] == 51  # 40 + 11 (S2, S3)


def test_by_admin_levels_add_up(world: World) -> None:
    for level, pcodes in ((0, ["PH"]), (1, ["PH01"]), (2, [P1, P2])):
        answer = figures_by_admin(
            user=world.analyst, operation=world.operation, round_number=1, level=level, exact=True
        )
        assert answer.rows.get_column("pcode").to_list() == pcodes
        assert answer.rows.get_column("idp_ind").sum() == 278
    provinces = figures_by_admin(
        user=world.analyst, operation=world.operation, round_number=1, level=2, exact=True
    )
    assert _rows(provinces, "idp_hh", "idp_ind", "site_ind", "sadd_ind") == [
        (31, 133, 30, 30),  # P1: B1 + B2 + B3; S1
        (35, 145, 54, 50),  # P2: B4 + B5; S2 + S3 (S3 has no sex and age)
    ]


def test_by_admin_pages_do_not_overlap(world: World) -> None:
    pages = [
        figures_by_admin(
            user=world.analyst,
            operation=world.operation,
            round_number=2,
            level=4,
            limit=2,
            offset=offset,
        )
        for offset in (0, 2, 4, 6)
    ]
    assert [p.rows.get_column("pcode").to_list() for p in pages] == [
        [B1, B2],
        [B3, B4],
        [B5, B6],
        [],
    ]
    assert {p.total_rows for p in pages} == {6}
    assert pages[1].rows.get_column("idp_ind_previous").to_list() == [3, 120]


def test_by_site_status_sex_age_and_change(world: World) -> None:
    answer = figures_by_site(user=world.analyst, operation=world.operation, round_number=2)
    assert _rows(
        answer, "site_code", "site_status", "pcode", "hh", "ind", "ind_previous", "ind_change"
    ) == [
        ("S1", "closed", B1, 0, 0, 30, -30),
        ("S2", "open", B4, 9, 40, 50, -10),
        ("S3", "closing", B5, 3, 11, 4, 7),
    ]
    assert _rows(answer, "sadd", "ind_f_6_17", "ind_m_6_17") == [
        (True, 0, 0),
        (True, 8, 6),
        (True, 3, 2),
    ]
    assert _rows(answer, "site_latitude", "site_longitude")[:2] == [(11.3, 121.3), (12.3, 122.3)]
    assert answer.totals["ind"] == 51
    assert answer.totals["ind_f_6_17"] == 11


def test_by_site_round_one_without_sex_and_age_at_s3(world: World) -> None:
    answer = figures_by_site(
        user=world.analyst, operation=world.operation, round_number=1, parent_pcode=M4, exact=True
    )
    assert _rows(answer, "site_code", "sadd", "ind", "ind_f_lt1", "ind_change") == [
        ("S3", False, 4, 0, None)  # no previous round: no change
    ]
    assert answer.totals["ind"] == 4


def test_origin_matrix_municipalities(world: World) -> None:
    matrix = figures_origin_matrix(
        user=world.analyst,
        operation=world.operation,
        round_number=1,
        origin_level=3,
        destination_level=3,
        exact=True,
    )
    assert _rows(
        matrix,
        "destination_pcode",
        "origin_pcode",
        "origin_level",
        "locations",
        "origin_hh",
        "origin_ind",
    ) == [
        (M1, M1, 3, 1, 4, 15),  # B1's IDPs from B2, rolled up to M1
        (M1, M2, 3, 1, 6, 25),
        (M1, P2, 2, 1, 20, 90),  # reported at province level: stays there
        (M3, M4, 3, 1, 30, 120),
        (M4, M3, 3, 1, 5, 25),  # B5's IDPs from B4, rolled up to M3
    ]
    assert matrix.coarser_rows == 1
    assert matrix.totals == {"origin_hh": 65, "origin_ind": 275}


def test_origin_matrix_provinces_and_finest(world: World) -> None:
    provinces = figures_origin_matrix(
        user=world.analyst,
        operation=world.operation,
        round_number=1,
        origin_level=2,
        destination_level=2,
        exact=True,
    )
    assert _rows(provinces, "destination_pcode", "origin_pcode", "locations", "origin_ind") == [
        (P1, P1, 1, 40),
        (P1, P2, 1, 90),
        (P2, P2, 2, 145),
    ]
    assert provinces.coarser_rows == 0
    finest = figures_origin_matrix(
        user=world.analyst,
        operation=world.operation,
        round_number=1,
        origin_level=4,
        destination_level=4,
        exact=True,
    )
    assert finest.total_rows == 5
    assert finest.coarser_rows == 3  # M2, P2 and M4 were reported coarser than barangays
    unpublished = figures_origin_matrix(
        user=world.analyst,
        operation=world.operation,
        round_number=2,
        origin_level=3,
        destination_level=2,
        parent_pcode=P2,
    )
    assert _rows(unpublished, "destination_pcode", "origin_pcode", "origin_ind") == [
        (P2, M1, 32),
        (P2, M4, 45),
    ]


def test_time_series_across_the_rounds_each_user_may_see(world: World) -> None:
    series = figures_time_series(user=world.analyst, operation=world.operation, pcode=M4)
    assert series.unit["pcode"] == M4
    assert (series.unit["adm2_pcode"], series.unit["latitude"]) == (P2, 12.75)
    assert _rows(
        series,
        "round_number",
        "round_status",
        "source",
        "locations",
        "idp_hh",
        "idp_ind",
        "idp_ind_change",
        "idp_ind_change_pct",
        "returnee_idp_ind",
        "sites_closing",
    ) == [
        (1, "published", "snapshot", 1, 5, 25, None, None, 0, 0),
        (2, "open", "live", 2, 8, 32, 7, 28.0, 25, 1),
    ]
    assert [p.round_number for p in series.provenance] == [1, 2]
    public = figures_time_series(user=world.viewer, operation=world.operation, pcode=M4)
    assert _rows(public, "round_number", "idp_ind", "site_ind") == [(1, 25, None)]  # 4 hidden


def test_time_series_of_a_unit_never_assessed_is_zero(world: World) -> None:
    series = figures_time_series(
        user=world.analyst, operation=world.operation, pcode="PH02", exact=True
    )
    assert _rows(series, "round_number", "locations", "idp_ind", "idp_ind_change") == [
        (1, 0, 0, None),
        (2, 0, 0, 0),
    ]


def test_default_round_and_visibility(world: World) -> None:
    assert figures_default_round(user=world.viewer, operation=world.operation).number == 1
    assert figures_default_round(user=world.analyst, operation=world.operation).number == 2
    with pytest.raises(NotFound) as caught:
        figures_headline(user=world.viewer, operation=world.operation, round_number=2)
    assert str(caught.value) == "Operation typhoon has no round 2 you may see. Its rounds: 1."
    with pytest.raises(PermissionDenied) as denied:
        figures_headline(user=world.viewer, operation=world.operation, round_number=1, exact=True)
    assert "for analysts" in str(denied.value)
    with pytest.raises(NotFound):
        figures_by_admin(user=AnonymousUser(), operation=world.operation, round_number=1, level=0)


def test_bad_levels_and_codes(world: World) -> None:
    op = world.operation
    with pytest.raises(InvalidInput) as caught:
        figures_by_admin(user=world.admin, operation=op, round_number=1, level=5)
    assert str(caught.value) == "Level 5 is not an admin level (0-4)."
    with pytest.raises(InvalidInput) as finer:
        figures_by_admin(user=world.admin, operation=op, round_number=1, level=2, parent_pcode=M1)
    assert str(finer.value).startswith(f"{M1} is an admin level 3 unit: it holds no units")
    with pytest.raises(NotFound):
        figures_by_admin(user=world.admin, operation=op, round_number=1, level=2, parent_pcode="X")
    with pytest.raises(InvalidInput):
        figures_origin_matrix(
            user=world.admin, operation=op, round_number=1, origin_level=0, destination_level=1
        )
    with pytest.raises(InvalidInput):
        figures_by_admin(user=world.admin, operation=op, round_number=1, level=1, limit=-1)


def test_coarser_operation_refuses_finer_levels(world: World) -> None:
    world.operation.location_level = 3
    with pytest.raises(InvalidInput) as caught:
        figures_by_admin(user=world.admin, operation=world.operation, round_number=1, level=4)
    assert str(caught.value).startswith(
        "Level 4 is finer than the locations of operation typhoon (admin level 3)."
    )


def test_b3_and_b6_sit_where_the_fixture_says(world: World) -> None:
    assert world.units[B3].parent_id == world.units[M2].pk
    assert world.units[B6].parent_id == world.units[M4].pk
    assert world.units[B2].parent_id == world.units[B1].parent_id
    assert world.units[B5].parent_id == world.units[M4].pk


def test_time_series_in_a_date_range_keeps_the_change_against_the_round_before(
    world: World,
) -> None:
    first, second = world.rounds[1].start_date, world.rounds[2].start_date
    later = figures_time_series(
        user=world.analyst, operation=world.operation, pcode=M4, date_from=first + dt.timedelta(1)
    )
    assert _rows(later, "round_number", "idp_ind", "idp_ind_change") == [(2, 32, 7)]
    assert [p.round_number for p in later.provenance] == [2]
    both = figures_time_series(
        user=world.analyst, operation=world.operation, pcode=M4, date_from=first, date_to=second
    )
    assert _rows(both, "round_number") == [(1,), (2,)]
    none = figures_time_series(
        user=world.analyst, operation=world.operation, pcode=M4, date_to=first - dt.timedelta(1)
    )
    assert (none.rows.height, none.provenance) == (0, ())


@pytest.mark.parametrize(
    ("pcode", "dates", "message"),
    [
        ("", {}, "A time series needs the P-code of an admin unit."),
        (
            M4,
            {"date_from": dt.date(2026, 12, 2), "date_to": dt.date(2026, 12, 1)},
            "date_from 2026-12-02 is after date_to 2026-12-01.",
        ),
    ],
)
def test_time_series_refuses_what_it_cannot_answer(
    world: World, pcode: str, dates: dict[str, dt.date], message: str
) -> None:
    with pytest.raises(InvalidInput) as caught:
        figures_time_series(user=world.analyst, operation=world.operation, pcode=pcode, **dates)
    assert str(caught.value).startswith(message)


def test_locations_whose_sites_exceed_their_baseline_are_flagged(world: World) -> None:
    """Round 2: S3 holds 11 people in B5, whose baseline reports no IDPs."""
    from opendtm.figures.snapshot import figures_compute

    locations = figures_by_admin(
        user=world.analyst, operation=world.operation, round_number=2, level=4, parent_pcode=P2
    )
    assert _rows(locations, "pcode", "idp_ind", "site_ind", "locations_over_baseline") == [
        (B4, 45, 40, 0),
        (B5, 0, 11, 1),
        (B6, 32, 0, 0),
    ]
    towns = figures_by_admin(user=world.analyst, operation=world.operation, round_number=2, level=3)
    assert _rows(towns, "pcode", "locations_over_baseline") == [(M1, 0), (M2, 0), (M3, 0), (M4, 1)]
    series = figures_time_series(user=world.analyst, operation=world.operation, pcode=M4)
    assert _rows(series, "round_number", "locations_over_baseline") == [(1, 0), (2, 1)]
    # The snapshot rolls the flag up like every count: the same figure at every level.
    computed = figures_compute(round_=world.rounds[2], operation=world.operation, threshold=5)
    assert {
        level: computed.admin[level].get_column("locations_over_baseline").to_list()
        for level in (0, 2, 4)
    } == {0: [1], 2: [0, 1], 4: [0, 0, 0, 0, 1, 0]}
