"""Reads of the MCOF reference data. It is public reference material (no operation's data), so
these take no acting user: every reader may see all of it."""

from __future__ import annotations

from typing import Any

from opendtm.core.errors import NotFound
from opendtm.mcof.choices import CrossCuttingPriority, McofPhase, PopulationGroup
from opendtm.mcof.models import CoordinationGroup, Sector


def sector_list() -> list[dict[str, Any]]:
    """The 15 sectors in MCOF order, each with its coordination groups and their HXL codes."""
    rows = []
    for sector in Sector.objects.prefetch_related("groups").order_by("number"):
        groups = sorted(sector.groups.all(), key=lambda g: g.code)
        rows.append(
            {
                "number": sector.number,
                "code": sector.code,
                "name": sector.name,
                "confirmed": sector.confirmed,
                "groups": [g.code for g in groups],
                "hxl": [g.hxl_code for g in groups],
            }
        )
    return rows


def sector_get(code: str) -> Sector:
    """A sector by its code or number; NotFound naming the codes."""
    text = (code or "").strip().lower()
    found = (
        Sector.objects.filter(number=int(text)).first()
        if text.isdigit()
        else Sector.objects.filter(code=text).first()
    )
    if found is None:
        raise NotFound(
            f"No MCOF sector {code!r}.", hint="See the codes with `opendtm mcof sectors`."
        )
    return found


def group_list() -> list[dict[str, Any]]:
    """The coordination groups, each with its HXL code, parent and MCOF sectors (numbers)."""
    return [
        {
            "code": group.code,
            "name": group.name,
            "hxl": group.hxl_code,
            "parent": group.parent.code if group.parent else None,
            "sectors": sorted(s.number for s in group.sectors.all()),
        }
        for group in CoordinationGroup.objects.select_related("parent").prefetch_related("sectors")
    ]


def vocabulary_list() -> dict[str, list[dict[str, str]]]:
    """The fixed vocabularies: phases, population groups, cross-cutting priorities."""
    return {
        name: [{"code": str(value), "label": str(label)} for value, label in choices.choices]
        for name, choices in (
            ("phases", McofPhase),
            ("population_groups", PopulationGroup),
            ("priorities", CrossCuttingPriority),
        )
    }
