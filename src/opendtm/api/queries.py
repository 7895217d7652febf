"""Reads of the API app: who a presented token belongs to, an operation by its code, and the
state of an operation's rounds, asked on every request before the response cache is read.

These run on every API request, so they are written as SQL once and only executed: compiling
a Django queryset costs ten times more CPU than running the indexed query it makes (about
0.3 ms against 0.03 ms here), and at a thousand requests a second that is the budget. The
rows become model instances as the ORM would build them (`_Loader`). They decide nothing:
access is still decided by `accounts.roles`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.db import connection, models
from django.db.models import QuerySet
from django.utils import timezone

from opendtm.accounts.roles import is_superuser
from opendtm.api.models import ApiToken
from opendtm.api.services import token_digest
from opendtm.figures.models import FigureSnapshot
from opendtm.gazetteer.models import GazetteerVersion
from opendtm.operations.models import Operation, Round

# `last_used` is refreshed at most this often, so a busy script does not write on every call.
LAST_USED_RESOLUTION = dt.timedelta(minutes=1)

Converter = Callable[[Any, Any, Any], Any]


@dataclass(frozen=True)
class _Loader:
    """How to read a model's row from a hand-written query: its columns (under a table alias)
    and the database converters the ORM would apply to each."""

    model: type[models.Model]
    columns: str
    attnames: tuple[str, ...]
    converters: tuple[tuple[int, tuple[Converter, ...]], ...]

    def load(self, row: Sequence[Any]) -> Any:
        values = list(row[: len(self.attnames)])
        for i, funcs in self.converters:
            for func in funcs:
                values[i] = func(values[i], None, connection)
        return self.model.from_db(connection.alias, list(self.attnames), values)


@cache
def _loader(model: type[models.Model], alias: str, vendor: str) -> _Loader:
    fields = model._meta.concrete_fields
    quote = connection.ops.quote_name
    converters = []
    for i, field in enumerate(fields):
        col = field.get_col(alias)
        funcs = tuple(connection.ops.get_db_converters(col) + field.get_db_converters(connection))
        if funcs:
            converters.append((i, funcs))
    return _Loader(
        model=model,
        columns=", ".join(f"{alias}.{quote(str(f.column))}" for f in fields),
        attnames=tuple(f.attname for f in fields),
        converters=tuple(converters),
    )


@cache
def _token_sql(vendor: str) -> tuple[_Loader, str]:
    user_model = get_user_model()
    users = _loader(user_model, "u", vendor)
    quote = connection.ops.quote_name
    sql = (
        f"SELECT {users.columns}, t.{quote('id')}, t.{quote('last_used')} "
        f"FROM {quote(user_model._meta.db_table)} u "
        f"JOIN {quote(ApiToken._meta.db_table)} t ON t.{quote('user_id')} = u.{quote('id')} "
        f"WHERE t.{quote('digest')} = %s"
    )
    return users, sql


def token_user(secret: str) -> User | None:
    """The active user a token belongs to, or None for an unknown token or inactive user.
    One indexed query (the digest is unique): a deleted token is refused at once."""
    users, sql = _token_sql(connection.vendor)
    with connection.cursor() as cursor:
        cursor.execute(sql, [token_digest(secret.strip())])
        row = cursor.fetchone()
    if row is None:
        return None
    user: User = users.load(row)
    token_id, last_used = row[-2], row[-1]
    if not user.is_active:
        return None
    if last_used is not None and not isinstance(last_used, dt.datetime):
        last_used = ApiToken._meta.get_field("last_used").to_python(last_used)
    if last_used is not None and timezone.is_naive(last_used):
        last_used = timezone.make_aware(last_used, dt.UTC)
    now = timezone.now()
    if last_used is None or now - last_used > LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token_id).update(last_used=now)
    return user


def tokens_visible_to(user: User, *, username: str | None = None) -> QuerySet[ApiToken]:
    """The API tokens `user` may list (their own; an instance administrator's: everyone's),
    of `username` only when given, oldest first. Only names and dates: secrets are not kept."""
    tokens = ApiToken.objects.select_related("user").order_by("pk")
    if not is_superuser(user):
        tokens = tokens.filter(user_id=user.pk)
    return tokens.filter(user__username=username) if username else tokens


def tokens_revoked_visible_to(user: User, *, username: str | None = None) -> QuerySet[Any]:
    """The revocations of API tokens `user` may list (of their own tokens; an instance
    administrator's: everyone's), of `username` only when given, newest first: a revoked token
    is deleted, so the audit trail is where it is still seen (`api.services.token_revoke`)."""
    from opendtm.accounts.models import AuditEvent

    events = AuditEvent.objects.filter(action="api_token_revoke").select_related("actor")
    if not is_superuser(user):
        events = events.filter(changes__user__0=user.username)
    return events.filter(changes__user__0=username) if username else events


@cache
def _operation_sql(vendor: str) -> tuple[_Loader, str]:
    operations = _loader(Operation, "o", vendor)
    quote = connection.ops.quote_name
    sql = (
        f"SELECT {operations.columns} FROM {quote(Operation._meta.db_table)} o "
        f"WHERE o.{quote('code')} = %s"
    )
    return operations, sql


def operation_by_code(code: str) -> Operation | None:
    """The operation with this code (as stored: lower case), whoever may see it."""
    operations, sql = _operation_sql(connection.vendor)
    with connection.cursor() as cursor:
        cursor.execute(sql, [code])
        row = cursor.fetchone()
    return operations.load(row) if row is not None else None


def operations_all() -> list[Operation]:
    """Every operation, by id (a short list: operations are few), whoever may see them."""
    operations, sql = _operation_sql(connection.vendor)
    quote = connection.ops.quote_name
    sql = sql.split(" WHERE ")[0] + f" ORDER BY o.{quote('id')}"
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return [operations.load(row) for row in cursor.fetchall()]


@cache
def _rounds_sql(vendor: str) -> str:
    quote = connection.ops.quote_name
    op, snap = quote("operation_id"), quote("id")
    return (
        f"SELECT r.{op}, r.{quote('number')}, r.{quote('status')}, r.{quote('start_date')}, "
        f"r.{quote('end_date')}, s.{snap}, s.{quote('built_at')}, s.{quote('threshold')}{{more}} "
        f"FROM {quote(Round._meta.db_table)} r LEFT JOIN {quote(FigureSnapshot._meta.db_table)} s "
        f"ON s.{quote('round_id')} = r.{quote('id')} WHERE r.{op} IN ({{ids}}) "
        f"ORDER BY r.{op}, r.{quote('number')}"
    )


@cache
def _gazetteer_sql(vendor: str) -> str:
    quote = connection.ops.quote_name
    return (
        f", (SELECT MAX(g.{quote('id')}) FROM {quote(GazetteerVersion._meta.db_table)} g "
        f"WHERE g.{quote('country_iso3')} = %s)"
    )


def round_states(
    operation_ids: Sequence[int], *, gazetteer_of: str | None = None
) -> list[tuple[Any, ...]]:
    """Every round of these operations as (operation id, number, status, start date, end date,
    snapshot id, snapshot build time, snapshot threshold), by operation then number; the
    snapshot columns are None for a round without a snapshot. With `gazetteer_of` (an ISO3
    code), each row ends with the id of that country's latest gazetteer version: every change
    of a gazetteer is a new version (`gazetteer_load`), so it says whether a code may now lead
    to another unit. Values as the driver returns them (dates may be text on SQLite): meant
    for comparing, not for showing."""
    if not operation_ids:
        return []
    more = _gazetteer_sql(connection.vendor) if gazetteer_of else ""
    sql = _rounds_sql(connection.vendor).format(
        more=more, ids=", ".join(["%s"] * len(operation_ids))
    )
    params: list[Any] = [gazetteer_of] if gazetteer_of else []
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, *operation_ids])
        return [tuple(row) for row in cursor.fetchall()]


# --- what a kept answer depends on ----------------------------------------------------------

_SEPARATOR = "\x1f"  # between the values of a row (no stored code, date or number holds it)


def _row_text(columns: Sequence[str]) -> str:
    """The columns of a row as one text, NULL told apart from an empty text."""
    return f" || '{_SEPARATOR}' || ".join(f"COALESCE(CAST({c} AS TEXT), '~')" for c in columns)


def _aggregate(vendor: str, rows: str) -> str:
    """One text of every `v` of the subquery `rows`, in order (rows in the same order give the
    same text: a change of order is only a missed replay, never a wrong one)."""
    if vendor == "postgresql":
        return f"(SELECT string_agg(v, chr(30) ORDER BY v) FROM ({rows}) x)"
    return f"(SELECT group_concat(v, char(30)) FROM ({rows} ORDER BY v) x)"


@cache
def _facts_sql(vendor: str) -> str:
    quote = connection.ops.quote_name

    def table(model: type[models.Model]) -> str:
        return quote(model._meta.db_table)

    def cols(alias: str, *names: str) -> list[str]:
        return [f"{alias}.{quote(n)}" for n in names]

    user_model = get_user_model()
    caller = (
        f"SELECT {_row_text([*cols('u', 'id', 'is_active', 'is_superuser'), 'fresh'])} AS v FROM "
        f"(SELECT t.{quote('user_id')} AS uid, CASE WHEN t.{quote('last_used')} > %s THEN 1 "
        f"ELSE 0 END AS fresh FROM {table(ApiToken)} t WHERE t.{quote('digest')} = %s) k "
        f"JOIN {table(user_model)} u ON u.{quote('id')} = k.uid"
    )
    from opendtm.accounts.models import OperationGrant

    grant = _row_text(cols("g", "operation_id", "role"))
    grants = (
        f"SELECT {grant} AS v FROM {table(OperationGrant)} g "
        f"JOIN {table(ApiToken)} t ON t.{quote('user_id')} = g.{quote('user_id')} "
        f"WHERE t.{quote('digest')} = %s"
    )
    operation_columns = [str(f.column) for f in Operation._meta.concrete_fields]
    operations = f"SELECT {_row_text(cols('o', *operation_columns))} AS v FROM {table(Operation)} o"
    round_ = _row_text(
        [
            *cols("r", "id", "operation_id", "number", "status", "start_date", "end_date"),
            *cols("s", "id", "built_at", "threshold"),
        ]
    )
    rounds = (
        f"SELECT {round_} AS v "
        f"FROM {table(Round)} r LEFT JOIN {table(FigureSnapshot)} s "
        f"ON s.{quote('round_id')} = r.{quote('id')}"
    )
    gazetteers = (
        f"SELECT {_row_text(['g.' + quote('country_iso3'), 'MAX(g.' + quote('id') + ')'])} AS v "
        f"FROM {table(GazetteerVersion)} g GROUP BY g.{quote('country_iso3')}"
    )
    parts = [_aggregate(vendor, sql) for sql in (caller, grants, operations, rounds, gazetteers)]
    return "SELECT " + ", ".join(parts)


def answer_facts(digest: str | None) -> tuple[Any, ...]:
    """Everything a published answer's bytes and its access depend on, read in one query, as
    values to compare: the caller (a token's user: active, superuser, and whether the token's
    `last_used` is recent enough to be left alone), the caller's roles, every operation, every
    round with its snapshot, and each country's latest gazetteer version.

    Equal facts mean an answer sent before is the answer now, to the same caller
    (`api.replay`). They read more than any one answer depends on (a change to any round
    anywhere changes them), because a needless recomputation is cheap and a wrong answer is
    not. `digest` is the stored form of the presented token, None for none."""
    since = timezone.now() - LAST_USED_RESOLUTION
    since_param = connection.ops.adapt_datetimefield_value(since)
    with connection.cursor() as cursor:
        cursor.execute(_facts_sql(connection.vendor), [since_param, digest, digest])
        row = cursor.fetchone()
    return tuple(row)
