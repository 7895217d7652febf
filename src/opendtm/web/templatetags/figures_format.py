"""Number formatting for the pages: the same values as the terminal table
(`figures.exports.number`: hidden cells shown as `*`, signed changes), grouped as the reader's
language writes them (1,234 in English and Dari, 1 234 in French and Spanish, 1.234 in Indonesian),
and a dict lookup for rows keyed by measure name."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.formats import number_format

from opendtm.figures.exports import number

register = template.Library()


def _grouped(value: Any, decimals: int | None = None) -> str:
    return number_format(value, decimal_pos=decimals, use_l10n=True, force_grouping=True)


@register.filter
def count(value: Any) -> str:
    if value is None or isinstance(value, str):
        return number(value, "n", hidden=value is None)
    return _grouped(value)


@register.filter
def change(value: Any) -> str:
    if value is None:
        return ""
    return ("+" if value >= 0 else "") + _grouped(value)


@register.filter
def pct(value: Any) -> str:
    if value is None:
        return ""
    return ("+" if value >= 0 else "") + _grouped(value, 1) + "%"


@register.filter
def get(mapping: Any, key: str) -> Any:
    return mapping.get(key) if mapping else None


@register.simple_tag
def chart_rows(data: dict[str, Any] | None, *keys: str) -> list[tuple[Any, ...]]:
    """A chart's series side by side, one row per point: the rows of the chart's own table,
    from the very data the chart is drawn from."""
    if not data:
        return []
    return list(zip(*(data.get(key) or [] for key in keys), strict=False))
