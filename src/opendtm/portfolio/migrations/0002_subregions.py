"""Load the shipped sub-regions and their countries (data/subregions.json)."""

import json
from pathlib import Path
from typing import Any

from django.db import migrations

DATA = Path(__file__).resolve().parents[1] / "data" / "subregions.json"


def load(apps: Any, schema_editor: Any) -> None:
    subregion = apps.get_model("portfolio", "SubRegion")
    country = apps.get_model("portfolio", "SubRegionCountry")
    for row in json.loads(DATA.read_text(encoding="utf-8"))["subregions"]:
        region, _ = subregion.objects.get_or_create(
            code=row["code"], defaults={"name": row["name"]}
        )
        for iso3 in row["countries"]:
            country.objects.get_or_create(iso3=iso3, defaults={"subregion": region})


class Migration(migrations.Migration):
    dependencies = [("portfolio", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
