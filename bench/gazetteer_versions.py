"""Time gazetteer versions on the full Philippines: the COD-AB 2023 edition loaded first, then the
built-in PSGC on top of it (with the crosswalk built between them), then resolving 100,000 codes,
matching 10,000 names and listing the crosswalk. Prints one line per step.

    .venv/bin/python bench/gazetteer_versions.py                 # embedded SQLite, temp folder
    DATABASE_URL=postgresql://u:p@host:5432/empty_db .venv/bin/python bench/gazetteer_versions.py

The database must hold no Philippine gazetteer yet. Targets (issue 7, 2-core machine): load
including the crosswalk < 30 s, 100,000 codes resolved < 2 s, 10,000 names matched < 10 s.
Results are recorded in docs/performance.md ("Gazetteer versions and resolution").
"""

from __future__ import annotations

import os
import platform
import random
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

if not os.environ.get("DATABASE_URL"):
    os.environ.setdefault("OPENDTM_HOME", tempfile.mkdtemp(prefix="opendtm-bench-"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "opendtm.settings")


def timed(label: str, step: Callable[[], Any]) -> Any:
    started = time.perf_counter()
    result = step()
    print(f"{label:<62} {time.perf_counter() - started:7.2f} s", flush=True)
    return result


def main() -> None:
    from opendtm.cli.bootstrap import setup_django

    timed("set up Django and the database schema", setup_django)
    from django.db import connection

    from opendtm.accounts.services import user_for_cli
    from opendtm.gazetteer.builtin import cod_ab_2023_table
    from opendtm.gazetteer.matching import names_match
    from opendtm.gazetteer.models import AdminUnit, AdminUnitCode
    from opendtm.gazetteer.queries import accepted_parents_frame, crosswalk_between
    from opendtm.gazetteer.resolution import code_resolve, codes_resolve
    from opendtm.gazetteer.services import gazetteer_load

    if AdminUnit.objects.filter(country_iso3="PHL").exists():
        sys.exit("The database already holds a PHL gazetteer: run the benchmark on a fresh one.")
    with connection.cursor() as cursor:
        cursor.execute(
            "select sqlite_version()" if connection.vendor == "sqlite" else "show server_version"
        )
        server = cursor.fetchone()[0]
    print(
        f"database: {connection.vendor} {server}; python {platform.python_version()}; "
        f"{os.cpu_count()} CPUs"
    )
    actor = user_for_cli()
    folder = Path(tempfile.mkdtemp(prefix="opendtm-bench-files-"))
    edition = folder / "phl_cod_ab_2023.csv"
    cod_ab_2023_table().mentions.select("pcode", "name", "level", "parent_pcode").write_csv(edition)
    first = timed(
        "load the COD-AB 2023 edition (long CSV, 43,771 units)",
        lambda: gazetteer_load(
            path=edition, country_iso3="PHL", version_label="cod-ab-2023", actor=actor
        ),
    )
    print(f"    created {first.total().created}")
    second = timed(
        "load --builtin PHL on top of it, crosswalk included",
        lambda: gazetteer_load(path=None, country_iso3="PHL", builtin=True, actor=actor),
    )
    total = second.total()
    print(
        f"    created {total.created}, updated {total.updated}, retired {total.retired}; "
        f"crosswalk {second.changes}"
    )
    changes = timed(
        "crosswalk_between (diff) of the two versions",
        lambda: crosswalk_between(country_iso3="PHL"),
    )
    print(f"    {changes.height} rows")

    rng = random.Random(7)
    pcodes = list(AdminUnit.objects.filter(country_iso3="PHL").values_list("pcode", flat=True))
    others = list(AdminUnitCode.objects.filter(country_iso3="PHL").values_list("code", flat=True))
    sample = []
    for i in range(100_000):
        kind = i % 10
        if kind < 5:
            sample.append(rng.choice(pcodes))
        elif kind < 7:
            sample.append(rng.choice(pcodes).lower().replace("ph", " ph ", 1))
        elif kind < 9:
            sample.append(rng.choice(others))
        else:
            sample.append(f"PH99{rng.randrange(10**6):06d}")
    resolved = timed(
        "codes_resolve of 100,000 codes (frame built included)",
        lambda: codes_resolve(country_iso3="PHL", codes=sample),
    )
    print(f"    {dict(Counter(resolved['status'].to_list()))}")
    timed(
        "code_resolve of one retired code",
        lambda: code_resolve(country_iso3="PHL", code="PH0630200001"),
    )
    parents = timed("accepted_parents_frame", lambda: accepted_parents_frame(country_iso3="PHL"))
    print(f"    {parents.height} (unit, parent) pairs")

    pairs = list(
        AdminUnit.objects.filter(country_iso3="PHL", level=4, retired_in__isnull=True).values_list(
            "name", "parent__name"
        )
    )
    names = [
        (name[:-1] if i % 4 == 0 else name, parent)
        for i, (name, parent) in enumerate(rng.sample(pairs, 10_000))
    ]
    matches = timed(
        "names_match of 10,000 barangay names with their parent's name",
        lambda: names_match(country_iso3="PHL", names=names, level=4),
    )
    print(f"    {dict(Counter(m.status.value for m in matches))}")


if __name__ == "__main__":
    main()
