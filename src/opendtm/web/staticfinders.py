"""Serve Plotly's bundled JS from the installed `plotly` package as `web/vendor/plotly.min.js`.

The file (4.8 MB, 1.5 MB gzipped) is never committed: collectstatic copies it from the package,
so the pages load nothing from the internet and the version follows the installed package.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.contrib.staticfiles.finders import BaseFinder
from django.core.files.storage import FileSystemStorage

PLOTLY_NAME = "web/vendor/plotly.min.js"


def plotly_bundle() -> Path:
    """The plotly.min.js shipped inside the installed plotly package."""
    import plotly

    return Path(plotly.__file__).parent / "package_data" / "plotly.min.js"


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
