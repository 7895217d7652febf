"""`/api/health`: the server answers, for load balancers and uptime checks.

It reads no database and no session: the cheapest JSON answer the full middleware stack can
give, which is also why `bench/api_load.py` measures it beside the cached figures (how far a
cached answer is from the server's own floor).
"""

from __future__ import annotations

import json

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from opendtm import __version__

_BODY = json.dumps({"status": "ok", "version": __version__}).encode()


@require_GET
def health(request: HttpRequest) -> HttpResponse:
    """{"status": "ok", "version": ...} while the server runs."""
    return HttpResponse(_BODY, content_type="application/json")
