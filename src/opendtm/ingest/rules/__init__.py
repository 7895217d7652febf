"""Validation: every rule family over a parsed export, giving one report and the row verdicts.

Each rule is a function of frames returning issues in ISSUE_SCHEMA, vectorised with Polars.
An error rejects its row; a warning keeps it, flagged (except the notes in NOTE_RULES). An
error on a repeat row (an origin) rejects its whole submission, with one line on the main row
saying so, so a location is never stored with part of its origins.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import polars as pl

from opendtm.core.errors import InvalidInput
from opendtm.forms.limits import ROUND_ROWS_MAX
from opendtm.forms.spec import FormSpec
from opendtm.ingest.context import ValidationContext
from opendtm.ingest.issues import (
    ERROR,
    ISSUE_COLUMNS,
    NOTE_RULES,
    WARNING,
    ignored_columns_notes,
    issues_concat,
    issues_where,
)
from opendtm.ingest.rules import consistency
from opendtm.ingest.rules.events import event_rules
from opendtm.ingest.rules.form import form_rules, without_reader_duplicates
from opendtm.ingest.rules.gazetteer import admin_resolve, origins_resolve
from opendtm.ingest.rules.geography import gps_rules
from opendtm.ingest.rules.previous_round import change_rule
from opendtm.ingest.rules.text import issues_printable, text_cleaned, text_lengths, too_long
from opendtm.ingest.tables import table_for


class ExportLike(Protocol):
    """What the validator reads of `forms.reader.ParsedExport` (docs/reader_contract.md)."""

    form: FormSpec
    file_name: str
    sha256: str
    main: pl.DataFrame
    repeats: dict[str, pl.DataFrame]
    issues: pl.DataFrame
    ignored_columns: list[str]
    sources: dict[str, Path]  # the files read ("main", repeats given as files of their own)


@dataclass
class Validation:
    """The verdict on a file: rows with `_accepted`/`_flagged`, and the report lines in order."""

    main: pl.DataFrame
    repeats: dict[str, pl.DataFrame]
    issues: pl.DataFrame

    @property
    def rows_read(self) -> int:
        return self.main.height

    @property
    def rows_accepted(self) -> int:
        return int(self.main.get_column("_accepted").sum())

    @property
    def rows_rejected(self) -> int:
        return self.rows_read - self.rows_accepted

    @property
    def rows_flagged(self) -> int:
        return int((self.main.get_column("_accepted") & self.main.get_column("_flagged")).sum())


def _main_sheet(parsed: ExportLike) -> str:
    sheets = parsed.main.get_column("_sheet").drop_nulls()
    return str(sheets[0]) if len(sheets) else parsed.file_name


def _with_parent_fields(repeat: pl.DataFrame, main: pl.DataFrame, form: FormSpec) -> pl.DataFrame:
    """The repeat's rows with the main fields they may refer to (`${idp_ind}` in an origin)."""
    names = [f.name for f in form.main_fields() if f.name in main.columns]
    names = [n for n in names if n not in repeat.columns]
    parent = main.select(pl.col("_row").alias("_parent_row"), *names)
    return repeat.join(parent, on="_parent_row", how="left", maintain_order="left")


def _main_rules(
    main: pl.DataFrame, ctx: ValidationContext, sheet: str
) -> tuple[pl.DataFrame, list[pl.DataFrame]]:
    form = ctx.form
    main, text = text_cleaned(main, form.main_fields())
    main, gazetteer = admin_resolve(main, ctx)
    checks = [consistency.sex_age_sum(main), consistency.households(main)]
    checks.append(consistency.at_most(main))
    covered = issues_concat(checks)
    parts = [
        text,
        too_long(main, text_lengths(table_for(form.form_id).model)),
        gazetteer,
        form_rules(main, form.main_fields(), form, sheet=sheet, covered=covered),
        consistency.submission_ids(main),
        *checks,
    ]
    if "site_id" in main.columns:
        main, site_issues = consistency.sites(main, ctx)
        parts.append(site_issues)
        usable = pl.col("_unit_pcode").is_not_null()
        parts.append(
            consistency.same_key_twice(
                main, key="_site_key", field="site_id", what="site", usable=usable
            )
        )
        main = main.with_columns(_key_id=pl.col("_site_pk"))
        people = "ind"
    else:
        usable = pl.col("_location_id").is_not_null()
        parts.append(
            consistency.same_key_twice(
                main,
                key="_location_id",
                field=f"adm{ctx.location_level}_pcode",
                what="location",
                usable=usable,
            )
        )
        main = main.with_columns(_key_id=pl.col("_location_id"))
        people = "idp_ind"
    what = "site" if "site_id" in main.columns else "location"
    field = "site_id" if what == "site" else f"adm{ctx.location_level}_pcode"
    parts.append(
        consistency.stored_key_conflicts(main, ctx, key_id="_key_id", field=field, what=what)
    )
    parts.append(gps_rules(main, ctx))
    parts.append(change_rule(main, ctx, key_id="_key_id", field=people))
    return main, parts


