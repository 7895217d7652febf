"""The IDPs' sex and age by admin unit: carried only where every assessed location gave it
(or has no IDPs), with the count of those that did; the same live and in the snapshot."""

from __future__ import annotations

import pytest

from opendtm.figures import live
from opendtm.figures.measures import ADMIN_NAMES
from opendtm.figures.models import FigureRow
from opendtm.mobility.models import IDP_SEX_AGE_FIELDS, BaselineAssessment
from tests.figures.conftest import B1, B2, B4, B6, M1, M2, M3, M4, P1, P2, World

pytestmark = pytest.mark.django_db

# Round 2 (open): B1 24, B2 60, B3 3, B4 45, B5 0, B6 32 IDPs. B3 gives no breakdown.
GROUPS = {
    B1: (1, 2, 5, 4, 0, 1, 2, 4, 5, 0),
    B2: (0, 6, 9, 12, 3, 0, 5, 10, 12, 3),
    B4: (2, 4, 8, 6, 2, 1, 4, 8, 8, 2),
    B6: (0, 3, 6, 6, 1, 0, 3, 6, 6, 1),
}


def _give(world: World) -> None:
    for pcode, groups in GROUPS.items():
        BaselineAssessment.objects.filter(round=world.rounds[2], location__pcode=pcode).update(
            **dict(zip(IDP_SEX_AGE_FIELDS, groups, strict=True))
        )


def _rows(frame) -> list[tuple]:
    return list(frame.select("pcode", "locations", "idp_sadd_locations", "idp_ind",
                             *IDP_SEX_AGE_FIELDS).iter_rows())  # fmt: skip


M1_ROW = (M1, 2, 2, 84, 1, 8, 14, 16, 3, 1, 7, 14, 17, 3)
M2_ROW = (M2, 1, 0, 3, *[None] * 10)
M3_ROW = (M3, 1, 1, 45, 2, 4, 8, 6, 2, 1, 4, 8, 8, 2)
M4_ROW = (M4, 2, 2, 32, 0, 3, 6, 6, 1, 0, 3, 6, 6, 1)  # B5 has no IDPs: known, all zero


def test_units_carry_the_breakdown_only_where_every_location_gave_it(world: World) -> None:
    _give(world)
    args = {"round_": world.rounds[2], "operation": world.operation}
    assert _rows(live.admin_frame(**args, level=3)) == [M1_ROW, M2_ROW, M3_ROW, M4_ROW]
    assert _rows(live.admin_frame(**args, level=2)) == [
        (P1, 3, 2, 87, *[None] * 10),  # B3 gave none
        (P2, 3, 3, 77, 2, 7, 14, 12, 3, 1, 7, 14, 14, 3),
    ]
    country = live.admin_frame(**args, level=0)
    assert _rows(country) == [(country["pcode"][0], 6, 5, 164, *[None] * 10)]
    # Each carried breakdown adds up to the unit's IDPs.
    for row in (M1_ROW, M3_ROW, M4_ROW):
        assert sum(row[4:]) == row[3]


def test_the_snapshot_rolls_up_the_same_breakdown_and_suppresses_it(world: World) -> None:
    _give(world)
    world.publish(2)
    stored = FigureRow.objects.filter(round=world.rounds[2], level=3).order_by("pcode")
    fields = ["pcode", "locations", "idp_sadd_locations", "idp_ind", *IDP_SEX_AGE_FIELDS]
    assert list(stored.values_list(*fields)) == [M1_ROW, M2_ROW, M3_ROW, M4_ROW]
    p2 = FigureRow.objects.get(round=world.rounds[2], level=2, pcode=P2)
    assert [getattr(p2, n) for n in IDP_SEX_AGE_FIELDS] == [2, 7, 14, 12, 3, 1, 7, 14, 14, 3]
    # Threshold 5: M3's groups 2, 4, 2, 1, 4, 2 are hidden; its idp_ind (45) stays shown.
    m3 = FigureRow.objects.get(round=world.rounds[2], level=3, pcode=M3)
    hidden = [n for i, n in enumerate(ADMIN_NAMES) if m3.suppressed >> i & 1]
    assert "idp_ind" not in hidden
    assert [n for n in hidden if n.startswith("idp_")] == [
        "idp_ind_f_lt1", "idp_ind_f_1_5", "idp_ind_f_60p", "idp_ind_m_lt1", "idp_ind_m_1_5",
        "idp_ind_m_60p",
    ]  # fmt: skip
