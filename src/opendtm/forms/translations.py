"""The shipped forms in the field's languages: XLSForm's multi-language columns.

The forms are written in English in `forms.definitions`; each other language is a gettext
catalogue (`forms/locale/<code>.po`, msgid = the English text) that translators edit with the
usual tools, read here with polib (no compiling). `forms_translated` turns every label, hint
and constraint message into `label::English (en)`, `label::Français (fr)` ... columns, so
KoboToolbox and ODK Collect offer a language picker; `messages_template` writes the catalogue
template (`forms/locale/xlsform.pot`) that `opendtm forms messages` keeps current.

A text with no translation falls back to English in that language's column (a form must still
deploy); tests/forms/test_translations.py holds every catalogue complete for the shipped forms.
"""

from __future__ import annotations

from dataclasses import replace
from functools import lru_cache
from pathlib import Path

import polib

from opendtm.forms.definitions.common import DEFAULT_LANGUAGE, Row
from opendtm.forms.xlsform import ORIGIN_SELECT_LABEL, XLSFormRows

LOCALE = Path(__file__).resolve().parent / "locale"
TEMPLATE = LOCALE / "xlsform.pot"
# XLSForm language names ("Name (code)", the code from IANA's subtag registry), English first.
LANGUAGES: dict[str, str] = {
    "en": DEFAULT_LANGUAGE,
    "fr": "Français (fr)",
    "es": "Español (es)",
    "id": "Bahasa Indonesia (id)",
    "prs": "Dari (prs)",
}
SURVEY_TEXT = ("label", "hint", "constraint_message")
CHOICE_TEXT = ("label",)


def _texts(rows: list[Row], columns: tuple[str, ...]) -> list[str]:
    return [row[c] for row in rows for c in columns if row.get(c)]


def form_messages(forms: list[XLSFormRows]) -> list[str]:
    """The English texts of the forms' survey and choice rows and titles, once each, in order,
    with the label the origin question takes when it becomes a select (`with_admin_lists`)."""
    texts: list[str] = []
    for rows in forms:
        texts.append(str(rows.settings.get("form_title", "")))
        texts += _texts(rows.survey, SURVEY_TEXT)
        texts += _texts(rows.choices, CHOICE_TEXT)
    texts.append(ORIGIN_SELECT_LABEL)
    return [t for t in dict.fromkeys(texts) if t]


@lru_cache(maxsize=8)
def catalogue(code: str) -> dict[str, str]:
    """English text -> its translation in language `code` (translated entries only)."""
    path = LOCALE / f"{code}.po"
    if code == "en" or not path.is_file():
        return {}
    return {e.msgid: e.msgstr for e in polib.pofile(str(path)) if e.translated() and not e.obsolete}


def _columns(row: Row, columns: tuple[str, ...], codes: list[str]) -> Row:
    out: Row = {}
    for key, value in row.items():
        if key not in columns:
            out[key] = value
            continue
        for code in codes:
            text = value if code == "en" else catalogue(code).get(value, value) if value else value
            out[f"{key}::{LANGUAGES[code]}"] = text
    return out


def forms_translated(rows: XLSFormRows, codes: list[str] | None = None) -> XLSFormRows:
    """The form's rows with one column per language for each text (`label::Français (fr)` ...)
    and its title translated nowhere (XLSForm has one title). The admin units' names (choice
    labels no catalogue holds) stand in every language's column as they are."""
    codes = codes or list(LANGUAGES)
    survey = [_columns(r, SURVEY_TEXT, codes) for r in rows.survey]
    choices = [_columns(r, CHOICE_TEXT, codes) for r in rows.choices]
    return replace(rows, survey=survey, choices=choices)


def messages_template(texts: list[str], path: Path = TEMPLATE) -> Path:
    """Write the catalogue template of `texts` (what `msgmerge` updates each language from)."""
    template = polib.POFile(wrapwidth=0)
    template.metadata = {
        "Project-Id-Version": "OpenDTM shipped XLSForms",
        "MIME-Version": "1.0",
        "Content-Type": "text/plain; charset=UTF-8",
        "Content-Transfer-Encoding": "8bit",
    }
    for text in texts:
        template.append(polib.POEntry(msgid=text, msgstr=""))
    path.parent.mkdir(parents=True, exist_ok=True)
    template.save(str(path))
    return path


def shipped_messages() -> list[str]:
    """The texts of every shipped form, the catalogues' msgids."""
    from opendtm.forms.xlsform import shipped_form_ids, shipped_rows

    return form_messages([shipped_rows(form_id) for form_id in shipped_form_ids()])


def catalogue_gaps(code: str, texts: list[str]) -> tuple[list[str], list[str]]:
    """The texts language `code` does not translate yet, and its entries no form uses."""
    known = catalogue(code)
    wanted = set(texts)
    return [t for t in texts if not known.get(t)], sorted(set(known) - wanted)
