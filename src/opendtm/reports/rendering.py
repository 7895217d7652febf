"""HTML to PDF with WeasyPrint (docs/decisions/0005-reports-pdf-renderer.md).

WeasyPrint lays text out with Pango and HarfBuzz, so a later report in Dari comes out shaped
and right to left; it needs Debian's `libpango-1.0-0` and `libpangoft2-1.0-0` and at least one
font. `renderer_check` says which of these is missing before anything is rendered, instead of
the loader's error from deep inside cffi. Rendering is offline by construction: the page is one
HTML string with its style and map inline, and the URL fetcher refuses every address.
"""

from __future__ import annotations

import ctypes.util
from pathlib import Path
from typing import Any

from django.template.loader import render_to_string

from opendtm.core.errors import Unavailable

LIBRARIES = (("pango-1.0", "libpango-1.0-0"), ("pangoft2-1.0", "libpangoft2-1.0-0"))
FONT_DIRS = ("/usr/share/fonts", "/usr/local/share/fonts", "~/.local/share/fonts", "~/.fonts")
FONT_PACKAGE = "fonts-dejavu-core"
INSTALL = "apt-get install libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core"


def _has_font() -> bool:
    for folder in FONT_DIRS:
        root = Path(folder).expanduser()
        if root.is_dir() and any(
            p.suffix.lower() in (".ttf", ".otf", ".ttc") for p in root.rglob("*")
        ):
            return True
    return False


def renderer_check() -> None:
    """Unavailable naming what the PDF renderer lacks on this machine, and how to install it."""
    missing = [
        package for library, package in LIBRARIES if ctypes.util.find_library(library) is None
    ]
    if not _has_font():
        missing.append(f"{FONT_PACKAGE} (no font is installed)")
    if missing:
        raise Unavailable(
            f"PDF reports need system packages this machine lacks: {', '.join(missing)}.",
            hint=f"On Debian or Ubuntu: {INSTALL}",
        )
    try:
        import weasyprint  # noqa: F401
    except (ImportError, OSError) as exc:
        raise Unavailable(
            f"The PDF renderer (WeasyPrint) could not start: {exc}.",
            hint=f"Reinstall OpenDTM (`pip install -e .`); on Debian or Ubuntu: {INSTALL}",
        ) from exc


FONTS = Path(__file__).resolve().parent / "fonts"
FONT_SCHEME = "opendtm-font:"


def _refuse(url: str, *args: Any, **kwargs: Any) -> Any:
    """The renderer's only source: the fonts shipped with the package (`opendtm-font:NAME`,
    for Perso-Arabic script: Vazirmatn, SIL Open Font License); any other address is refused,
    so a report fetches nothing from the network or the disk."""
    if url.startswith(FONT_SCHEME):
        name = url[len(FONT_SCHEME) :]
        shipped = {p.name: p for p in FONTS.glob("*.woff")}
        if name in shipped:
            from weasyprint.urls import URLFetcherResponse

            return URLFetcherResponse(
                url, body=shipped[name].read_bytes(), headers={"Content-Type": "font/woff"}
            )
    raise ValueError(f"a report fetches nothing: {url}")


def pdf_render(template: str, context: dict[str, Any]) -> bytes:
    """The template rendered to HTML, then to PDF (A4, by the template's own style)."""
    renderer_check()
    import weasyprint

    html = render_to_string(template, context)
    document = weasyprint.HTML(string=html, url_fetcher=_refuse, base_url="/")
    return bytes(document.write_pdf())
