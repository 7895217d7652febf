"""OpenDTM's own API, version 1: the NinjaAPI object, its docs page and its error handlers.

The Swagger UI page is served from the static files inside django-ninja (`ninja` is an
installed app), so the docs work offline: nothing is loaded from the internet. The page itself
is ours (`AccessibleSwagger`), for what ninja's lacks: a language, a skip link and colours that
meet WCAG AA contrast (web/api-docs.css).
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI, Swagger
from ninja.errors import ValidationError

from opendtm import __version__
from opendtm.api import events, figures, flows, needs, portfolio, registry
from opendtm.api.errors import error_status
from opendtm.core.errors import OpenDTMError

DESCRIPTION = """Displacement and needs figures of the operations you may see.

Anonymous requests see the published figures of public operations. Scripts authenticate with
`Authorization: Bearer <token>` (a token from `opendtm user token USERNAME`); the web's session
works too. Published figures hide small counts (null cells, named in each row's `suppressed`).
Errors are JSON `{"detail": "...", "code": "..."}`.
"""


class AccessibleSwagger(Swagger):
    """Swagger UI in a page that passes axe: `lang`, landmarks, contrast and target sizes.
    Deep linking is off: with it Swagger UI puts each path's link inside the button that
    opens the operation (a nested interactive control)."""

    template = "api/docs.html"


api = NinjaAPI(
    title="OpenDTM API",
    version=f"1 ({__version__})",
    description=DESCRIPTION,
    urls_namespace="api-v1",
    docs=AccessibleSwagger(settings={"persistAuthorization": False, "deepLinking": False}),
    docs_url="/docs",
    openapi_url="/openapi.json",
)
api.add_router("/v1", registry.router)
api.add_router("/v1", figures.router)
api.add_router("/v1", events.router)
api.add_router("/v1", flows.router)
api.add_router("/v1", needs.router)
api.add_router("/v1", portfolio.router)


@api.exception_handler(OpenDTMError)
def _opendtm_error(request: HttpRequest, exc: OpenDTMError) -> HttpResponse:
    status, code = error_status(exc)
    return api.create_response(request, {"detail": str(exc), "code": code}, status=status)


@api.exception_handler(ValidationError)
def _validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    parts = []
    for error in exc.errors:
        where = ".".join(str(p) for p in error.get("loc", ()) if p not in ("query", "path"))
        parts.append(f"{where}: {error.get('msg', 'invalid')}")
    detail = "Bad request parameter: " + "; ".join(parts) + "."
    return api.create_response(request, {"detail": detail, "code": "invalid_input"}, status=400)
