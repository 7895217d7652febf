"""Writes of forms: the shipped XLSForms as .xlsx files, ready to upload to KoboToolbox or ODK.

A form export writes a file and no database row, so there is no audit event to record: the
gazetteer it reads is reference data every user of the operation may see.
"""

from __future__ import annotations

from pathlib import Path

from opendtm.core.errors import InvalidInput
from opendtm.forms.translations import forms_translated
from opendtm.forms.xlsform import AdminUnitRow, shipped_rows, with_admin_lists, write_xlsform
from opendtm.gazetteer.queries import current_units
from opendtm.operations.models import Operation


def form_export(*, form_id: str, directory: Path, operation: Operation | None = None) -> Path:
    """Write `<directory>/<form_id>.xlsx`; with an operation, admin units as cascading selects.

    Without an operation the admin questions ask for typed P-codes checked by shape and parent
    prefix, which any deployment can use before its gazetteer is loaded. With one, the choice
    lists hold the operation's country's current units down to its location level (and admin 2
    for the places of origin), filtered by parent.
    """
    rows = shipped_rows(form_id)
    if operation is not None:
        levels = max(operation.location_level, 2)
        units = [
            AdminUnitRow(pcode=pcode, name=name, level=level, parent_pcode=parent)
            for pcode, name, level, parent in current_units(
                country_iso3=operation.country_iso3, max_level=levels
            )
            .filter(level__gte=1)
            .values_list("pcode", "name", "level", "parent__pcode")
        ]
        missing = sorted(set(range(1, levels + 1)) - {u.level for u in units})
        if missing:
            raise InvalidInput(
                f"Operation {operation.code} needs admin units of {operation.country_iso3} down "
                f"to level {levels}, but the loaded gazetteer has none at level "
                f"{', '.join(map(str, missing))}, so the admin questions cannot be filled in.",
                hint=(
                    f"Load the gazetteer first (`opendtm gazetteer load --builtin "
                    f"{operation.country_iso3}` or `opendtm gazetteer load FILE --country "
                    f"{operation.country_iso3}`), or export without --operation."
                ),
            )
        rows = with_admin_lists(rows, units=units, location_level=operation.location_level)
    directory = Path(directory)
    if directory.exists() and not directory.is_dir():
        raise InvalidInput(
            f"{directory} is a file, not a folder.", hint="Give a folder to write to."
        )
    try:
        directory.mkdir(parents=True, exist_ok=True)
        return write_xlsform(forms_translated(rows), directory / f"{form_id}.xlsx")
    except OSError as exc:
        raise InvalidInput(
            f"Cannot write {directory / f'{form_id}.xlsx'}: {exc.strerror or exc}.",
            hint="Check that the folder is writable and the disk is not full.",
        ) from None
