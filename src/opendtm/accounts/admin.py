from django.contrib import admin

from opendtm.accounts.models import AuditEvent, OperationGrant


@admin.register(OperationGrant)
class OperationGrantAdmin(admin.ModelAdmin):
    list_display = ["user", "operation", "role", "granted_at"]
    list_filter = ["role", "operation"]


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ["at", "actor", "action", "object_type", "object_id", "summary"]
    list_filter = ["action"]
    readonly_fields = [f.name for f in AuditEvent._meta.fields]
