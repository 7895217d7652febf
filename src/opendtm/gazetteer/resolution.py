"""Reads: any code a user sends, to the unit that holds its place today, with a visible reason.

A code resolves in this order: a current unit's P-code, an alternative code of a current unit
(bare PSGC, correspondence code, a COD-AB edition's code, ...), a retired unit's P-code, an
alternative code of a retired unit; then the same with the country prefix added or taken off.
A retired unit found leads on, through the crosswalk, to the unit that took its place when there
is exactly one (recoded, merged, or through several versions); a split leaves no single
successor, and the reason says so.

Statuses (`ResolveStatus`): `current` (the P-code of a current unit, any case or spacing),
`alternative` (another accepted form or code of a current unit), `retired` (the code of a
retired unit) and `unknown`.

Everything is built as Polars frames in four queries, so resolving 100,000 codes is a few joins
(`codes_resolve`); for a few codes only the rows they can match are read (`code_resolve`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import polars as pl
from django.db.models import Q

from opendtm.core.errors import InvalidInput, NotFound
from opendtm.gazetteer.choices import ChangeKind, ResolveStatus
from opendtm.gazetteer.countries import country_get
from opendtm.gazetteer.models import AdminUnit, AdminUnitCode, CrosswalkChange, GazetteerVersion
from opendtm.gazetteer.pcodes import pcode_normalise_expr
from opendtm.gazetteer.readers import CSV_SUFFIXES, ROW, WORKBOOK_SUFFIXES, csv_read, workbook_read

RESOLUTION_SCHEMA: dict[str, pl.DataType] = {
    "code": pl.Utf8(),
    "unit_id": pl.Int64(),
    "pcode": pl.Utf8(),
    "name": pl.Utf8(),
    "level": pl.Int8(),
    "status": pl.Utf8(),
    "current_unit_id": pl.Int64(),
    "current_pcode": pl.Utf8(),
    "current_name": pl.Utf8(),
    "current_level": pl.Int8(),
    "reason": pl.Utf8(),
    "version": pl.Utf8(),
}
_MAX_CHAIN = 50  # successor steps followed at most (versions are far fewer)


_SMALL = 400  # up to this many distinct codes, only the rows they can match are read
_EDGE_KINDS = [ChangeKind.RECODED, ChangeKind.MERGED, ChangeKind.SPLIT]
_UNIT_SCHEMA = {
    "unit_id": pl.Int64,
    "pcode": pl.Utf8,
    "name": pl.Utf8,
    "level": pl.Int8,
    "retired_in_id": pl.Int64,
}


@dataclass
class _Tables:
    """What resolution reads from the database, for a whole country or for some codes."""

    units: pl.DataFrame  # _UNIT_SCHEMA
    versions: pl.DataFrame  # version_id, label, previous_label
    alternatives: pl.DataFrame  # code, unit_id, kind, note, edition
    edges: pl.DataFrame  # at, next, step, kind: crosswalk links from retired units

    @property
    def latest(self) -> str | None:
        return self.versions["label"][-1] if self.versions.height else None


def _tables(iso3: str, forms: set[str] | None = None) -> _Tables:
    """Four queries. With `forms`, only the units and codes those forms can reach (plus every
    unit the crosswalk links, to follow retired codes)."""
    versions = pl.DataFrame(
        list(
            GazetteerVersion.objects.filter(country_iso3=iso3)
            .order_by("id")
            .values_list("id", "label")
        ),
        schema={"version_id": pl.Int64, "label": pl.Utf8},
        orient="row",
    ).with_columns(pl.col("label").shift(1).alias("previous_label"))
    edges = pl.DataFrame(
        list(
            CrosswalkChange.objects.filter(
                country_iso3=iso3,
                kind__in=_EDGE_KINDS,
                old_unit__isnull=False,
                new_unit__isnull=False,
            ).values_list("old_unit_id", "new_unit_id", "to_version_id", "kind")
        ),
        schema={"at": pl.Int64, "next": pl.Int64, "step": pl.Int64, "kind": pl.Utf8},
        orient="row",
    ).filter(pl.col("at") != pl.col("next"))
    codes = AdminUnitCode.objects.filter(country_iso3=iso3)
    units = AdminUnit.objects.filter(country_iso3=iso3)
    if forms is not None:
        codes = codes.filter(code__in=forms)
    alternatives = pl.DataFrame(
        list(codes.values_list("code", "unit_id", "kind", "note", "edition")),
        schema={
            "code": pl.Utf8,
            "unit_id": pl.Int64,
            "kind": pl.Utf8,
            "note": pl.Utf8,
            "edition": pl.Utf8,
        },
        orient="row",
    )
    if forms is not None:
        linked = set(alternatives["unit_id"].to_list())
        linked |= set(edges["at"].to_list()) | set(edges["next"].to_list())
        units = units.filter(Q(pcode__in=forms) | Q(id__in=linked))
    rows = units.values_list("id", "pcode", "name", "level", "retired_in_id")
    return _Tables(
        pl.DataFrame(list(rows), schema=_UNIT_SCHEMA, orient="row"), versions, alternatives, edges
    )


def successors_frame(tables: _Tables) -> pl.DataFrame:
    """For each retired unit: the current unit it leads to (or null) and why.

    Columns: unit_id, current_unit_id, reason, last_version (the last version that held it).
    """
    units, versions, edges = tables.units, tables.versions, tables.edges
    retired = units.filter(pl.col("retired_in_id").is_not_null())
    status = units.select(
        pl.col("unit_id").alias("at"), pl.col("retired_in_id").alias("at_retired")
    )
    # Follow each retired unit through the step that retired it, then on from each successor
    # that was itself retired later, until only current units are left.
    frontier = retired.select(pl.col("unit_id").alias("origin"), pl.col("unit_id").alias("at"))
    first = frontier.join(status, on="at").join(
        edges, left_on=["at", "at_retired"], right_on=["at", "step"], how="left"
    )
    first_kind = first.group_by("origin").agg(
        pl.col("kind").drop_nulls().first().alias("kind"),
        pl.col("next").drop_nulls().unique().sort().alias("firsts"),
    )
    reached: list[pl.DataFrame] = []
    for _ in range(_MAX_CHAIN):
        step = frontier.join(status, on="at")
        done = step.filter(pl.col("at_retired").is_null())
        reached.append(done.select("origin", "at"))
        moving = step.filter(pl.col("at_retired").is_not_null()).join(
            edges, left_on=["at", "at_retired"], right_on=["at", "step"]
        )
        frontier = moving.select("origin", pl.col("next").alias("at")).unique()
        if frontier.is_empty():
            break
    ends = (
        pl.concat([pl.DataFrame(schema={"origin": pl.Int64, "at": pl.Int64}), *reached])
        .unique()
        .group_by("origin")
        .agg(pl.col("at").sort().alias("ends"))
    )
    pcode_of = units.select(pl.col("unit_id").alias("u"), "pcode")
    labels = versions.select(pl.col("version_id").alias("retired_in_id"), "label", "previous_label")
    frame = (
        retired.select(pl.col("unit_id").alias("origin"), "retired_in_id")
        .join(first_kind, on="origin", how="left")
        .join(ends, on="origin", how="left")
        .join(labels, on="retired_in_id", how="left")
    )
    single = pl.col("ends").list.len() == 1
    end_codes = (
        frame.select("origin", pl.col("ends"))
        .explode("ends")
        .join(pcode_of, left_on="ends", right_on="u", how="left")
        .group_by("origin")
        .agg(pl.col("pcode").drop_nulls().sort().str.join(", ").alias("end_codes"))
    )
    frame = frame.join(end_codes, on="origin", how="left")
    happened = pl.col("kind") + pl.lit(" in ") + pl.col("label")
    reason = (
        pl.when(pl.col("kind").is_null())
        .then(pl.lit("retired in ") + pl.col("label") + pl.lit(" with no successor"))
        .when(single)
        .then(happened + pl.lit("; now ") + pl.col("end_codes"))
        .when(pl.col("end_codes").fill_null("") == "")
        .then(happened + pl.lit("; its successors are retired"))
        .otherwise(
            happened
            + pl.lit("; now ")
            + pl.col("end_codes")
            + pl.lit(": no single unit holds its place")
        )
    )
    return frame.select(
        pl.col("origin").alias("unit_id"),
        pl.when(single).then(pl.col("ends").list.first()).alias("current_unit_id"),
        reason.alias("reason"),
        pl.coalesce("previous_label", "label").alias("last_version"),
    )


def _direct(tables: _Tables) -> pl.DataFrame:
    """Every stored code (P-codes and alternative codes) with its unit and priority: a current
    unit's P-code 0, its alternative code 1, a retired unit's P-code 2, its alternative code 3.

    A current unit's code wins over a retired unit's: an explicit alternative code (say, a
    COD-AB edition's PH06045 of today's PH18045) beats the crosswalk's history of that code.
    """
    units, alternatives = tables.units, tables.alternatives
    direct = pl.concat(
        [
            units.select(
                pl.col("pcode").alias("code"),
                "unit_id",
                pl.lit(0).alias("priority"),
                pl.lit(None, pl.Utf8).alias("why"),
                pl.lit(None, pl.Utf8).alias("edition"),
            ),
            alternatives.select(
                pcode_normalise_expr("code").alias("code"),
                "unit_id",
                pl.lit(1).alias("priority"),
                pl.when(pl.col("note") != "")
                .then(pl.col("note"))
                .otherwise(pl.col("kind"))
                .alias("why"),
                pl.when(pl.col("edition") != "").then(pl.col("edition")).alias("edition"),
            ),
        ]
    ).filter(pl.col("code").is_not_null())
    gone = units.select("unit_id", pl.col("retired_in_id").is_not_null().alias("gone"))
    return (
        direct.join(gone, on="unit_id")
        .with_columns(pl.col("priority") + pl.when(pl.col("gone")).then(2).otherwise(0))
        .drop("gone")
    )


def _toggle(column: str, prefix: str) -> pl.Expr:
    """The same code with the country prefix taken off, or added."""
    return (
        pl.when(pl.col(column).str.starts_with(prefix) & (pl.col(column).str.len_chars() > 2))
        .then(pl.col(column).str.slice(len(prefix)))
        .otherwise(pl.lit(prefix) + pl.col(column))
    )


def _prefix_why(column: str, prefix: str) -> pl.Expr:
    """Why a code sent in `column` matched only with the prefix toggled."""
    return (
        pl.when(pl.col(column).str.starts_with(prefix))
        .then(pl.lit("with the country prefix"))
        .otherwise(pl.lit("without the country prefix"))
        .alias("prefix_why")
    )


def _attach(best: pl.DataFrame, tables: _Tables) -> pl.DataFrame:
    """RESOLUTION_SCHEMA rows for `best` (code, unit_id, priority, why, edition, prefix_why)."""
    units = tables.units
    current_of = units.select(
        pl.col("unit_id").alias("current_unit_id"),
        pl.col("pcode").alias("current_pcode"),
        pl.col("name").alias("current_name"),
        pl.col("level").alias("current_level"),
    )
    frame = (
        best.join(units, on="unit_id")
        .join(successors_frame(tables), on="unit_id", how="left")
        .with_columns(
            pl.when(pl.col("retired_in_id").is_null())
            .then(pl.col("unit_id"))
            .otherwise(pl.col("current_unit_id"))
            .alias("current_unit_id")
        )
        .join(current_of, on="current_unit_id", how="left")
    )
    retired = pl.col("retired_in_id").is_not_null()
    status = (
        pl.when(retired)
        .then(pl.lit(ResolveStatus.RETIRED.value))
        .when(pl.col("priority") == 0)
        .then(pl.lit(ResolveStatus.CURRENT.value))
        .otherwise(pl.lit(ResolveStatus.ALTERNATIVE.value))
    )
    why = pl.concat_str([pl.col("why"), pl.col("prefix_why")], separator=", ", ignore_nulls=True)
    reason = (
        pl.when(retired)
        .then(pl.col("reason"))
        .when(pl.col("priority") == 0)
        .then(pl.lit(""))
        .otherwise(why)
    )
    version = (
        pl.when(retired)
        .then(pl.col("last_version"))
        .otherwise(pl.coalesce(pl.col("edition"), pl.lit(tables.latest, pl.Utf8)))
    )
    return frame.select(
        "code",
        "unit_id",
        "pcode",
        "name",
        "level",
        status.alias("status"),
        "current_unit_id",
        "current_pcode",
        "current_name",
        "current_level",
        reason.alias("reason"),
        version.alias("version"),
    ).select(pl.col(c).cast(t) for c, t in RESOLUTION_SCHEMA.items())


def codes_resolution_frame(*, country_iso3: str) -> pl.DataFrame:
    """Every code that leads somewhere in a country's gazetteer (RESOLUTION_SCHEMA), one row per
    normalised code form: the P-codes (current and retired), the alternative codes, and both
    with the country prefix added or taken off.

    Join a column of codes on `code` after `pcode_normalise_expr`. `unit_id`/`pcode` are the
    unit the code names; `current_unit_id`/`current_pcode` the current unit it leads to (the
    same unit unless retired; null when a retired code has no single successor, `reason` then
    says why). `version` is the version (or edition) the code belongs to. Four queries.
    """
    country = country_get(country_iso3)
    tables = _tables(country.iso3)
    direct = _direct(tables)
    toggled = direct.with_columns(
        _toggle("code", country.iso2).alias("code"),
        pl.col("priority") + 4,
        _prefix_why("code", country.iso2).alias("stored_why"),
    ).with_columns(
        # described from the side of the code sent: the stored code had the prefix, the form
        # sent has not, and the other way round
        pl.when(pl.col("stored_why") == "with the country prefix")
        .then(pl.lit("without the country prefix"))
        .otherwise(pl.lit("with the country prefix"))
        .alias("prefix_why")
    )
    every = (
        pl.concat(
            [
                direct.with_columns(pl.lit(None, pl.Utf8).alias("prefix_why")),
                toggled.drop("stored_why"),
            ]
        )
        .sort("priority", maintain_order=True)
        .unique("code", keep="first")
    )
    return _attach(every, tables)


def codes_resolve(
    *, country_iso3: str, codes: Iterable[object], frame: pl.DataFrame | None = None
) -> pl.DataFrame:
    """One row per code sent, in order: `input` (as sent) plus RESOLUTION_SCHEMA; `status` is
    `unknown` where nothing matches. Pass `frame` to reuse a `codes_resolution_frame`.

    Only the distinct codes sent are resolved; up to a few hundred of them, only the rows they
    can match are read from the database.
    """
    sent = pl.DataFrame(
        {"input": ["" if c is None else str(c) for c in codes]}, schema={"input": pl.Utf8}
    ).with_columns(pcode_normalise_expr("input").alias("code"))
    if frame is None:
        country = country_get(country_iso3)
        distinct = sent.select("code").drop_nulls().unique()
        probes = distinct.with_columns(_toggle("code", country.iso2).alias("probe"))
        forms = None
        if distinct.height <= _SMALL:
            forms = set(distinct["code"].to_list()) | set(probes["probe"].to_list())
            forms = {form for form in forms if "\x00" not in form}  # matches nothing anyway
        tables = _tables(country.iso3, forms)
        direct = _direct(tables)
        hits = pl.concat(
            [
                distinct.join(direct, on="code").with_columns(
                    pl.lit(None, pl.Utf8).alias("prefix_why")
                ),
                probes.join(direct, left_on="probe", right_on="code")
                .with_columns(pl.col("priority") + 4, _prefix_why("code", country.iso2))
                .drop("probe"),
            ],
            how="diagonal",
        )
        best = hits.sort("priority", maintain_order=True).unique("code", keep="first")
        frame = _attach(best, tables)
    return sent.join(frame, on="code", how="left", maintain_order="left").with_columns(
        pl.col("status").fill_null(ResolveStatus.UNKNOWN.value)
    )


@dataclass(frozen=True)
class CodeResolution:
    """What one code leads to: the unit it names (`unit`, maybe retired) and the current unit
    that holds its place (`current`, None when unknown or when a split left no single one)."""

    input: str
    status: ResolveStatus
    unit: AdminUnit | None
    current: AdminUnit | None
    reason: str
    version: str


def code_resolve(*, country_iso3: str, code: str) -> CodeResolution:
    """`codes_resolve` for one code, following the crosswalk for retired codes. Unlike
    `queries.unit_resolve` (the unit the code names, retired or not), this says which current
    unit holds the code's place today."""
    row = codes_resolve(country_iso3=country_iso3, codes=[code]).row(0, named=True)
    ids = {row["unit_id"], row["current_unit_id"]} - {None}
    found = AdminUnit.objects.in_bulk(list(ids))
    return CodeResolution(
        input=code,
        status=ResolveStatus(row["status"]),
        unit=found.get(row["unit_id"]) if row["unit_id"] is not None else None,
        current=found.get(row["current_unit_id"]) if row["current_unit_id"] is not None else None,
        reason=row["reason"] or "",
        version=row["version"] or "",
    )


