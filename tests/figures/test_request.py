"""The figures request: its parser of whole numbers, its checks (each naming the parameter),
its immutability, and the dispatcher answering every grouping as its query function does.

The operation (tests/figures/conftest.py) has round 1 published and round 2 open.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from opendtm.core.errors import InvalidInput
from opendtm.figures import queries
from opendtm.figures.answers import figures_answer, figures_needs, figures_pages
from opendtm.figures.choices import Grouping
from opendtm.figures.request import FiguresRequest, whole_number
from opendtm.needs.queries import needs_by_admin
from opendtm.operations.models import Operation
from tests.figures.conftest import M4, P1, World


@given(st.integers(min_value=-(10**18) + 1, max_value=10**18 - 1))
def test_whole_number_reads_every_whole_number_written_plainly(value: int) -> None:
    assert whole_number("round", str(value)) == value
    assert whole_number("round", f" {value} ") == value


@given(st.text().filter(lambda t: t.strip() and not t.strip().lstrip("+-").isdigit()))
def test_whole_number_refuses_any_other_text_naming_the_parameter(text: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        whole_number("level", text)
    assert str(caught.value) == f"level {text!r} is not a whole number."


def test_whole_number_missing_or_empty_is_the_default() -> None:
    assert whole_number("level", None, 1) == 1
    assert whole_number("level", "  ", 1) == 1
    assert whole_number("round", "") is None
    with pytest.raises(InvalidInput):  # Unicode digits are not what a query string means
        whole_number("round", "٣")
    with pytest.raises(InvalidInput):  # beyond any database integer
        whole_number("round", "1" * 19)


def _operation() -> Operation:
    return Operation(pk=1, code="typhoon", country_iso3="PHL", location_level=3)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"grouping": "flow"},
         "Grouping 'flow' is not one of admin, site, origin, round, headline, needs."),
        ({"round_number": 0}, "Round 0 is not a round number (1 or more)."),
        ({"round_number": True}, "Round True is not a round number (1 or more)."),
        ({"round_number": 2**31}, "Round 2147483648 is larger than 2,147,483,647."),
        ({"level": 5}, "Level 5 is not an admin level (0-4)."),
        ({"level": 4}, "Level 4 is finer than the locations of operation typhoon (admin level 3). "
         "Use a level from 0 to 3, or --by site."),
        ({"origin_level": 0}, "Origin level 0 is not an admin level from 1 to 4. Origins are "
         "reported at admin level 2 or finer; level 1 rolls them up."),
        ({"limit": -1}, "Limit -1 is negative."),
        ({"offset": 2**31}, "Offset 2147483648 is larger than 2,147,483,647."),
        ({"exact": "yes"}, "exact 'yes' is not true or false."),
        ({"date_from": "2026-01-01"}, "date_from '2026-01-01' is not a date (YYYY-MM-DD)."),
        ({"date_from": dt.date(2026, 2, 1), "date_to": dt.date(2026, 1, 1)},
         "date_from 2026-02-01 is after date_to 2026-01-01. Swap the two dates."),
        ({"grouping": Grouping.ROUND, "pcode": "  "},
         "A time series needs the P-code of an admin unit. Give its pcode, for example PH05."),
        ({"grouping": Grouping.SITE, "site_type": "tent"},
         "site_type 'tent' is not one of planned_camp, collective_centre, evacuation_centre, "
         "spontaneous_site, transit_centre, relocation_site, host_community_cluster. "
         "Leave site_type out for every site."),
        ({"grouping": Grouping.SITE, "site_status": 1},
         "site_status 1 is not one of planned, open, closing, closed. "
         "Leave site_status out for every site."),
        ({"site_status": "open"},
         "site_status filters the figures by site only: the admin figures count every "
         "location's people, which no site filter can split. Ask for the figures by site, or "
         "leave the site filters out."),
    ],
)  # fmt: skip
def test_a_bad_field_is_refused_with_its_name(fields: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        FiguresRequest(**{"operation": _operation(), "grouping": Grouping.ADMIN} | fields)
    assert str(caught.value) == message


def test_a_request_is_immutable_and_normalised() -> None:
    asked = FiguresRequest(operation=_operation(), grouping="site", pcode=" PH01 ")
    assert (asked.grouping, asked.pcode) == (Grouping.SITE, "PH01")
    assert FiguresRequest(operation=_operation(), grouping="site", pcode="").pcode is None
    with pytest.raises(dataclasses.FrozenInstanceError):
        asked.level = 2  # type: ignore[misc]
    assert asked.page(10, 20) == dataclasses.replace(asked, limit=10, offset=20)


def test_the_dispatcher_answers_each_grouping_as_its_query_does(world: World) -> None:
    op, user = world.operation, world.analyst
    common: dict[str, Any] = {"user": user, "operation": op, "round_number": 1}
    asked = {
        Grouping.ADMIN: (
            {"level": 3, "pcode": P1, "limit": 1, "offset": 1},
            queries.figures_by_admin(**common, level=3, parent_pcode=P1, limit=1, offset=1),
        ),
        Grouping.SITE: ({}, queries.figures_by_site(**common)),
        Grouping.ORIGIN: (
            {"level": 2, "origin_level": 3},
            queries.figures_origin_matrix(**common, origin_level=3, destination_level=2),
        ),
        Grouping.ROUND: (
            {"pcode": M4, "date_to": dt.date(2030, 1, 1)},
            queries.figures_time_series(user=user, operation=op, pcode=M4),
        ),
        Grouping.HEADLINE: ({}, queries.figures_headline(**common)),
    }
    assert set(asked) == set(Grouping) - {Grouping.NEEDS}
    needs = FiguresRequest(operation=op, grouping=Grouping.NEEDS, round_number=1, level=2)
    answered = figures_needs(user=user, request=needs)
    direct = needs_by_admin(user=user, operation=op, round_number=1, level=2)
    assert answered.rows.equals(direct.rows)
    with pytest.raises(InvalidInput, match="answered by figures_needs"):
        figures_answer(user=user, request=needs)
    for grouping, (fields, expected) in asked.items():
        request = FiguresRequest(operation=op, grouping=grouping, round_number=1, **fields)
        answer = figures_answer(user=user, request=request)
        assert type(answer) is type(expected)
        if hasattr(expected, "rows"):
            assert answer.rows.equals(expected.rows), grouping  # type: ignore[union-attr]
        else:
            assert answer == expected


def test_pages_from_an_offset_read_every_row_after_it(world: World) -> None:
    request = FiguresRequest(operation=world.operation, grouping=Grouping.ADMIN, level=4)
    whole = figures_answer(user=world.analyst, request=request)
    rest = list(figures_pages(user=world.analyst, request=request.page(None, 2)))
    assert [r for page in rest for r in page.rows["pcode"]] == whole.rows["pcode"][2:].to_list()
    headline = FiguresRequest(operation=world.operation, grouping=Grouping.HEADLINE)
    with pytest.raises(InvalidInput) as caught:
        next(figures_pages(user=world.analyst, request=headline))
    assert str(caught.value) == "The headline of a round is not a table: it has no file form."


def test_site_filters_keep_the_sites_of_that_type_and_status(world: World) -> None:
    """Round 2 (open, live): S1 closed (0), S2 open (40), S3 closing (11); round 1 (published,
    its snapshot) holds three open evacuation centres (30, 50, 4)."""

    def sites(**fields: Any) -> Any:
        asked = FiguresRequest(operation=world.operation, grouping=Grouping.SITE, **fields)
        return figures_answer(user=world.analyst, request=asked)

    closing = sites(round_number=2, site_status="closing")
    assert closing.rows["site_code"].to_list() == ["S3"]
    assert (closing.total_rows, closing.totals["ind"], closing.totals["hh"]) == (1, 11, 3)
    shut = sites(round_number=2, site_status="closed", pcode=P1)
    assert (shut.rows["site_code"].to_list(), shut.totals["ind"]) == (["S1"], 0)
    centres = sites(round_number=1, site_type="evacuation_centre", site_status="open")
    assert centres.rows["site_code"].to_list() == ["S1", "S2", "S3"]
    assert centres.totals["ind"] is None  # S3's 4 is hidden: so is the kept sites' sum
    assert centres.rows["ind"].to_list() == [30, None, None]  # as the snapshot hides them
    camps = sites(round_number=1, site_type="planned_camp")
    assert (camps.rows.height, camps.total_rows, camps.totals["ind"]) == (0, 0, 0)
    paged = sites(round_number=2, site_status="open", limit=1)
    assert (paged.rows["site_code"].to_list(), paged.total_rows) == (["S2"], 1)


def test_the_headline_of_a_unit_is_its_row_and_its_change(world: World) -> None:
    asked = FiguresRequest(
        operation=world.operation, grouping=Grouping.HEADLINE, round_number=2, pcode=P1
    )
    headline = figures_answer(user=world.analyst, request=asked)
    assert headline.figures["idp_ind"] == 87  # 24 + 60 + 3
    assert headline.previous is not None and headline.previous["idp_ind"] == 133
    assert headline.change["idp_ind"] == -46
    row = queries.figures_by_admin(
        user=world.analyst, operation=world.operation, round_number=2, level=2
    ).rows.filter(pcode=P1)
    assert {n: headline.figures[n] for n in ("idp_ind", "idp_hh", "sites", "site_ind")} == {
        n: row[n][0] for n in ("idp_ind", "idp_hh", "sites", "site_ind")
    }


def test_level_values_are_the_published_rounds_as_published(world: World) -> None:
    """Round 1 published at level 3: M1 and M2 hidden (M2's 3 is small, M1 would give it away
    from P1's total), M3 120, M4 25; the open round 2 is not read, whoever asks."""
    for user in (world.viewer, world.analyst):
        values = queries.figures_level_values(
            user=user, operation=world.operation, level=3, measure="idp_ind"
        )
        assert values == [None, None, 120, 25]
    with pytest.raises(InvalidInput) as caught:
        queries.figures_level_values(
            user=world.viewer, operation=world.operation, level=3, measure="ind"
        )
    assert str(caught.value) == "'ind' is not a measure of the figures by admin unit."
