"""Admin pages of the gazetteer: read-only, because loads go through `gazetteer_load` (versioned,
audited, never deleting a unit)."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from opendtm.gazetteer.models import AdminUnit, AdminUnitCode, AdminUnitName, GazetteerVersion


class _ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(GazetteerVersion)
class GazetteerVersionAdmin(_ReadOnly):
    list_display = ["country_iso3", "label", "valid_from", "loaded_at", "unit_count", "source"]
    list_filter = ["country_iso3"]


@admin.register(AdminUnit)
class AdminUnitAdmin(_ReadOnly):
    list_display = ["pcode", "name", "level", "country_iso3", "population", "retired_in"]
    list_filter = ["country_iso3", "level"]
    search_fields = ["pcode", "name"]
    raw_id_fields = ["parent"]


@admin.register(AdminUnitCode)
class AdminUnitCodeAdmin(_ReadOnly):
    list_display = ["code", "unit", "kind", "country_iso3"]
    list_filter = ["country_iso3", "kind"]
    search_fields = ["code"]


@admin.register(AdminUnitName)
class AdminUnitNameAdmin(_ReadOnly):
    list_display = ["name", "unit", "kind", "language"]
    list_filter = ["kind"]
    search_fields = ["name"]
