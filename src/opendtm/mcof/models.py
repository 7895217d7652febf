"""MCOF reference data: the 15 sectors of assistance and the IASC coordination groups they map to.

Rows are shipped in `data/mcof.json` and loaded by a data migration (0002). Sector names marked
unconfirmed in docs/domain.md §2 stay editable (`mcof.services.sector_rename`); confirmed ones
do not change.
"""

from __future__ import annotations

from django.db import models


class Sector(models.Model):
    """One MCOF sector of assistance, numbered as MC/2355 lists them (1-15)."""

    number = models.PositiveSmallIntegerField(unique=True)
    code = models.SlugField(max_length=32, unique=True)
    name = models.CharField(max_length=200)
    confirmed = models.BooleanField(default=True)  # False: the name is not confirmed verbatim
    groups = models.ManyToManyField(
        "mcof.CoordinationGroup", through="mcof.SectorGroup", related_name="sectors"
    )

    class Meta:
        ordering = ["number"]

    def __str__(self) -> str:
        return f"{self.number}. {self.name}"


class CoordinationGroup(models.Model):
    """An IASC cluster or area of responsibility (or an HDX grouping: Cash, Multi...)."""

    code = models.CharField(max_length=16, unique=True)  # CCM, PRO-GBV, Cash...
    name = models.CharField(max_length=200)
    hxl_code = models.CharField(max_length=16)  # the value a `#sector` column carries
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.code


class SectorGroup(models.Model):
    """One link of the MCOF sector <-> coordination group mapping."""

    sector = models.ForeignKey(Sector, on_delete=models.CASCADE)
    group = models.ForeignKey(CoordinationGroup, on_delete=models.CASCADE)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["sector", "group"], name="mcof_sector_group_once")
        ]

    def __str__(self) -> str:
        return f"{self.sector_id} -> {self.group_id}"
