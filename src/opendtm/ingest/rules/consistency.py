"""Consistency rules DTM applies whatever the form says (docs/domain.md §4): totals that must add
up, households against individuals, duplicates in the file and in the round, and the site registry.

Each rule applies when the fields it names are in the frame, so an operation's own form version
is checked on the fields it has. All are errors except `site.registered`, a note.
"""

from __future__ import annotations

import re

import polars as pl

from opendtm.ingest.context import ValidationContext
from opendtm.ingest.issues import WARNING, issues_concat, issues_where
from opendtm.ingest.joins import columns_joined

# Each total and the pattern of its sex-and-age groups: a site's people (`ind_f_lt1`, ...)
# and the IDPs of a baseline location (`idp_ind_f_lt1`, ...).
SEX_AGE = {"ind": re.compile(r"^ind_[fm]_\w+$"), "idp_ind": re.compile(r"^idp_ind_[fm]_\w+$")}
HH_IND_PAIRS = (("hh", "ind"), ("idp_hh", "idp_ind"), ("returnee_idp_hh", "returnee_idp_ind"))
VULNERABLE = ("pwd_ind", "plw_ind", "uasc_ind", "older_alone_ind")
SHELTER = ("idp_hh_sites", "idp_hh_host", "idp_hh_rented", "idp_hh_makeshift")
MAX_HOUSEHOLD = 15


def _all(frame: pl.DataFrame, *names: str) -> bool:
    return all(n in frame.columns for n in names)


def sex_age_sum(frame: pl.DataFrame) -> pl.DataFrame:
    """The sex-and-age groups the form declares (`ind_f_*`, `ind_m_*` of a site; `idp_ind_f_*`,
    `idp_ind_m_*` of a baseline) are given all or none (a missing group is not a zero), and
    all of them add up to their total."""
    out = []
    for total, pattern in SEX_AGE.items():
        groups = [c for c in frame.columns if pattern.match(c)]
        if not groups or total not in frame.columns:
            continue
        given = pl.sum_horizontal([pl.col(g).is_not_null().cast(pl.Int32) for g in groups])
        added = pl.sum_horizontal([pl.col(g).fill_null(0) for g in groups])
        out.append(
            issues_where(
                frame,
                (given > 0) & (given < len(groups)),
                field=total,
                rule="consistency.sex_age_partial",
                message=pl.format(
                    "{} of the {} sex and age groups of {} are given: give all of them or none",
                    given,
                    pl.lit(len(groups)),
                    pl.lit(total),
                ),
            )
        )
        out.append(
            issues_where(
                frame,
                (given == len(groups)) & pl.col(total).is_not_null() & (added != pl.col(total)),
                field=total,
                rule="consistency.sex_age_sum",
                message=pl.format(
                    "the {} sex and age groups add up to {}, not to {} {}",
                    pl.lit(len(groups)),
                    added,
                    pl.lit(total),
                    pl.col(total),
                ),
            )
        )
    return issues_concat(out)


def households(frame: pl.DataFrame) -> pl.DataFrame:
    """Households <= individuals, and individuals per household between 1 and 15."""
    out = []
    for hh, ind in HH_IND_PAIRS:
        if not _all(frame, hh, ind):
            continue
        both = pl.col(hh).is_not_null() & pl.col(ind).is_not_null()
        out.append(
            issues_where(
                frame,
                both & (pl.col(hh) > pl.col(ind)),
                field=hh,
                rule="consistency.hh_le_ind",
                message=pl.format(
                    "{} {} is more than {} {}", pl.lit(hh), pl.col(hh), pl.lit(ind), pl.col(ind)
                ),
            )
        )
        size = pl.col(ind) / pl.col(hh)
        out.append(
            issues_where(
                frame,
                both
                & (pl.col(hh) <= pl.col(ind))
                & (
                    ((pl.col(hh) == 0) & (pl.col(ind) > 0))
                    | ((pl.col(hh) > 0) & (size > MAX_HOUSEHOLD))
                ),
                field=ind,
                rule="consistency.household_size",
                message=pl.format(
                    "{} {} for {} {} households is not 1 to {} people per household",
                    pl.lit(ind),
                    pl.col(ind),
                    pl.col(hh),
                    pl.lit(hh),
                    pl.lit(MAX_HOUSEHOLD),
                ),
            )
        )
    return issues_concat(out)


