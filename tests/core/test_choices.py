"""The one parser of a typed choice, for every TextChoices of the project."""

from __future__ import annotations

import pytest
from django.db import models
from hypothesis import given
from hypothesis import strategies as st

from opendtm.accounts.choices import Role
from opendtm.core.choices import choice_parse
from opendtm.core.errors import InvalidInput
from opendtm.operations.choices import RoundStatus, SiteType

VOCABULARIES: list[type[models.TextChoices]] = [Role, RoundStatus, SiteType]


@given(
    st.sampled_from(VOCABULARIES).flatmap(lambda c: st.tuples(st.just(c), st.sampled_from(c))),
    st.sampled_from([str.upper, str.title, lambda v: f"  {v}\t"]),
)
def test_a_value_in_any_case_with_stray_spaces_is_the_choice(
    picked: tuple[type[models.TextChoices], models.TextChoices], spell: object
) -> None:
    choices, choice = picked
    parsed = choice_parse(choices, spell(choice.value), field="x")  # type: ignore[operator]
    assert (type(parsed), parsed) == (choices, choice)


@pytest.mark.parametrize("value", ["owner", "", None, "view er", 3])
def test_anything_else_names_the_field_and_the_accepted_values(value: object) -> None:
    with pytest.raises(InvalidInput) as caught:
        choice_parse(Role, value, field="role")
    assert str(caught.value) == (
        f"Role {value!r} is not one of the accepted values. "
        "Use one of: viewer, analyst, manager, admin."
    )
