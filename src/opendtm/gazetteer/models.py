"""The gazetteer: admin units with P-codes, names, codes and boundaries, loaded in versions.

Units are never deleted and codes never re-used: a unit missing from a newer version is retired
(`retired_in`), so figures published on an older version keep resolving every code they cite.
Each version keeps a snapshot of its units (`VersionUnit`: names and parents as that version had
them) and, from the second version on, the typed changes from the version before it
(`CrosswalkChange`), which is how an old code leads to the unit that holds its place today.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from opendtm.gazetteer.choices import ChangeKind, CodeKind, NameKind

MAX_LEVEL = 4


class GazetteerVersion(models.Model):
    """One load of a country's gazetteer: which file, which edition, valid from when."""

    country_iso3 = models.CharField(max_length=3, db_index=True)
    label = models.CharField(max_length=100)
    source = models.CharField(max_length=500, help_text="File name or built-in source loaded.")
    sha256 = models.CharField(max_length=64)
    valid_from = models.DateField(null=True, blank=True)
    loaded_at = models.DateTimeField(auto_now_add=True)
    loaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    unit_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["country_iso3", "loaded_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["country_iso3", "label"], name="gaz_version_label_uniq"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.country_iso3} {self.label}"


class AdminUnit(models.Model):
    """An administrative unit (level 0 = country ... 4) identified by its P-code."""

    country_iso3 = models.CharField(max_length=3)
    pcode = models.CharField(max_length=32)
    name = models.CharField(max_length=200)
    level = models.PositiveSmallIntegerField()
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, related_name="children", null=True, blank=True
    )
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    population = models.BigIntegerField(null=True, blank=True)
    introduced_in = models.ForeignKey(
        GazetteerVersion, on_delete=models.PROTECT, related_name="introduced_units"
    )
    retired_in = models.ForeignKey(
        GazetteerVersion,
        on_delete=models.PROTECT,
        related_name="retired_units",
        null=True,
        blank=True,
    )
    valid_from = models.DateField(null=True, blank=True)
    valid_to = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["country_iso3", "pcode"]
        constraints = [
            models.UniqueConstraint(fields=["country_iso3", "pcode"], name="admin_unit_pcode_uniq"),
            models.CheckConstraint(
                condition=Q(level__gte=0, level__lte=MAX_LEVEL), name="admin_unit_level_range"
            ),
            models.CheckConstraint(
                condition=(Q(level=0) & Q(parent__isnull=True))
                | (Q(level__gt=0) & Q(parent__isnull=False)),
                name="admin_unit_parent_iff_not_country",
            ),
            models.CheckConstraint(
                condition=Q(population__isnull=True) | Q(population__gte=0),
                name="admin_unit_population_nonneg",
            ),
        ]
        indexes = [
            models.Index(fields=["country_iso3", "level"]),
        ]

    def __str__(self) -> str:
        return f"{self.pcode} {self.name}"

    @property
    def is_current(self) -> bool:
        return self.retired_in_id is None


class AdminUnitName(models.Model):
    """A name of a unit in one language: official, alternative or former. Used by matching."""

    unit = models.ForeignKey(AdminUnit, on_delete=models.CASCADE, related_name="names")
    name = models.CharField(max_length=200)
    language = models.CharField(max_length=16, blank=True, help_text="e.g. en, fr, es; '' unknown")
    kind = models.CharField(max_length=16, choices=NameKind.choices, default=NameKind.OFFICIAL)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "name", "language", "kind"], name="admin_unit_name_uniq"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=NameKind.values), name="admin_unit_name_kind_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.kind}, {self.language or '?'})"


