"""The demo's events after the last round: where, when and how many, from its baselines."""

from __future__ import annotations

import datetime as dt

from opendtm.demo.events import events_records
from opendtm.demo.scenario import RoundTruth


def _place(n: int, idp_ind: int | None) -> dict[str, object]:
    return {
        "adm1_pcode": "PH05", "adm2_pcode": "PH05017", "adm3_pcode": f"PH0501700{n}",
        "adm4_pcode": f"PH0501700{n}001", "idp_ind": idp_ind,
    }  # fmt: skip


def test_events_where_most_idps_are_after_the_last_round() -> None:
    last = RoundTruth(number=3, start=dt.date(2026, 1, 10))
    last.baseline = [_place(1, 300), _place(2, None), _place(3, 1240), _place(4, 40),
                     _place(5, 41), _place(6, 7)]  # fmt: skip
    records = events_records(last)
    assert [(r["adm4_pcode"], r["displaced_ind"], r["displaced_hh"]) for r in records] == [
        ("PH05017003001", 124, 24),
        ("PH05017001001", 30, 6),
        ("PH05017005001", 5, 1),
        ("PH05017004001", 5, 1),
    ]
    assert [r["event_date"] for r in records] == [
        dt.date(2026, 1, 20), dt.date(2026, 1, 22), dt.date(2026, 1, 24), dt.date(2026, 1, 26),
    ]  # fmt: skip
    assert [r["event_type"] for r in records] == ["flood", "landslide", "flood", "fire"]
    assert (records[0]["from_pcode"], records[0]["to_pcode"]) == ("PH05017003001", "PH05017003")
