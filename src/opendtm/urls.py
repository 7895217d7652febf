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

# Django's own refusals get the site's error page (web.errors), as the project's errors do.
handler400 = "opendtm.web.errors.bad_request"
handler403 = "opendtm.web.errors.permission_denied"
handler404 = "opendtm.web.errors.page_not_found"
handler500 = "opendtm.web.errors.server_error"
