"""The shipped MCOF reference file, read and loaded (by migration 0002 and by tests)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

DATA_FILE = Path(__file__).with_name("data") / "mcof.json"


def reference_read() -> dict[str, Any]:
    """The shipped file's contents: {"groups": [...], "sectors": [...]}."""
    loaded: dict[str, Any] = json.loads(DATA_FILE.read_text(encoding="utf-8"))
    return loaded


def reference_load(sector_model: Any, group_model: Any, link_model: Any) -> None:
    """Create the shipped rows (idempotent: existing codes are left as they are, so a name an
    administrator corrected stays corrected). Takes the models so a migration can pass its
    historical ones."""
    data = reference_read()
    groups: dict[str, Any] = {}
    for row in data["groups"]:
        groups[row["code"]], _ = group_model.objects.get_or_create(
            code=row["code"], defaults={"name": row["name"], "hxl_code": row["hxl"]}
        )
    for row in data["groups"]:
        if row.get("parent"):
            group_model.objects.filter(code=row["code"]).update(parent=groups[row["parent"]])
    for row in data["sectors"]:
        sector, _ = sector_model.objects.get_or_create(
            number=row["number"],
            defaults={"code": row["code"], "name": row["name"], "confirmed": row["confirmed"]},
        )
        for code in row["groups"]:
            link_model.objects.get_or_create(sector=sector, group=groups[code])
