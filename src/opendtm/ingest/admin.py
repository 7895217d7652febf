from django.contrib import admin

from opendtm.ingest.models import CleaningLogEntry, ImportBatch, ImportIssue


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
