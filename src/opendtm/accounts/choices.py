"""Roles a user can hold on one operation, and the actions they gate."""

from django.db import models


class Role(models.TextChoices):
    VIEWER = "viewer", "Viewer"
    ANALYST = "analyst", "Analyst"
    MANAGER = "manager", "Manager"
    ADMIN = "admin", "Admin"


class Action(models.TextChoices):
    VIEW_PUBLISHED = "view_published", "See published figures"
    VIEW_UNPUBLISHED = "view_unpublished", "See unpublished rounds and figures"
    VIEW_RAW = "view_raw", "See raw submissions and the cleaning log"
    EXPORT = "export", "Download exports"
    IMPORT = "import", "Import field exports"
    CORRECT = "correct", "Correct submissions"
    MANAGE_ROUNDS = "manage_rounds", "Open, validate and publish rounds"
    MANAGE_SITES = "manage_sites", "Edit the site registry"
    MANAGE_OPERATION = "manage_operation", "Edit the operation and its grants"
