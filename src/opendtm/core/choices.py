"""Reading a choice typed by a person: one parser for every TextChoices of the project.

A role, a round status or a site type given on the command line, in a form or through the API
is read the same way (its value, any letter case, stray spaces ignored) and refused with the
same message listing the accepted values, so a typo is fixed at once.
"""

from __future__ import annotations

from typing import TypeVar

from django.db import models

from opendtm.core.errors import InvalidInput

C = TypeVar("C", bound=models.TextChoices)


def choice_parse(choices: type[C], value: object, *, field: str) -> C:
    """The choice named by `value`; InvalidInput naming the field and the accepted values."""
    cleaned = str(value if value is not None else "").strip().lower()
    if cleaned not in choices.values:
        raise InvalidInput(
            f"{field[:1].upper()}{field[1:]} {value!r} is not one of the accepted values.",
            hint=f"Use one of: {', '.join(choices.values)}.",
        )
    return choices(cleaned)
