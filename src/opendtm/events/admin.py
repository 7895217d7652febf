from django.contrib import admin

from opendtm.events.models import Event, EventConfirmation


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    list_display = ["submission_id", "operation", "event_type", "event_date", "displaced_ind"]
    list_filter = ["event_type", "count_method", "source_reliability"]
    raw_id_fields = [
        "operation", "batch", "admin_unit", "from_unit", "from_site", "to_unit", "to_site",
    ]  # fmt: skip


@admin.register(EventConfirmation)
class EventConfirmationAdmin(admin.ModelAdmin):
    list_display = ["event", "round", "location", "confirmed_by", "confirmed_at"]
    raw_id_fields = ["event", "round", "location", "confirmed_by"]
