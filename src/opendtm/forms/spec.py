"""The in-memory shape of an XLSForm, as the export reader and the validator need it.

Built from an XLSForm file through pyxform (see `forms.definitions`/`forms.queries`), so an
operation's own version of a form (extra questions, other groups) drives the reader as well as
the shipped one.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Choice:
    """One answer of a choice list: its XML name and its (default-language) label."""

    name: str
    label: str


@dataclass(frozen=True)
class Field:
    """One question (or calculate) of the form, by its XML name, which is unique in a form."""

    name: str
    type: str  # integer, decimal, text, date, select_one, select_multiple, geopoint, calculate...
    label: str = ""
    list_name: str | None = None  # choice list of select_one / select_multiple
    required: bool = False
    constraint: str | None = None  # XLSForm constraint expression, as written
    constraint_message: str | None = None  # the form's words for a broken constraint
    relevant: str | None = None
    hxl: str | None = None
    group_path: tuple[str, ...] = ()  # names of the enclosing groups / repeats, outermost first
    repeat: str | None = None  # name of the enclosing repeat, if any
    # An integer's upper bound: the `. <= N` part of its constraint (forms.queries). The reader
    # refuses a larger cell (`value.out_of_range`), as it refuses one beyond INTEGER_MAX.
    maximum: int | None = None


@dataclass(frozen=True)
class FormSpec:
    """A form: id, version, title, its fields in order, its choice lists and its repeats."""

    form_id: str
    version: str
    title: str
    fields: tuple[Field, ...]
    choices: dict[str, tuple[Choice, ...]] = field(default_factory=dict)
    repeats: tuple[str, ...] = ()
    group_labels: dict[str, str] = field(default_factory=dict)  # group/repeat name -> label

    def field(self, name: str) -> Field:
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(name)

    def main_fields(self) -> tuple[Field, ...]:
        """Fields outside any repeat: one value per submission."""
        return tuple(f for f in self.fields if f.repeat is None)

    def repeat_fields(self, repeat: str) -> tuple[Field, ...]:
        return tuple(f for f in self.fields if f.repeat == repeat)

    def label_path(self, f: Field) -> tuple[str, ...]:
        """The labels of the enclosing groups then of the field, as a label export joins them."""
        return (*(self.group_labels.get(g, g) for g in f.group_path), f.label or f.name)

    def choice_names(self, list_name: str | None) -> tuple[str, ...]:
        return tuple(c.name for c in self.choices.get(list_name or "", ()))
