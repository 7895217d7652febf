"""URL root; the web and API apps mount here as they land."""

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include("opendtm.web.urls")),
]