class AdminUnitCode(models.Model):
    """Another code that leads to a unit: a bare national code, an older code, a COD-AB code."""

    country_iso3 = models.CharField(max_length=3)
    code = models.CharField(max_length=32)
    unit = models.ForeignKey(AdminUnit, on_delete=models.CASCADE, related_name="codes")
    kind = models.CharField(max_length=16, choices=CodeKind.choices)
    note = models.CharField(max_length=300, blank=True)
    edition = models.CharField(
        max_length=100,
        blank=True,
        db_default="",
        help_text="Edition the code belongs to, e.g. cod-ab-2023.",
    )
    parent_code = models.CharField(
        max_length=32,
        blank=True,
        db_default="",
        help_text="The unit's parent in that edition, when it differs from today's (any code).",
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["country_iso3", "code"], name="admin_unit_code_uniq"),
            models.CheckConstraint(
                condition=Q(kind__in=CodeKind.values), name="admin_unit_code_kind_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} -> {self.unit_id} ({self.kind})"


class AdminBoundary(models.Model):
    """The polygon of a unit, as WKB, with its bounding box for a cheap first filter, and a
    simplified copy for maps (a COD-AB region weighs megabytes; its outline on a dashboard
    needs a few kilobytes, and simplifying it on every page view would cost seconds)."""

    unit = models.OneToOneField(AdminUnit, on_delete=models.CASCADE, related_name="boundary")
    wkb = models.BinaryField()
    display_wkb = models.BinaryField(
        null=True, help_text="Simplified outline for maps (gazetteer.outlines)."
    )
    min_x = models.FloatField()
    min_y = models.FloatField()
    max_x = models.FloatField()
    max_y = models.FloatField()

    def __str__(self) -> str:
        return f"boundary of {self.unit_id}"


class VersionUnit(models.Model):
    """A unit as one version had it: its name and parent then (P-code and level never change).

    The snapshot is what `diff` compares and what keeps a chain of codes coded on an older
    version acceptable after the units moved.
    """

    # A national gazetteer writes 44,000 rows per version: one index (the unique one, which
    # also serves look-ups by version) and no database constraint on the two unit links (the
    # rows are copied from the units table in one INSERT ... SELECT and units are never
    # deleted, while PostgreSQL would check 90,000 deferred foreign keys at commit).
    version = models.ForeignKey(
        GazetteerVersion, on_delete=models.CASCADE, related_name="units", db_index=False
    )
    unit = models.ForeignKey(
        AdminUnit, on_delete=models.PROTECT, related_name="+", db_constraint=False, db_index=False
    )
    name = models.CharField(max_length=200)
    parent = models.ForeignKey(
        AdminUnit,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        db_constraint=False,
        db_index=False,
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["version", "unit"], name="gaz_version_unit_uniq"),
        ]

    def __str__(self) -> str:
        return f"{self.unit_id} in {self.version_id}"


class CrosswalkChange(models.Model):
    """One typed change from a version to the next one of the same country.

    Splits and merges are one row per (old unit, new unit) pair, sharing a `group` number, so
    that figures can be compared through the whole group instead of being silently summed.
    """

    country_iso3 = models.CharField(max_length=3)
    from_version = models.ForeignKey(
        GazetteerVersion, on_delete=models.CASCADE, related_name="changes_out"
    )
    to_version = models.ForeignKey(
        GazetteerVersion, on_delete=models.CASCADE, related_name="changes_in"
    )
    kind = models.CharField(max_length=16, choices=ChangeKind.choices)
    level = models.PositiveSmallIntegerField()
    group = models.PositiveIntegerField(help_text="Rows of one split or merge share a group.")
    old_unit = models.ForeignKey(
        AdminUnit, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    new_unit = models.ForeignKey(
        AdminUnit, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    old_pcode = models.CharField(max_length=32, blank=True)
    new_pcode = models.CharField(max_length=32, blank=True)
    old_name = models.CharField(max_length=200, blank=True)
    new_name = models.CharField(max_length=200, blank=True)
    method = models.CharField(max_length=100, blank=True, help_text="How the link was found.")
    share = models.FloatField(
        null=True, blank=True, help_text="Share of the old unit's area in the new one."
    )
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["to_version", "level", "group", "old_pcode", "new_pcode"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=ChangeKind.values), name="crosswalk_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(kind=ChangeKind.NEW) | Q(old_unit__isnull=False),
                name="crosswalk_old_unit_unless_new",
            ),
            models.CheckConstraint(
                condition=Q(kind=ChangeKind.RETIRED) | Q(new_unit__isnull=False),
                name="crosswalk_new_unit_unless_retired",
            ),
        ]
        indexes = [models.Index(fields=["country_iso3", "to_version"])]

    def __str__(self) -> str:
        return f"{self.kind}: {self.old_pcode or '-'} -> {self.new_pcode or '-'}"
