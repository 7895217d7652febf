"""Start Django for the command line and bring the database schema up to date on first use."""

from __future__ import annotations

import os

_ready = False


def setup_django(*, migrate: bool = True) -> None:
    """Configure Django once per process; create or upgrade the database quietly if needed."""
    global _ready
    if _ready:
        return
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "opendtm.settings")
    import django

    django.setup()
    if migrate:
        from django.core.management import call_command
        from django.db import connection
        from django.db.migrations.executor import MigrationExecutor

        executor = MigrationExecutor(connection)
        if executor.migration_plan(executor.loader.graph.leaf_nodes()):
            call_command("migrate", interactive=False, verbosity=0)
    _ready = True
