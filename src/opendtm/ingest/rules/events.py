"""Rules of the event tracking form (`dtm_ett`), beside the form's own (required, constraints,
choices: `rules.form`), each giving its reason: the area and the places displaced from and to
resolved against the gazetteer, a site code against the operation's registry, one place per
side (a P-code or a site, not both), households not more than individuals (said once, here),
the event not after the report (a date in the future is refused by the form's own constraint),
the ranked needs distinct.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from opendtm.ingest.context import ValidationContext
from opendtm.ingest.issues import issues_concat, issues_where
from opendtm.ingest.joins import columns_joined
from opendtm.ingest.rules.gazetteer import admin_resolve, origins_resolve

SIDES = {"from": "displaced from", "to": "displaced to"}
NEEDS = ("priority_need_1", "priority_need_2", "priority_need_3")


def _text(name: str) -> pl.Expr:
    return pl.col(name).cast(pl.Utf8).str.strip_chars()


def _given(frame: pl.DataFrame, name: str) -> pl.Expr:
    if name not in frame.columns:
        return pl.lit(False)
    return _text(name).is_not_null() & (_text(name) != "")


def _places(frame: pl.DataFrame, ctx: ValidationContext) -> tuple[pl.DataFrame, list[pl.DataFrame]]:
    """`_<side>_unit_id`, `_<side>_pcode` and `_<side>_site_pk`, `_<side>_site_key` for each
    side, with the issues of the codes that name nothing and of a side given twice."""
    issues: list[pl.DataFrame] = []
    registry = ctx.sites.select(
        pl.col("site_id").alias("_site_code"), pl.col("site_pk").alias("_site_found")
    )
    for side, words in SIDES.items():
        pcode, site = f"{side}_pcode", f"{side}_site_id"
        if pcode in frame.columns:
            frame, found = origins_resolve(frame, ctx, column=pcode, what=f"the place {words}")
            issues.append(found)
            frame = frame.rename({"_origin_id": f"_{side}_unit_id"})
        else:
            frame = frame.with_columns(pl.lit(None, pl.Int64).alias(f"_{side}_unit_id"))
        if site in frame.columns:
            keyed = frame.with_columns(_site_code=_text(site))
            frame = columns_joined(keyed, registry, on="_site_code").rename(
                {"_site_code": f"_{side}_site_key", "_site_found": f"_{side}_site_pk"}
            )
            issues.append(
                issues_where(
                    frame,
                    _given(frame, site) & pl.col(f"_{side}_site_pk").is_null(),
                    field=site,
                    rule="event.unknown_site",
                    message=pl.format(
                        "{} is not a site of the operation's registry (the place {}); register "
                        "it first or give the P-code of the place",
                        pl.col(f"_{side}_site_key"),
                        pl.lit(words),
                    ),
                )
            )
        else:
            frame = frame.with_columns(
                pl.lit(None, pl.Utf8).alias(f"_{side}_site_key"),
                pl.lit(None, pl.Int64).alias(f"_{side}_site_pk"),
            )
        issues.append(
            issues_where(
                frame,
                _given(frame, pcode) & _given(frame, site),
                field=site,
                rule="event.place_twice",
                message=f"the place {words} is either a P-code ({pcode}) or a site of the "
                f"registry ({site}), not both",
            )
        )
    return frame, issues


def _households(frame: pl.DataFrame) -> pl.DataFrame:
    if "displaced_hh" not in frame.columns or "displaced_ind" not in frame.columns:
        return issues_concat([])
    return issues_where(
        frame,
        pl.col("displaced_hh").is_not_null()
        & pl.col("displaced_ind").is_not_null()
        & (pl.col("displaced_ind") < pl.col("displaced_hh")),
        field="displaced_ind",
        rule="consistency.households",
        message=pl.format(
            "{} individuals displaced cannot be fewer than the {} households displaced",
            pl.col("displaced_ind"),
            pl.col("displaced_hh"),
        ),
    )


def _after_report(frame: pl.DataFrame, today: dt.date) -> pl.DataFrame:
    """The event after the report about it (a date in the future is the form's own rule)."""
    if not {"report_date", "event_date"} <= set(frame.columns):
        return issues_concat([])
    return issues_where(
        frame,
        (pl.col("event_date") > pl.col("report_date")) & (pl.col("event_date") <= today),
        field="event_date",
        rule="event.after_report",
        message=pl.format(
            "the event ({}) cannot be after the report about it ({})",
            pl.col("event_date"),
            pl.col("report_date"),
        ),
    )


def _needs(frame: pl.DataFrame) -> list[pl.DataFrame]:
    """A need ranked twice: the lower rank's cell is refused, naming the rank it repeats."""
    out = []
    for i, name in enumerate(NEEDS):
        if name not in frame.columns:
            continue
        for earlier in NEEDS[:i]:
            if earlier not in frame.columns:
                continue
            out.append(
                issues_where(
                    frame,
                    pl.col(name).is_not_null() & (pl.col(name) == pl.col(earlier)),
                    field=name,
                    rule="event.need_repeated",
                    message=pl.format(
                        "{} is already the need ranked {}: the three ranked needs are distinct",
                        pl.col(name),
                        pl.lit(NEEDS.index(earlier) + 1),
                    ),
                )
            )
    return out


def event_rules(
    main: pl.DataFrame, ctx: ValidationContext, *, today: dt.date | None = None
) -> tuple[pl.DataFrame, list[pl.DataFrame], pl.DataFrame]:
    """The main sheet resolved (area `_unit_id`/`_unit_pcode`, places per side) with its
    issues; the third frame holds the lines that the form's own cross-field constraints must
    not repeat (`form_rules(covered=...)`)."""
    main, area = admin_resolve(main, ctx)
    main, places = _places(main, ctx)
    covered = issues_concat([_households(main), _after_report(main, today or dt.date.today())])
    covered = issues_concat([covered, *_needs(main)])
    return main, [area, *places], covered
