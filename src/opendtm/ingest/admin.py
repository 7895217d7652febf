from django.contrib import admin

from opendtm.ingest.models import (
    CleaningLogEntry,
    ImportBatch,
    ImportIssue,
    ImportJob,
    ImportJobTransition,
)


@admin.register(ImportBatch)
class ImportBatchAdmin(admin.ModelAdmin):
    list_display = ["file_name", "round", "form_id", "imported_by", "imported_at", "rows_read"]
    list_filter = ["form_id"]
    readonly_fields = [f.name for f in ImportBatch._meta.fields]


@admin.register(ImportIssue)
class ImportIssueAdmin(admin.ModelAdmin):
    list_display = ["batch", "sheet", "row", "field", "rule", "severity"]
    list_filter = ["severity", "rule"]
    raw_id_fields = ["batch"]


@admin.register(CleaningLogEntry)
class CleaningLogEntryAdmin(admin.ModelAdmin):
    list_display = ["round", "submission_id", "field", "old_value", "new_value", "changed_at"]
    raw_id_fields = ["round", "batch"]


class ImportJobTransitionInline(admin.TabularInline):
    model = ImportJobTransition
    extra = 0
    can_delete = False
    readonly_fields = ["from_state", "to_state", "by", "at", "reason"]


@admin.register(ImportJob)
class ImportJobAdmin(admin.ModelAdmin):
    """Read-only: a job's state moves only through `ingest.jobs.job_transition`."""

    list_display = ["file_name", "operation", "round", "state", "created_by", "created_at"]
    list_filter = ["state", "form_id"]
    readonly_fields = [f.name for f in ImportJob._meta.fields]
    inlines = [ImportJobTransitionInline]
