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


class PortfolioRole(models.TextChoices):
    """Roles on the regional project portfolio, held for one country office or the region."""

    DEVELOPER = "project_developer", "Project developer"  # a country office's
    REVIEWER = "regional_reviewer", "Regional reviewer"  # the emergency and post-crisis specialists
    VIEWER = "portfolio_viewer", "Portfolio viewer"


class PortfolioAction(models.TextChoices):
    VIEW = "portfolio_view", "See projects and the portfolio overview"
    DRAFT = "portfolio_draft", "Draft, edit, submit and withdraw project proposals"
    REVIEW = "portfolio_review", "Review, return and endorse project proposals"
    IMPLEMENT = "portfolio_implement", "Start and close endorsed projects"
    IMPORT = "portfolio_import", "Import portfolio spreadsheets and funding flows"
