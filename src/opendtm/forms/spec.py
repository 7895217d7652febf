"""The in-memory shape of an XLSForm, as the export reader and the validator need it.

Built from an XLSForm file through pyxform (see `forms.definitions`/`forms.queries`), so an
operation's own version of a form (extra questions, other groups) drives the reader as well as
the shipped one.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace


@dataclass(frozen=True)
class Choice:
    """One answer of a choice list: its XML name and its (default-language) label, and its
    label in each language of a multi-language form (XLSForm's language names as keys)."""

    name: str
    label: str
    labels: dict[str, str] = field(default_factory=dict, compare=False, hash=False)

    def in_language(self, language: str) -> Choice:
        return replace(self, label=self.labels.get(language) or self.label)


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
    labels: dict[str, str] = field(default_factory=dict, compare=False, hash=False)


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
    # A multi-language form's languages, the default first, and each one's group labels.
    languages: tuple[str, ...] = ()
    group_labels_in: dict[str, dict[str, str]] = field(default_factory=dict)
    language: str = ""  # the language of the labels above, when the form has several

    def in_language(self, language: str) -> FormSpec:
        """The same form with its labels (questions, groups, choices) in `language`, which a
        KoboToolbox label export in that language is matched against; the default language's
        label stands where a text has no translation."""
        if language not in self.languages:
            raise KeyError(language)
        groups = self.group_labels_in.get(language, {})
        return replace(
            self,
            fields=tuple(replace(f, label=f.labels.get(language) or f.label) for f in self.fields),
            choices={
                name: tuple(c.in_language(language) for c in options)
                for name, options in self.choices.items()
            },
            group_labels={
                name: groups.get(name) or label for name, label in self.group_labels.items()
            },
            language=language,
        )

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
