"""Needs rule sets as files: read, checked against their JSON Schema, then against the rules
the schema cannot say (a declared sector, ordered limits), every refusal naming the file, the
line and the reason (docs/needs.md, docs/decisions/0012-needs-rule-set-format.md).

YAML and JSON are read alike: a JSON file is checked for its syntax by `json` (which gives
the line and column of a syntax error) and then composed by the YAML reader, which keeps the
line of every node, so a schema error in either points at its line. The YAML reader reads
`yes` and `no` as text (only `true`/`false` are booleans): rule sets key levels by answers.
"""

from __future__ import annotations

import itertools
import json
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import yaml
from jsonschema import Draft202012Validator

from opendtm.core.errors import InvalidInput, NotFound

SHIPPED = ("sphere-2018-v2",)
"""The rule sets shipped in the package (rulesets/<version>.yaml), the first the default."""
DEFAULT_VERSION = SHIPPED[0]
LEVELS = (1, 2, 3, 4, 5)
MAX_ERRORS = 5  # a file with many errors is refused with its first few, each with its line


class _Loader(yaml.SafeLoader):
    """Safe YAML with YAML 1.2 booleans: `yes`, `no`, `on`, `off` stay text."""


_Loader.yaml_implicit_resolvers = {
    key: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


@dataclass(frozen=True)
class RuleSet:
    """One parsed, checked rule set: the document as read, and where it came from."""

    version: str
    title: str
    document: dict[str, Any]
    source_name: str

    def sector_codes(self) -> list[str]:
        return list(self.document["sectors"])

    def sector_label(self, code: str) -> str:
        return str(self.document["sectors"][code]["label"])

    def combine(self, code: str) -> str:
        return str(self.document["sectors"][code]["combine"])

    def indicators(self, kind: str) -> list[dict[str, Any]]:
        """The indicators of `kind` ("site" or "location"), in the file's order."""
        return list(self.document[f"{kind}_indicators"])

    @property
    def pin_from_level(self) -> int:
        return int(self.document["pin_from_level"])

    @property
    def area_rule(self) -> dict[str, Any]:
        return dict(self.document["area_rule"])

    @property
    def weights(self) -> list[float]:
        return [float(w) for w in self.document["priority_need_weights"]]


def _refused(name: str, line: int | None, reason: str) -> InvalidInput:
    where = f"{name}, line {line}" if line else name
    return InvalidInput(
        f"Rule set {where}: {reason}",
        hint="Fix the file and load it again; docs/needs.md describes the format.",
    )


@cache
def _schema() -> dict[str, Any]:
    text = resources.files("opendtm.needs").joinpath("rulesets/ruleset.schema.json").read_text()
    return dict(json.loads(text))


def schema_text() -> str:
    """The JSON Schema of rule set files, as shipped."""
    return json.dumps(_schema(), indent=2, ensure_ascii=False)


def _compose(text: str, name: str) -> yaml.Node:
    try:
        node = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        reason = f"{error.problem or error.context} (not valid YAML)"
        raise _refused(name, mark.line + 1 if mark else None, reason) from None
    if node is None:
        raise _refused(name, None, "the file is empty.")
    _no_duplicates(node, name)
    return node


def _no_duplicates(node: yaml.Node, name: str) -> None:
    """A key given twice in one mapping is refused (YAML would keep the last silently)."""
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key, value in node.value:
            if key.value in seen:
                raise _refused(name, key.start_mark.line + 1, f"{key.value!r} is given twice.")
            seen.add(key.value)
            _no_duplicates(value, name)
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            _no_duplicates(item, name)


def _line(root: yaml.Node, path: list[str | int]) -> int:
    """The line of the node at `path` (keys and indexes), or of the deepest one found."""
    node = root
    for step in path:
        if isinstance(node, yaml.MappingNode):
            found = [(k, v) for k, v in node.value if k.value == str(step)]
            if not found:
                break
            node = found[0][1]
        elif isinstance(node, yaml.SequenceNode) and isinstance(step, int):
            if step >= len(node.value):
                break
            node = node.value[step]
        else:
            break
    return int(node.start_mark.line) + 1


def _where(path: list[str | int]) -> str:
    return "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path).lstrip(".")


def _schema_reason(error: Any) -> str:
    where = _where(list(error.absolute_path))
    return f"{where}: {error.message}" if where else str(error.message)


def ruleset_parse(text: str, *, name: str) -> RuleSet:
    """The rule set in `text` (YAML or JSON) read from the file `name`, checked; refused with
    InvalidInput naming the file, the line and the reason."""
    if name.lower().endswith(".json"):
        try:
            json.loads(text)
        except json.JSONDecodeError as error:
            raise _refused(
                name, error.lineno, f"{error.msg} at column {error.colno} (not valid JSON)."
            ) from None
    root = _compose(text, name)
    document = yaml.load(text, Loader=_Loader)
    if not isinstance(document, dict):
        raise _refused(name, 1, "a rule set is a mapping (version:, sectors:, ...).")
    validator = Draft202012Validator(_schema())
    errors = sorted(validator.iter_errors(document), key=lambda e: list(map(str, e.path)))
    if errors:
        first, *others = errors[:MAX_ERRORS]
        reason = _schema_reason(first)
        if others:
            more = "; ".join(
                f"line {_line(root, list(e.absolute_path))}: {_schema_reason(e)}" for e in others
            )
            reason = f"{reason}; {more}"
        raise _refused(name, _line(root, list(first.absolute_path)), reason)
    _semantics(document, root, name)
    return RuleSet(str(document["version"]), str(document["title"]), document, name)


def _semantics(document: dict[str, Any], root: yaml.Node, name: str) -> None:
    """What the schema cannot say: indicators name a declared sector, keys are unique per
    kind, limits run from level 1 to 4 in order, yes/no levels are keyed yes and no."""
    sectors = set(document["sectors"])
    for kind in ("site", "location"):
        seen: set[str] = set()
        for i, indicator in enumerate(document[f"{kind}_indicators"]):
            path: list[str | int] = [f"{kind}_indicators", i]
            key = indicator["key"]
            if key in seen:
                raise _refused(name, _line(root, [*path, "key"]), f"indicator {key!r} twice.")
            seen.add(key)
            if indicator["sector"] not in sectors:
                raise _refused(
                    name,
                    _line(root, [*path, "sector"]),
                    f"indicator {key!r} names sector {indicator['sector']!r}, which the "
                    f"sectors: list does not declare ({', '.join(sorted(sectors))}).",
                )
            _severity_check(indicator, root, [*path, "severity"], name)


def _severity_check(
    indicator: dict[str, Any], root: yaml.Node, path: list[str | int], name: str
) -> None:
    severity = indicator.get("severity")
    if severity is None:
        return
    key, value = indicator["key"], indicator["value"]
    kind = next(iter(value))
    numeric = kind in ("field", "ratio", "people_per")
    if "thresholds" in severity:
        limits = severity["thresholds"]["limits"]
        at = _line(root, [*path, "thresholds", "limits"])
        if not numeric:
            raise _refused(
                name, at, f"indicator {key!r} is not a number: give levels:, not thresholds:."
            )
        higher = severity["thresholds"]["better"] == "higher"
        pairs = itertools.pairwise(limits)
        if not all((a > b) if higher else (a < b) for a, b in pairs):
            order = "decrease" if higher else "increase"
            raise _refused(
                name, at, f"indicator {key!r}: the limits of levels 1 to 4 must {order} ({limits})."
            )
    elif numeric:
        raise _refused(
            name,
            _line(root, [*path, "levels"]),
            f"indicator {key!r} is a number: give thresholds:.",
        )
    elif kind in ("yes_no", "named") and set(severity["levels"]) != {"yes", "no"}:
        raise _refused(
            name,
            _line(root, [*path, "levels"]),
            f'indicator {key!r} is a yes/no: its levels are keyed "yes" and "no".',
        )


@cache
def shipped(version: str) -> RuleSet:
    """A rule set shipped in the package."""
    if version not in SHIPPED:
        raise NotFound(f"No shipped rule set {version!r}.", hint=f"Shipped: {', '.join(SHIPPED)}.")
    file = f"rulesets/{version}.yaml"
    return ruleset_parse(resources.files("opendtm.needs").joinpath(file).read_text(), name=file)


def shipped_text(version: str) -> str:
    return resources.files("opendtm.needs").joinpath(f"rulesets/{version}.yaml").read_text()
