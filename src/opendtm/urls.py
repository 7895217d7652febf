"""URL root; the web and API apps mount here as they land."""

from django.contrib import admin
from django.urls import include, path

from opendtm.api.health import health
from opendtm.api.urls import api_urls, v3_urls

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/health", health, name="api-health"),
    path("api/", api_urls),
    path("v3/", include(v3_urls)),
    path("", include("opendtm.web.urls")),
]
