"""An XLSForm as rows (survey, choices, settings), its admin-unit lists, and its .xlsx writer."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import xlsxwriter

from opendtm.core.errors import NotFound
from opendtm.forms.definitions import SHIPPED
from opendtm.forms.definitions.common import Row

# Column order of each sheet; a column appears only if some row uses it.
SURVEY_COLUMNS = (
    "type",
    "name",
    "label",
    "hint",
    "required",
    "relevant",
    "constraint",
    "constraint_message",
    "choice_filter",
    "appearance",
    "hxl",
)
CHOICE_COLUMNS = ("list_name", "name", "label", "adm1", "adm2", "adm3")
ADMIN_FIELDS = {f"adm{level}_pcode": level for level in range(1, 5)}
ORIGIN_SELECT_LABEL = "Place of origin (admin 2)"  # the origin question once it is a select


@dataclass(frozen=True)
class AdminUnitRow:
    """One admin unit as a choice: P-code, name, level and the P-code of its parent."""

    pcode: str
    name: str
    level: int
    parent_pcode: str | None


@dataclass(frozen=True)
class XLSFormRows:
    """The three sheets of an XLSForm, as lists of dicts keyed by column."""

    survey: list[Row]
    choices: list[Row]
    settings: Row

    @property
    def form_id(self) -> str:
        return str(self.settings["form_id"])


def shipped_form_ids() -> list[str]:
    return list(SHIPPED)


def shipped_rows(form_id: str) -> XLSFormRows:
    """The rows of a shipped form, as defined in `forms.definitions` (copies: safe to edit)."""
    try:
        module = SHIPPED[form_id]
    except KeyError:
        raise NotFound(
            f"There is no shipped form {form_id!r}.",
            hint=f"The shipped forms are: {', '.join(SHIPPED)}.",
        ) from None
    return XLSFormRows(
        survey=[dict(row) for row in module.SURVEY],
        choices=[dict(row) for row in module.CHOICES],
        settings=dict(module.SETTINGS),
    )


def with_admin_lists(
    rows: XLSFormRows, *, units: Iterable[AdminUnitRow], location_level: int
) -> XLSFormRows:
    """Turn the typed P-code questions into cascading selects over the given units.

    `adm1_pcode` ... `adm{location_level}_pcode` become required `select_one adm{n}` questions
    filtered on the parent's answer; deeper levels are dropped; `origin_pcode` becomes a
    searchable select over the admin 2 units. One choice list per level: name = P-code,
    label = unit name, and a column named after the parent level holding the parent's P-code.
    """
    levels = max(location_level, 2)
    choices_by_level: dict[int, list[Row]] = {level: [] for level in range(1, levels + 1)}
    for unit in units:
        if 1 <= unit.level <= levels:
            row: Row = {"list_name": f"adm{unit.level}", "name": unit.pcode, "label": unit.name}
            if unit.level > 1:
                row[f"adm{unit.level - 1}"] = unit.parent_pcode or ""
            choices_by_level[unit.level].append(row)
    survey: list[Row] = []
    for row in rows.survey:
        name = row.get("name")
        if name in ADMIN_FIELDS:
            level = ADMIN_FIELDS[name]
            if level > location_level:
                continue
            row = _admin_select(row, level)
        elif name == "origin_pcode":
            row = {
                **row,
                "type": "select_one adm2",
                "label": ORIGIN_SELECT_LABEL,
                "hint": "",
                "constraint": "",
                "constraint_message": "",
                "appearance": "autocomplete",
            }
        survey.append(row)
    admin_choices = [row for level in sorted(choices_by_level) for row in choices_by_level[level]]
    return XLSFormRows(
        survey=survey, choices=[*rows.choices, *admin_choices], settings=dict(rows.settings)
    )


def _admin_select(row: Row, level: int) -> Row:
    return {
        **row,
        "type": f"select_one adm{level}",
        "hint": "",
        "required": "yes",
        "constraint": "",
        "constraint_message": "",
        "choice_filter": f"adm{level - 1}=${{adm{level - 1}_pcode}}" if level > 1 else "",
        "appearance": "minimal" if level == 1 else "autocomplete",
    }


def write_xlsform(rows: XLSFormRows, path: Path) -> Path:
    """Write the three sheets with xlsxwriter: text cells only, headers in row 1.

    The workbook is written beside `path` and renamed into place, so a failure never leaves a
    half-written form where a good one was.
    """
    partial = path.with_name(f".{path.name}.part")
    workbook = xlsxwriter.Workbook(str(partial), {"constant_memory": True})
    try:
        _write_sheet(workbook, "survey", rows.survey, SURVEY_COLUMNS)
        _write_sheet(workbook, "choices", rows.choices, CHOICE_COLUMNS)
        _write_sheet(workbook, "settings", [rows.settings], tuple(rows.settings))
        workbook.close()
        partial.replace(path)
    finally:
        partial.unlink(missing_ok=True)
    return path


def _write_sheet(
    workbook: xlsxwriter.Workbook, name: str, rows: Sequence[Row], order: Sequence[str]
) -> None:
    used = {key for row in rows for key, value in row.items() if value not in (None, "")}
    seen = list(dict.fromkeys(key for row in rows for key in row if key in used))
    # A translated column (`label::Français (fr)`) stands with its column, languages in order.
    columns = [
        c
        for base in order
        for c in (base, *(k for k in seen if k.startswith(f"{base}::")))
        if c in used
    ]
    columns += sorted(used - set(columns))
    sheet = workbook.add_worksheet(name)
    sheet.write_row(0, 0, columns)
    for number, row in enumerate(rows, start=1):
        for col, column in enumerate(columns):
            value = row.get(column)
            if value not in (None, ""):
                sheet.write_string(number, col, str(value))
