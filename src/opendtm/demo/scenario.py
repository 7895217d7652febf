"""A typhoon crossing the Visayas, and the displacement DTM would measure over three rounds.

Everything is drawn from one seeded generator, so the same seed gives the same numbers:
- round 1 (emergency): people displaced in proportion to real barangay populations, decaying with
  distance from the track; most shelter in their own barangay, the rest in nearby barangays
  of the same city/municipality or in the province's least-hit large barangay; the largest
  concentrations sit in evacuation centres and other sites.
- round 2 (early recovery): a share of every origin's displaced have returned; returnees are
  reported at their origin; small sites close.
- round 3 (site closure): most evacuation centres closed; those still displaced moved to a few
  relocation sites.
The records are clean: `faults.py` adds the mistakes a field team makes before export.
"""

from __future__ import annotations

import copy
import uuid
from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np

from opendtm.demo.geography import Barangays, barangays, distance_to_track_km

# Landfall in Eastern Samar, then west across Leyte, Cebu, Negros/Panay to Mindoro strait.
BASE_TRACK = np.array(
    [
        (11.00, 126.60),
        (11.05, 125.60),
        (11.20, 124.90),
        (11.30, 124.00),
        (11.45, 123.10),
        (11.70, 122.20),
        (12.00, 121.20),
    ]
)
LANDFALL = date(2025, 11, 4)
ROUND_STARTS = (
    LANDFALL + timedelta(days=4),
    LANDFALL + timedelta(days=25),
    LANDFALL + timedelta(days=67),
)
AFFECTED_KM = 45.0
PRIORITY_NEEDS = ["shelter", "food", "water", "nfi", "health", "sanitation", "cash", "livelihoods"]
# Share of a displaced population in each sex and age group (Philippine age structure).
SADD_GROUPS = [
    "ind_f_lt1", "ind_f_1_5", "ind_f_6_17", "ind_f_18_59", "ind_f_60p",
    "ind_m_lt1", "ind_m_1_5", "ind_m_6_17", "ind_m_18_59", "ind_m_60p",
]  # fmt: skip
SADD_SHARES = np.array([0.010, 0.052, 0.118, 0.272, 0.046, 0.011, 0.055, 0.124, 0.270, 0.042])
# Key informants know the IDPs' sex and age in most locations, not all (DTM collects it where
# it can): the share of baselines with IDPs that give the ten groups.
BASELINE_SADD_SHARE = 0.85
SITE_KINDS = [
    ("Elementary School", "evacuation_centre"),
    ("Covered Court", "evacuation_centre"),
    ("Barangay Hall", "evacuation_centre"),
    ("National High School", "evacuation_centre"),
    ("Chapel", "collective_centre"),
    ("Open Ground", "spontaneous_site"),
]


@dataclass
class SiteTruth:
    """A site as it really is in one round."""

    site_id: str
    name: str
    site_type: str
    barangay: int  # index into Barangays
    lat: float
    lon: float
    ind: int
    status: str = "open"


@dataclass
class RoundTruth:
    """What field teams find in one round, before any data-entry mistake."""

    number: int
    start: date
    baseline: list[dict[str, object]] = field(default_factory=list)
    origins: list[dict[str, object]] = field(default_factory=list)  # carry "_parent_uuid"
    sites: list[dict[str, object]] = field(default_factory=list)


@dataclass
class Scenario:
    seed: int
    track: np.ndarray
    rounds: list[RoundTruth]


class _Draw:
    """The seeded generator plus deterministic submission UUIDs."""

    def __init__(self, seed: int) -> None:
        self.rng = np.random.default_rng(seed)
        self.seed = seed
        self.counter = 0

    def uuid(self) -> str:
        self.counter += 1
        return str(uuid.uuid5(uuid.NAMESPACE_URL, f"opendtm-demo/{self.seed}/{self.counter}"))


