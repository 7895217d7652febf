"""Number formatting for the pages: the same `figures.exports.number` as the terminal table
(hidden cells shown as `*`), and a dict lookup for rows keyed by measure name."""

from __future__ import annotations

from typing import Any

from django import template

from opendtm.figures.exports import number

register = template.Library()


@register.filter
def count(value: Any) -> str:
    return number(value, "n", hidden=value is None)


@register.filter
def change(value: Any) -> str:
    return "" if value is None else number(value, "c")


@register.filter
def pct(value: Any) -> str:
    return "" if value is None else number(value, "p")


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
