"""Needs rule sets loaded by users (the shipped ones live in the package, `needs.rules`).

A version, once loaded, never changes: loading the same version with other rules is refused,
so a round published under a version (`operations.Round.needs_rules_version`) keeps its
figures whatever is loaded later.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from opendtm.needs.choices import SnapshotPart


class NeedsRuleSet(models.Model):
    """One loaded rule set file: its version, the document as checked, and the file's text."""

    version = models.CharField(max_length=50, unique=True)
    title = models.CharField(max_length=200)
    document = models.JSONField(help_text="The rule set as read and checked.")
    text = models.TextField(help_text="The file as loaded.")
    source_name = models.CharField(max_length=255, help_text="The file name it was loaded from.")
    digest = models.CharField(max_length=64, help_text="SHA-256 of the checked document.")
    loaded_at = models.DateTimeField(auto_now_add=True)
    loaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )

    class Meta:
        ordering = ["version"]

    def __str__(self) -> str:
        return f"rule set {self.version}"


class NeedsSnapshot(models.Model):
    """The needs figures of a published round as built when it was published (or rebuilt
    with its figures, `figures.services.figures_snapshot_build`): exact values, scored with
    the round's rule set, read by `needs.queries` in place of the live computation while the
    round stays published and its version is the one it was built with. At most one a round.
    """

    round = models.OneToOneField(
        "operations.Round", on_delete=models.CASCADE, related_name="needs_snapshot"
    )
    rules_version = models.CharField(max_length=50)
    threshold = models.PositiveIntegerField(
        help_text="Suppression threshold of the parts stored as published."
    )
    built_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"needs figures of {self.round} ({self.rules_version})"


class NeedsSnapshotPart(models.Model):
    """One answer of a snapshot: the area figures (`areas.AREA_COLUMNS`) or the priority
    needs (`areas.PRIORITY_COLUMNS`) of every unit at one admin level, exact or as published
    (small counts hidden at the snapshot's threshold), as a Parquet file."""

    snapshot = models.ForeignKey(NeedsSnapshot, on_delete=models.CASCADE, related_name="parts")
    kind = models.CharField(max_length=10, choices=SnapshotPart.choices)
    level = models.PositiveSmallIntegerField()
    rows = models.PositiveIntegerField()
    data = models.BinaryField(help_text="The exact frame, as Parquet.")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["snapshot", "kind", "level"], name="needs_snapshot_part_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} figures at level {self.level} of {self.snapshot}"
