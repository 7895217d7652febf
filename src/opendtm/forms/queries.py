"""Reads of forms: the FormSpec of a shipped form or of an operation's own XLSForm file.

Both go through the same path, pyxform's parser of XLSForm workbooks, so what drives the reader
is exactly what KoboToolbox or ODK would deploy from the same file.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path
from typing import Any

from pyxform.errors import PyXFormError
from pyxform.xls2json import workbook_to_json
from pyxform.xls2json_backends import get_xlsform

from opendtm.core.errors import InvalidInput
from opendtm.forms.spec import Choice, Field, FormSpec
from opendtm.forms.translations import forms_translated
from opendtm.forms.xlsform import shipped_rows, write_xlsform

_TYPE_NAMES = {
    "select one": "select_one",
    "select all that apply": "select_multiple",
    "select one external": "select_one_external",
}
_TRUE = {"yes", "true", "true()", "1"}
_AND = re.compile(r"\s+and\s+")
_AT_MOST = re.compile(r"^\.\s*<=\s*(\d+)$")


def form_spec_get(*, form_id: str, path: Path | None = None) -> FormSpec:
    """The FormSpec of `path` (an operation's XLSForm), else of the shipped form `form_id`.

    `form_id` names the form when the file's settings sheet has no form_id of its own.
    """
    if path is None:
        return _shipped_spec(form_id)
    return _spec_from_file(Path(path), default_name=form_id)


@lru_cache(maxsize=8)
def _shipped_spec(form_id: str) -> FormSpec:
    rows = forms_translated(shipped_rows(form_id))
    with tempfile.TemporaryDirectory(prefix="opendtm-form-") as tmp:
        path = write_xlsform(rows, Path(tmp) / f"{form_id}.xlsx")
        return _spec_from_file(path, default_name=form_id)


def _spec_from_file(path: Path, *, default_name: str) -> FormSpec:
    if not path.is_file():
        raise InvalidInput(f"XLSForm file {path} does not exist.", hint="Check the path.")
    try:
        workbook = get_xlsform(xlsform=str(path))
        data = workbook_to_json(workbook_dict=workbook, fallback_form_name=default_name)
    except PyXFormError as exc:
        raise InvalidInput(
            f"{path.name} is not a valid XLSForm: {exc}",
            hint="Fix the form so that KoboToolbox or ODK would accept it, then try again.",
        ) from None
    except Exception as exc:  # pyxform fails in its own ways on files that are not XLSForms
        raise InvalidInput(
            f"{path.name} is not an XLSForm ({type(exc).__name__}: {exc}).",
            hint="Give the form's .xlsx file, with survey, choices and settings sheets.",
        ) from None
    return spec_from_pyxform(data)


def spec_from_pyxform(data: dict[str, Any]) -> FormSpec:
    """Build a FormSpec from pyxform's JSON form of a survey (`parse_file_to_json`)."""
    language = data.get("default_language") or "default"
    fields: list[Field] = []
    repeats: list[str] = []
    group_labels: dict[str, str] = {}
    languages: dict[str, None] = {language: None}
    group_labels_in: dict[str, dict[str, str]] = {}
    for element, path, repeat in _walk(data.get("children", []), (), None):
        kind = element.get("type", "")
        name = str(element.get("name", ""))
        label = _text(element.get("label"), language) or name
        labels = _translations(element.get("label"))
        languages.update(dict.fromkeys(labels))
        if kind in ("group", "repeat"):
            group_labels[name] = label
            for lang, text in labels.items():
                group_labels_in.setdefault(lang, {})[name] = text
            if kind == "repeat":
                repeats.append(name)
            continue
        bind = element.get("bind") or {}
        hxl = element.get("hxl") or (element.get("instance") or {}).get("hxl")
        fields.append(
            Field(
                name=name,
                type=_TYPE_NAMES.get(kind, kind.replace(" ", "_")),
                label=label,
                list_name=element.get("list_name") or element.get("itemset") or None,
                required=str(bind.get("required", "")).strip().lower() in _TRUE,
                constraint=bind.get("constraint") or None,
                constraint_message=_text(bind.get("jr:constraintMsg"), language) or None,
                relevant=bind.get("relevant") or None,
                hxl=str(hxl) if hxl else None,
                group_path=path,
                repeat=repeat,
                maximum=field_maximum(bind.get("constraint")) if kind == "integer" else None,
                labels=labels,
            )
        )
    choices = {
        str(list_name): tuple(
            Choice(
                name=str(c["name"]),
                label=_text(c.get("label"), language) or str(c["name"]),
                labels=_translations(c.get("label")),
            )
            for c in options
        )
        for list_name, options in (data.get("choices") or {}).items()
    }
    return FormSpec(
        form_id=str(data.get("id_string") or data.get("name") or ""),
        version=str(data.get("version") or ""),
        title=str(data.get("title") or ""),
        fields=tuple(fields),
        choices=choices,
        repeats=tuple(repeats),
        group_labels=group_labels,
        languages=tuple(languages) if len(languages) > 1 else (),
        group_labels_in=group_labels_in,
        language=language if len(languages) > 1 else "",
    )


def field_maximum(constraint: str | None) -> int | None:
    """The bound N of an `and`-part `. <= N` of a constraint (the smallest, if several); None
    without one, or when the constraint has an `or` (the part may not hold for every row)."""
    if not constraint or re.search(r"\bor\b", constraint):
        return None
    bounds = [int(m.group(1)) for part in _AND.split(constraint) if (m := _AT_MOST.match(part))]
    return min(bounds, default=None)


def _walk(
    children: list[dict[str, Any]], path: tuple[str, ...], repeat: str | None
) -> Iterator[tuple[dict[str, Any], tuple[str, ...], str | None]]:
    """Every element in form order with the group path and repeat enclosing it.

    Groups and repeats are yielded before their children. The `meta` group pyxform adds
    (instanceID) is skipped: the reader takes submission IDs from the export's own columns.
    """
    for element in children:
        kind = element.get("type")
        name = str(element.get("name", ""))
        if kind == "group" and name == "meta" and not path:
            continue
        if kind in ("group", "repeat"):
            yield element, path, repeat
            yield from _walk(
                element.get("children", []), (*path, name), name if kind == "repeat" else repeat
            )
        else:
            yield element, path, repeat


def _translations(value: Any) -> dict[str, str]:
    """A translated label's texts by language (pyxform's dict); {} for a single-language one."""
    if not isinstance(value, dict):
        return {}
    return {str(k): str(v) for k, v in value.items() if v}


def _text(value: Any, language: str) -> str:
    """A label in the default language; pyxform gives a dict when labels are translated."""
    if isinstance(value, dict):
        for key in (language, "default", "English (en)", "English"):
            if value.get(key):
                return str(value[key])
        return str(next(iter(value.values()), ""))
    return "" if value is None else str(value)
