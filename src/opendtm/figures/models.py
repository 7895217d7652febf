"""The published-figures snapshot: a published round's figures, precomputed at publication.

Published rounds never change, so their figures are computed once, when the round is
published, and read from these tables afterwards: every answer is then an index range scan,
whatever the size of the round. The snapshot also freezes what the figures were computed on
(the unit names and parent chain of the gazetteer at the time, the import batches), so a
published figure stays reproducible after the gazetteer is updated. Unpublished rounds are
computed live (`figures.live`). How and why: docs/figures.md ("The snapshot").

Only the indexes the reads use are kept (each one costs every insert of a million rows):
foreign keys covered by a composite index, or never looked up, have none of their own.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


def _count() -> models.BigIntegerField:
    return models.BigIntegerField(default=0)


def _known() -> models.BigIntegerField:
    """A count the unit may not carry (the IDPs' sex and age): null where it does not."""
    return models.BigIntegerField(null=True)


class FigureSnapshot(models.Model):
    """One build of a published round's figures, with where they came from (provenance).

    At most one per round: a rebuild replaces it, with its rows, in one transaction.
    """

    round = models.OneToOneField(
        "operations.Round", on_delete=models.CASCADE, related_name="figure_snapshot"
    )
    built_at = models.DateTimeField(auto_now_add=True)
    built_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    gazetteer_version = models.ForeignKey(
        "gazetteer.GazetteerVersion", on_delete=models.PROTECT, related_name="+", null=True
    )
    batch_ids = models.JSONField(default=list, help_text="Import batches whose rows went in.")
    threshold = models.PositiveIntegerField(help_text="Suppression threshold the masks used.")
    location_level = models.PositiveSmallIntegerField()
    origin_max_level = models.PositiveSmallIntegerField(
        help_text="Deepest origin level stored: finer requests give the same rows."
    )
    baseline_rows = models.PositiveIntegerField(default=0)
    site_rows = models.PositiveIntegerField(default=0)
    origin_rows = models.PositiveIntegerField(default=0)
    answer_rows = models.JSONField(
        default=dict,
        help_text='Rows of each whole answer, counted at build: {"admin 4": n, "sites": n, '
        '"origin 3 4": n, "coarser 3 4": n}, so that paging never counts a million rows.',
    )

    def __str__(self) -> str:
        return f"figures of round {self.round_id} built {self.built_at:%Y-%m-%d %H:%M}"


class SnapshotUnit(models.Model):
    """An admin unit a snapshot cites, as the gazetteer described it when the snapshot was built."""

    snapshot = models.ForeignKey(
        FigureSnapshot, on_delete=models.CASCADE, related_name="units", db_index=False
    )
    unit = models.ForeignKey(
        "gazetteer.AdminUnit", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    level = models.PositiveSmallIntegerField()
    pcode = models.CharField(max_length=32)
    name = models.CharField(max_length=200)
    latitude = models.FloatField(null=True)
    longitude = models.FloatField(null=True)
    adm1_pcode = models.CharField(max_length=32, null=True)
    adm1_name = models.CharField(max_length=200, null=True)
    adm2_pcode = models.CharField(max_length=32, null=True)
    adm2_name = models.CharField(max_length=200, null=True)
    adm3_pcode = models.CharField(max_length=32, null=True)
    adm3_name = models.CharField(max_length=200, null=True)
    adm4_pcode = models.CharField(max_length=32, null=True)
    adm4_name = models.CharField(max_length=200, null=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["snapshot", "unit"], name="snapshot_unit_uniq"),
        ]
        indexes = [models.Index(fields=["snapshot", "level"], name="snapshot_unit_level")]

    def __str__(self) -> str:
        return f"{self.pcode} {self.name}"


class FigureRow(models.Model):
    """The figures of one admin unit at one level in a published round (ADMIN_MEASURES).

    `suppressed` is a bit mask over ADMIN_MEASURES (bit i set: measure i is hidden in public
    outputs), computed at build over the whole level so every page of an answer agrees.
    """

    snapshot = models.ForeignKey(
        FigureSnapshot, on_delete=models.CASCADE, related_name="admin_figures", db_index=False
    )
    round = models.ForeignKey(
        "operations.Round", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    level = models.PositiveSmallIntegerField()
    unit = models.ForeignKey(
        "gazetteer.AdminUnit", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    parent = models.ForeignKey(
        "gazetteer.AdminUnit",
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        db_index=False,
        help_text="The unit's parent as the snapshot's gazetteer had it (drill-down).",
    )
    pcode = models.CharField(max_length=32)
    suppressed = models.BigIntegerField(default=0)
    locations = _count()
    locations_flagged = _count()
    locations_over_baseline = _count()
    idp_hh = _count()
    idp_ind = _count()
    returnee_idp_hh = _count()
    returnee_idp_ind = _count()
    returnee_abroad_ind = _count()
    sites = _count()
    sites_open = _count()
    sites_closing = _count()
    sites_closed = _count()
    sites_flagged = _count()
    site_hh = _count()
    site_ind = _count()
    sadd_sites = _count()
    sadd_ind = _count()
    ind_f_lt1 = _count()
    ind_f_1_5 = _count()
    ind_f_6_17 = _count()
    ind_f_18_59 = _count()
    ind_f_60p = _count()
    ind_m_lt1 = _count()
    ind_m_1_5 = _count()
    ind_m_6_17 = _count()
    ind_m_18_59 = _count()
    ind_m_60p = _count()
    idp_sadd_locations = _count()
    idp_ind_f_lt1 = _known()
    idp_ind_f_1_5 = _known()
    idp_ind_f_6_17 = _known()
    idp_ind_f_18_59 = _known()
    idp_ind_f_60p = _known()
    idp_ind_m_lt1 = _known()
    idp_ind_m_1_5 = _known()
    idp_ind_m_6_17 = _known()
    idp_ind_m_18_59 = _known()
    idp_ind_m_60p = _known()

    class Meta:
        indexes = [
            models.Index(fields=["round", "level", "pcode"], name="figrow_round_level_pcode"),
            models.Index(fields=["round", "level", "parent"], name="figrow_round_level_parent"),
            models.Index(fields=["unit", "round", "level"], name="figrow_unit_round_level"),
        ]

    def __str__(self) -> str:
        return f"{self.pcode} (level {self.level}, round {self.round_id})"


class SiteFigureRow(models.Model):
    """The figures of one site in a published round (SITE_MEASURES), with its registry details."""

    snapshot = models.ForeignKey(
        FigureSnapshot, on_delete=models.CASCADE, related_name="site_figures"
    )
    round = models.ForeignKey("operations.Round", on_delete=models.CASCADE, related_name="+")
    site = models.ForeignKey("operations.Site", on_delete=models.PROTECT, related_name="+")
    site_code = models.CharField(max_length=64)
    site_name = models.CharField(max_length=200)
    site_type = models.CharField(max_length=40, null=True)
    site_status = models.CharField(max_length=40, null=True)
    flagged = models.BooleanField(default=False)
    unit = models.ForeignKey("gazetteer.AdminUnit", on_delete=models.PROTECT, related_name="+")
    location = models.ForeignKey(
        "gazetteer.AdminUnit",
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The unit at the operation's location level the site lies in.",
    )
    latitude = models.FloatField(null=True)
    longitude = models.FloatField(null=True)
    hh = _count()
    ind = _count()
    sadd = models.BooleanField(default=False, help_text="All ten sex-age groups reported.")
    suppressed = models.BigIntegerField(default=0)
    ind_f_lt1 = _count()
    ind_f_1_5 = _count()
    ind_f_6_17 = _count()
    ind_f_18_59 = _count()
    ind_f_60p = _count()
    ind_m_lt1 = _count()
    ind_m_1_5 = _count()
    ind_m_6_17 = _count()
    ind_m_18_59 = _count()
    ind_m_60p = _count()

    class Meta:
        indexes = [models.Index(fields=["round", "site_code"], name="figsite_round_code")]

    def __str__(self) -> str:
        return f"{self.site_code} (round {self.round_id})"


class OriginFigureRow(models.Model):
    """IDPs from one origin unit in one current unit, at one pair of levels, in a published round.

    `origin_level` is the level asked for; an origin reported coarser than that stays at its
    own level (the SnapshotUnit of `origin` says which).
    """

    snapshot = models.ForeignKey(
        FigureSnapshot, on_delete=models.CASCADE, related_name="origin_figures", db_index=False
    )
    round = models.ForeignKey(
        "operations.Round", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    origin_level = models.PositiveSmallIntegerField()
    destination_level = models.PositiveSmallIntegerField()
    origin = models.ForeignKey(
        "gazetteer.AdminUnit", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    origin_pcode = models.CharField(max_length=32)
    destination = models.ForeignKey(
        "gazetteer.AdminUnit", on_delete=models.PROTECT, related_name="+"
    )
    destination_pcode = models.CharField(max_length=32)
    locations = _count()
    origin_hh = _count()
    origin_ind = _count()
    suppressed = models.BigIntegerField(default=0)

    class Meta:
        indexes = [
            models.Index(
                fields=[
                    "round",
                    "origin_level",
                    "destination_level",
                    "destination_pcode",
                    "origin_pcode",
                ],
                name="figorigin_round_levels",
            )
        ]

    def __str__(self) -> str:
        return f"{self.origin_pcode} -> {self.destination_pcode} (round {self.round_id})"
