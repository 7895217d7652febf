"""Bulk writes of many rows through each driver's fast path, inside the caller's transaction.

A national gazetteer is 40,000-odd units and twice as many codes. Django's bulk_create spends
ten times the database's own time building model objects and SQL, and one statement per row is
slow on PostgreSQL, so the rows go in the way each driver is fastest:
- SQLite: `executemany` of one prepared statement (the sqlite3 module loops in C);
- PostgreSQL: COPY (psycopg), and for updates COPY into a temporary table, then one
  UPDATE ... FROM.
Both paths take the same rows and leave the same result; tests run on both databases.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import connection, models

_SQLITE_BATCH = 10_000


def _quote(name: str) -> str:
    return connection.ops.quote_name(name)


def _table(model: type[models.Model]) -> str:
    return _quote(model._meta.db_table)


def rows_insert(
    model: type[models.Model], columns: Sequence[str], rows: Sequence[Sequence[Any]]
) -> None:
    """INSERT rows (tuples in the order of `columns`) into the model's table."""
    if not rows:
        return
    names = ", ".join(_quote(c) for c in columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {_table(model)} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return
        marks = ", ".join(["%s"] * len(columns))
        sql = f"INSERT INTO {_table(model)} ({names}) VALUES ({marks})"
        for start in range(0, len(rows), _SQLITE_BATCH):
            cursor.executemany(sql, rows[start : start + _SQLITE_BATCH])


def rows_update(
    model: type[models.Model],
    keys: Sequence[str],
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
) -> None:
    """UPDATE the rows whose `keys` match: each row is (*key values, *new column values)."""
    if not rows:
        return
    table = _table(model)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            every = ", ".join(_quote(c) for c in (*keys, *columns))
            cursor.execute(
                f"CREATE TEMPORARY TABLE opendtm_bulk_update ON COMMIT DROP AS "
                f"SELECT {every} FROM {table} WITH NO DATA"
            )
            with cursor.cursor.copy(f"COPY opendtm_bulk_update ({every}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            sets = ", ".join(f"{_quote(c)} = u.{_quote(c)}" for c in columns)
            match = " AND ".join(f"{table}.{_quote(k)} = u.{_quote(k)}" for k in keys)
            cursor.execute(f"UPDATE {table} SET {sets} FROM opendtm_bulk_update u WHERE {match}")
            cursor.execute("DROP TABLE opendtm_bulk_update")
            return
        sets = ", ".join(f"{_quote(c)} = %s" for c in columns)
        match = " AND ".join(f"{_quote(k)} = %s" for k in keys)
        sql = f"UPDATE {table} SET {sets} WHERE {match}"
        width = len(keys)
        params = [(*row[width:], *row[:width]) for row in rows]
        for start in range(0, len(params), _SQLITE_BATCH):
            cursor.executemany(sql, params[start : start + _SQLITE_BATCH])


def tables_analyze(*tables: type[models.Model]) -> None:
    """Refresh the planner's statistics after a bulk write (same SQL on both databases).

    Without them PostgreSQL plans the first queries after loading 100,000 rows as if the
    tables were still empty (nested loops over sequential scans: minutes instead of
    milliseconds), until autovacuum gets to them.
    """
    with connection.cursor() as cursor:
        for model in tables:
            cursor.execute(f"ANALYZE {_table(model)}")
