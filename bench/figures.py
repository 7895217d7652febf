"""Benchmark: the figures queries on one round of N baseline records (default 1,000,000).

    .venv/bin/python bench/figures.py [--records N] [--sites S] [--home DIR]

Builds a fresh SQLite database in --home (a temporary folder by default) with a synthetic
gazetteer shaped like the Philippines' (17 regions, 102 provinces, 2,040 municipalities and as
many barangays as records), one public operation whose locations are barangays, and one round
holding N baseline assessments (60% with IDPs, one place of origin each: a municipality or a
province), S sites with their assessments (sex and age included). Rows go in through the
driver in bulk, as an import writes them. Then it times every query function:

- live, while the round is open (an administrator: exact values, GROUP BY in the database);
- the publication, which builds the round's snapshot;
- from the snapshot, as the public reads it (small counts suppressed); median of 3 runs.

Prints the sizes, the timings and the round's headline figures. Target on a 2-core machine:
every query from the snapshot under 1 s. Results go in docs/performance.md ("Figures").
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

OPERATION = "bench-figures"
REGIONS, PROVINCES, MUNICIPALITIES = 17, 6, 20  # per parent
SEX_AGE = [f"ind_{s}_{a}" for s in ("f", "m") for a in ("lt1", "1_5", "6_17", "18_59", "60p")]
SHARE = np.array([0.02, 0.08, 0.2, 0.15, 0.05, 0.02, 0.08, 0.2, 0.15, 0.05])


def _django(home: Path) -> None:
    os.environ["OPENDTM_HOME"] = str(home)
    os.environ.setdefault("OPENDTM_USER", "bench")
    os.environ.pop("DATABASE_URL", None)
    from opendtm.cli.bootstrap import setup_django

    setup_django()


def _gazetteer(records: int, rng: Any) -> dict[str, Any]:
    """Country, regions, provinces, municipalities, and `records` barangays (ids assigned here,
    parents before children). Returns the barangay ids with their municipality and province."""
    from opendtm.core.bulk import rows_insert
    from opendtm.gazetteer.models import AdminUnit, GazetteerVersion

    version = GazetteerVersion.objects.create(
        country_iso3="PHL", label="synthetic", source="bench/figures.py", sha256="0" * 64
    )
    fields = ["id", "country_iso3", "pcode", "name", "level", "parent", "latitude", "longitude"]
    rows: list[tuple[Any, ...]] = [(1, "PHL", "PH", "Philippines", 0, None, 12.0, 122.0)]
    parents = [(1, "PH", 12.0, 122.0)]
    next_id = 2
    per_muni = -(-records // (REGIONS * PROVINCES * MUNICIPALITIES))
    spread = {1: 3.0, 2: 0.8, 3: 0.2, 4: 0.03}
    digits = {1: 2, 2: 3, 3: 2, 4: 3}
    for level, fanout in ((1, REGIONS), (2, PROVINCES), (3, MUNICIPALITIES), (4, per_muni)):
        children = []
        for parent_id, pcode, lat, lon in parents:
            for i in range(1, fanout + 1):
                if level == 4 and len(children) >= records:
                    break
                code = f"{pcode}{i:0{digits[level]}d}"
                la = float(lat + rng.normal(0, spread[level]))
                lo = float(lon + rng.normal(0, spread[level]))
                rows.append((next_id, "PHL", code, f"Unit {code}", level, parent_id, la, lo))
                children.append((next_id, code, la, lo))
                next_id += 1
        parents = children
    rows_insert(
        AdminUnit,
        [*fields, "introduced_in"],
        iter([(*row, version.pk) for row in rows]),
    )
    ids = np.array([r[0] for r in rows if r[4] == 4])
    parent = {r[0]: r[5] for r in rows}
    municipality = np.array([parent[i] for i in ids])
    province = np.array([parent[m] for m in municipality])
    return {
        "units": len(rows),
        "barangays": ids,
        "municipality": municipality,
        "province": province,
        "municipalities_of": _groups(municipality, province),
        "region_pcode": "PH01",
        "version": version,
    }


WHERE = ["source_sheet", "source_row"]
"""The columns saying where a stored row was read from (the batch's sheet and row)."""


def _whence(row: int) -> tuple[Any, ...]:
    return ("synthetic", row + 2)


def _groups(children: Any, parents: Any) -> dict[int, Any]:
    out: dict[int, Any] = {}
    for child, parent in set(zip(children.tolist(), parents.tolist(), strict=True)):
        out.setdefault(parent, []).append(child)
    return {k: np.array(sorted(v)) for k, v in out.items()}


def setup(home: Path, records: int, sites: int) -> dict[str, Any]:
    """Database, gazetteer, public operation, open round with its records."""
    _django(home)
    from opendtm.accounts.services import user_for_cli
    from opendtm.core.bulk import rows_insert
    from opendtm.ingest.models import ImportBatch
    from opendtm.mobility.models import BaselineAssessment, BaselineOrigin, SiteAssessment
    from opendtm.operations.models import Operation, Round, Site

    actor = user_for_cli()
    rng = np.random.default_rng(7)
    started = time.perf_counter()
    gaz = _gazetteer(records, rng)
    operation = Operation.objects.create(
        code=OPERATION,
        name="Figures benchmark",
        country_iso3="PHL",
        crisis_type="typhoon",
        start_date="2026-11-01",
        mcof_phase="during",
        location_level=4,
        is_public=True,
        gazetteer_version=gaz["version"],
        created_by=actor,
    )
    round_ = Round.objects.create(operation=operation, number=1, start_date="2026-11-01")
    batch = ImportBatch.objects.create(
        operation=operation,
        round=round_,
        form_id="dtm_baseline",
        file_name="synthetic baseline",
        sha256="0" * 64,
        imported_by=actor,
    )
    n = records
    present = rng.random(n) < 0.6
    idp_hh = np.where(present, rng.integers(1, 200, n), 0)
    idp_ind = idp_hh * rng.integers(2, 7, n)
    returned = rng.random(n) < 0.2
    ret_hh = np.where(returned, rng.integers(1, 50, n), 0)
    ret_ind = ret_hh * rng.integers(2, 7, n)
    abroad = np.where(rng.random(n) < 0.05, rng.integers(1, 20, n), 0)
    flagged = rng.random(n) < 0.03
    ids = np.arange(1, n + 1)
    rows_insert(
        BaselineAssessment,
        [
            "id",
            "round",
            "batch",
            "submission_id",
            "location",
            "idp_present",
            "idp_hh",
            "idp_ind",
            "returnee_present",
            "returnee_idp_hh",
            "returnee_idp_ind",
            "returnee_abroad_ind",
            "flagged",
            "extra",
            *WHERE,
        ],
        (
            (
                *(i, round_.pk, batch.pk, f"b{i}", loc, p, hh, ind, r, rhh, rind, ab, fl, "{}"),
                *_whence(i),
            )
            for i, loc, p, hh, ind, r, rhh, rind, ab, fl in zip(
                ids.tolist(),
                gaz["barangays"].tolist(),
                present.tolist(),
                idp_hh.tolist(),
                idp_ind.tolist(),
                returned.tolist(),
                ret_hh.tolist(),
                ret_ind.tolist(),
                abroad.tolist(),
                flagged.tolist(),
                strict=True,
            )
        ),
    )
    # One place of origin per location with IDPs: a municipality of the same province (70%),
    # else the province itself (reported coarser).
    with_idps = np.flatnonzero(present)
    provinces = gaz["province"][with_idps]
    as_municipality = rng.random(with_idps.size) < 0.7
    origin = provinces.copy()
    for province, munis in gaz["municipalities_of"].items():
        pick = as_municipality & (provinces == province)
        origin[pick] = munis[rng.integers(0, munis.size, int(pick.sum()))]
    rows_insert(
        BaselineOrigin,
        ["assessment", "origin", "origin_hh", "origin_ind", *WHERE],
        (
            (int(a), int(o), int(hh), int(ind), *_whence(int(a)))
            for a, o, hh, ind in zip(
                ids[with_idps], origin, idp_hh[with_idps], idp_ind[with_idps], strict=True
            )
        ),
    )
    site_units = gaz["barangays"][rng.choice(with_idps, sites, replace=False)]
    Site.objects.bulk_create(
        (
            Site(
                operation=operation,
                site_id=f"S-{i:06d}",
                name=f"Site {i}",
                site_type="evacuation_centre",
                admin_unit_id=int(unit),
            )
            for i, unit in enumerate(site_units, start=1)
        ),
        batch_size=5000,
    )
    site_ids = list(
        Site.objects.filter(operation=operation).order_by("site_id").values_list("id", flat=True)
    )
    site_batch = ImportBatch.objects.create(
        operation=operation,
        round=round_,
        form_id="dtm_site",
        file_name="synthetic sites",
        sha256="0" * 64,
        imported_by=actor,
    )
    hh = rng.integers(1, 300, sites)
    ind = hh * rng.integers(2, 7, sites)
    groups = np.floor(ind[:, None] * SHARE[None, :]).astype(np.int64)
    groups[:, 3] += ind - groups.sum(axis=1)
    status = rng.choice(["open", "closing", "closed"], sites, p=[0.85, 0.1, 0.05])
    rows_insert(
        SiteAssessment,
        [
            "round",
            "batch",
            "submission_id",
            "site",
            "admin_unit",
            "site_status",
            "hh",
            "ind",
            *SEX_AGE,
            "flagged",
            "extra",
            *WHERE,
        ],
        (
            (
                *(round_.pk, site_batch.pk, f"s{i}", sid, int(unit), st, int(h), int(p)),
                *(int(g) for g in grp),
                *(False, "{}", *_whence(i)),
            )
            for i, (sid, unit, st, h, p, grp) in enumerate(
                zip(site_ids, site_units, status, hh, ind, groups, strict=True)
            )
        ),
    )
    return {
        "operation": operation,
        "round": round_,
        "actor": actor,
        "units": gaz["units"],
        "origins": int(with_idps.size),
        "load_s": time.perf_counter() - started,
        "province": "PH01001",
        "barangay": f"PH0100101{1:03d}",
    }


def _queries(user: Any, operation: Any, prep: dict[str, Any]) -> dict[str, Callable[[], Any]]:
    from opendtm.figures import queries as q

    common = {"user": user, "operation": operation}
    one = {**common, "round_number": 1}
    return {
        "headline": lambda: q.figures_headline(**one),
        "by admin, level 0": lambda: q.figures_by_admin(**one, level=0),
        "by admin, level 1 (17 rows)": lambda: q.figures_by_admin(**one, level=1),
        "by admin, level 2 (102 rows)": lambda: q.figures_by_admin(**one, level=2),
        "by admin, level 3 (2,040 rows)": lambda: q.figures_by_admin(**one, level=3),
        "by admin, level 4, first 1,000": lambda: q.figures_by_admin(**one, level=4, limit=1000),
        "by admin, level 4, 1,000 from the middle": lambda: q.figures_by_admin(
            **one, level=4, limit=1000, offset=prep["middle"]
        ),
        "by admin, level 4 in one province": lambda: q.figures_by_admin(
            **one, level=4, parent_pcode=prep["province"]
        ),
        "by site, first 1,000": lambda: q.figures_by_site(**one, limit=1000),
        "origins, province -> region": lambda: q.figures_origin_matrix(
            **one, origin_level=2, destination_level=1
        ),
        "origins, municipality -> province": lambda: q.figures_origin_matrix(
            **one, origin_level=3, destination_level=2
        ),
        "origins, municipality -> barangay, first 1,000": lambda: q.figures_origin_matrix(
            **one, origin_level=3, destination_level=4, limit=1000
        ),
        "time series, a region": lambda: q.figures_time_series(**common, pcode="PH01"),
        "time series, a barangay": lambda: q.figures_time_series(**common, pcode=prep["barangay"]),
    }


def _time(call: Callable[[], Any], runs: int) -> tuple[float, Any]:
    times, answer = [], None
    for _ in range(runs):
        started = time.perf_counter()
        answer = call()
        times.append(time.perf_counter() - started)
    return statistics.median(times), answer


def _rows(answer: Any) -> int:
    return answer.rows.height if hasattr(answer, "rows") else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--sites", type=int, default=10_000)
    parser.add_argument("--home", type=Path)
    parser.add_argument("--live-runs", type=int, default=1)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    home = args.home or Path(tempfile.mkdtemp(prefix="opendtm-bench-figures-"))
    home.mkdir(parents=True, exist_ok=True)
    prep = setup(home, args.records, min(args.sites, args.records // 2))
    prep["middle"] = args.records // 2
    from django.contrib.auth.models import AnonymousUser

    from opendtm.figures.models import FigureRow, OriginFigureRow, SnapshotUnit
    from opendtm.operations.services import round_publish, round_validate

    operation, actor = prep["operation"], prep["actor"]
    print(
        f"machine: {os.cpu_count()} cores, "
        f"{os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30:.1f} GiB RAM"
    )
    print(
        f"data: {args.records:,} baseline records, {prep['origins']:,} origins, "
        f"{min(args.sites, args.records // 2):,} sites, {prep['units']:,} admin units "
        f"(loaded in {prep['load_s']:.1f} s)"
    )
    live = {
        name: _time(call, args.live_runs) for name, call in _queries(actor, operation, prep).items()
    }
    started = time.perf_counter()
    round_validate(round=prep["round"], actor=actor)
    round_publish(round=prep["round"], actor=actor)
    published = time.perf_counter() - started
    print(
        f"publish (snapshot build): {published:.1f} s; snapshot rows: "
        f"{FigureRow.objects.count():,} admin, {OriginFigureRow.objects.count():,} origin, "
        f"{SnapshotUnit.objects.count():,} units"
    )
    snap = {
        name: _time(call, args.runs)
        for name, call in _queries(AnonymousUser(), operation, prep).items()
    }
    width = max(len(name) for name in live)
    print(f"{'query':<{width}}  {'live s':>8}  {'snapshot s':>10}  {'rows':>6}")
    for name, (seconds, answer) in live.items():
        print(f"{name:<{width}}  {seconds:8.3f}  {snap[name][0]:10.3f}  {_rows(answer):6,}")
    slowest = max(seconds for seconds, _ in snap.values())
    print(f"slowest from the snapshot: {slowest:.3f} s")
    headline = snap["headline"][1]
    f = headline.figures
    print(
        f"headline (published): IDPs {f['idp_hh']:,} households, {f['idp_ind']:,} individuals; "
        f"returned IDPs {f['returnee_idp_ind']:,}; from abroad {f['returnee_abroad_ind']:,}; "
        f"sites {f['sites']:,} ({f['sites_open']:,} open), {f['site_ind']:,} in sites; "
        f"locations {f['locations']:,} ({f['locations_flagged']:,} flagged)"
    )
    print(f"peak memory: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20:.2f} GiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