def validate(parsed: ExportLike, ctx: ValidationContext) -> Validation:
    """Run every rule on the export; decide which rows are accepted and which are flagged."""
    form = ctx.form
    sheet = _main_sheet(parsed)
    main, parts = _main_rules(parsed.main, ctx, sheet)
    repeats: dict[str, pl.DataFrame] = {}
    repeat_issues: list[pl.DataFrame] = []
    for name, frame in parsed.repeats.items():
        fields = form.repeat_fields(name)
        frame, text = text_cleaned(frame, fields)
        repeat_issues.append(text)
        evaluated = _with_parent_fields(frame, main, form)
        resolved, origin_issues = origins_resolve(frame, ctx)
        households = consistency.origin_households(resolved)
        repeat_issues.append(form_rules(evaluated, fields, form, sheet=name, covered=households))
        repeat_issues += [origin_issues, households]
        parts.append(consistency.origins_sum(main, resolved))
        repeats[name] = resolved
    notes = ignored_columns_notes(parsed.ignored_columns, form=form, sheet=sheet)
    reader = parsed.issues.select(ISSUE_COLUMNS)
    issues = issues_concat([*notes, reader, *parts, *repeat_issues])
    issues = without_reader_duplicates(issues, reader)
    issues = _propagate_repeat_errors(issues, main, repeats)
    cross = consistency.sites_within_baseline(_not_rejected(main, issues), ctx)
    checked = _verdicts(main, repeats, issues_concat([issues, cross]), sheet)
    _check_round_room(checked.main, ctx, parsed.file_name)
    checked.issues = issues_printable(checked.issues)
    return checked


def validate_dated(parsed: ExportLike, ctx: ValidationContext) -> Validation:
    """Every rule on the export of a dated form (the event tracking form): no round, no repeat;
    the same report lines and verdicts as `validate`."""
    form = ctx.form
    sheet = _main_sheet(parsed)
    main, text = text_cleaned(parsed.main, form.main_fields())
    main, parts, covered = event_rules(main, ctx)
    from opendtm.events.models import Event

    parts += [
        text,
        too_long(main, text_lengths(Event)),
        form_rules(main, form.main_fields(), form, sheet=sheet, covered=covered),
        consistency.submission_ids(main),
        covered,
    ]
    notes = ignored_columns_notes(parsed.ignored_columns, form=form, sheet=sheet)
    reader = parsed.issues.select(ISSUE_COLUMNS)
    issues = without_reader_duplicates(issues_concat([*notes, reader, *parts]), reader)
    checked = _verdicts(main, {}, issues, sheet)
    checked.issues = issues_printable(checked.issues)
    return checked


def _check_round_room(main: pl.DataFrame, ctx: ValidationContext, file_name: str) -> None:
    """Refuse a file after which the round would hold more than ROUND_ROWS_MAX rows of the form
    (the bound that keeps every figure inside 64-bit integers): the stored ones and those of
    the file's accepted rows that are new submissions."""
    stored = ctx.stored.lazy().select(pl.col("submission_id").alias("_submission_id"))
    new = (
        main.lazy()
        .filter(pl.col("_accepted"))
        .select("_submission_id")
        .join(stored, on="_submission_id", how="anti")
        .select(pl.len())
        .collect()
        .item()
    )
    total = ctx.stored.height + new
    if total > ROUND_ROWS_MAX:
        what = "site" if "site_id" in main.columns else "baseline"
        raise InvalidInput(
            f"{file_name}: the round would hold {total:,} {what} assessments, more than "
            f"{ROUND_ROWS_MAX:,}, the most one round holds. Nothing was imported.",
            hint="Check that the file is the export of one round, or split it between rounds.",
        )


def _not_rejected(main: pl.DataFrame, issues: pl.DataFrame) -> pl.DataFrame:
    """The main rows no error rejects: what the cross-form rules compare (only the columns
    they read, so that the filter does not copy the whole wide frame)."""
    wanted = ["_sheet", "_row", "_submission_id", "_location_id", "_location_pcode"]
    wanted += ["_site_key", "_site_pk", "ind", "site_status", "idp_ind", "sites_count"]
    errors = issues.filter((pl.col("severity") == ERROR) & pl.col("row").is_not_null()).select(
        pl.col("sheet").alias("_sheet"), pl.col("row").alias("_row")
    )
    frame = main.select(c for c in wanted if c in main.columns)
    keys = frame.select(pl.col("_sheet").cast(pl.Utf8), "_row")
    bad = keys.join(errors.unique(), on=["_sheet", "_row"], how="semi").get_column("_row")
    return frame.filter(~pl.col("_row").is_in(bad.implode()))


