"""Rule set files: the shipped one reads, and a file with an error is refused with its file,
line and reason (YAML and JSON)."""

from __future__ import annotations

import json

import pytest
import yaml

from opendtm.core.errors import InvalidInput, NotFound
from opendtm.needs.rules import ruleset_parse, shipped, shipped_text

TEXT = shipped_text("sphere-2018-v2")


def _line_of(text: str, fragment: str) -> int:
    return text[: text.index(fragment)].count("\n") + 1


def test_the_shipped_rule_set_reads() -> None:
    rules = shipped("sphere-2018-v2")
    assert rules.version == "sphere-2018-v2"
    assert rules.sector_codes() == [
        "cccm",
        "shelter",
        "wash",
        "health",
        "food",
        "education",
        "protection",
    ]
    assert rules.combine("wash") == "mean_of_two_worst"
    assert rules.area_rule == {"method": "at_or_above", "share": 0.25}
    assert rules.pin_from_level == 3
    assert rules.weights == [3.0, 2.0, 1.0]
    assert len(rules.indicators("site")) == 17
    assert len(rules.indicators("location")) == 7


def _refusal(text: str, name: str = "mine.yaml") -> str:
    with pytest.raises(InvalidInput) as caught:
        ruleset_parse(text, name=name)
    return caught.value.message


@pytest.mark.parametrize(
    ("old", "new", "at", "reason"),
    [
        (
            "limits: [15, 10, 7.5, 3]",
            "limits: [15, 10, 7.5]",
            "limits: [15, 10, 7.5]",
            "site_indicators[3].severity.thresholds.limits: [15, 10, 7.5] is too short",
        ),
        (
            "limits: [250, 500, 750, 1000]",
            "limits: [250, 900, 750, 1000]",
            "limits: [250, 900",
            "indicator 'people_per_tap': the limits of levels 1 to 4 must increase",
        ),
        (
            "    sector: food\n",
            "    sector: nutrition\n",
            "sector: nutrition",
            "indicator 'food_access' names sector 'nutrition', which the sectors: list does "
            "not declare",
        ),
        (
            "health: {label: Health, combine: worst}",
            "health: {label: Health, combine: best}",
            "health: {label",
            "sectors.health.combine: 'best' is not one of ['worst', 'mean_of_two_worst']",
        ),
        (
            "levels: {on_site: 1, lt_5km: 1, gt_5km: 3, none: 4}",
            "levels: {on_site: 1, lt_5km: 1, gt_5km: 3, none: 6}",
            "none: 6}",
            "site_indicators[10].severity.levels.none: 6 is greater than the maximum of 5",
        ),
        (
            'severity: {levels: {"yes": 1, "no": 3}}\n  - key: hh',
            'severity: {levels: {"yes": 1, "nope": 3}}\n  - key: hh',
            '"nope"',
            'indicator \'site_management\' is a yes/no: its levels are keyed "yes" and "no"',
        ),
        (
            "pin_from_level: 3",
            "pin_from_level: 3\npin_from_level: 4",
            "pin_from_level: 4",
            "'pin_from_level' is given twice",
        ),
        (
            "version: sphere-2018-v2",
            "version: sphere: 2018",
            "version: sphere: 2018",
            "mapping values are not allowed here (not valid YAML)",
        ),
    ],
)
def test_an_error_is_refused_with_its_line_and_reason(
    old: str, new: str, at: str, reason: str
) -> None:
    assert old in TEXT
    text = TEXT.replace(old, new, 1)
    message = _refusal(text)
    line = _line_of(text, at)
    assert message.startswith(f"Rule set mine.yaml, line {line}: "), message
    assert reason in message


def test_a_json_rule_set_reads_and_its_errors_have_lines() -> None:
    document = yaml.safe_load(TEXT.replace("version: sphere-2018-v2", "version: mine-1"))
    text = json.dumps(document, indent=2, ensure_ascii=False)
    assert ruleset_parse(text, name="mine.json").version == "mine-1"
    broken = text.replace('"pin_from_level": 3', '"pin_from_level": 3,,')
    message = _refusal(broken, "mine.json")
    assert message.startswith(f"Rule set mine.json, line {_line_of(broken, ',,')}: ")
    assert "(not valid JSON)" in message
    wrong = text.replace('"pin_from_level": 3', '"pin_from_level": 9')
    message = _refusal(wrong, "mine.json")
    line = _line_of(wrong, '"pin_from_level": 9')
    assert message == (
        f"Rule set mine.json, line {line}: pin_from_level: 9 is greater than the maximum of 5"
    )


def test_yes_and_no_stay_text_and_an_empty_file_is_refused() -> None:
    text = TEXT.replace('{levels: {"yes": 1, "no": 3}}', "{levels: {yes: 1, no: 3}}")
    assert ruleset_parse(text, name="t.yaml").indicators("site")[0]["severity"] == {
        "levels": {"yes": 1, "no": 3}
    }
    assert _refusal("# nothing\n") == "Rule set mine.yaml: the file is empty."


def test_an_unknown_shipped_version_is_not_found() -> None:
    with pytest.raises(NotFound):
        shipped("sphere-1990")
