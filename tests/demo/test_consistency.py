"""Every rule of the import over the demo's rounds finds exactly the faults the demo planted.

The scenario's clean records respect every rule (a location's sites hold no more people, and
no more sites, than its baseline reports; totals add up; ...); `demo.faults` spoils a counted
sample of them. So each report line of the demo's imports is a planted fault's, a note, or a
warning of the story itself (populations that change a lot between rounds), and nothing else.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from opendtm.demo.faults import FAULT_RULES, STORY_RULES
from opendtm.ingest.issues import NOTE_RULES
from opendtm.ingest.models import ImportIssue


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_the_demo_reports_exactly_its_planted_faults(tmp_path: Path) -> None:
    from opendtm.accounts.services import user_for_cli
    from opendtm.demo.services import demo_run

    result = demo_run(seed=7, directory=tmp_path, actor=user_for_cli())
    story = 0
    for done in result.rounds:
        for form_id, imported in done.imports:
            assert imported.batch is not None
            lines = ImportIssue.objects.filter(batch=imported.batch)
            found = Counter(lines.values_list("rule", flat=True))
            planted: Counter[str] = Counter()
            for kind, n in done.faults[form_id].items():
                for rule in FAULT_RULES[kind]:
                    planted[rule] += n
            faults = {r: n for r, n in found.items() if r not in NOTE_RULES | STORY_RULES}
            assert faults == dict(planted), (done.number, form_id, done.faults[form_id])
            severities = lines.filter(rule__in=STORY_RULES).values_list("severity", flat=True)
            assert set(severities) <= {"warning"}
            story += sum(n for rule, n in found.items() if rule in STORY_RULES)
    assert story > 0  # returns and closures do change populations
