"""Needs rule sets loaded by users (the shipped ones live in the package, `needs.rules`).

A version, once loaded, never changes: loading the same version with other rules is refused,
so a round published under a version (`operations.Round.needs_rules_version`) keeps its
figures whatever is loaded later.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


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
