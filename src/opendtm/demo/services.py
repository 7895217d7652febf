"""`opendtm demo`: build the typhoon scenario and take it through the same path a user would.

Load the built-in Philippine gazetteer, create the operation, then for each round write the
field teams' Kobo exports (with their mistakes) to disk, import them through the import service,
and validate and publish the round. Same seed, same files, same numbers.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from django.contrib.auth.models import User

from opendtm.demo.faults import baseline_spoil, choice_labels, sites_spoil
from opendtm.demo.kobo_export import kobo_xlsx_write
from opendtm.demo.scenario import LANDFALL, scenario_build
from opendtm.forms.definitions import BASELINE_FORM_ID, EVENT_FORM_ID, SITE_FORM_ID
from opendtm.forms.queries import form_spec_get
from opendtm.gazetteer.services import gazetteer_load
from opendtm.ingest.services import ImportResult, import_commit
from opendtm.operations.choices import CrisisType, McofPhase, RoundStatus
from opendtm.operations.models import Operation
from opendtm.operations.services import operation_create, round_open, round_transition

OPERATION_CODE = "phl-typhoon-demo"


@dataclass
class DemoRound:
    """What the demo did in one round: the files it wrote and what the import said of them."""

    number: int
    files: list[Path] = field(default_factory=list)
    imports: list[tuple[str, ImportResult]] = field(default_factory=list)  # (form id, result)
    faults: dict[str, dict[str, int]] = field(default_factory=dict)


@dataclass
class DemoResult:
    operation: Operation
    rounds: list[DemoRound]
    events: ImportResult | None = None  # the events between rounds (dtm_ett), after the last


def demo_run(
    *,
    seed: int,
    directory: Path,
    actor: User,
    say: Callable[[str], None] = lambda _line: None,
) -> DemoResult:
    """Build and import the whole scenario; refuse to run twice on the same database."""
    if Operation.objects.filter(code=OPERATION_CODE).exists():
        from opendtm.core.errors import Conflict

        raise Conflict(
            f"The demo operation {OPERATION_CODE} already exists in this database.",
            hint="Run the demo with a fresh OPENDTM_HOME (or remove var/) to rebuild it.",
        )
    directory.mkdir(parents=True, exist_ok=True)
    say("Loading the built-in Philippine gazetteer (PSGC)...")
    gazetteer_load(path=None, country_iso3="PHL", builtin=True, actor=actor)
    say(f"Building the typhoon scenario (seed {seed})...")
    scenario = scenario_build(seed=seed)
    operation = operation_create(
        code=OPERATION_CODE,
        name="Philippines - Typhoon demo 2025",
        country_iso3="PHL",
        crisis_type=CrisisType.TYPHOON,
        start_date=LANDFALL,
        mcof_phase=McofPhase.DURING,
        location_level=4,
        is_public=True,
        actor=actor,
    )
    baseline_form = form_spec_get(form_id=BASELINE_FORM_ID)
    site_form = form_spec_get(form_id=SITE_FORM_ID)
    site_labels, baseline_labels = choice_labels(site_form), choice_labels(baseline_form)
    rng = np.random.default_rng(seed + 1)
    rounds: list[DemoRound] = []
    for truth in scenario.rounds:
        done = DemoRound(number=truth.number)
        round_ = round_open(
            operation=operation, number=truth.number, start_date=truth.start, actor=actor
        )
        spoiled_sites = sites_spoil(truth.sites, rng=rng, labels=site_labels)
        spoiled_baseline = baseline_spoil(truth.baseline, rng=rng, labels=baseline_labels)
        done.faults = {
            SITE_FORM_ID: dict(spoiled_sites.applied),
            BASELINE_FORM_ID: dict(spoiled_baseline.applied),
        }
        site_file = directory / f"round{truth.number}_site_assessment.xlsx"
        baseline_file = directory / f"round{truth.number}_baseline_assessment.xlsx"
        kobo_xlsx_write(form=site_form, records=spoiled_sites.records, path=site_file)
        kobo_xlsx_write(
            form=baseline_form,
            records=spoiled_baseline.records,
            repeats={"origins": truth.origins},
            path=baseline_file,
        )
        done.files = [site_file, baseline_file]
        for form_id, path in ((SITE_FORM_ID, site_file), (BASELINE_FORM_ID, baseline_file)):
            result = import_commit(
                operation=operation,
                round=round_,
                form_id=form_id,
                path=path,
                actor=actor,
                report_path=path.with_suffix(".report.csv"),
            )
            done.imports.append((form_id, result))
        round_transition(round=round_, to_status=RoundStatus.VALIDATED, actor=actor)
        round_transition(round=round_, to_status=RoundStatus.PUBLISHED, actor=actor)
        rounds.append(done)
        say(f"Round {truth.number} imported and published.")
    from opendtm.demo.events import events_export_write

    event_file = directory / "events_ett.xlsx"
    events_export_write(
        form=form_spec_get(form_id=EVENT_FORM_ID), last=scenario.rounds[-1], path=event_file
    )
    events = import_commit(
        operation=operation,
        round=None,
        form_id=EVENT_FORM_ID,
        path=event_file,
        actor=actor,
        report_path=event_file.with_suffix(".report.csv"),
    )
    say(f"Events after round {scenario.rounds[-1].number} imported: {events.rows_accepted}.")
    return DemoResult(operation=operation, rounds=rounds, events=events)


DASHBOARD_HOST = "127.0.0.1"  # where `opendtm serve` listens by default


def demo_next_steps(*, program: str, home: str | None, port: int, username: str) -> list[str]:
    """The lines the demo ends with: how to open its dashboard in a browser and log in.

    `program` is the command as the user typed it (`.venv/bin/opendtm` after `make demo`),
    `home` the OPENDTM_HOME they set (None: the default ./var), `username` the account the
    demo ran as. That account has no web password (the CLI never needs one), so the lines
    say how to give it one; no password is made up, printed or written anywhere.
    """
    prefix = f"OPENDTM_HOME={home} " if home else ""
    address = f"http://{DASHBOARD_HOST}:{port}/o/{OPERATION_CODE}/"
    return [
        "Open the dashboard in a browser:",
        f"  {prefix}{program} serve{'' if port == 8000 else f' --port {port}'}"
        "    (serves this demo; or build and serve in one go: "
        f"{program} demo --serve, on a fresh OPENDTM_HOME)",
        f"  then go to {address}",
        "Log in: none is needed for the published figures (the demo operation is public).",
        f"  The round pages, imports and submissions table need an account: the demo ran as "
        f"{username!r},",
        "  an instance administrator without a web password. Give it one (asked for, not shown),",
        f"  then log in at http://{DASHBOARD_HOST}:{port}/login/ as {username}:",
        f"  {prefix}{program} user password {username}",
    ]