def scenario_build(*, seed: int = 7) -> Scenario:
    """The three rounds of the scenario for one seed."""
    draw = _Draw(seed)
    rng = draw.rng
    track = BASE_TRACK + rng.normal(0.0, 0.08, BASE_TRACK.shape)
    geo = barangays()
    dist = distance_to_track_km(geo.lat, geo.lon, track)
    affected = np.flatnonzero(dist < AFFECTED_KM)
    share = np.clip(
        0.5 * np.exp(-dist[affected] / 16.0) * rng.lognormal(0, 0.35, affected.size), 0, 0.85
    )
    displaced = np.rint(geo.population[affected] * share).astype(np.int64)
    keep = displaced >= 15
    origins_idx, displaced = affected[keep], displaced[keep]

    flows = _destinations(geo, dist, origins_idx, displaced, rng)  # {(dest, origin): ind}
    return_share = np.clip(
        rng.normal(0.35, 0.1, origins_idx.size) + dist[origins_idx] / 120, 0.1, 0.9
    )
    sites = _sites(geo, flows, draw)

    rounds: list[RoundTruth] = []
    remaining = {o: 1.0 for o in origins_idx.tolist()}
    returned_share = dict.fromkeys(origins_idx.tolist(), 0.0)
    for number, start in enumerate(ROUND_STARTS, start=1):
        if number == 2:
            returned_share = dict(zip(origins_idx.tolist(), return_share.tolist(), strict=True))
        elif number == 3:
            returned_share = {o: min(0.95, s * 1.6) for o, s in returned_share.items()}
        remaining = {o: 1.0 - s for o, s in returned_share.items()}
        now = {k: int(round(v * remaining[k[1]])) for k, v in flows.items()}
        truth = RoundTruth(number=number, start=start)
        now = _site_round(truth, sites, now, geo, draw, number)
        returnees = {
            o: int(round(d * returned_share[o]))
            for o, d in zip(origins_idx.tolist(), displaced.tolist(), strict=True)
        }
        _baseline_round(truth, geo, now, returnees, origins_idx, sites, draw, number)
        rounds.append(truth)
    return Scenario(seed=seed, track=track, rounds=rounds)


def _destinations(
    geo: Barangays,
    dist: np.ndarray,
    origins: np.ndarray,
    displaced: np.ndarray,
    rng: np.random.Generator,
) -> dict[tuple[int, int], int]:
    """Where each origin's displaced shelter: own barangay, neighbours, or the least-hit hub."""
    by_mun: dict[str, np.ndarray] = {}
    for mun in np.unique(geo.adm3[origins]):
        by_mun[str(mun)] = np.flatnonzero(geo.adm3 == mun)
    hub_of_province: dict[str, int] = {}
    for prov in np.unique(geo.adm2[origins]):
        members = np.flatnonzero((geo.adm2 == prov) & (geo.population > 0))
        score = geo.population[members] * np.clip(dist[members] / 40.0, 0.05, 1.0)
        hub_of_province[str(prov)] = int(members[np.argmax(score)])
    flows: dict[tuple[int, int], int] = {}

    def add(dest: int, origin: int, n: int) -> None:
        if n > 0:
            flows[(dest, origin)] = flows.get((dest, origin), 0) + n

    for origin, total in zip(origins.tolist(), displaced.tolist(), strict=True):
        own = int(round(total * rng.uniform(0.45, 0.7)))
        hub = int(round(total * rng.uniform(0.05, 0.2)))
        add(origin, origin, own)
        add(hub_of_province[str(geo.adm2[origin])], origin, hub)
        rest = total - own - hub
        neighbours = by_mun[str(geo.adm3[origin])]
        neighbours = neighbours[neighbours != origin]
        if rest > 0 and neighbours.size:
            weights = geo.population[neighbours] * np.clip(dist[neighbours] / 30.0, 0.1, 2.0) + 1.0
            picks = rng.choice(
                neighbours, size=min(3, neighbours.size), replace=False, p=weights / weights.sum()
            )
            parts = rng.multinomial(rest, np.full(picks.size, 1.0 / picks.size))
            for dest, n in zip(picks.tolist(), parts.tolist(), strict=True):
                add(dest, origin, n)
        else:
            add(origin, origin, rest)
    return flows