def at_most(frame: pl.DataFrame) -> pl.DataFrame:
    """Vulnerable people <= individuals; households without shelter <= households;
    the shelter arrangements of IDP households together <= IDP households."""
    out = []
    if "ind" in frame.columns:
        for name in VULNERABLE:
            if name in frame.columns:
                out.append(
                    issues_where(
                        frame,
                        pl.col(name) > pl.col("ind"),
                        field=name,
                        rule="consistency.vulnerable_le_ind",
                        message=pl.format(
                            "{} {} is more than the {} individuals of the site",
                            pl.lit(name),
                            pl.col(name),
                            pl.col("ind"),
                        ),
                    )
                )
    if _all(frame, "hh_no_shelter", "hh"):
        out.append(
            issues_where(
                frame,
                pl.col("hh_no_shelter") > pl.col("hh"),
                field="hh_no_shelter",
                rule="consistency.no_shelter_le_hh",
                message=pl.format(
                    "hh_no_shelter {} is more than the {} households of the site",
                    pl.col("hh_no_shelter"),
                    pl.col("hh"),
                ),
            )
        )
    shelter = [s for s in SHELTER if s in frame.columns]
    if shelter and "idp_hh" in frame.columns:
        total = pl.sum_horizontal([pl.col(s).fill_null(0) for s in shelter])
        out.append(
            issues_where(
                frame,
                pl.any_horizontal([pl.col(s).is_not_null() for s in shelter])
                & (total > pl.col("idp_hh")),
                field="idp_hh",
                rule="consistency.shelter_sum",
                message=pl.format(
                    "the shelter arrangements ({}) add up to {} households, more than idp_hh {}",
                    pl.lit(", ".join(shelter)),
                    total,
                    pl.col("idp_hh"),
                ),
            )
        )
    return issues_concat(out)


def origins_sum(main: pl.DataFrame, origins: pl.DataFrame) -> pl.DataFrame:
    """The origins of a location hold no more individuals than its IDPs."""
    if not _all(main, "idp_ind") or not _all(origins, "origin_ind", "_parent_row"):
        return issues_concat([])
    totals = (
        origins.filter(pl.col("_parent_row").is_not_null())
        .group_by("_parent_row")
        .agg(_origins=pl.col("origin_ind").sum())
        .rename({"_parent_row": "_row"})
    )
    joined = main.join(totals, on="_row", how="inner", maintain_order="left")
    return issues_where(
        joined,
        pl.col("_origins") > pl.col("idp_ind").fill_null(0),
        field="idp_ind",
        rule="consistency.origins_sum",
        message=pl.format(
            "the places of origin hold {} individuals, more than idp_ind {}",
            pl.col("_origins"),
            pl.col("idp_ind").fill_null(0),
        ),
    )


def origin_households(origins: pl.DataFrame) -> pl.DataFrame:
    if not _all(origins, "origin_hh", "origin_ind"):
        return issues_concat([])
    return issues_where(
        origins,
        pl.col("origin_hh") > pl.col("origin_ind"),
        field="origin_hh",
        rule="consistency.hh_le_ind",
        message=pl.format(
            "origin_hh {} is more than origin_ind {}", pl.col("origin_hh"), pl.col("origin_ind")
        ),
    )


def submission_ids(frame: pl.DataFrame) -> pl.DataFrame:
    """Every row has a submission ID, and each ID appears once: later copies are rejected."""
    # Only the rows whose ID is repeated are grouped: IDs are unique in nearly every file.
    sid = pl.col("_submission_id")
    repeated = frame.filter(sid.is_not_null() & sid.is_duplicated())
    first = repeated.group_by("_submission_id").agg(_first_row=pl.col("_row").min())
    joined = columns_joined(repeated, first, on="_submission_id")
    return issues_concat(
        [
            issues_where(
                frame,
                pl.col("_submission_id").is_null(),
                field="_submission_id",
                rule="form.submission_id_missing",
                message="the row has no submission ID (_uuid, instanceID, KEY or _id), so it "
                "could not be replaced by a corrected file later",
                value=pl.lit(None, pl.Utf8),
            ),
            issues_where(
                joined,
                pl.col("_submission_id").is_not_null() & (pl.col("_row") != pl.col("_first_row")),
                field="_submission_id",
                rule="duplicate.submission_id",
                message=pl.format(
                    "submission ID {} is already in row {} of the file",
                    pl.col("_submission_id"),
                    pl.col("_first_row"),
                ),
                value=pl.col("_submission_id"),
            ),
        ]
    )


