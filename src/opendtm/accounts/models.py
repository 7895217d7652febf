"""Per-operation roles and the audit trail."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from opendtm.accounts.choices import Role


class OperationGrant(models.Model):
    """A user's role on one operation; a user holds at most one role per operation."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="grants"
    )
    operation = models.ForeignKey(
        "operations.Operation", on_delete=models.CASCADE, related_name="grants"
    )
    role = models.CharField(max_length=16, choices=Role.choices)
    granted_at = models.DateTimeField(auto_now=True)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "operation"], name="grant_one_role_per_op"),
            models.CheckConstraint(
                condition=models.Q(role__in=Role.values), name="grant_role_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} is {self.role} on {self.operation}"


class AuditEvent(models.Model):
    """One attributable change: who did what to which object, when, and why.

    Holds no personal data of affected people: summaries name objects, not respondents.
    """

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    action = models.CharField(max_length=64)
    operation = models.ForeignKey(
        "operations.Operation",
        on_delete=models.CASCADE,
        related_name="audit_events",
        null=True,
        blank=True,
    )
    object_type = models.CharField(max_length=64)
    object_id = models.CharField(max_length=64)
    summary = models.TextField()
    reason = models.TextField(blank=True)
    changes = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor} {self.action} {self.object_type}"


class UserPreference(models.Model):
    """What a user chose for themselves: the language of the pages (one of
    settings.LANGUAGES), remembered across devices; none chosen: the browser's."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    language = models.CharField(max_length=16, blank=True)

    def __str__(self) -> str:
        return f"{self.user_id}: {self.language or '(browser)'}"
