"""Rules the form itself declares: required (when relevant), constraints, and choice lists.

Cell types are the reader's job (a cell it cannot parse is null plus a `type.*` issue); here a
required field is reported only when its cell was empty, not when the reader already said why.
Constraints and relevance are translated from the XLSForm into Polars (`ingest.expressions`),
one `and`-part at a time, so a part OpenDTM cannot translate leaves the others checked and is
listed once in the report as `form.constraint_unchecked`.
"""

from __future__ import annotations

import re

import polars as pl

from opendtm.forms.spec import Field, FormSpec
from opendtm.ingest.expressions import (
    Untranslatable,
    condition_words,
    conjuncts,
    describe,
    translate,
)
from opendtm.ingest.issues import (
    ISSUE_COLUMNS,
    file_note,
    issues_concat,
    issues_empty,
    issues_where,
)

# P-code fields are checked against the gazetteer (which also accepts alternative codes in any
# case and checks the whole parent chain), not by the form's shape-of-a-code constraints.
GAZETTEER_FIELDS = re.compile(r"^(adm[1-4]_pcode|origin_pcode|from_pcode|to_pcode)$")
VALUE_TYPES = frozenset(
    {"integer", "decimal", "text", "date", "select_one", "select_multiple", "geopoint"}
)


def _present(frame: pl.DataFrame, f: Field) -> pl.Expr:
    """True where the field has a value (a geopoint: its latitude)."""
    if f.type == "geopoint":
        return pl.col(f"{f.name}__lat").is_not_null()
    column = pl.col(f.name)
    dtype = frame.schema[f.name]
    if isinstance(dtype, pl.List):
        return column.is_not_null() & (column.list.len() > 0)
    if dtype == pl.Utf8:
        return column.is_not_null() & (column.str.strip_chars() != "")
    return column.is_not_null()


def _has_column(frame: pl.DataFrame, f: Field) -> bool:
    return (f"{f.name}__lat" if f.type == "geopoint" else f.name) in frame.columns


def _relevant(f: Field, schema: dict[str, pl.DataType]) -> pl.Expr:
    if not f.relevant:
        return pl.lit(True)
    try:
        return translate(f.relevant, current=f.name, schema=schema).fill_null(False)
    except Untranslatable:
        return pl.lit(True)


def _required(frame: pl.DataFrame, fields: tuple[Field, ...]) -> list[pl.DataFrame]:
    schema = dict(frame.schema)
    out = []
    for f in fields:
        if not f.required or f.type not in VALUE_TYPES or not _has_column(frame, f):
            continue
        when = ""
        if f.relevant:
            said = condition_words(f.relevant, current=f.name)
            when = f" when {said}" if said else " here (the form asks it given the other answers)"
        out.append(
            issues_where(
                frame,
                ~_present(frame, f) & _relevant(f, schema),
                field=f.name,
                rule="form.required",
                message=f"{f.name} is required{when} but is empty",
            )
        )
    return out


REFERENCE = re.compile(r"\$\{([A-Za-z_][\w.-]*)\}")


def _constraint_message(f: Field, part: str, got: pl.Expr) -> pl.Expr:
    """The report's words for a broken part: the form's own constraint message if it has one,
    else the part in words (`expressions.describe`), never the XLSForm expression."""
    if f.constraint_message:
        return pl.format("{}: {} (got {})", pl.lit(f.name), pl.lit(f.constraint_message), got)
    return pl.format("{}; got {}", pl.lit(describe(part, current=f.name)), got)


def _constraints(
    frame: pl.DataFrame, fields: tuple[Field, ...], sheet: str, covered: pl.DataFrame
) -> tuple[list[pl.DataFrame], list[pl.DataFrame]]:
    """One line per row and field that breaks the field's constraint (its first broken part),
    except a part comparing it with other fields on a row where a consistency rule already
    says so about one of them (`covered`): one message per check, not two."""
    schema = dict(frame.schema)
    issues, notes = [], []
    for f in fields:
        if not f.constraint or f.type not in VALUE_TYPES or not _has_column(frame, f):
            continue
        if f.type == "geopoint" or GAZETTEER_FIELDS.match(f.name):
            continue
        got = (
            pl.col(f.name).cast(pl.List(pl.Utf8)).list.join(" ")
            if isinstance(schema[f.name], pl.List)
            else pl.col(f.name).cast(pl.Utf8)
        )
        lines = []
        for part in conjuncts(f.constraint):
            try:
                holds = translate(part, current=f.name, schema=schema)
            except Untranslatable:
                notes.append(
                    file_note(
                        sheet=sheet,
                        field=f.name,
                        rule="form.constraint_unchecked",
                        message=f"one of the conditions the form sets on {f.name} was not "
                        "checked: it refers to other rows or uses a function OpenDTM does not "
                        "evaluate",
                    )
                )
                continue
            broken = issues_where(
                frame,
                _present(frame, f) & ~holds.fill_null(True),
                field=f.name,
                rule="form.constraint",
                message=_constraint_message(f, part, got),
            )
            others = set(REFERENCE.findall(part)) - {f.name}
            if others and broken.height and covered.height:
                said = covered.filter(pl.col("field").is_in([f.name, *others]))
                broken = broken.join(
                    said.select("sheet", "row").unique(), on=["sheet", "row"], how="anti"
                )
            lines.append(broken)
        if lines:
            merged = issues_concat(lines)
            issues.append(merged.unique(subset=["sheet", "row"], keep="first", maintain_order=True))
    return issues, notes


def _choices(frame: pl.DataFrame, fields: tuple[Field, ...], form: FormSpec) -> list[pl.DataFrame]:
    """Values outside the choice list (the reader maps labels to names; this catches the rest)."""
    out = []
    for f in fields:
        if f.type not in ("select_one", "select_multiple") or f.name not in frame.columns:
            continue
        names = list(form.choice_names(f.list_name))
        if not names:
            continue
        column = pl.col(f.name)
        if isinstance(frame.schema[f.name], pl.List):
            bad = column.list.eval(~pl.element().is_in(names)).list.any()
        else:
            bad = column.is_not_null() & ~column.is_in(names)
        out.append(
            issues_where(
                frame,
                bad,
                field=f.name,
                rule="choice.unknown",
                message=f"{f.name} takes one of the choices of list {f.list_name}: "
                + ", ".join(names[:20]),
            )
        )
    return out


def form_rules(
    frame: pl.DataFrame,
    fields: tuple[Field, ...],
    form: FormSpec,
    *,
    sheet: str,
    covered: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """Issues of the form's own rules on one sheet (the main one or a repeat's); `covered`:
    the consistency rules' lines on it, which the form's cross-field checks do not repeat."""
    issues, notes = _constraints(
        frame, fields, sheet, issues_empty() if covered is None else covered
    )
    return issues_concat(
        [*_required(frame, fields), *issues, *_choices(frame, fields, form), *notes]
    )


def without_reader_duplicates(issues: pl.DataFrame, reader: pl.DataFrame) -> pl.DataFrame:
    """Drop `form.required` lines for cells the reader already reported (it nulled them)."""
    if not reader.height:
        return issues
    seen = reader.select("sheet", "row", "field").unique()
    required = issues.filter(pl.col("rule") == "form.required")
    rest = issues.filter(pl.col("rule") != "form.required")
    kept = required.join(seen, on=["sheet", "row", "field"], how="anti", nulls_equal=True)
    return pl.concat([rest, kept.select(ISSUE_COLUMNS)])