def resolve_rows(resolved: pl.DataFrame) -> pl.DataFrame:
    """The rows `opendtm gazetteer resolve` writes: input, pcode, name, level, version, status
    (empty values as nulls, which CSV writes as empty fields).

    A retired code shows what it maps to now, or an empty pcode with the reason as its name.
    """
    retired = pl.col("status") == ResolveStatus.RETIRED.value
    lost = retired & pl.col("current_unit_id").is_null()
    return resolved.select(
        "input",
        pl.when(lost).then(pl.lit(None, pl.Utf8)).otherwise(pl.col("current_pcode")).alias("pcode"),
        pl.when(lost).then(pl.col("reason")).otherwise(pl.col("current_name")).alias("name"),
        pl.when(lost)
        .then(pl.col("level"))
        .otherwise(pl.col("current_level"))
        .cast(pl.Utf8)
        .alias("level"),
        pl.col("version").replace("", None),
        "status",
    )


def codes_read(path: Path, *, column: str | None) -> list[str]:
    """The codes of a file: one per line (blank lines skipped), or one column of a CSV or
    workbook (`column`, its empty cells kept as empty codes, which are unknown)."""
    path = Path(path)
    if not path.exists():
        raise NotFound(f"{path}: no such file.", hint="Check the path and try again.")
    if path.is_dir() or path.stat().st_size == 0:
        raise InvalidInput(f"{path.name}: the file is empty or a folder.", hint="Give a file.")
    if column is None:
        try:
            text = path.read_bytes().decode("utf-8-sig")
        except UnicodeDecodeError:
            raise InvalidInput(
                f"{path.name}: the file is not UTF-8 text.", hint="Save it as UTF-8."
            ) from None
        return [line.strip() for line in text.splitlines() if line.strip()]
    suffix = path.suffix.lower()
    if suffix in CSV_SUFFIXES:
        frame = csv_read(path)
    elif suffix in WORKBOOK_SUFFIXES:
        frame = workbook_read(path)[0].frame
    else:
        raise InvalidInput(
            f"{path.name}: --column needs a .csv or .xlsx file.", hint="Or leave out --column."
        )
    if column not in frame.columns:
        found = ", ".join(c for c in frame.columns if c != ROW)
        raise InvalidInput(
            f"{path.name}: no column '{column}'; columns are: {found}.",
            hint="Give the exact column name with --column.",
        )
    return [value or "" for value in frame[column].to_list()]
