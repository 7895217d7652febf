"""`{% plotly_scripts %}`: Plotly (served locally) and the page's chart code, with the empty
elements that stop Plotly from injecting <style> elements, which the CSP forbids."""

from __future__ import annotations

from django import template
from django.templatetags.static import static
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from opendtm.web.staticfinders import PLOTLY_NAME, plotly_style_ids

register = template.Library()


@register.simple_tag
def plotly_scripts() -> SafeString:
    placeholders = format_html_join(
        "",
        '<div id="{}" class="no-inline-styles" hidden></div>',
        ((style_id,) for style_id in plotly_style_ids()),
    )
    return format_html(
        '{}<script src="{}" defer></script><script src="{}" defer></script>',
        placeholders,
        static(PLOTLY_NAME),
        static("web/charts.js"),
    )
