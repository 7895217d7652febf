"""Benchmark: import an N-row site-assessment CSV (default 1,000,000) with full validation.

    .venv/bin/python bench/import_sites.py [--rows N] [--home DIR] [--synthetic]
                                           [--new-sites] [--json]

Builds a fresh SQLite database in --home (a temporary folder by default), loads the built-in
Philippine gazetteer (or, with --synthetic or if it cannot load, a synthetic one), registers the
sites (a later round: the registry knows them), writes a CSV in the shape of a KoboToolbox export
of the shipped `dtm_site` form with real P-codes, then:

- times DuckDB's `read_csv` of the same file into an in-memory table (the yardstick);
- runs `import_commit` in a child process (reader, every rule, the file stored compressed, bulk
  write, report), timing it there and taking its CPU time and peak resident memory (VmHWM of
  the child: Linux carries the parent's peak into a child's ru_maxrss across exec).

`--new-sites` leaves the registry empty, so that the import registers every site (the most
memory an import of the file can take); `--json` prints the results as one JSON line (the
memory test of tests/ingest/test_memory.py reads it) and skips the DuckDB yardstick.

Prints rows/s end to end, the import's CPU time and the load average (the machine is shared:
wall time alone says little when other processes run), peak memory and the ratio to DuckDB.
Targets on a 2-core machine: >= 100,000 rows/s, peak < 2 GiB, ratio < 10. Results go in
docs/performance.md ("Import").
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

OPERATION = "bench-op"
SEX_AGE = [f"ind_{s}_{a}" for s in ("f", "m") for a in ("lt1", "1_5", "6_17", "18_59", "60p")]
SHARE = np.array([0.02, 0.08, 0.2, 0.15, 0.05, 0.02, 0.08, 0.2, 0.15, 0.05])


def _django(home: Path, database_url: str | None = None) -> None:
    """A SQLite database in `home`, or the PostgreSQL database `database_url` names (it must
    be migrated and hold no operation `bench-op`)."""
    os.environ["OPENDTM_HOME"] = str(home)
    os.environ.setdefault("OPENDTM_USER", "bench")
    if database_url:
        os.environ["DATABASE_URL"] = database_url
    else:
        os.environ.pop("DATABASE_URL", None)
    from opendtm.cli.bootstrap import setup_django

    setup_django()


def _gazetteer(actor: Any, synthetic: bool) -> str:
    """Load the built-in PHL gazetteer, else a synthetic one of 40,000 barangays."""
    if not synthetic:
        try:
            from opendtm.gazetteer.services import gazetteer_load

            gazetteer_load(path=None, country_iso3="PHL", builtin=True, actor=actor)
            return "built-in PHL (PSGC)"
        except Exception as exc:  # the bench still runs on a synthetic gazetteer
            print(f"built-in gazetteer unavailable ({type(exc).__name__}: {exc}); synthetic")
    from opendtm.gazetteer.models import AdminUnit, GazetteerVersion

    version = GazetteerVersion.objects.create(
        country_iso3="PHL", label="synthetic", source="bench", sha256="0" * 64
    )
    country = AdminUnit.objects.create(
        country_iso3="PHL", pcode="PH", name="Philippines", level=0, introduced_in=version
    )
    rng = np.random.default_rng(7)
    parents = [country]
    for level, fanout, digits in ((1, 17, 2), (2, 5, 3), (3, 10, 2), (4, 48, 3)):
        units = [
            AdminUnit(
                country_iso3="PHL",
                pcode=f"{p.pcode}{i:0{digits}d}",
                name=f"Unit {p.pcode}{i:0{digits}d}",
                level=level,
                parent=p,
                latitude=float(rng.uniform(6, 18)),
                longitude=float(rng.uniform(118, 126)),
                introduced_in=version,
            )
            for p in parents
            for i in range(1, fanout + 1)
        ]
        parents = AdminUnit.objects.bulk_create(units, batch_size=5000)
    return "synthetic PHL (40,800 barangays)"


def setup(
    home: Path, rows: int, synthetic: bool, new_sites: bool = False, database_url: str | None = None
) -> dict[str, Any]:
    """Database, gazetteer, operation, open round, registered sites and the CSV to import."""
    _django(home, database_url)
    from opendtm.accounts.services import user_for_cli
    from opendtm.gazetteer.models import AdminUnit
    from opendtm.operations.models import Operation, Round

    actor = user_for_cli()
    started = time.perf_counter()
    source = _gazetteer(actor, synthetic)
    loaded = time.perf_counter() - started
    barangays = pl.DataFrame(
        list(
            AdminUnit.objects.filter(
                country_iso3="PHL", level=4, latitude__isnull=False
            ).values_list(
                "pk",
                "pcode",
                "parent__pcode",
                "parent__parent__pcode",
                "parent__parent__parent__pcode",
                "latitude",
                "longitude",
            )
        ),
        schema=["unit_id", "adm4", "adm3", "adm2", "adm1", "lat", "lon"],
        orient="row",
    )
    operation = Operation.objects.create(
        code=OPERATION,
        name="Benchmark",
        country_iso3="PHL",
        crisis_type="typhoon",
        start_date="2026-11-01",
        mcof_phase="during",
        location_level=4,
        created_by=actor,
    )
    round_ = Round.objects.create(operation=operation, number=1, start_date="2026-11-01")
    rng = np.random.default_rng(42)
    pick = barangays[rng.integers(0, barangays.height, rows)]
    site_ids = [f"S-{i:07d}" for i in range(1, rows + 1)]
    started = time.perf_counter()
    if not new_sites:
        _sites_register(operation, actor, site_ids, pick.get_column("unit_id"))
    registered = time.perf_counter() - started
    path = home / "site_assessment.csv"
    _write_csv(path, pick, site_ids, rng)
    return {
        "gazetteer": source,
        "gazetteer_load_s": loaded,
        "sites_register_s": registered,
        "path": str(path),
        "round": round_.number,
    }


def _sites_register(operation: Any, actor: Any, site_ids: list[str], units: pl.Series) -> None:
    """Register the sites as a bench fixture: the generated rows are valid by construction, so
    they go straight through the bulk fast path (`core.bulk`), a column per field, instead
    of model instances (Django's bulk_create took 192 s for a million sites)."""
    from django.db import connection, transaction
    from django.utils import timezone

    from opendtm.core.bulk import rows_insert
    from opendtm.operations.models import Site

    now = connection.ops.adapt_datetimefield_value(timezone.now())
    frame = pl.DataFrame({"site_id": site_ids, "admin_unit_id": units}).select(
        operation_id=pl.lit(operation.pk, pl.Int64),
        site_id="site_id",
        name=pl.format("Site {}", "site_id"),
        site_type=pl.lit("evacuation_centre"),
        admin_unit_id="admin_unit_id",
        latitude=pl.lit(None, pl.Float64),
        longitude=pl.lit(None, pl.Float64),
        opened_on=pl.lit(None, pl.Utf8),
        status=pl.lit("open"),
        closed_on=pl.lit(None, pl.Utf8),
        closure_reason=pl.lit(""),
        created_at=pl.lit(str(now)),
        updated_at=pl.lit(str(now)),
        created_by_id=pl.lit(actor.pk, pl.Int64),
    )
    with transaction.atomic():
        for part in frame.iter_slices(100_000):
            rows_insert(Site, part.columns, part.rows())


def _write_csv(path: Path, pick: pl.DataFrame, site_ids: list[str], rng: Any) -> None:
    """A KoboToolbox-style CSV: group paths in headers, one geopoint column, _uuid etc."""
    n = pick.height
    hh = rng.integers(1, 400, n)
    size = rng.integers(2, 8, n)
    ind = hh * size
    groups = np.floor(ind[:, None] * SHARE[None, :]).astype(np.int64)
    groups[:, 3] += ind - groups.sum(axis=1)  # the groups add up to ind
    lat = pick.get_column("lat").to_numpy() + rng.normal(0, 0.01, n)
    lon = pick.get_column("lon").to_numpy() + rng.normal(0, 0.01, n)
    needs = np.array(["shelter", "food", "water", "health", "nfi", "cash"])
    frame = pl.DataFrame(
        {
            "start": ["2026-11-10T08:00:00.000+08:00"] * n,
            "end": ["2026-11-10T08:40:00.000+08:00"] * n,
            "general/assessment_date": ["2026-11-10"] * n,
            "general/enumerator_code": [f"E{i % 50:02d}" for i in range(n)],
            "site/site_id": site_ids,
            "site/site_name": [f"Site {s}" for s in site_ids],
            "site/site_type": ["evacuation_centre"] * n,
            "site/site_status": ["open"] * n,
            "site/site_management": rng.choice(["yes", "no"], n),
            "location/adm1_pcode": pick.get_column("adm1"),
            "location/adm2_pcode": pick.get_column("adm2"),
            "location/adm3_pcode": pick.get_column("adm3"),
            "location/adm4_pcode": pick.get_column("adm4"),
            "location/gps": [f"{a:.6f} {b:.6f} 12.0 5.0" for a, b in zip(lat, lon, strict=True)],
            "population/hh": hh,
            "population/ind": ind,
            **{f"population/{name}": groups[:, i] for i, name in enumerate(SEX_AGE)},
            "vulnerability/pwd_ind": np.minimum(ind, rng.integers(0, 5, n)),
            "vulnerability/plw_ind": np.minimum(ind, rng.integers(0, 5, n)),
            "vulnerability/uasc_ind": np.minimum(ind, rng.integers(0, 2, n)),
            "vulnerability/older_alone_ind": np.minimum(ind, rng.integers(0, 3, n)),
            "population/arrivals_ind": rng.integers(0, 50, n),
            "population/departures_ind": rng.integers(0, 20, n),
            "shelter/hh_no_shelter": np.minimum(hh, rng.integers(0, 10, n)),
            "shelter/covered_area_m2": np.round(ind * rng.uniform(2, 5, n), 1),
            "wash/water_source": rng.choice(["piped", "trucking", "borehole"], n),
            "wash/water_lpd": np.round(rng.uniform(5, 25, n), 1),
            "wash/taps": rng.integers(0, 10, n),
            "wash/latrines": rng.integers(0, 20, n),
            "wash/showers": rng.integers(0, 10, n),
            "wash/latrines_separated": rng.choice(["yes", "no"], n),
            "wash/handwashing": rng.choice(["yes", "no"], n),
            "health/health_access": rng.choice(["on_site", "lt_5km", "gt_5km"], n),
            "health/diseases": rng.choice(["none", "diarrhoea fever", "respiratory"], n),
            "services/food_access": rng.choice(["regular", "irregular"], n),
            "services/children_in_school": rng.choice(["most", "some", "few"], n),
            "services/lighting": rng.choice(["adequate", "partial", "none"], n),
            "protection/security_incidents": rng.choice(["yes", "no"], n),
            "protection/gbv_referral": rng.choice(["yes", "no"], n),
            "protection/cfm": rng.choice(["yes", "no"], n),
            "needs/priority_need_1": needs[rng.integers(0, 2, n)],
            "needs/priority_need_2": needs[rng.integers(2, 4, n)],
            "needs/priority_need_3": needs[rng.integers(4, 6, n)],
            "_id": np.arange(1, n + 1),
            "_uuid": [f"{i:08x}-0000-4000-8000-{i * 7919 % 10**12:012d}" for i in range(n)],
            "_submission_time": ["2026-11-10T09:00:00"] * n,
            "_index": np.arange(1, n + 1),
        }
    )
    frame.write_csv(path)


def duckdb_read(path: str) -> float:
    import duckdb

    con = duckdb.connect()
    started = time.perf_counter()
    con.execute(f"CREATE TABLE t AS SELECT * FROM read_csv('{path}')")
    elapsed = time.perf_counter() - started
    con.close()
    return elapsed


def run_import(
    home: Path, path: str, round_number: int, database_url: str | None = None
) -> dict[str, Any]:
    """In the child process: the timed import, as a user would run it."""
    _django(home, database_url)
    from opendtm.accounts.services import user_for_cli
    from opendtm.ingest.services import import_commit
    from opendtm.operations.models import Operation, Round

    actor = user_for_cli()
    operation = Operation.objects.get(code=OPERATION)
    round_ = Round.objects.get(operation=operation, number=round_number)
    before = resource.getrusage(resource.RUSAGE_SELF)
    cpu_before = before.ru_utime + before.ru_stime
    started = time.perf_counter()
    result = import_commit(
        operation=operation,
        round=round_,
        form_id="dtm_site",
        path=Path(path),
        actor=actor,
        report_path=home / "site_assessment.report.csv",
    )
    elapsed = time.perf_counter() - started
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return {
        "seconds": elapsed,
        "cpu_seconds": usage.ru_utime + usage.ru_stime - cpu_before,
        "read": result.rows_read,
        "accepted": result.rows_accepted,
        "rejected": result.rows_rejected,
        "flagged": result.rows_flagged,
        "new": result.rows_new,
        "sites_registered": result.sites_registered,
        "peak_kib": next(
            int(line.split()[1])
            for line in Path("/proc/self/status").read_text().splitlines()
            if line.startswith("VmHWM:")
        ),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--home", type=Path)
    parser.add_argument("--synthetic", action="store_true", help="Skip the built-in gazetteer.")
    parser.add_argument("--new-sites", action="store_true", help="Register no site beforehand.")
    parser.add_argument("--json", action="store_true", help="Results as one JSON line.")
    parser.add_argument("--database-url", help="A migrated PostgreSQL database (default: SQLite).")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--path", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(run_import(args.home, args.path, 1, args.database_url)))
        return 0
    home = args.home or Path(tempfile.mkdtemp(prefix="opendtm-bench-"))
    home.mkdir(parents=True, exist_ok=True)
    prepared = setup(home, args.rows, args.synthetic, args.new_sites, args.database_url)
    size = Path(prepared["path"]).stat().st_size
    duck = None if args.json else duckdb_read(prepared["path"])
    load_before = os.getloadavg()[0]
    child = subprocess.run(
        [sys.executable, __file__, "--child", "--home", str(home), "--path", prepared["path"]]
        + (["--database-url", args.database_url] if args.database_url else []),
        capture_output=True,
        text=True,
        check=False,
    )
    if child.returncode != 0:
        print(child.stdout, child.stderr, file=sys.stderr)
        return 1
    result = json.loads(child.stdout.strip().splitlines()[-1])
    if duck is None:
        print(json.dumps({**result, "file_bytes": size}))
        return 0
    rate = result["read"] / result["seconds"]
    print(
        f"machine: {os.cpu_count()} cores, "
        f"{os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30:.1f} GiB RAM"
    )
    print(f"gazetteer: {prepared['gazetteer']} (loaded in {prepared['gazetteer_load_s']:.1f} s)")
    print(
        f"file: {args.rows:,} rows, {size / 2**20:.0f} MiB; sites pre-registered in "
        f"{prepared['sites_register_s']:.1f} s"
    )
    print(
        f"import: {result['seconds']:.2f} s, {rate:,.0f} rows/s; read {result['read']:,}, "
        f"accepted {result['accepted']:,}, rejected {result['rejected']:,}, "
        f"flagged {result['flagged']:,}, new {result['new']:,}"
    )
    print(
        f"import CPU time (all threads): {result['cpu_seconds']:.1f} s; load average "
        f"{load_before:.1f} before, {os.getloadavg()[0]:.1f} after (other processes share the "
        "cores: wall time is only comparable at a similar load)"
    )
    print(f"peak memory of the import process: {result['peak_kib'] / 2**20:.2f} GiB")
    print(f"duckdb read_csv: {duck:.2f} s; ratio {result['seconds'] / duck:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
