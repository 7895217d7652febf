"""A PDF report asked for in the browser, rendered by the worker and kept for a while.

The content is the requester's: a report is read for the acting user (an analyst's holds
rounds a viewer's does not), so a render is reused only for the same user, report, language
and `basis` (the operation's data as of the request, `reports.tasks.report_basis`)."""

from django.conf import settings
from django.db import models

from opendtm.reports.choices import RenderState, ReportKind


class ReportRender(models.Model):
    operation = models.ForeignKey(
        "operations.Operation", on_delete=models.CASCADE, related_name="report_renders"
    )
    # None: a visitor of a public operation, who reads what the public reads
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(max_length=8, choices=ReportKind.choices)
    round_number = models.PositiveIntegerField(null=True, blank=True)
    site_id = models.CharField(max_length=64, blank=True)
    language = models.CharField(max_length=16)
    basis = models.CharField(max_length=200)
    state = models.CharField(max_length=12, choices=RenderState.choices, default=RenderState.QUEUED)
    task_id = models.CharField(max_length=64, blank=True)
    name = models.CharField(max_length=200, blank=True)
    content = models.BinaryField(default=b"")
    message = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["requested_by", "operation", "kind", "round_number", "site_id"],
                name="report_render_key",
            )
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind="site", round_number__isnull=True)
                | models.Q(kind="site", round_number__gte=1)
                | models.Q(kind="round", round_number__gte=1, site_id=""),
                name="report_render_kind_fields",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} report of {self.operation_id} for {self.requested_by_id}: {self.state}"
