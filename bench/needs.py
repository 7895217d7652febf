"""Benchmark: the needs figures of one round of N locations and S sites (default 100,000 and
10,000).

    .venv/bin/python bench/needs.py [--locations N] [--sites S] [--home DIR] [--runs R]

Builds the database of bench/figures.py (a synthetic gazetteer shaped like the Philippines'
with the locations as barangays, one public operation, one open round of N baseline
assessments and S site assessments, written in bulk), then fills in what the needs rule set
reads: for the locations, IDP households in sites and in makeshift shelter and the priority
needs named; for the sites, every indicator of `sphere-2018-v2` (water, taps, latrines,
bathing facilities, shelter, covered area, and the answers), spread over every level. Then it
times every needs query:

- live, while the round is open (an administrator: exact values, computed from the stored
  assessments with Polars);
- the publication, which builds the figures' snapshot and the stored needs figures;
- from the stored figures, as the public reads them (small counts suppressed); median of R.

It checks that the published round's exact figures (read from what was stored) are the rows
computed live before publishing. Targets on a 2-core machine: live under 1 s, published under
50 ms. Results go in docs/performance.md ("Needs figures").
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent


def _figures_bench() -> Any:
    """bench/figures.py as a module: its database setup is this benchmark's."""
    spec = importlib.util.spec_from_file_location("bench_figures", HERE / "figures.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def needs_fields_fill() -> None:
    """What the needs rule set reads, on every stored row, in one UPDATE per table: values
    spread by row id so every severity level occurs."""
    from django.db import connection

    from opendtm.mobility.models import BaselineAssessment, SiteAssessment

    baseline = BaselineAssessment._meta.db_table
    sites = SiteAssessment._meta.db_table
    needs = (
        'CASE id % 5 WHEN 0 THEN \'["food", "water"]\' WHEN 1 THEN \'["shelter"]\' '
        "WHEN 2 THEN '[\"health\", \"food\"]' WHEN 3 THEN '[\"education\"]' ELSE '[]' END"
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {baseline} SET "
            "idp_hh_sites = CASE WHEN id % 10 = 0 THEN idp_hh / 4 ELSE 0 END, "
            "idp_hh_makeshift = (idp_hh * (id % 7)) / 10, "
            f"priority_needs = {needs} WHERE idp_hh > 0"
        )
        cursor.execute(
            f"UPDATE {sites} SET "
            "water_lpd = (id % 20) * 1.0, taps = ind / (100 + id % 900), "
            "latrines = ind / (10 + id % 100), showers = ind / (30 + id % 200), "
            "hh_no_shelter = (hh * (id % 6)) / 10, covered_area_m2 = ind * (1.0 + id % 4), "
            "latrines_separated = (id % 3 != 0), handwashing = (id % 4 != 0), "
            "health_access = CASE id % 4 WHEN 0 THEN 'on_site' WHEN 1 THEN 'lt_5km' "
            "WHEN 2 THEN 'gt_5km' ELSE 'none' END, "
            "food_access = CASE id % 3 WHEN 0 THEN 'regular' WHEN 1 THEN 'irregular' "
            "ELSE 'none' END, "
            "children_in_school = CASE id % 4 WHEN 0 THEN 'most' WHEN 1 THEN 'some' "
            "WHEN 2 THEN 'few' ELSE 'none' END, "
            "lighting = CASE id % 3 WHEN 0 THEN 'adequate' WHEN 1 THEN 'partial' "
            "ELSE 'none' END, "
            "security_incidents = (id % 5 = 0), gbv_referral = (id % 2 = 0), "
            "cfm = (id % 3 != 0), site_management = (id % 4 != 0), "
            "priority_need_1 = CASE id % 4 WHEN 0 THEN 'food' WHEN 1 THEN 'water' "
            "WHEN 2 THEN 'shelter' ELSE 'health' END, "
            "priority_need_2 = CASE id % 3 WHEN 0 THEN 'water' WHEN 1 THEN 'food' "
            "ELSE NULL END"
        )


def _queries(user: Any, operation: Any, exact: bool) -> dict[str, Callable[[], Any]]:
    from opendtm.needs import queries as q

    one = {"user": user, "operation": operation, "round_number": 1}
    return {
        "by admin, level 0 (8 rows)": lambda: q.needs_by_admin(**one, level=0, exact=exact),
        "by admin, level 1 (17 units)": lambda: q.needs_by_admin(**one, level=1, exact=exact),
        "by admin, level 2 (102 units)": lambda: q.needs_by_admin(**one, level=2, exact=exact),
        "by admin, level 2, one sector": lambda: q.needs_by_admin(
            **one, level=2, sector="wash", exact=exact
        ),
        "by admin, level 3 (2,040 units)": lambda: q.needs_by_admin(**one, level=3, exact=exact),
        "by admin, level 4 in one province": lambda: q.needs_by_admin(
            **one, level=4, parent_pcode="PH01001", exact=exact
        ),
        "priority needs, level 1": lambda: q.needs_priority(**one, level=1, exact=exact),
        "priority needs, level 2": lambda: q.needs_priority(**one, level=2, exact=exact),
    }


def _time(call: Callable[[], Any], runs: int) -> tuple[float, Any]:
    times, answer = [], None
    for _ in range(runs):
        started = time.perf_counter()
        answer = call()
        times.append(time.perf_counter() - started)
    return statistics.median(times), answer


def _rows(answer: Any) -> int:
    import polars as pl

    return int(answer.height if isinstance(answer, pl.DataFrame) else answer.rows.height)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--locations", type=int, default=100_000)
    parser.add_argument("--sites", type=int, default=10_000)
    parser.add_argument("--home", type=Path)
    parser.add_argument("--live-runs", type=int, default=1)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    home = args.home or Path(tempfile.mkdtemp(prefix="opendtm-bench-needs-"))
    home.mkdir(parents=True, exist_ok=True)
    sites = min(args.sites, args.locations // 2)
    prep = _figures_bench().setup(home, args.locations, sites)
    needs_fields_fill()
    from django.contrib.auth.models import AnonymousUser

    from opendtm.needs.models import NeedsSnapshotPart
    from opendtm.needs.queries import needs_by_admin, site_severity
    from opendtm.operations.services import round_publish, round_validate

    operation, actor = prep["operation"], prep["actor"]
    print(
        f"machine: {os.cpu_count()} cores, "
        f"{os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30:.1f} GiB RAM"
    )
    print(
        f"data: {args.locations:,} locations, {sites:,} sites, {prep['units']:,} admin units "
        f"(loaded in {prep['load_s']:.1f} s)"
    )
    live = {
        name: _time(call, args.live_runs) for name, call in _queries(actor, operation, True).items()
    }
    severity_s, ranked = _time(
        lambda: site_severity(user=actor, operation=operation), args.live_runs
    )
    before = {level: needs_by_admin(user=actor, operation=operation, level=level, exact=True)
              for level in (1, 2, 3)}  # fmt: skip
    started = time.perf_counter()
    round_validate(round=prep["round"], actor=actor)
    round_publish(round=prep["round"], actor=actor)
    published = time.perf_counter() - started
    parts = list(NeedsSnapshotPart.objects.values_list("rows", "data"))
    print(
        f"publish (figures snapshot and stored needs figures): {published:.1f} s; "
        f"stored needs rows: {sum(r for r, _ in parts):,} in {len(parts)} parts, "
        f"{sum(len(d) for _, d in parts) / 2**20:.1f} MiB"
    )
    same = all(
        needs_by_admin(user=actor, operation=operation, level=level, exact=True).rows.equals(
            frame.rows
        )
        for level, frame in before.items()
    )
    print(f"published exact figures == live figures before publishing: {'yes' if same else 'NO'}")
    stored = {
        name: _time(call, args.runs)
        for name, call in _queries(AnonymousUser(), operation, False).items()
    }
    width = max(len(name) for name in live)
    print(f"{'query':<{width}}  {'live s':>8}  {'published s':>11}  {'rows':>6}")
    for name, (seconds, answer) in live.items():
        print(f"{name:<{width}}  {seconds:8.3f}  {stored[name][0]:11.3f}  {_rows(answer):6,}")
    print(
        f"{'site severity, every site':<{width}}  {severity_s:8.3f}  {'':>11}  {ranked.height:6,}"
    )
    print(f"slowest live: {max(s for s, _ in live.values()):.3f} s")
    print(f"slowest published: {max(s for s, _ in stored.values()):.3f} s")
    across = before[1].rows.filter(before[1].rows["sector"] == "intersectoral")
    print(
        f"intersectoral people in need (level 1, exact): {int(across['pin_ind'].sum()):,} "
        f"of {int(across['assessed'].sum()):,} assessed"
    )
    print(f"peak memory: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20:.2f} GiB")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
