"""Which form a file's columns fit: said when a file is refused or has no row accepted, because
the usual cause is a baseline export uploaded as a site assessment (or the other way round)."""

from __future__ import annotations

from pathlib import Path

from opendtm.core.errors import OpenDTMError
from opendtm.forms.definitions import BASELINE_FORM_ID, SITE_FORM_ID
from opendtm.forms.headers import VALUE_TYPES, columns_match, form_in_headers_language
from opendtm.forms.spec import FormSpec

SHIPPED = (BASELINE_FORM_ID, SITE_FORM_ID)


def questions_matched(headers: list[str], form: FormSpec) -> int:
    """How many of the form's main questions have a column among `headers`."""
    form = form_in_headers_language(headers, form)
    fields = tuple(f for f in form.main_fields() if f.type in VALUE_TYPES)
    found = columns_match(headers, form, fields)
    return sum(1 for f in fields if found.has_field(f.name))


def form_better_fit(*, path: Path, form: FormSpec) -> FormSpec | None:
    """The other shipped form whose questions the file's first sheet answers more of, if any.

    None when the file cannot be read (its own refusal says why) or fits `form` best.
    """
    from opendtm.forms.queries import form_spec_get
    from opendtm.forms.sources import source_read

    try:
        source = source_read(Path(path))
        if not source.sheet_names:  # a workbook listing no sheet: nothing to compare
            return None
        headers = source.headers(source.sheet_names[0])
    except OpenDTMError:
        return None
    best, most = None, questions_matched(headers, form)
    for form_id in SHIPPED:
        if form_id == form.form_id:
            continue
        other = form_spec_get(form_id=form_id)
        matched = questions_matched(headers, other)
        if matched > most:
            best, most = other, matched
    return best
