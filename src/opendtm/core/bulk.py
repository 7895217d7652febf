"""Bulk writes of many rows through each driver's fast path, inside the caller's transaction.

A national gazetteer is 40,000-odd units, an import or a round's snapshot hundreds of thousands
of rows. Django's bulk_create spends ten times the database's own time building model objects
and SQL, and Django's cursor binds every parameter in Python, so rows go in the way each driver
is fastest:
- SQLite: `executemany` of one prepared statement (the sqlite3 module loops in C), a chunk of
  rows at a time so a generator of rows is never all in memory;
- PostgreSQL: COPY through psycopg on the same connection, and for updates COPY into a
  temporary table, then one UPDATE ... FROM.
Both paths take the same rows and leave the same result; tests run on both databases. This is
the one writer of the project: gazetteer loads, imports, site registrations and snapshots.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from itertools import chain, islice
from typing import Any

from django.db import connection, models

_SQLITE_CHUNK = 10_000


def _quote(name: str) -> str:
    return connection.ops.quote_name(name)


def _table(model: type[models.Model]) -> str:
    return _quote(model._meta.db_table)


def _columns(model: type[models.Model], names: Sequence[str]) -> list[str]:
    """The table columns of `names`, each a field name ("unit"), attname ("unit_id") or column.

    A name that is none of these is a programming error, refused before anything is written.
    """
    column_of: dict[str, str] = {}
    for field in model._meta.concrete_fields:
        column = str(field.column)
        column_of |= {field.name: column, field.attname: column, column: column}
    unknown = [n for n in names if n not in column_of]
    if unknown:
        raise ValueError(f"{model.__name__} has no column {', '.join(unknown)}")
    return [column_of[n] for n in names]


def rows_insert(
    model: type[models.Model], names: Sequence[str], rows: Iterable[Sequence[Any]]
) -> None:
    """INSERT rows (tuples in the order of `names`) into the model's table.

    Values go as the database takes them (dates and datetimes as the driver adapts them, None
    as NULL); no default, signal or `save()` runs. No row: no query.
    """
    iterator = iter(rows)
    first = next(iterator, None)
    if first is None:
        return
    every = chain((first,), iterator)
    columns = ", ".join(_quote(c) for c in _columns(model, names))
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {_table(model)} ({columns}) FROM STDIN") as copy:
                for row in every:
                    copy.write_row(row)
            return
        marks = ", ".join(["%s"] * len(names))
        sql = f"INSERT INTO {_table(model)} ({columns}) VALUES ({marks})"
        while chunk := list(islice(every, _SQLITE_CHUNK)):
            cursor.executemany(sql, chunk)


def rows_update(
    model: type[models.Model],
    keys: Sequence[str],
    names: Sequence[str],
    rows: Sequence[Sequence[Any]],
) -> None:
    """UPDATE the rows whose `keys` match: each row is (*key values, *new values of `names`)."""
    if not rows:
        return
    table = _table(model)
    key_columns, columns = _columns(model, keys), _columns(model, names)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            every = ", ".join(_quote(c) for c in (*key_columns, *columns))
            cursor.execute(
                f"CREATE TEMPORARY TABLE opendtm_bulk_update ON COMMIT DROP AS "
                f"SELECT {every} FROM {table} WITH NO DATA"
            )
            with cursor.cursor.copy(f"COPY opendtm_bulk_update ({every}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            sets = ", ".join(f"{_quote(c)} = u.{_quote(c)}" for c in columns)
            match = " AND ".join(f"{table}.{_quote(k)} = u.{_quote(k)}" for k in key_columns)
            cursor.execute(f"UPDATE {table} SET {sets} FROM opendtm_bulk_update u WHERE {match}")
            cursor.execute("DROP TABLE opendtm_bulk_update")
            return
        sets = ", ".join(f"{_quote(c)} = %s" for c in columns)
        match = " AND ".join(f"{_quote(k)} = %s" for k in key_columns)
        sql = f"UPDATE {table} SET {sets} WHERE {match}"
        width = len(keys)
        params = [(*row[width:], *row[:width]) for row in rows]
        for start in range(0, len(params), _SQLITE_CHUNK):
            cursor.executemany(sql, params[start : start + _SQLITE_CHUNK])


def tables_analyze(*tables: type[models.Model]) -> None:
    """Refresh the planner's statistics after a bulk write (same SQL on both databases).

    Without them PostgreSQL plans the first queries after loading 100,000 rows as if the
    tables were still empty (nested loops over sequential scans: minutes instead of
    milliseconds), until autovacuum gets to them.
    """
    with connection.cursor() as cursor:
        for model in tables:
            cursor.execute(f"ANALYZE {_table(model)}")
