"""Which export column holds which form field, driven by the form, not by fixed column lists.

A header is matched on its end, whatever group path precedes it (`group/field`, `group.field`,
`group:field`, ODK Central's `group-field`), first by XML name, then by label (KoboToolbox's
"labels" export: `Group label/Question label`, any letter case and spacing). Besides plain
values it recognises the 0/1 columns of a select_multiple (`field/choice`), the parts of a
geopoint (`_field_latitude` ..., Central's `field-Latitude` ...) and the metadata columns of
KoboToolbox and ODK Central that identify and join submissions.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from opendtm.forms.spec import Field, FormSpec
from opendtm.forms.values import normalise

SEPARATORS = "/.:-"
# Metadata whose role the reader needs; other metadata columns are ignored and listed.
META_ROLES = {
    "_uuid": "uuid",
    "_id": "id",
    "_index": "index",
    "_submission_time": "submitted_at",
    "SubmissionDate": "submitted_at",
    "KEY": "key",
    "PARENT_KEY": "parent_key",
    "_parent_index": "parent_index",
    "_submission__uuid": "parent_uuid",
}
INSTANCE_ID = "instanceID"
GEO_SUFFIXES = {
    "latitude": "lat",
    "longitude": "lon",
    "altitude": "alt",
    "precision": "acc",
    "accuracy": "acc",
}
# Field types that carry a value column; notes, groups and metadata questions do not.
VALUE_TYPES = frozenset(
    {
        "integer",
        "decimal",
        "text",
        "date",
        "time",
        "select_one",
        "select_multiple",
        "geopoint",
        "calculate",
    }
)


@dataclass
class ColumnMap:
    """The columns of one table (main sheet or a repeat) mapped onto the form."""

    values: dict[str, str] = field(default_factory=dict)  # field name -> header
    onehot: dict[str, dict[str, str]] = field(default_factory=dict)  # field -> {choice: header}
    geo_parts: dict[str, dict[str, str]] = field(default_factory=dict)  # field -> {part: header}
    meta: dict[str, str] = field(default_factory=dict)  # role -> header
    ignored: list[str] = field(default_factory=list)

    def has_field(self, name: str) -> bool:
        return name in self.values or name in self.onehot or name in self.geo_parts


@dataclass(frozen=True)
class _Target:
    kind: str  # value | onehot | geo
    field: str
    part: str = ""  # choice name (onehot) or lat/lon/alt/acc (geo)


def columns_match(headers: list[str], form: FormSpec, fields: tuple[Field, ...]) -> ColumnMap:
    """Map each header to a field value, a one-hot choice, a geopoint part, metadata or nothing.

    The first column that matches a target wins; a later one matching the same target is
    ignored (and listed), so a file never feeds one answer from two places.
    """
    fields = tuple(f for f in fields if f.type in VALUE_TYPES)
    by_name = _name_index(form, fields)
    by_label = _label_index(form, fields)
    found = ColumnMap()
    taken: set[_Target] = set()
    for header in headers:
        text = header.strip().lstrip("\ufeff")
        role = META_ROLES.get(text) or (INSTANCE_ID if _last_segment(text) == INSTANCE_ID else "")
        if role:
            if role not in found.meta:
                found.meta[role] = header
            else:
                found.ignored.append(header)
            continue
        target = _longest_tail(text, by_name) or _longest_tail(normalise(text), by_label)
        if target is None or target in taken:
            found.ignored.append(header)
            continue
        taken.add(target)
        if target.kind == "value":
            found.values[target.field] = header
        elif target.kind == "onehot":
            found.onehot.setdefault(target.field, {})[target.part] = header
        else:
            found.geo_parts.setdefault(target.field, {})[target.part] = header
    return found


def form_in_headers_language(headers: list[str], form: FormSpec) -> FormSpec:
    """The form in the language of a label export's headers: of a multi-language form, the
    language in which the most of its main questions find their column (XML names count for
    every language alike; a tie keeps the default language). KoboToolbox exports labels in the
    language the user picks, headers and answers alike, so the answers are then read in it."""
    if len(form.languages) < 2:
        return form
    best, most = form, -1
    for language in form.languages:
        candidate = form.in_language(language)
        fields = tuple(f for f in candidate.main_fields() if f.type in VALUE_TYPES)
        found = columns_match(headers, candidate, fields)
        matched = sum(1 for f in fields if found.has_field(f.name))
        if matched > most:
            best, most = candidate, matched
    return best


def _last_segment(text: str) -> str:
    for i in range(len(text) - 1, -1, -1):
        if text[i] in SEPARATORS:
            return text[i + 1 :]
    return text


def _tails(text: str) -> list[str]:
    """The header, then what follows each separator in it, longest first."""
    return [text] + [text[i + 1 :] for i, ch in enumerate(text) if ch in SEPARATORS]


def _longest_tail(text: str, index: dict[str, _Target | None]) -> _Target | None:
    for tail in _tails(text):
        if tail in index:
            return index[tail]  # None when the key is ambiguous
    return None


def _name_index(form: FormSpec, fields: tuple[Field, ...]) -> dict[str, _Target | None]:
    index: dict[str, _Target | None] = {}
    for f in fields:
        if f.type == "geopoint":
            for suffix, part in GEO_SUFFIXES.items():
                index[f"_{f.name}_{suffix}"] = _Target("geo", f.name, part)
                for sep in SEPARATORS:
                    index[f"{f.name}{sep}{suffix.capitalize()}"] = _Target("geo", f.name, part)
                    index[f"{f.name}{sep}{suffix}"] = _Target("geo", f.name, part)
        if f.type == "select_multiple":
            for choice in form.choices.get(f.list_name or "", ()):
                for sep in SEPARATORS:
                    index[f"{f.name}{sep}{choice.name}"] = _Target("onehot", f.name, choice.name)
    for f in fields:
        index[f.name] = _Target("value", f.name)
    return index


def _label_index(form: FormSpec, fields: tuple[Field, ...]) -> dict[str, _Target | None]:
    """Normalised labels (alone and under their group labels) -> target; None if ambiguous."""
    index: dict[str, _Target | None] = {}

    def add(key: str, target: _Target) -> None:
        key = normalise(key)
        if key in index and index[key] != target:
            index[key] = None
        else:
            index[key] = target

    for f in fields:
        path = form.label_path(f)
        label = path[-1]
        value = _Target("value", f.name)
        for start in range(len(path)):
            add("/".join(path[start:]), value)
        if f.type == "geopoint":
            for suffix, part in GEO_SUFFIXES.items():
                add(f"_{label}_{suffix}", _Target("geo", f.name, part))
        if f.type == "select_multiple":
            for choice in form.choices.get(f.list_name or "", ()):
                target = _Target("onehot", f.name, choice.name)
                for answer in {choice.label or choice.name, choice.name}:
                    for sep in SEPARATORS:
                        add(f"{label}{sep}{answer}", target)
    return index