def _repeat_rows(repeats: dict[str, pl.DataFrame]) -> pl.DataFrame:
    frames = [
        r.select(
            pl.col("_sheet").cast(pl.Utf8).alias("sheet"),
            pl.col("_row").cast(pl.Int64).alias("row"),
            pl.col("_parent_row").cast(pl.Int64),
            pl.lit(name).alias("_repeat"),
        )
        for name, r in repeats.items()
    ]
    schema = {"sheet": pl.Utf8, "row": pl.Int64, "_parent_row": pl.Int64, "_repeat": pl.Utf8}
    return pl.concat(frames) if frames else pl.DataFrame(schema=schema)


def _propagate_repeat_errors(
    issues: pl.DataFrame, main: pl.DataFrame, repeats: dict[str, pl.DataFrame]
) -> pl.DataFrame:
    """One error on each main row whose repeat rows broke a rule."""
    bad = (
        issues.filter(pl.col("severity") == ERROR)
        .join(_repeat_rows(repeats), on=["sheet", "row"], how="inner")
        .filter(pl.col("_parent_row").is_not_null())
        .group_by("_parent_row", "_repeat")
        .agg(_repeat_sheet=pl.col("sheet").first(), _rows=pl.col("row").unique().sort())
    )
    if not bad.height:
        return issues
    joined = main.join(
        bad.rename({"_parent_row": "_row"}), on="_row", how="inner", maintain_order="left"
    )
    lines = issues_where(
        joined,
        pl.lit(True),
        field="_repeat",
        rule="repeat.rejected",
        value=pl.lit(None, pl.Utf8),
        message=pl.format(
            "{} row(s) {} of sheet {} break a rule, so the whole submission is rejected",
            pl.col("_repeat"),
            pl.col("_rows").cast(pl.List(pl.Utf8)).list.join(", "),
            pl.col("_repeat_sheet"),
        ),
    ).with_columns(field=joined.get_column("_repeat"))
    return issues_concat([issues, lines])


def _verdicts(
    main: pl.DataFrame, repeats: dict[str, pl.DataFrame], issues: pl.DataFrame, sheet: str
) -> Validation:
    on_rows = issues.filter(pl.col("row").is_not_null())
    main_keys = main.select(
        pl.col("_sheet").cast(pl.Utf8).alias("sheet"), pl.col("_row").alias("row")
    )
    main_issues = on_rows.join(main_keys.unique(), on=["sheet", "row"], how="semi")
    repeat_issues = on_rows.join(_repeat_rows(repeats), on=["sheet", "row"], how="inner")
    rejected = main_issues.filter(pl.col("severity") == ERROR).get_column("row").unique()
    doubtful = pl.col("severity").eq(WARNING) & ~pl.col("rule").is_in(list(NOTE_RULES))
    flagged = (
        pl.concat(
            [
                main_issues.filter(doubtful).select("row"),
                repeat_issues.filter(doubtful).select(pl.col("_parent_row").alias("row")),
            ]
        )
        .get_column("row")
        .drop_nulls()
        .unique()
    )
    main = main.with_columns(
        _accepted=~pl.col("_row").is_in(rejected.implode()),
        _flagged=pl.col("_row").is_in(flagged.implode()),
    )
    accepted_rows = main.filter(pl.col("_accepted")).get_column("_row").implode()
    repeats = {
        name: frame.with_columns(
            _accepted=pl.col("_parent_row").is_not_null()
            & pl.col("_parent_row").is_in(accepted_rows)
        )
        for name, frame in repeats.items()
    }
    # A site is registered only from an accepted row: no note on a rejected one.
    rejected_rows = main.filter(~pl.col("_accepted")).select(
        pl.col("_sheet").cast(pl.Utf8).alias("sheet"), pl.col("_row").alias("row")
    )
    notes = issues.filter(pl.col("rule") == "site.registered").join(
        rejected_rows, on=["sheet", "row"], how="anti"
    )
    issues = pl.concat([issues.filter(pl.col("rule") != "site.registered"), notes])
    order = {
        sheet: 0,
        **{
            str(r.get_column("_sheet")[0]): i + 1
            for i, r in enumerate(repeats.values())
            if r.height
        },
    }
    issues = (
        issues.with_row_index("_seq")
        .with_columns(
            _rank=pl.col("sheet").replace_strict(
                order, default=len(order) + 1, return_dtype=pl.Int64
            )
        )
        .sort(["_rank", "row", "_seq"], nulls_last=False)
        .drop("_seq", "_rank")
    )
    return Validation(main=main, repeats=repeats, issues=issues)
