"""Needs figures of stored rounds through the query layer, and rule set versioning: a round
published under v1 keeps v1 when v2 is loaded and chosen; loading never rewrites a version."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser, User

from opendtm.accounts.models import AuditEvent
from opendtm.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from opendtm.needs.models import NeedsRuleSet
from opendtm.needs.queries import (
    needs_by_admin,
    needs_priority,
    ruleset_get,
    ruleset_list,
    site_severity,
)
from opendtm.needs.rules import shipped_text
from opendtm.needs.services import ruleset_load
from opendtm.operations.models import Operation, Round
from opendtm.operations.services import operation_update, round_publish, round_validate
from tests.factories import (
    BaselineAssessmentFactory,
    OperationFactory,
    OperationGrantFactory,
    RoundFactory,
    SiteAssessmentFactory,
    SiteFactory,
    SuperuserFactory,
    UserFactory,
    admin_tree,
)

pytestmark = pytest.mark.django_db

V2 = (
    shipped_text("sphere-2018-v2")
    .replace("version: sphere-2018-v2", "version: sphere-2018-v3")
    # v3 is stricter on water: 20 litres for level 1, 18 for 2, 16 for 3, 15 for 4
    .replace("limits: [15, 10, 7.5, 3]", "limits: [20, 18, 16, 15]")
)

# Good conditions everywhere but water: each site is scored on water alone where it matters.
GOOD = {
    "hh": 20,
    "hh_no_shelter": 0,
    "covered_area_m2": 1000.0,
    "taps": 5,
    "latrines": 10,
    "showers": 5,
    "latrines_separated": True,
    "handwashing": True,
    "health_access": "on_site",
    "food_access": "regular",
    "children_in_school": "most",
    "lighting": "adequate",
    "security_incidents": False,
    "gbv_referral": True,
    "cfm": True,
    "site_management": True,
}


@dataclass
class Needs:
    operation: Operation
    admin: User
    analyst: User
    viewer: User
    units: dict[str, Any]

    def round_with(self, water: tuple[float, float]) -> Round:
        """A round: site A (100 people) and B (40) in PH01001 with `water` litres each, a
        location PH01002 with 60 IDPs (10 in sites), 6 returnees, 3 of its 12 IDP households
        in makeshift shelter (25 %: shelter 3), naming food (food 2)."""
        round_ = RoundFactory(operation=self.operation)
        for code, ind, litres in (("A", 100, water[0]), ("B", 40, water[1])):
            site = SiteFactory(
                operation=self.operation,
                site_id=f"{code}{round_.number}",
                admin_unit=self.units["PH01001"],
            )
            SiteAssessmentFactory(
                round=round_,
                site=site,
                **(GOOD | {"ind": ind, "water_lpd": litres, "priority_need_1": "water"}),
            )
        BaselineAssessmentFactory(
            round=round_,
            location=self.units["PH01002"],
            idp_hh=12,
            idp_ind=60,
            idp_hh_sites=2,
            idp_hh_makeshift=3,
            returnee_idp_ind=6,
            priority_needs=["food"],
        )
        return round_


@pytest.fixture
def needs() -> Needs:
    units = admin_tree(depth=2)
    operation = OperationFactory(code="flood", location_level=2)
    admin = SuperuserFactory(username="boss")
    analyst, viewer = UserFactory(username="ana"), UserFactory(username="vic")
    OperationGrantFactory(user=analyst, operation=operation, role="analyst")
    OperationGrantFactory(user=viewer, operation=operation, role="viewer")
    return Needs(operation, admin, analyst, viewer, units)


def _rows(figures: Any) -> dict[tuple[str, str], dict[str, Any]]:
    return {(r["pcode"], r["sector"]): r for r in figures.rows.to_dicts()}


def test_area_figures_of_a_round(needs: Needs) -> None:
    # A: water 5, the other wash indicators 1: (5 + 1) / 2 = wash 3; B: wash 1
    needs.round_with(water=(2.0, 16.0))
    figures = needs_by_admin(user=needs.analyst, operation=needs.operation, level=1)
    assert figures.rules_version == "sphere-2018-v2" and figures.threshold is None
    rows = _rows(figures)
    wash = rows[("PH01", "wash")]
    # places: A, B and the location; assessed: 100 + 40 + (60 - 10 in sites) + 6 = 196
    assert wash["places"] == 3 and wash["assessed"] == 196
    assert wash["severity_distribution"] == {"1": 96, "2": 0, "3": 100, "4": 0, "5": 0}
    # 100 of 196 at 3 (51 %) -> severity 3; PiN: site A
    assert wash["severity"] == 3
    assert (wash["pin_ind"], wash["pin_sites"], wash["pin_host"]) == (100, 100, 0)
    shelter = rows[("PH01", "shelter")]
    # the location's shelter is severe: its 50 IDPs outside sites and 6 returnees are in need
    assert (shelter["pin_ind"], shelter["pin_host"], shelter["pin_returnees"]) == (56, 50, 6)
    assert rows[("PH01", "food")]["pin_ind"] == 0  # naming food: stressed (2), not in need
    across = rows[("PH01", "intersectoral")]
    assert (across["pin_ind"], across["pin_sites"], across["pin_host"]) == (156, 100, 50)
    level2 = _rows(needs_by_admin(user=needs.analyst, operation=needs.operation, level=2))
    assert level2[("PH01001", "intersectoral")]["pin_ind"] == 100
    assert level2[("PH01002", "intersectoral")]["pin_ind"] == 56
    only = needs_by_admin(user=needs.analyst, operation=needs.operation, sector="wash")
    assert only.rows.get_column("sector").to_list() == ["wash"]


def test_site_severity_and_priority_needs(needs: Needs) -> None:
    needs.round_with(water=(2.0, 16.0))
    sites = site_severity(user=needs.analyst, operation=needs.operation)
    overall = sites.filter(sites["sector"] == "intersectoral").select(
        "site_code", "severity", "worst_indicator"
    )
    assert overall.rows() == [("A1", 3, "wash"), ("B1", 1, "cccm")]  # the worst sector
    wash = sites.filter((sites["sector"] == "wash") & (sites["site_code"] == "A1"))
    # water 5 and every other wash indicator 1: the mean of the two worst, (5 + 1) / 2 = 3
    assert wash.select("severity", "worst_indicator").row(0) == (3, "water_lpd")
    shares = needs_priority(user=needs.analyst, operation=needs.operation, level=1)
    got = {(r["source"], r["need"]): (r["places"], r["share_places"]) for r in shares.to_dicts()}
    assert got == {("locations", "food"): (1, 1.0), ("sites", "water"): (2, 1.0)}


def test_a_published_round_keeps_its_rule_set(needs: Needs) -> None:
    # water 14 litres: v2 level 2, wash (2 + 1) / 2 -> 2; v3 level 5, wash (5 + 1) / 2 = 3
    first = needs.round_with(water=(14.0, 14.0))
    round_validate(round=first, actor=needs.admin)
    round_publish(round=first, actor=needs.admin)
    first.refresh_from_db()
    assert first.needs_rules_version == "sphere-2018-v2"
    published = needs_by_admin(user=needs.analyst, operation=needs.operation, exact=True)
    assert _rows(published)[("PH01", "wash")]["pin_ind"] == 0

    loaded = ruleset_load(actor=needs.admin, text=V2, name="v3.yaml")
    assert loaded.version == "sphere-2018-v3"
    operation_update(operation=needs.operation, actor=needs.admin, needs_rules="sphere-2018-v3")
    needs.operation.refresh_from_db()
    assert needs.operation.needs_rules_version == "sphere-2018-v3"
    needs.round_with(water=(14.0, 14.0))

    again = needs_by_admin(
        user=needs.analyst, operation=needs.operation, round_number=1, exact=True
    )
    assert again.rules_version == "sphere-2018-v2"
    assert again.rows.equals(published.rows)
    now = needs_by_admin(user=needs.analyst, operation=needs.operation, round_number=2)
    assert now.rules_version == "sphere-2018-v3"
    wash = _rows(now)[("PH01", "wash")]
    assert wash["pin_ind"] == 140
    # the change since round 1, each round under its own rule set: wash 2 -> 3 (140 of 196
    # people at 2 under v2, at 3 under v3; the location's 56 at 1), 0 -> 140 in need
    assert now.previous_round_number == 1
    assert (wash["severity_previous"], wash["severity_change"]) == (2, 1)
    assert (wash["pin_ind_previous"], wash["pin_ind_change"]) == (0, 140)
    assert again.previous_round_number is None
    assert _rows(again)[("PH01", "wash")]["severity_change"] is None
    assert [r["version"] for r in ruleset_list()] == ["sphere-2018-v2", "sphere-2018-v3"]


def test_a_version_is_never_rewritten(needs: Needs) -> None:
    ruleset_load(actor=needs.admin, text=V2, name="v3.yaml")
    assert ruleset_load(actor=needs.admin, text=V2, name="again.yaml").source_name == "v3.yaml"
    events = AuditEvent.objects.filter(action="needs.ruleset_load").count()
    changed = V2.replace("limits: [20, 18, 16, 15]", "limits: [25, 18, 16, 15]")
    with pytest.raises(Conflict, match="already loaded with other rules"):
        ruleset_load(actor=needs.admin, text=changed, name="v3b.yaml")
    with pytest.raises(Conflict, match="shipped"):
        ruleset_load(actor=needs.admin, text=shipped_text("sphere-2018-v2"), name="s.yaml")
    assert ruleset_get(version="sphere-2018-v3").document["site_indicators"][3]["severity"] == {
        "thresholds": {"better": "higher", "limits": [20, 18, 16, 15]}
    }
    assert AuditEvent.objects.filter(action="needs.ruleset_load").count() == events == 1


def test_refused_loads_and_choices_write_nothing(needs: Needs) -> None:
    with pytest.raises(PermissionDenied):
        ruleset_load(actor=needs.analyst, text=V2, name="v3.yaml")
    bad = V2.replace("value: {field: water_lpd}", "value: {field: water_litres}")
    with pytest.raises(InvalidInput, match="reads 'water_litres', which the site assessment"):
        ruleset_load(actor=needs.admin, text=bad, name="bad.yaml")
    broken = V2.replace("pin_from_level: 3", "pin_from_level: 7")
    with pytest.raises(InvalidInput, match=r"^Rule set broken.yaml, line \d+: pin_from_level"):
        ruleset_load(actor=needs.admin, text=broken, name="broken.yaml")
    assert not NeedsRuleSet.objects.exists()
    with pytest.raises(NotFound, match="No needs rule set 'sphere-2099'"):
        operation_update(operation=needs.operation, actor=needs.admin, needs_rules="sphere-2099")
    needs.operation.refresh_from_db()
    assert needs.operation.needs_rules_version == "sphere-2018-v2"


def test_who_sees_which_needs_figures(needs: Needs) -> None:
    first = needs.round_with(water=(9.0, 9.0))
    with pytest.raises(NotFound):
        needs_by_admin(user=needs.viewer, operation=needs.operation)  # nothing published
    with pytest.raises(NotFound):
        needs_by_admin(user=AnonymousUser(), operation=needs.operation)
    round_validate(round=first, actor=needs.admin)
    round_publish(round=first, actor=needs.admin)
    seen = needs_by_admin(user=needs.viewer, operation=needs.operation)
    assert seen.threshold == 5
    with pytest.raises(PermissionDenied):
        needs_by_admin(user=needs.viewer, operation=needs.operation, exact=True)
    with pytest.raises(InvalidInput, match="Sector 'nutrition'"):
        needs_by_admin(user=needs.analyst, operation=needs.operation, sector="nutrition")


def test_small_counts_of_people_in_need_are_hidden_when_published(needs: Needs) -> None:
    first = needs.round_with(water=(2.0, 16.0))
    BaselineAssessmentFactory(
        round=first,
        location=needs.units["PH02001"],
        idp_hh=1,
        idp_ind=3,
        idp_hh_makeshift=1,
        priority_needs=["food"],
    )
    round_validate(round=first, actor=needs.admin)
    round_publish(round=first, actor=needs.admin)
    rows = _rows(needs_by_admin(user=needs.viewer, operation=needs.operation))
    shelter = rows[("PH02", "shelter")]
    # 3 IDPs in need (their one household in makeshift shelter): hidden, as the total they
    # make up (rule 1); 0 returnees stay visible
    assert shelter["pin_ind"] is None and shelter["pin_host"] is None
    assert shelter["pin_returnees"] == 0 and shelter["suppressed"] >= 2
    exact = _rows(needs_by_admin(user=needs.analyst, operation=needs.operation, exact=True))
    assert exact[("PH02", "shelter")]["pin_ind"] == 3
    shares = needs_priority(user=needs.viewer, operation=needs.operation, level=1)
    ph02 = shares.filter(shares["pcode"] == "PH02").to_dicts()
    # the share and the count of places stay; the 3 IDPs behind them are hidden
    assert [(r["need"], r["places"], r["share_places"], r["people"]) for r in ph02] == [
        ("food", 1, 1.0, None)
    ]
    with pytest.raises(PermissionDenied):
        needs_priority(user=needs.viewer, operation=needs.operation, exact=True)
    exact_shares = needs_priority(user=needs.analyst, operation=needs.operation, exact=True)
    assert exact_shares.filter(exact_shares["pcode"] == "PH02")["people"].to_list() == [3]


def test_the_queries_do_not_grow_with_the_round(
    needs: Needs, django_assert_num_queries: Any
) -> None:
    needs.round_with(water=(2.0, 16.0))
    # access (VIEW_UNPUBLISHED), the round, the sites, the baselines, the previous round (none),
    # the units' labels
    with django_assert_num_queries(6):
        needs_by_admin(user=needs.analyst, operation=needs.operation, level=2)
    round_ = Round.objects.get(operation=needs.operation, number=1)
    for i in range(5):
        SiteAssessmentFactory(
            round=round_,
            site=SiteFactory(
                operation=needs.operation, site_id=f"X{i}", admin_unit=needs.units["PH02001"]
            ),
            **(GOOD | {"hh": 5, "ind": 10 + i, "water_lpd": 1.0}),
        )
    with django_assert_num_queries(6):
        figures = needs_by_admin(user=needs.analyst, operation=needs.operation, level=2)
    assert _rows(figures)[("PH02001", "wash")]["pin_ind"] == 60  # 10 + 11 + 12 + 13 + 14
