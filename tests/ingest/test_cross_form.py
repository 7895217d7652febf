"""The rules that compare the two forms of a round: a location's sites against its baseline,
run by whichever form is imported second."""

from __future__ import annotations

from typing import Any

from opendtm.mobility.models import BaselineAssessment, SiteAssessment
from tests.factories import SiteFactory
from tests.ingest.conftest import SEX_AGE, baseline_row, site_row
from tests.ingest.test_rules import lines, run, verdicts
from tests.ingest.test_services import commit

CROSS = ("consistency.sites_exceed_idps", "consistency.sites_exceed_count")


def _cross(result: Any) -> list[Any]:
    return [line for line in lines(result) if line[3] in CROSS]


def _sites_of(n: int, **changes: Any) -> dict[str, Any]:
    """A site row of `n` people (all in one sex-age group, so the groups add up)."""
    counts = dict.fromkeys((*SEX_AGE, "pwd_ind", "plw_ind", "older_alone_ind", "hh_no_shelter"), 0)
    return site_row(**(counts | {SEX_AGE[3]: n, "ind": n, "hh": n // 5} | changes))


def test_baseline_imported_after_its_sites(
    baseline_form, site_form, operation, round_, gazetteer, actor
) -> None:
    for n in (1, 2, 3):
        SiteFactory(operation=operation, site_id=f"S-{n:03d}", admin_unit=gazetteer["PH0102801001"])
    commit(site_form, operation, round_, actor, [
        _sites_of(120, _submission_id="site-1", site_id="S-001"),
        _sites_of(90, _submission_id="site-2", site_id="S-002"),
        _sites_of(0, _submission_id="site-3", site_id="S-003", site_status="closed"),
    ])  # fmt: skip
    rows = [
        baseline_row(1, idp_ind=180, sites_count=1),
        baseline_row(2, adm3_pcode="PH0102802", adm4_pcode="PH0102802001"),  # no site there
    ]
    result = run(baseline_form, operation, round_, rows)
    assert _cross(result) == [
        (2, "idp_ind", "180", "consistency.sites_exceed_idps", "warning",
         "the sites assessed in PH0102801001 this round hold 210 individuals, more than the "
         "180 IDPs (idp_ind) its baseline assessment reports"),
        (2, "sites_count", "1", "consistency.sites_exceed_count", "warning",
         "2 sites that are not closed are assessed in PH0102801001 this round, more than the "
         "1 sites (sites_count) its baseline assessment reports"),
    ]  # fmt: skip
    assert verdicts(result) == [(2, True, True), (3, True, False)]
    # Enough IDPs and sites: nothing to say.
    fine = run(baseline_form, operation, round_, [baseline_row(1, idp_ind=210, sites_count=2)])
    assert _cross(fine) == []
    assert verdicts(fine) == [(2, True, False)]


def test_sites_imported_after_their_baseline(
    baseline_form, site_form, operation, round_, gazetteer, actor
) -> None:
    for n in (1, 2, 3, 4):
        SiteFactory(operation=operation, site_id=f"S-{n:03d}", admin_unit=gazetteer["PH0102801001"])
    commit(baseline_form, operation, round_, actor, [baseline_row(1, idp_ind=180, sites_count=2)])
    stored = _sites_of(30, _submission_id="s-3", site_id="S-003")
    commit(site_form, operation, round_, actor, [stored])
    before = SiteAssessment.objects.count()
    rows = [
        _sites_of(100, _submission_id="s-1", site_id="S-001"),
        _sites_of(60, _submission_id="s-2", site_id="S-002"),
        # rejected (its groups do not add up): neither its people nor its site count
        site_row(_submission_id="s-4", site_id="S-004", ind=500, hh=100),
    ]
    result = run(site_form, operation, round_, rows)
    # 100 + 60 in the file and the stored S-003's 30: 190 people in 3 sites
    message = (
        "the sites assessed in PH0102801001 this round hold 190 individuals, more than the 180 "
        "IDPs (idp_ind) its baseline assessment reports"
    )
    count = (
        "3 sites that are not closed are assessed in PH0102801001 this round, more than the 2 "
        "sites (sites_count) its baseline assessment reports"
    )
    assert _cross(result) == [
        (2, "ind", "100", "consistency.sites_exceed_idps", "warning", message),
        (2, "site_id", "S-001", "consistency.sites_exceed_count", "warning", count),
        (3, "ind", "60", "consistency.sites_exceed_idps", "warning", message),
        (3, "site_id", "S-002", "consistency.sites_exceed_count", "warning", count),
    ]
    assert verdicts(result) == [(2, True, True), (3, True, True), (4, False, False)]
    assert SiteAssessment.objects.count() == before  # validation wrote nothing
    # The file replaces the stored S-003 (now closed, nobody left): 160 people in 2 sites.
    replaced = run(site_form, operation, round_, [
        _sites_of(100, _submission_id="s-1", site_id="S-001"),
        _sites_of(60, _submission_id="s-2", site_id="S-002"),
        _sites_of(0, _submission_id="s-3", site_id="S-003", site_status="closed"),
    ])  # fmt: skip
    assert _cross(replaced) == []
    assert verdicts(replaced) == [(2, True, False), (3, True, False), (4, True, False)]


def test_the_warning_is_stored_and_flags_the_row(
    baseline_form, site_form, operation, round_, gazetteer, actor
) -> None:
    SiteFactory(operation=operation, site_id="S-001", admin_unit=gazetteer["PH0102801001"])
    commit(site_form, operation, round_, actor, [_sites_of(200, site_id="S-001")])
    result = commit(baseline_form, operation, round_, actor, [baseline_row(1, idp_ind=180)])
    assert (result.rows_accepted, result.rows_flagged) == (1, 1)
    assert BaselineAssessment.objects.get(round=round_).flagged is True
    assert [r for r in result.issues.get_column("rule") if r in CROSS] == [
        "consistency.sites_exceed_idps"
    ]
