"""Time the gazetteer on the full Philippines: built-in load, reload, a national file with
changes, code resolution and name matching. Prints one line per step.

    .venv/bin/python bench/gazetteer_load.py                 # embedded SQLite in a temp folder
    DATABASE_URL=postgresql://u:p@host:5432/empty_db .venv/bin/python bench/gazetteer_load.py

The database must hold no Philippine gazetteer yet (use a fresh one): the first step measures
a load from nothing. Results are recorded in docs/performance.md ("Gazetteer load").
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
    print(f"{label:<58} {time.perf_counter() - started:7.2f} s", flush=True)
    return result


def counts(result: Any) -> str:
    total = result.total()
    return (
        f"created {total.created}, updated {total.updated}, unchanged {total.unchanged}, "
        f"retired {total.retired}"
    )


def main() -> None:
    from opendtm.cli.bootstrap import setup_django

    timed("set up Django and the database schema", setup_django)
    import polars as pl
    from django.db import connection

    from opendtm.accounts.services import user_for_cli
    from opendtm.gazetteer.builtin import builtin_table
    from opendtm.gazetteer.matching import names_match
    from opendtm.gazetteer.models import AdminUnit
    from opendtm.gazetteer.queries import units_resolve
    from opendtm.gazetteer.services import gazetteer_load

    if AdminUnit.objects.filter(country_iso3="PHL").exists():
        sys.exit("The database already holds a PHL gazetteer: run the benchmark on a fresh one.")
    with connection.cursor() as cursor:
        cursor.execute(
            "select sqlite_version()" if connection.vendor == "sqlite" else "show server_version"
        )
        server = cursor.fetchone()[0]
    python = platform.python_version()
    print(f"database: {connection.vendor} {server}; python {python}; {os.cpu_count()} CPUs")
    actor = user_for_cli()

    def builtin() -> Any:
        return gazetteer_load(path=None, country_iso3="PHL", builtin=True, actor=actor)

    first = timed("load --builtin PHL (from nothing)", builtin)
    print(f"    {counts(first)}; codes {first.codes_added}, names {first.names_added}")
    again = timed("load --builtin PHL again (nothing changes)", builtin)
    print(f"    {counts(again)}")

    # A national file in the long layout, as an office would receive a new edition: every
    # barangay's population changed, 200 barangays gone, 200 new, 100 renamed.
    units = builtin_table("PHL").mentions.select(
        "pcode", "name", "level", "parent_pcode", "population", "latitude", "longitude"
    )
    rng = random.Random(7)
    barangays = units.filter(pl.col("level") == 4)["pcode"].to_list()
    gone = set(rng.sample(barangays, 200))
    renamed = set(rng.sample(sorted(set(barangays) - gone), 100))
    edited = units.filter(~pl.col("pcode").is_in(list(gone))).with_columns(
        pl.when(pl.col("level") == 4)
        .then(pl.col("population") + 1)
        .otherwise(pl.col("population"))
        .alias("population"),
        pl.when(pl.col("pcode").is_in(list(renamed)))
        .then(pl.col("name") + " Proper")
        .otherwise(pl.col("name"))
        .alias("name"),
    )
    new = (
        edited.filter(pl.col("level") == 4)
        .head(200)
        .with_columns(
            (pl.col("parent_pcode") + pl.int_range(900, 1100).cast(pl.Utf8)).alias("pcode"),
            (pl.lit("New barangay ") + pl.int_range(1, 201).cast(pl.Utf8)).alias("name"),
        )
    )
    folder = Path(tempfile.mkdtemp(prefix="opendtm-bench-files-"))
    national = folder / "phl-edition-2.csv"
    pl.concat([edited, new]).write_csv(national)
    print(f"    national file: {national.stat().st_size / 1e6:.1f} MB, {edited.height + 200} rows")

    def edition() -> Any:
        return gazetteer_load(path=national, country_iso3="PHL", actor=actor)

    second = timed("load a national CSV edition (42k changes)", edition)
    print(f"    {counts(second)}")
    third = timed("load the same national CSV again (nothing changes)", edition)
    print(f"    {counts(third)}")

    codes = [c for (c,) in AdminUnit.objects.filter(country_iso3="PHL").values_list("pcode")]
    sample = [rng.choice(codes).lower() for _ in range(100_000)]
    found = timed(
        "resolve 100,000 codes (units_resolve)",
        lambda: units_resolve(country_iso3="PHL", codes=sample),
    )
    print(f"    resolved {sum(u is not None for u in found.values())} distinct of {len(found)}")

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
        "match 10,000 barangay names with their parent's name",
        lambda: names_match(country_iso3="PHL", names=names, level=4),
    )
    print(f"    {dict(Counter(m.status.value for m in matches))}")


if __name__ == "__main__":
    main()
