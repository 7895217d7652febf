from django.contrib import admin

from opendtm.needs.models import NeedsRuleSet


@admin.register(NeedsRuleSet)
class NeedsRuleSetAdmin(admin.ModelAdmin):
    list_display = ["version", "title", "loaded_at", "loaded_by"]
    readonly_fields = ["version", "title", "document", "text", "source_name", "digest"]
