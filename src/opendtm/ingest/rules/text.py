"""Text answers without control characters, the same on SQLite and PostgreSQL.

A NUL or another control character (C0 but tab, LF and CR; DEL) is never part of an answer: it
comes from a damaged export or a copy and paste, is invisible in a spreadsheet, and PostgreSQL
refuses NUL in text while SQLite stores it. Every text answer and submission ID loses them, with
a warning (`text.control_removed`, the row is flagged) showing the value as received, each
control character as its visible symbol (NUL as U+2400). Numbers, dates and choices holding one
are already cell errors of the reader.

A text answer longer than its database column (PostgreSQL refuses it, SQLite would keep it) is
the row error `text.too_long`; report lines keep at most what their own columns hold.
"""

from __future__ import annotations

import polars as pl
from django.db import models

from opendtm.forms.spec import Field
from opendtm.forms.values import CONTROL_RE, controls_removed, controls_shown
from opendtm.ingest.issues import WARNING, issues_concat, issues_where
from opendtm.ingest.models import ImportIssue

RULE = "text.control_removed"
# The site registry's columns, which `site_id` and `site_name` also fill.
SITE_TEXT = {"site_id": 64, "site_name": 200}


def text_cleaned(
    frame: pl.DataFrame, fields: tuple[Field, ...]
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The frame with its text columns (of `fields`, and the submission ID) without control
    characters, and one warning per cell that had some."""
    names = [f.name for f in fields if f.name in frame.columns] + ["_submission_id"]
    texts = [
        n for n in names if n in frame.columns and frame.schema[n] in (pl.Utf8, pl.List(pl.Utf8))
    ]
    if not texts:
        return frame, issues_concat([])
    hits = frame.select(_has_control(frame, n).any().alias(n) for n in texts).row(0, named=True)
    dirty = [n for n in texts if hits[n]]
    issues = []
    for name in dirty:
        issues.append(
            issues_where(
                frame,
                _has_control(frame, name),
                field=name,
                rule=RULE,
                severity=WARNING,
                value=controls_shown(_as_text(frame, name)),
                message=f"{name} held control characters (shown as ␀, ␁ ...) that no answer "
                "holds; they were removed",
            )
        )
    cleaned = [
        pl.col(n).list.eval(controls_removed(pl.element()))
        if frame.schema[n] == pl.List(pl.Utf8)
        else controls_removed(pl.col(n))
        for n in dirty
    ]
    return (frame.with_columns(cleaned) if cleaned else frame), issues_concat(issues)


def _as_text(frame: pl.DataFrame, name: str) -> pl.Expr:
    if frame.schema[name] == pl.List(pl.Utf8):
        return pl.col(name).list.join(" ")
    return pl.col(name)


def _has_control(frame: pl.DataFrame, name: str) -> pl.Expr:
    return _as_text(frame, name).str.contains(CONTROL_RE).fill_null(False)


def text_lengths(model: type[models.Model]) -> dict[str, int]:
    """Field name -> the most characters its column holds (the submission ID's as well)."""
    lengths = {
        f.name: int(f.max_length)
        for f in model._meta.concrete_fields
        if isinstance(f, models.CharField) and f.max_length
    }
    return {**lengths, "_submission_id": lengths["submission_id"], **SITE_TEXT}


def too_long(frame: pl.DataFrame, lengths: dict[str, int]) -> pl.DataFrame:
    """`text.too_long`: a text answer longer than its column holds, which PostgreSQL refuses."""
    issues = []
    for name, most in lengths.items():
        if name not in frame.columns or frame.schema[name] != pl.Utf8:
            continue
        size = pl.col(name).str.len_chars()
        issues.append(
            issues_where(
                frame,
                size > most,
                field=name,
                rule="text.too_long",
                value=pl.col(name).str.slice(0, 40) + pl.lit("…"),
                message=pl.format(f"{name} is {{}} characters long; it holds at most {most}", size),
            )
        )
    return issues_concat(issues)


def issues_printable(issues: pl.DataFrame) -> pl.DataFrame:
    """Report lines with every control character as its visible symbol, and cut to what the
    stored lines' columns hold: the report and the stored lines show what the file held, and
    PostgreSQL takes them like SQLite."""
    columns = {f.name: f for f in ImportIssue._meta.concrete_fields}
    shown = []
    for name in ("sheet", "submission_id", "field", "value", "message"):
        text = controls_shown(pl.col(name))
        most = getattr(columns[name], "max_length", None)
        if most:
            text = (
                pl.when(text.str.len_chars() > most)
                .then(text.str.slice(0, most - 1) + pl.lit("…"))
                .otherwise(text)
            )
        shown.append(text.alias(name))
    return issues.with_columns(shown)
