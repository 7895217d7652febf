"""Load the shipped MCOF sectors, coordination groups and their mapping (data/mcof.json)."""

from typing import Any

from django.db import migrations


def load(apps: Any, schema_editor: Any) -> None:
    from opendtm.mcof.reference import reference_load

    reference_load(
        apps.get_model("mcof", "Sector"),
        apps.get_model("mcof", "CoordinationGroup"),
        apps.get_model("mcof", "SectorGroup"),
    )


class Migration(migrations.Migration):
    dependencies = [("mcof", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
