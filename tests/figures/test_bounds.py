"""No figure can overflow: every count is bounded and so is a round (issue 11 item 3).

Two sites of 2^62 people once made a published round show -9,223,372,036,854,745,668
individuals, and 2^63 - 1 made `figures` fail with "integer overflow". The import now refuses
any count beyond the form's maximum or INTEGER_MAX (tests/forms/test_tables.py) and any file
after which a round would hold more than ROUND_ROWS_MAX rows of a form
(tests/ingest/test_end_to_end.py).
"""

from __future__ import annotations

import pytest

from opendtm.figures.queries import figures_by_admin, figures_headline
from opendtm.forms.definitions.common import LOCATION_COUNT_MAX, SITE_COUNT_MAX
from opendtm.forms.limits import INTEGER_MAX, ROUND_ROWS_MAX
from opendtm.mobility.models import (
    BASELINE_COUNTS,
    IDP_SEX_AGE_FIELDS,
    SEX_AGE_FIELDS,
    SITE_COUNTS,
    BaselineAssessment,
    BaselineOrigin,
    SiteAssessment,
)
from tests.figures.conftest import World

INT64_MAX = 2**63 - 1


def test_every_count_of_a_maximal_round_added_together_fits_in_int64() -> None:
    """The worst figure there could be: every count of every row of a round holding the most
    rows of both forms (and as many origins), each at the largest value an integer takes, all
    added into one number. It is what SQLite's SUM and Polars' Int64 sums must hold."""
    counts_per_round = ROUND_ROWS_MAX * (len(SITE_COUNTS) + len(BASELINE_COUNTS) + 2)
    assert counts_per_round * INTEGER_MAX < INT64_MAX
    assert SITE_COUNT_MAX <= LOCATION_COUNT_MAX <= INTEGER_MAX  # the forms' own, tighter bounds


@pytest.mark.django_db
def test_figures_of_rows_at_the_largest_integer_are_exact(world: World) -> None:
    """Round 2 with every count at INTEGER_MAX (an operation's own form without bounds):
    the totals are exact, live and once published, on SQLite and PostgreSQL."""
    round_ = world.rounds[2]
    sites = SiteAssessment.objects.filter(round=round_)
    baselines = BaselineAssessment.objects.filter(round=round_)
    plain = [n for n in SITE_COUNTS if n not in SEX_AGE_FIELDS]
    sites.update(**dict.fromkeys(plain, INTEGER_MAX), **dict.fromkeys(SEX_AGE_FIELDS))
    idp = [n for n in BASELINE_COUNTS if n not in IDP_SEX_AGE_FIELDS]
    baselines.update(**dict.fromkeys(idp, INTEGER_MAX), **dict.fromkeys(IDP_SEX_AGE_FIELDS))
    BaselineOrigin.objects.filter(assessment__round=round_).update(
        origin_hh=INTEGER_MAX, origin_ind=INTEGER_MAX
    )
    n_sites, n_locations = sites.count(), baselines.count()
    assert (n_sites, n_locations) == (3, 6)
    expected = {
        "site_hh": n_sites * INTEGER_MAX,
        "site_ind": n_sites * INTEGER_MAX,
        "idp_hh": n_locations * INTEGER_MAX,
        "idp_ind": n_locations * INTEGER_MAX,
        "returnee_idp_ind": n_locations * INTEGER_MAX,
    }
    for exact_source in ("live", "snapshot"):
        if exact_source == "snapshot":
            world.publish(2)
        headline = figures_headline(
            user=world.analyst, operation=world.operation, round_number=2, exact=True
        )
        assert headline.provenance.source == exact_source
        assert {k: headline.figures[k] for k in expected} == expected
        by_province = figures_by_admin(
            user=world.analyst, operation=world.operation, round_number=2, level=2, exact=True
        )
        assert (
            sum(r["idp_ind"] for r in by_province.rows.iter_rows(named=True))
            == (expected["idp_ind"])
        )
