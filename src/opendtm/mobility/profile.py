"""What a site profile reports beside its sector indicators: priority needs, vulnerable
persons as shares of the site's population, diseases reported, movements and site management.

Declared once here (which form field, which words), computed column-wise over a site's
assessments by `profile_frame`, read through `mobility.queries.site_facts`. A published round
hides what would give away a small group of people, by the figures' own rule 1
(`figures.suppression.total_shown`): a count of arrivals or departures from 1 to threshold - 1,
and the share of a vulnerable group whose count is that small (the share times the site's
population shown beside it would give the count back).

What the site form does not ask is not invented: it records whether a site management agency
is present, not which agency; diseases as reported or not, not how many cases.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import polars as pl
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from opendtm.figures.suppression import total_shown


@dataclass(frozen=True)
class Group:
    """A counted group of the site form: its field and what a page calls it."""

    field: str
    label: str | Promise


VULNERABILITIES: tuple[Group, ...] = (
    Group("pwd_ind", _("Persons with disabilities")),
    Group("plw_ind", _("Pregnant or lactating women")),
    Group("uasc_ind", _("Unaccompanied or separated children")),
    Group("older_alone_ind", _("Older persons living alone")),
)
MOVEMENTS: tuple[Group, ...] = (
    Group("arrivals_ind", _("Individuals who arrived since the last round")),
    Group("departures_ind", _("Individuals who left since the last round")),
)
NEEDS = ("priority_need_1", "priority_need_2", "priority_need_3")

SOURCE_FIELDS: tuple[str, ...] = (
    "ind",
    *(g.field for g in VULNERABILITIES),
    *(g.field for g in MOVEMENTS),
    *NEEDS,
    "diseases",
    "site_management",
)
"""The assessment fields a profile reads (and nothing else of the submission)."""

NOT_STORED = _(
    "The site form records whether a site management agency is present, not which agency "
    "manages the site; and which diseases were reported in the last two weeks, not how many "
    "cases."
)


def share_column(group: Group) -> str:
    return f"{group.field}_pct"


def profile_frame(
    assessments: pl.DataFrame, threshold: int | None, labels: dict[str, dict[str, str]]
) -> pl.DataFrame:
    """One row per assessment: `round`, each vulnerable group's share of `ind` in % (0.1,
    `<field>_pct`), the movements' counts, `priority_needs` and `diseases` as lists of their
    choice labels, `site_management`, and `hidden`: the names of the columns emptied because
    the row's round is published and `threshold` hides them. `assessments` holds `round`,
    `published` and SOURCE_FIELDS; `threshold` None shows everything exactly."""
    ind = pl.col("ind").cast(pl.Float64)
    shares = [
        pl.when(ind > 0)
        .then((pl.col(g.field).cast(pl.Float64) * 100 / ind).round(1))
        .otherwise(None)
        .alias(share_column(g))
        for g in VULNERABILITIES
    ]
    need_labels = labels.get("priority_needs", {})
    disease_labels = labels.get("diseases", {})
    frame = assessments.select(
        "round",
        "published",
        *shares,
        *(pl.col(g.field).cast(pl.Int64) for g in MOVEMENTS),
        pl.concat_list(
            pl.col(n).replace_strict(need_labels, default=pl.col(n), return_dtype=pl.Utf8)
            for n in NEEDS
        )
        .list.drop_nulls()
        .alias("priority_needs"),
        pl.col("diseases")
        .list.eval(pl.element().replace_strict(disease_labels, default=pl.element()))
        .alias("diseases"),
        pl.col("site_management").cast(pl.Boolean),
        *(pl.col(g.field).alias(f"_n_{g.field}") for g in VULNERABILITIES),
    )
    return _hide(frame, threshold)


def _hide(frame: pl.DataFrame, threshold: int | None) -> pl.DataFrame:
    """Empty the cells a published row may not show (figures' rule 1 on the counts)."""
    counted = [(share_column(g), f"_n_{g.field}") for g in VULNERABILITIES] + [
        (g.field, g.field) for g in MOVEMENTS
    ]
    rows: list[dict[str, Any]] = []
    for row in frame.iter_rows(named=True):
        hidden = []
        if row["published"] and threshold is not None:
            for column, count in counted:
                value = row[count]
                if value is not None and total_shown(int(value), threshold) is None:
                    hidden.append(column)
        rows.append(
            {k: (None if k in hidden else v) for k, v in row.items() if not k.startswith("_n_")}
            | {"hidden": hidden}
        )
    schema = {k: v for k, v in frame.schema.items() if not k.startswith("_n_")}
    return pl.DataFrame(rows, schema=schema | {"hidden": pl.List(pl.Utf8)}, orient="row")
