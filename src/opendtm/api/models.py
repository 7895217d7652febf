"""API tokens: how scripts authenticate (`Authorization: Bearer <token>`, or the DTM API v3
`Ocp-Apim-Subscription-Key` header)."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class ApiToken(models.Model):
    """A secret a script presents instead of a login. Only its SHA-256 is stored: the token is
    shown once when created, so a copy of the database does not hand out access."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=100, blank=True, help_text="What the token is for.")
    digest = models.CharField(max_length=64, unique=True, help_text="SHA-256 of the token, hex.")
    prefix = models.CharField(
        max_length=16, blank=True, help_text="The token's first characters, to recognise it by."
    )
    created = models.DateTimeField(auto_now_add=True)
    last_used = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"token {self.name or self.pk} of {self.user}"