def same_key_twice(
    frame: pl.DataFrame,
    *,
    key: str,
    field: str,
    what: str,
    usable: pl.Expr,
) -> pl.DataFrame:
    """One submission per site (or location) per round in the file: later rows are rejected."""
    # Only the rows whose key is repeated among the usable ones are grouped and reported.
    candidates = frame.filter(usable & pl.col(key).is_not_null() & pl.col(key).is_duplicated())
    first = (
        candidates.filter(pl.col(key).is_duplicated())
        .group_by(key)
        .agg(
            _first_row=pl.col("_row").min(),
            _first_sid=pl.col("_submission_id").sort_by("_row").first(),
        )
    )
    joined = columns_joined(candidates, first, on=key)
    in_file = issues_where(
        joined,
        usable
        & pl.col("_first_row").is_not_null()
        & (pl.col("_row") != pl.col("_first_row"))
        & (pl.col("_submission_id") != pl.col("_first_sid")),
        field=field,
        rule=f"duplicate.{what}_in_round",
        message=pl.format(
            "this {} is already assessed in row {} of the file (submission {})",
            pl.lit(what),
            pl.col("_first_row"),
            pl.col("_first_sid"),
        ),
    )
    return in_file


def stored_key_conflicts(
    frame: pl.DataFrame, ctx: ValidationContext, *, key_id: str, field: str, what: str
) -> pl.DataFrame:
    """A site or location the round already holds under another submission ID."""
    if not ctx.stored.height or key_id not in frame.columns:
        return issues_concat([])
    stored = ctx.stored.rename({"submission_id": "_stored_sid", "key_id": key_id})
    joined = columns_joined(frame, stored, on=key_id)
    return issues_where(
        joined,
        pl.col("_stored_sid").is_not_null() & (pl.col("_stored_sid") != pl.col("_submission_id")),
        field=field,
        rule=f"duplicate.{what}_in_round",
        message=pl.format(
            "this {} is already stored in the round under submission {}; correct that "
            "submission instead of sending a new one",
            pl.lit(what),
            pl.col("_stored_sid"),
        ),
    )