def _sites(geo: Barangays, flows: dict[tuple[int, int], int], draw: _Draw) -> list[SiteTruth]:
    """A few hundred sites where round-1 IDPs concentrate; site IDs are stable across rounds."""
    present: dict[int, int] = {}
    for (dest, _origin), n in flows.items():
        present[dest] = present.get(dest, 0) + n
    ranked = sorted(present.items(), key=lambda kv: (-kv[1], kv[0]))
    sites: list[SiteTruth] = []
    for dest, ind in ranked:
        if len(sites) >= 320 or ind < 150:
            break
        count = int(min(4, 1 + ind // 1500))
        for k in range(count):
            label, site_type = SITE_KINDS[int(draw.rng.integers(len(SITE_KINDS)))]
            if k == 0:
                label, site_type = "Elementary School", "evacuation_centre"
            sites.append(
                SiteTruth(
                    site_id=f"PH-EC-{len(sites) + 1:04d}",
                    name=f"{geo.name[dest]} {label}" + (f" {k + 1}" if k else ""),
                    site_type=site_type,
                    barangay=dest,
                    lat=round(float(geo.lat[dest] + draw.rng.normal(0, 0.004)), 6),
                    lon=round(float(geo.lon[dest] + draw.rng.normal(0, 0.004)), 6),
                    ind=0,
                )
            )
    return sites


def _in_sites_share(number: int) -> float:
    return {1: 0.6, 2: 0.45, 3: 0.25}[number]


def _site_round(
    truth: RoundTruth,
    sites: list[SiteTruth],
    now: dict[tuple[int, int], int],
    geo: Barangays,
    draw: _Draw,
    number: int,
) -> dict[tuple[int, int], int]:
    """The round's site records; returns where the IDPs are after the round's moves (in
    round 3, those of the closed sites are in their province's relocation site, and the
    baseline counts them there: a location's sites never hold more people than its IDPs)."""
    rng = draw.rng
    present: dict[int, int] = {}
    for (dest, _o), n in now.items():
        present[dest] = present.get(dest, 0) + n
    by_brgy: dict[int, list[SiteTruth]] = {}
    for site in sites:
        by_brgy.setdefault(site.barangay, []).append(site)
    if number == 3:
        # Evacuation centres close; those left go to one relocation site per province.
        relocation: dict[str, SiteTruth] = {}
        for site in sites:
            if site.site_type == "relocation_site":
                continue
            prov = str(geo.adm2[site.barangay])
            if prov not in relocation:
                relocation[prov] = SiteTruth(
                    site_id=f"PH-RS-{len(relocation) + 1:03d}",
                    name=f"{geo.name[site.barangay]} Relocation Site",
                    site_type="relocation_site",
                    barangay=site.barangay,
                    lat=round(site.lat + 0.01, 6),
                    lon=round(site.lon + 0.01, 6),
                    ind=0,
                )
        sites.extend(relocation.values())
    for brgy, here in by_brgy.items():
        in_sites = int(round(present.get(brgy, 0) * _in_sites_share(number)))
        parts = rng.multinomial(in_sites, np.full(len(here), 1.0 / len(here)))
        for site, ind in zip(here, parts, strict=True):
            previous = site.ind
            if number == 2 and ind < 120:
                site.status, ind = "closing", int(ind)
            if number == 3:
                site.status, ind = "closed", 0
            site.ind = int(ind)
            truth.sites.append(_site_record(site, previous, geo, draw, number))
    if number == 3:
        closed_total = sum(int(round(present.get(b, 0) * _in_sites_share(3))) for b in by_brgy)
        relocation_sites = [s for s in sites if s.site_type == "relocation_site"]
        # The relocation sites' records are drawn from a copy of the generator, and the main
        # one draws what the earlier scenario drew (an even split of everyone, unused), so
        # that the records drawn after them (the round's baselines) stay the same.
        earlier = rng.multinomial(
            closed_total, np.full(len(relocation_sites), 1.0 / len(relocation_sites))
        )
        now, moved = _relocated(now, set(by_brgy), relocation_sites, geo)
        fork = copy.deepcopy(draw)
        for site, unused in zip(relocation_sites, earlier, strict=True):
            site.ind = int(unused)
            _site_record(site, 0, geo, draw, number)
            site.ind = moved.get(site.site_id, 0)
            truth.sites.append(_site_record(site, 0, geo, fork, number))
    return now


def _relocated(
    now: dict[tuple[int, int], int],
    site_barangays: set[int],
    relocation_sites: list[SiteTruth],
    geo: Barangays,
) -> tuple[dict[tuple[int, int], int], dict[str, int]]:
    """Those in the sites of each barangay (its share in sites) move to their province's
    relocation site: the flows after the move, and how many each relocation site received."""
    site_of_province = {str(geo.adm2[s.barangay]): s for s in relocation_sites}
    after = dict(now)
    moved: dict[str, int] = {}
    for (dest, origin), n in now.items():
        k = int(round(n * _in_sites_share(3))) if dest in site_barangays else 0
        if not k:
            continue
        target = site_of_province[str(geo.adm2[dest])]
        after[(dest, origin)] -= k
        after[(target.barangay, origin)] = after.get((target.barangay, origin), 0) + k
        moved[target.site_id] = moved.get(target.site_id, 0) + k
    return after, moved


def _site_record(
    site: SiteTruth, previous: int, geo: Barangays, draw: _Draw, number: int
) -> dict[str, object]:
    rng = draw.rng
    ind = site.ind
    hh = int(np.ceil(ind / rng.uniform(4.0, 5.2))) if ind else 0
    sadd = rng.multinomial(ind, SADD_SHARES / SADD_SHARES.sum()) if ind else np.zeros(10, dtype=int)
    b = site.barangay
    needs = list(rng.choice(PRIORITY_NEEDS, size=3, replace=False))
    record: dict[str, object] = {
        "_uuid": draw.uuid(),
        "assessment_date": ROUND_STARTS[number - 1] + timedelta(days=int(rng.integers(0, 4))),
        "enumerator_code": f"ENUM-{int(rng.integers(1, 41)):02d}",
        "site_id": site.site_id,
        "site_name": site.name,
        "site_type": site.site_type,
        "site_status": site.status,
        "adm1_pcode": str(geo.adm1[b]),
        "adm2_pcode": str(geo.adm2[b]),
        "adm3_pcode": str(geo.adm3[b]),
        "adm4_pcode": str(geo.adm4[b]),
        "gps": (site.lat, site.lon),
        "site_management": "yes" if rng.random() < 0.55 else "no",
        "hh": hh,
        "ind": ind,
        **{g: int(n) for g, n in zip(SADD_GROUPS, sadd, strict=True)},
        "pwd_ind": int(rng.binomial(ind, 0.015)),
        "plw_ind": int(rng.binomial(ind, 0.03)),
        "uasc_ind": int(rng.binomial(ind, 0.002)),
        "older_alone_ind": int(rng.binomial(ind, 0.006)),
        "arrivals_ind": ind
        if number == 1
        else int(max(0, ind - previous) + rng.binomial(ind, 0.03)),
        "departures_ind": 0
        if number == 1
        else int(max(0, previous - ind) + rng.binomial(ind, 0.03)),
        "hh_no_shelter": int(rng.binomial(hh, 0.08)),
        "covered_area_m2": round(float(ind * rng.uniform(1.5, 4.5)), 1),
        "water_source": str(
            rng.choice(["piped", "borehole", "protected_well", "trucking", "bottled"])
        ),
        "water_lpd": round(float(rng.uniform(6, 22)), 1),
        "taps": int(np.ceil(ind / rng.uniform(150, 400))) if ind else 0,
        "latrines": int(np.ceil(ind / rng.uniform(25, 90))) if ind else 0,
        "showers": int(np.ceil(ind / rng.uniform(40, 120))) if ind else 0,
        "latrines_separated": "yes" if rng.random() < 0.5 else "no",
        "handwashing": "yes" if rng.random() < 0.6 else "no",
        "health_access": str(
            rng.choice(["on_site", "lt_5km", "gt_5km", "none"], p=[0.2, 0.5, 0.25, 0.05])
        ),
        "diseases": sorted(
            set(rng.choice(["diarrhoea", "respiratory", "fever", "skin"], size=2).tolist())
        ),
        "food_access": str(rng.choice(["regular", "irregular", "none"], p=[0.4, 0.5, 0.1])),
        "children_in_school": str(rng.choice(["most", "some", "few", "none"])),
        "lighting": str(rng.choice(["adequate", "partial", "none"], p=[0.3, 0.5, 0.2])),
        "security_incidents": "yes" if rng.random() < 0.08 else "no",
        "gbv_referral": "yes" if rng.random() < 0.45 else "no",
        "cfm": "yes" if rng.random() < 0.4 else "no",
        "priority_need_1": str(needs[0]),
        "priority_need_2": str(needs[1]),
        "priority_need_3": str(needs[2]),
    }
    return record


def _baseline_round(
    truth: RoundTruth,
    geo: Barangays,
    now: dict[tuple[int, int], int],
    returnees: dict[int, int],
    origins_idx: np.ndarray,
    sites: list[SiteTruth],
    draw: _Draw,
    number: int,
) -> None:
    rng = draw.rng
    # The IDPs' sex and age come from a generator of their own, so that adding them left every
    # other number of the scenario as it was.
    sadd_rng = np.random.default_rng([draw.seed, number, 10])
    by_dest: dict[int, dict[str, int]] = {}
    for (dest, origin), n in now.items():
        if n > 0:
            mun = str(geo.adm3[origin])
            by_dest.setdefault(dest, {})[mun] = by_dest.setdefault(dest, {}).get(mun, 0) + n
    sites_in: dict[int, int] = {}  # sites assessed this round and not closed, as sites_count
    for site in sites:
        if site.status != "closed":
            sites_in[site.barangay] = sites_in.get(site.barangay, 0) + 1
    locations = sorted(set(origins_idx.tolist()) | set(by_dest))
    arrival = {1: "lt_1_week", 2: "1_4_weeks", 3: "1_3_months"}[number]
    for loc in locations:
        origins = by_dest.get(loc, {})
        idp_ind = sum(origins.values())
        size = rng.uniform(4.2, 5.0)
        idp_hh = int(np.ceil(idp_ind / size)) if idp_ind else 0
        in_sites = int(round(idp_hh * _in_sites_share(number))) if sites_in.get(loc) else 0
        host = int(round((idp_hh - in_sites) * rng.uniform(0.5, 0.8)))
        rented = int(round((idp_hh - in_sites - host) * rng.uniform(0.2, 0.6)))
        makeshift = max(0, idp_hh - in_sites - host - rented)
        back = returnees.get(loc, 0)
        uid = draw.uuid()
        record: dict[str, object] = {
            "_uuid": uid,
            "assessment_date": truth.start + timedelta(days=int(rng.integers(0, 5))),
            "enumerator_code": f"ENUM-{int(rng.integers(1, 41)):02d}",
            "adm1_pcode": str(geo.adm1[loc]),
            "adm2_pcode": str(geo.adm2[loc]),
            "adm3_pcode": str(geo.adm3[loc]),
            "adm4_pcode": str(geo.adm4[loc]),
            "gps": (round(float(geo.lat[loc]), 6), round(float(geo.lon[loc]), 6)),
            "ki_count": int(rng.integers(2, 6)),
            "idp_present": "yes" if idp_ind else "no",
            "idp_hh": idp_hh if idp_ind else None,
            "idp_ind": idp_ind if idp_ind else None,
            "idp_hh_sites": in_sites if idp_ind else None,
            "idp_hh_host": host if idp_ind else None,
            "idp_hh_rented": rented if idp_ind else None,
            "idp_hh_makeshift": makeshift if idp_ind else None,
            "displacement_cause": "typhoon" if idp_ind else None,
            "idp_arrival": arrival if idp_ind else None,
            "returnee_present": "yes" if back else "no",
            "returnee_idp_hh": int(np.ceil(back / size)) if back else None,
            "returnee_idp_ind": back if back else None,
            "returnee_abroad_ind": None,
            "sites_count": sites_in.get(loc, 0),
            "priority_needs": sorted(
                set(rng.choice(PRIORITY_NEEDS, size=3, replace=False).tolist())
            ),
        }
        if idp_ind and sadd_rng.random() < BASELINE_SADD_SHARE:
            groups = sadd_rng.multinomial(idp_ind, SADD_SHARES / SADD_SHARES.sum())
            record |= {f"idp_{g}": int(n) for g, n in zip(SADD_GROUPS, groups, strict=True)}
        truth.baseline.append(record)
        for mun, n in sorted(origins.items()):
            truth.origins.append(
                {
                    "_parent_uuid": uid,
                    "origin_pcode": mun,
                    "origin_hh": int(np.ceil(n / size)),
                    "origin_ind": n,
                }
            )
