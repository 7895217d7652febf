"""Serve Plotly's bundled JS from the installed `plotly` package as `web/vendor/plotly.min.js`.

The file (4.8 MB, 1.5 MB gzipped) is never committed: collectstatic copies it from the package,
so the pages load nothing from the internet and the version follows the installed package.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path
from typing import Any

from django.contrib.staticfiles.finders import BaseFinder
from django.core.files.storage import FileSystemStorage

PLOTLY_NAME = "web/vendor/plotly.min.js"


def plotly_bundle() -> Path:
    """The plotly.min.js shipped inside the installed plotly package."""
    import plotly

    return Path(plotly.__file__).parent / "package_data" / "plotly.min.js"


_INJECTED_STYLE = re.compile(
    r'getElementById\("([^"]+)"\)\)\{var \w+=document\.createElement\("style"\)'
)


@lru_cache(maxsize=1)
def plotly_style_ids() -> tuple[str, ...]:
    """Ids of the <style> elements the bundle injects unless an element with that id exists
    (its global CSS, and the CSS of the map libraries it bundles, whose id is a hash that
    changes with the version). A page puts empty elements with these ids in place, so that
    nothing is injected against the content security policy; read from the installed bundle
    so that an upgrade of plotly cannot bring the violation back."""
    found = _INJECTED_STYLE.findall(plotly_bundle().read_text(encoding="utf-8"))
    return ("plotly.js-style-global", *dict.fromkeys(found))


class PlotlyFinder(BaseFinder):
    """A static files finder that knows one file: Plotly's bundle."""

    def check(self, **kwargs: Any) -> list[Any]:
        return []

    def find(self, path: str, find_all: bool = False, **kwargs: Any) -> Any:
        if path != PLOTLY_NAME:
            return [] if find_all else None
        found = str(plotly_bundle())
        return [found] if find_all else found

    def list(self, ignore_patterns: Any) -> Iterator[tuple[str, FileSystemStorage]]:
        bundle = plotly_bundle()
        storage = FileSystemStorage(location=str(bundle.parent))
        storage.prefix = "web/vendor"  # type: ignore[attr-defined]
        yield bundle.name, storage
