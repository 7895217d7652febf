"""Vocabularies of the regional project portfolio (docs/portfolio.md)."""

from django.db import models


class ProgrammeType(models.TextChoices):
    EMERGENCY = "emergency", "Crisis and emergency response"
    POST_CRISIS = "post_crisis", "Post-crisis and stabilization"
    PREPAREDNESS = "preparedness", "Preparedness and risk reduction"


class ProjectStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted"
    UNDER_REVIEW = "under_review", "Under regional review"
    RETURNED = "returned", "Returned with comments"
    ENDORSED = "endorsed", "Endorsed"
    ACTIVE = "active", "Active"
    CLOSED = "closed", "Closed"


# The statuses of the portfolio proper: the overview counts these, not proposals in review.
PORTFOLIO_STATUSES = (ProjectStatus.ENDORSED, ProjectStatus.ACTIVE, ProjectStatus.CLOSED)
