from django.contrib import admin

from opendtm.figures.models import FigureSnapshot


@admin.register(FigureSnapshot)
class FigureSnapshotAdmin(admin.ModelAdmin):
    list_display = ["round", "built_at", "built_by", "gazetteer_version", "threshold"]
    readonly_fields = [f.name for f in FigureSnapshot._meta.fields]
