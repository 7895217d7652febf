"""The typhoon scenario: same seed, same numbers; people are neither lost nor invented."""

from __future__ import annotations

from collections import defaultdict

import pytest

from opendtm.demo.faults import SADD_GROUPS
from opendtm.demo.geography import barangays
from opendtm.demo.scenario import scenario_build


@pytest.fixture(scope="module")
def scenario():
    return scenario_build(seed=11)


def test_same_seed_gives_the_same_records(scenario) -> None:
    again = scenario_build(seed=11)
    for a, b in zip(scenario.rounds, again.rounds, strict=True):
        assert a.baseline == b.baseline
        assert a.origins == b.origins
        assert a.sites == b.sites


def test_another_seed_gives_another_scenario(scenario) -> None:
    other = scenario_build(seed=12)
    assert other.rounds[0].baseline != scenario.rounds[0].baseline


def test_origins_add_up_to_the_idps_of_each_location(scenario) -> None:
    for truth in scenario.rounds:
        by_parent: dict[object, int] = defaultdict(int)
        for origin in truth.origins:
            by_parent[origin["_parent_uuid"]] += int(origin["origin_ind"])
        for record in truth.baseline:
            assert by_parent.get(record["_uuid"], 0) == (record["idp_ind"] or 0)


def test_sex_and_age_groups_add_up_to_site_population(scenario) -> None:
    for truth in scenario.rounds:
        for site in truth.sites:
            assert sum(int(site[g]) for g in SADD_GROUPS) == site["ind"]
            assert site["hh"] <= site["ind"]


IDP_GROUPS = [f"idp_{g}" for g in SADD_GROUPS]


def test_most_baselines_give_the_idps_sex_and_age_adding_up_to_idp_ind(scenario) -> None:
    counts = []
    for truth in scenario.rounds:
        with_idps = [r for r in truth.baseline if r["idp_ind"]]
        given = [r for r in with_idps if IDP_GROUPS[0] in r]
        for record in given:
            assert sum(int(record[g]) for g in IDP_GROUPS) == record["idp_ind"]
        assert all(g not in r for r in truth.baseline if not r["idp_ind"] for g in IDP_GROUPS)
        assert all(all(g in r for g in IDP_GROUPS) for r in given)
        counts.append((len(with_idps), len(given)))
    assert counts == [(3427, 2883), (3402, 2892), (3273, 2795)]  # most, not all


def test_every_pcode_is_a_real_barangay_chain(scenario) -> None:
    geo = barangays()
    chain = {
        (str(a1), str(a2), str(a3), str(a4))
        for a1, a2, a3, a4 in zip(geo.adm1, geo.adm2, geo.adm3, geo.adm4, strict=True)
    }
    for truth in scenario.rounds:
        for record in (*truth.baseline, *truth.sites):
            key = tuple(record[f"adm{n}_pcode"] for n in (1, 2, 3, 4))
            assert key in chain


def test_rounds_show_returns_and_site_closures(scenario) -> None:
    r1, r2, r3 = scenario.rounds
    idps = [sum(int(b["idp_ind"] or 0) for b in r.baseline) for r in scenario.rounds]
    returnees = [sum(int(b["returnee_idp_ind"] or 0) for b in r.baseline) for r in scenario.rounds]
    assert idps[0] > idps[1] > idps[2] > 0
    assert returnees[0] == 0 < returnees[1] < returnees[2]
    assert all(s["site_status"] == "open" for s in r1.sites)
    closed = [s for s in r3.sites if s["site_status"] == "closed"]
    relocation = [s for s in r3.sites if s["site_type"] == "relocation_site"]
    assert len(closed) == len(r2.sites)
    assert relocation and all(s["site_status"] == "open" for s in relocation)


def test_sites_fit_inside_their_location_baseline(scenario) -> None:
    """The people in a barangay's sites are IDPs of its baseline, and its sites not closed are
    the sites it counts (in round 3, people of closed sites are in their province's relocation
    site, and counted there)."""
    for truth in scenario.rounds:
        people: dict[object, int] = defaultdict(int)
        sites: dict[object, int] = defaultdict(int)
        for site in truth.sites:
            people[site["adm4_pcode"]] += int(site["ind"])
            sites[site["adm4_pcode"]] += site["site_status"] != "closed"
        baselines = {b["adm4_pcode"]: b for b in truth.baseline}
        assert set(people) <= set(baselines)
        for pcode, n in people.items():
            assert n <= int(baselines[pcode]["idp_ind"] or 0), (truth.number, pcode)
            assert sites[pcode] == baselines[pcode]["sites_count"], (truth.number, pcode)
    relocation = [s for s in scenario.rounds[2].sites if s["site_type"] == "relocation_site"]
    closed_people = sum(int(s["ind"]) for s in scenario.rounds[1].sites)
    assert 0 < sum(int(s["ind"]) for s in relocation) < closed_people