def sites(frame: pl.DataFrame, ctx: ValidationContext) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Join the registry on `site_id`: adds `_site_pk` (null for a site to register).

    A known site whose admin unit differs from the row's is an error; an unknown one is
    registered from the row (a note); a new site without a type cannot be registered.
    """
    registry = ctx.sites.rename({"site_id": "_site_key"})
    frame = columns_joined(
        frame.with_columns(_site_key=pl.col("site_id").cast(pl.Utf8).str.strip_chars()),
        registry,
        on="_site_key",
    )
    known = pl.col("site_pk").is_not_null()
    has_unit = pl.col("_unit_pcode").is_not_null()
    new = pl.col("_site_key").is_not_null() & (pl.col("_site_key") != "") & ~known
    issues = [
        issues_where(
            frame,
            known & has_unit & (pl.col("site_unit") != pl.col("_unit_pcode")),
            field="site_id",
            rule="site.admin_mismatch",
            message=pl.format(
                "site {} is registered in {}, but this row places it in {}",
                pl.col("_site_key"),
                pl.col("site_unit"),
                pl.col("_unit_pcode"),
            ),
        ),
        issues_where(
            frame,
            new & has_unit & pl.col("site_type").is_null()
            if "site_type" in frame.columns
            else pl.lit(False),
            field="site_type",
            rule="site.type_missing",
            message="a site that is not in the registry yet needs its site_type to be registered",
        ),
        issues_where(
            frame,
            new & has_unit,
            field="site_id",
            rule="site.registered",
            severity=WARNING,
            message=pl.format(
                "site {} is not in the registry: it will be registered from this row in {}",
                pl.col("_site_key"),
                pl.col("_unit_pcode"),
            ),
        ),
    ]
    frame = frame.rename({"site_pk": "_site_pk", "site_unit": "_site_unit"})
    return frame, issues_concat(issues)


def sites_within_baseline(kept: pl.DataFrame, ctx: ValidationContext) -> pl.DataFrame:
    """Cross-form: a location's sites hold no more people than the IDPs its baseline reports,
    and no more sites are assessed there (closed ones aside) than its `sites_count`.

    Run by whichever form is imported second, on `kept`, the file's rows no other rule
    rejected: the file's sites (one row per site) with the round's stored sites the file does
    not replace, against the stored baselines; or the file's baselines against the round's
    stored sites. Warnings, on the file's rows of each location where either count is over.
    """
    if "_location_id" not in kept.columns:
        return issues_concat([])
    located = kept.filter(pl.col("_location_id").is_not_null())
    if "_site_key" in kept.columns:
        if not ctx.round_baselines.height or "ind" not in kept.columns:
            return issues_concat([])
        status = pl.col("site_status") if "site_status" in kept.columns else pl.lit(None, pl.Utf8)
        mine = (
            located.filter(pl.col("_site_key").is_not_null())
            .sort("_row")
            .unique(subset="_site_key", keep="first", maintain_order=True)
        )
        in_file = mine.select(
            pl.col("_site_pk").alias("site_pk"),
            pl.col("_location_id").alias("location_id"),
            pl.col("ind").cast(pl.Int64),
            status.cast(pl.Utf8).alias("site_status"),
        )
        stored = ctx.round_sites.join(
            in_file.filter(pl.col("site_pk").is_not_null()).select("site_pk"),
            on="site_pk",
            how="anti",
        )
        totals = _site_totals(pl.concat([in_file, stored])).join(
            ctx.round_baselines, on="location_id", how="inner"
        )
        rows, people, count, shown = mine, "ind", "site_id", pl.col("_site_key")
    else:
        if not ctx.round_sites.height or "idp_ind" not in kept.columns:
            return issues_concat([])
        totals = _site_totals(ctx.round_sites)
        baseline = located.select(
            pl.col("_location_id").alias("location_id"),
            pl.col("idp_ind").cast(pl.Int64),
            (pl.col("sites_count") if "sites_count" in kept.columns else pl.lit(None)).cast(
                pl.Int64
            ),
        )
        totals = totals.join(baseline.unique(subset="location_id"), on="location_id")
        rows, people, count, shown = located, "idp_ind", "sites_count", None
    over = totals.filter(
        (pl.col("_site_ind") > pl.col("idp_ind").fill_null(0))
        | (pl.col("_sites") > pl.col("sites_count"))
    )
    if not over.height:
        return issues_concat([])
    joined = rows.drop([c for c in over.columns if c in rows.columns and c != "location_id"]).join(
        over.rename({"location_id": "_location_id"}), on="_location_id", how="inner"
    )
    return issues_concat(
        [
            issues_where(
                joined,
                pl.col("_site_ind") > pl.col("idp_ind").fill_null(0),
                field=people,
                rule="consistency.sites_exceed_idps",
                severity=WARNING,
                message=pl.format(
                    "the sites assessed in {} this round hold {} individuals, more than the {} "
                    "IDPs (idp_ind) its baseline assessment reports",
                    pl.col("_location_pcode"),
                    pl.col("_site_ind"),
                    pl.col("idp_ind").fill_null(0),
                ),
            ),
            issues_where(
                joined,
                pl.col("_sites") > pl.col("sites_count"),
                field=count,
                rule="consistency.sites_exceed_count",
                severity=WARNING,
                value=shown,
                message=pl.format(
                    "{} sites that are not closed are assessed in {} this round, more than the "
                    "{} sites (sites_count) its baseline assessment reports",
                    pl.col("_sites"),
                    pl.col("_location_pcode"),
                    pl.col("sites_count"),
                ),
            ),
        ]
    )


def _site_totals(sites: pl.DataFrame) -> pl.DataFrame:
    """Per location: individuals in its sites and the sites not closed."""
    return (
        sites.filter(pl.col("location_id").is_not_null())
        .group_by("location_id")
        .agg(
            _site_ind=pl.col("ind").sum(),
            _sites=(pl.col("site_status").fill_null("") != "closed").sum(),
        )
    )
