"""The rules of a flow monitoring registry export (`dtm_fmr`), on the one validation path.

The form's own rules (required, constraints, choice lists: `rules.form`), the text and
submission-ID rules and the verdicts are the ones every import uses; here are the rules only
flow records have (docs/flows.md, "The rules"):

- `flow.sex_age_sum` (error): men, women, boys and girls, when any is given, make up the group;
- `flow.point_unknown` (error): the point code is in the operation's registry;
- `flow.point_inactive` (error): the point was active (or resumed) on the day observed;
- `flow.outside_schedule` (warning): the day is not one of the point's observation days;
- `flow.outside_hours` (warning): the observation window lies outside the point's hours;
- `flow.window` (error): the window ends after it starts;
- `flow.direction` (warning): at a border point, an incoming group comes from abroad and an
  outgoing one goes abroad (its previous location, or next destination, is not at home);
- `flow.place_unknown` (error): a place resolves, at home against the operation's gazetteer,
  abroad against that country's loaded gazetteer or else its ISO 3166-2 subdivisions.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cache

import polars as pl
import pycountry

from opendtm.forms.spec import FormSpec
from opendtm.ingest.issues import (
    ISSUE_COLUMNS,
    WARNING,
    ignored_columns_notes,
    issues_concat,
    issues_where,
)
from opendtm.ingest.joins import columns_joined
from opendtm.ingest.rules import ExportLike, Validation, _verdicts
from opendtm.ingest.rules.consistency import submission_ids
from opendtm.ingest.rules.form import form_rules, without_reader_duplicates
from opendtm.ingest.rules.text import issues_printable, text_cleaned

SEX_AGE = ("men", "women", "boys", "girls")
PLACES = ("prev", "next", "final")
COUNTRY_FIELDS = ("nationality", *(f"{p}_country" for p in PLACES))
POINT_SCHEMA = {
    "point_code": pl.Utf8,
    "point_id": pl.Int64,
    "days": pl.Utf8,
    "from_min": pl.Int64,
    "to_min": pl.Int64,
    "border": pl.Boolean,
}
# (country ISO3, admin 1 as given, admin 2 as given) -> resolved codes, or null where a part
# does not resolve (`why` says which and why).
PLACE_SCHEMA = {
    "country": pl.Utf8,
    "adm1": pl.Utf8,
    "adm2": pl.Utf8,
    "adm1_code": pl.Utf8,
    "adm2_code": pl.Utf8,
    "why": pl.Utf8,
}
TIME_RE = r"^([01][0-9]|2[0-3]):([0-5][0-9])"

Resolver = Callable[[pl.DataFrame], pl.DataFrame]


@dataclass
class FlowContext:
    """What the flow rules compare a file with: the operation's points (POINT_SCHEMA), their
    status periods (`flows.registry.PERIOD_SCHEMA`) and a resolver of places (distinct
    country, adm1, adm2 -> PLACE_SCHEMA), loaded once per import."""

    form: FormSpec
    country_iso3: str
    points: pl.DataFrame
    periods: pl.DataFrame
    places: Resolver = field(default=lambda frame: frame)


def _minutes(column: str) -> pl.Expr:
    """Minutes after midnight of a time as ODK writes it (06:00:00.000+08:00: its local
    HH:MM) or as an Excel time cell reads (0.25, a fraction of the day)."""
    text = pl.col(column).cast(pl.Utf8).str.strip_chars()
    hours = text.str.extract(TIME_RE, 1).cast(pl.Int64)
    minutes = text.str.extract(TIME_RE, 2).cast(pl.Int64)
    fraction = text.cast(pl.Float64, strict=False)
    excel = pl.when((fraction >= 0) & (fraction < 1)).then((fraction * 1440).round(0))
    return pl.coalesce(hours * 60 + minutes, excel.cast(pl.Int64))


def _times(main: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """`_start_min`, `_end_min` from the window's times (ODK writes 06:00:00.000+03:00: the
    local time is its first five characters); a time that is not one is an error."""
    main = main.with_columns(_start_min=_minutes("window_start"), _end_min=_minutes("window_end"))
    parts = [
        issues_where(
            main,
            pl.col(name).is_not_null() & pl.col(f"_{part}_min").is_null(),
            field=name,
            rule="type.time",
            message=f"{name} must be a time of day HH:MM",
        )
        for name, part in (("window_start", "start"), ("window_end", "end"))
    ]
    parts.append(
        issues_where(
            main,
            pl.col("_end_min") <= pl.col("_start_min"),
            field="window_end",
            rule="flow.window",
            message=pl.format(
                "the observation window ends at {} before it starts at {}",
                pl.col("window_end"),
                pl.col("window_start"),
            ),
        )
    )
    return main, issues_concat(parts)


def sex_age_sum(main: pl.DataFrame) -> pl.DataFrame:
    given = pl.any_horizontal(pl.col(n).is_not_null() for n in SEX_AGE)
    total = pl.sum_horizontal(pl.col(n).fill_null(0) for n in SEX_AGE)
    return issues_where(
        main,
        given & pl.col("group_size").is_not_null() & (total != pl.col("group_size")),
        field="group_size",
        rule="flow.sex_age_sum",
        message=pl.format(
            "men {} + women {} + boys {} + girls {} make {}, not the group of {}",
            *(pl.col(n).cast(pl.Utf8).fill_null("(blank)") for n in SEX_AGE),
            total,
            pl.col("group_size"),
        ),
    )


def _points(main: pl.DataFrame, ctx: FlowContext) -> tuple[pl.DataFrame, pl.DataFrame]:
    """`_point_id`, the point's status on the day (`_status`, `_since`, `_why`), and the rules
    on them."""
    points = ctx.points.rename({"point_code": "fmp_code"})
    main = columns_joined(main, points, on="fmp_code").rename(
        {
            "point_id": "_point_id",
            "days": "_days",
            "from_min": "_from_min",
            "to_min": "_to_min",
            "border": "_border",
        }
    )
    keyed = main.select("_row", "_point_id", "obs_date").filter(
        pl.col("_point_id").is_not_null() & pl.col("obs_date").is_not_null()
    )
    on_day = (
        keyed.join(ctx.periods, left_on="_point_id", right_on="point_id", how="inner")
        .filter(
            (pl.col("start") <= pl.col("obs_date"))
            & (pl.col("end").is_null() | (pl.col("end") > pl.col("obs_date")))
        )
        .select("_row", _status="status", _since="start", _why="reason")
    )
    main = columns_joined(main, on_day, on="_row")
    known = pl.col("_point_id").is_not_null()
    weekday = pl.col("obs_date").dt.weekday().cast(pl.Utf8)
    issues = [
        issues_where(
            main,
            pl.col("fmp_code").is_not_null() & ~known,
            field="fmp_code",
            rule="flow.point_unknown",
            message=pl.format(
                "point {} is not in the registry of flow monitoring points", pl.col("fmp_code")
            ),
        ),
        issues_where(
            main,
            known & pl.col("obs_date").is_not_null() & pl.col("_status").is_null(),
            field="obs_date",
            rule="flow.point_inactive",
            message=pl.format(
                "point {} was not yet active on {}", pl.col("fmp_code"), pl.col("obs_date")
            ),
        ),
        issues_where(
            main,
            known & pl.col("_status").is_in(["inactive", "closed"]),
            field="obs_date",
            rule="flow.point_inactive",
            message=pl.format(
                "point {} was {} on {} (since {}: {}), so it counted nobody",
                pl.col("fmp_code"),
                pl.col("_status"),
                pl.col("obs_date"),
                pl.col("_since"),
                pl.when(pl.col("_why") == "").then(pl.lit("no reason given")).otherwise("_why"),
            ),
        ),
        issues_where(
            main,
            known & pl.col("obs_date").is_not_null() & ~pl.col("_days").str.contains(weekday),
            field="obs_date",
            rule="flow.outside_schedule",
            severity=WARNING,
            message=pl.format(
                "{} is a {}, not an observation day of point {}",
                pl.col("obs_date"),
                pl.col("obs_date").dt.strftime("%A"),
                pl.col("fmp_code"),
            ),
        ),
        issues_where(
            main,
            known
            & (
                (pl.col("_start_min") < pl.col("_from_min"))
                | (pl.col("_end_min") > pl.col("_to_min"))
            ),
            field="window_start",
            rule="flow.outside_hours",
            severity=WARNING,
            value=pl.format("{}-{}", pl.col("window_start"), pl.col("window_end")),
            message=pl.format(
                "the window lies outside the observation hours of point {}", pl.col("fmp_code")
            ),
        ),
        issues_where(
            main,
            known
            & pl.col("_border")
            & (
                ((pl.col("direction") == "incoming") & (pl.col("prev_country") == ctx.country_iso3))
                | (
                    (pl.col("direction") == "outgoing")
                    & (pl.col("next_country") == ctx.country_iso3)
                )
            ),
            field="direction",
            rule="flow.direction",
            severity=WARNING,
            message=pl.format(
                "at border point {}, an {} group {} {}, yet its {} is in {}",
                pl.col("fmp_code"),
                pl.col("direction"),
                pl.when(pl.col("direction") == "incoming")
                .then(pl.lit("enters"))
                .otherwise(pl.lit("leaves")),
                pl.lit(ctx.country_iso3),
                pl.when(pl.col("direction") == "incoming")
                .then(pl.lit("previous location"))
                .otherwise(pl.lit("next destination")),
                pl.lit(ctx.country_iso3),
            ),
        ),
    ]
    return main, issues_concat(issues)


def _places(main: pl.DataFrame, ctx: FlowContext) -> tuple[pl.DataFrame, pl.DataFrame]:
    """`_<place>_adm1`, `_<place>_adm2`: each place's resolved codes, and one error per place
    that does not resolve."""
    wanted = pl.concat(
        [
            main.select(
                country=pl.col(f"{p}_country"), adm1=pl.col(f"{p}_adm1"), adm2=pl.col(f"{p}_adm2")
            )
            for p in PLACES
        ]
    )
    wanted = wanted.filter(pl.col("country").is_not_null() & pl.col("adm1").is_not_null()).unique()
    resolved = ctx.places(wanted) if wanted.height else pl.DataFrame(schema=PLACE_SCHEMA)
    issues = []
    for p in PLACES:
        names = {"country": f"{p}_country", "adm1": f"{p}_adm1", "adm2": f"{p}_adm2"}
        mine = resolved.rename(
            {**names, "adm1_code": f"_{p}_adm1", "adm2_code": f"_{p}_adm2", "why": f"_{p}_why"}
        )
        main = columns_joined(main, mine, on=list(names.values()), nulls_equal=True)
        issues.append(
            issues_where(
                main,
                pl.col(f"_{p}_why").is_not_null(),
                field=f"{p}_adm1",
                rule="flow.place_unknown",
                value=pl.concat_str(
                    [pl.col(n) for n in names.values()], separator=" / ", ignore_nulls=True
                ),
                message=pl.format("{}: {}", pl.lit(f"{p}_adm1"), pl.col(f"_{p}_why")),
            )
        )
    return main, issues_concat(issues)


def validate_flows(parsed: ExportLike, ctx: FlowContext) -> Validation:
    """Every rule on a flow registry export; which rows are accepted and which flagged."""
    form = ctx.form
    main = parsed.main
    sheets = main.get_column("_sheet").drop_nulls()
    sheet = str(sheets[0]) if len(sheets) else parsed.file_name
    main, text = text_cleaned(main, form.main_fields())
    main = main.with_columns(
        pl.col(n).str.to_uppercase() for n in COUNTRY_FIELDS if main.schema[n] == pl.Utf8
    )
    main, times = _times(main)
    sums = sex_age_sum(main)
    main, points = _points(main, ctx)
    main, places = _places(main, ctx)
    reader = parsed.issues.select(ISSUE_COLUMNS)
    notes = ignored_columns_notes(list(parsed.ignored_columns), form=form, sheet=sheet)
    issues = issues_concat(
        [
            *notes,
            reader,
            text,
            form_rules(main, form.main_fields(), form, sheet=sheet, covered=sums),
            submission_ids(main),
            times,
            sums,
            points,
            places,
        ]
    )
    issues = without_reader_duplicates(issues, reader)
    checked = _verdicts(main, {}, issues, sheet)
    checked.issues = issues_printable(checked.issues)
    return checked


# --- places ------------------------------------------------------------------------------


def _words(text: str) -> tuple[str, ...]:
    """A place name as comparable words: no accents, lower case, without one-letter words
    ("Khorāsān-e Raẕavī" and "Razavi Khorasan" are the same words)."""
    plain = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in plain if not unicodedata.combining(c)).lower()
    return tuple(sorted(w for w in re.split(r"[^a-z0-9]+", plain) if len(w) > 1))


@cache
def iso_subdivisions(iso3: str) -> dict[str, str]:
    """The ISO 3166-2 subdivisions of a country: their code ("IR-09"), the code's part after
    the hyphen ("09") and their name's words, each -> the code."""
    country = pycountry.countries.get(alpha_3=iso3)
    if country is None:
        return {}
    found: dict[str, str] = {}
    subs = list(pycountry.subdivisions.get(country_code=country.alpha_2) or [])
    # First-level subdivisions first: a name two levels share names the upper one. Lower
    # ones count too: where ISO's first level is a grouping (Indonesia's seven geographical
    # units), its second (the provinces) is the admin 1 of the country's gazetteer.
    subs.sort(key=lambda sub: (bool(getattr(sub, "parent_code", None)), sub.code))
    for sub in subs:
        found.setdefault(sub.code.upper(), sub.code)
        found.setdefault(sub.code.split("-", 1)[1].upper(), sub.code)
        found.setdefault(" ".join(_words(sub.name)), sub.code)
    return found


