from django.contrib import admin

from opendtm.flows.models import FlowMonitoringPoint, FmpStatusChange


@admin.register(FlowMonitoringPoint)
class FlowMonitoringPointAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "operation", "fmp_type", "status")
    list_filter = ("fmp_type", "status")
    search_fields = ("code", "name")


@admin.register(FmpStatusChange)
class FmpStatusChangeAdmin(admin.ModelAdmin):
    list_display = ("point", "from_status", "to_status", "on", "by")
