from django.contrib import admin

from opendtm.mobility.models import BaselineAssessment, BaselineOrigin, SiteAssessment


@admin.register(BaselineAssessment)
class BaselineAssessmentAdmin(admin.ModelAdmin):
    list_display = ["submission_id", "round", "location", "idp_ind", "flagged"]
    list_filter = ["flagged"]
    raw_id_fields = ["round", "batch", "location"]


@admin.register(BaselineOrigin)
class BaselineOriginAdmin(admin.ModelAdmin):
    list_display = ["assessment", "origin", "origin_hh", "origin_ind"]
    raw_id_fields = ["assessment", "origin"]


@admin.register(SiteAssessment)
class SiteAssessmentAdmin(admin.ModelAdmin):
    list_display = ["submission_id", "round", "site", "hh", "ind", "flagged"]
    list_filter = ["flagged"]
    raw_id_fields = ["round", "batch", "site", "admin_unit"]