def iso_subdivision(iso3: str, text: str) -> str | None:
    """The ISO 3166-2 code a first-level subdivision is given by (code or name), or None."""
    table = iso_subdivisions(iso3)
    cleaned = text.strip().upper()
    return table.get(cleaned) or table.get(" ".join(_words(text)))


def places_resolve(
    wanted: pl.DataFrame,
    *,
    home_iso3: str,
    units_of: Callable[[str, Iterable[str]], dict[str, tuple[str, int, str | None] | None]],
) -> pl.DataFrame:
    """PLACE_SCHEMA for the distinct places of a file. `units_of(iso3, codes)` answers, for a
    country whose gazetteer is loaded, each code -> (P-code, level, parent P-code) or None
    (an empty answer: no gazetteer for that country)."""
    rows: list[tuple[str, str, str | None, str | None, str | None, str | None]] = []
    by_country: dict[str, list[tuple[str, str | None]]] = {}
    for country, adm1, adm2 in wanted.iter_rows():
        by_country.setdefault(country, []).append((adm1, adm2))
    for country, pairs in by_country.items():
        codes = {c for pair in pairs for c in pair if c}
        units = units_of(country, codes)
        if country != home_iso3 and pycountry.countries.get(alpha_3=country) is None:
            rows += [
                (country, a1, a2, None, None, f"{country} is not an ISO 3166 country code")
                for a1, a2 in pairs
            ]
            continue
        for adm1, adm2 in pairs:
            rows.append((country, adm1, adm2, *_one(country, adm1, adm2, units, home_iso3)))
    return pl.DataFrame(rows, schema=PLACE_SCHEMA, orient="row")


def _one(
    country: str,
    adm1: str,
    adm2: str | None,
    units: dict[str, tuple[str, int, str | None] | None],
    home_iso3: str,
) -> tuple[str | None, str | None, str | None]:
    if units:  # the country's gazetteer is loaded: P-codes
        first = units.get(adm1)
        if first is None or first[1] != 1:
            where = "an admin 1 unit" if first is None else f"admin level 1 (it is {first[1]})"
            return None, None, f"{adm1} is not {where} of {country}'s gazetteer"
        if not adm2:
            return first[0], None, None
        second = units.get(adm2)
        if second is None or second[1] != 2 or second[2] != first[0]:
            return None, None, f"{adm2} is not an admin 2 unit of {first[0]} in the gazetteer"
        return first[0], second[0], None
    if country == home_iso3:
        return None, None, f"no gazetteer of {country} is loaded"
    code = iso_subdivision(country, adm1)
    if code is None:
        return (
            None,
            None,
            (
                f"{adm1!r} is not an ISO 3166-2 subdivision of {country} (give its code, e.g. "
                f"{min(iso_subdivisions(country).values(), default='?')}, or its name)"
            ),
        )
    return code, " ".join(adm2.split()) if adm2 else None, None
