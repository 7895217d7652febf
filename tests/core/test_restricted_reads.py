"""Restricted by default: every read of operation data takes the acting user.

Lists the public functions of every app's `queries` module. A function that takes or returns
operation data (an operation, a round, a site, an assessment, an import batch, a grant...)
must have a required keyword-only `user` parameter: no default, so no call can skip the
check. The few exceptions are named below with the reason they need none.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re

import opendtm

OPERATION_DATA = re.compile(
    r"\b(Operation|Round|RoundTransition|Site|SiteStatusChange|SiteAssessment|"
    r"BaselineAssessment|BaselineOrigin|ImportBatch|ImportIssue|CleaningLogEntry|"
    r"OperationGrant|FigureSnapshot|ValidationContext)\b"
)

# Reads that serve a write or the request gate, not a reader: the caller has authorized
# the act first (or is deciding access itself with accounts.roles on the answer).
EXEMPT = {
    "accounts.queries.operations_visible_to": "is the restriction itself (takes the user)",
    "accounts.queries.operations_where": "is the restriction itself (takes the user)",
    "accounts.queries.grants_of": "operation show lists grants after can(MANAGE_OPERATION)",
    "api.queries.operation_by_code": "the API gate: access.operation_for asks can() on it",
    "api.queries.operations_all": "the API gate: access.operations_readable asks can()",
    "api.queries.round_states": "cache keys of operations the gate already admitted",
    "ingest.queries.sites_frame": "validation context of an import authorized for IMPORT",
    "ingest.queries.context_load": "validation context of an import authorized for IMPORT",
    "ingest.queries.round_sites_frame": "validation context of an import authorized for IMPORT",
    "ingest.queries.round_baselines_frame": (
        "validation context of an import authorized for IMPORT"
    ),
    "ingest.queries.batch_identical_exists": "the import service, after IMPORT is authorized",
    "ingest.queries.dated_context_load": (
        "validation context of a dated import (events) authorized for IMPORT"
    ),
    "needs.queries.live_frames": (
        "the snapshot build of a round being published, after MANAGE_ROUNDS is authorized"
    ),
}


def _query_functions() -> dict[str, inspect.Signature]:
    found = {}
    for app in pkgutil.iter_modules(opendtm.__path__):
        try:
            module = importlib.import_module(f"opendtm.{app.name}.queries")
        except ModuleNotFoundError:
            continue
        for name, function in inspect.getmembers(module, inspect.isfunction):
            if name.startswith("_") or function.__module__ != module.__name__:
                continue
            found[f"{app.name}.queries.{name}"] = inspect.signature(function)
    return found


def _reads_operation_data(signature: inspect.Signature) -> bool:
    annotations = [str(p.annotation) for p in signature.parameters.values()]
    annotations.append(str(signature.return_annotation))
    return any(OPERATION_DATA.search(a) for a in annotations)


def test_every_read_of_operation_data_takes_the_user() -> None:
    functions = _query_functions()
    assert "operations.queries.sites_of" in functions  # the listing sees the apps
    missing = []
    for name, signature in sorted(functions.items()):
        if name in EXEMPT or not _reads_operation_data(signature):
            continue
        user = signature.parameters.get("user")
        if (
            user is None
            or user.kind is not inspect.Parameter.KEYWORD_ONLY
            or user.default is not inspect.Parameter.empty
        ):
            missing.append(name)
    assert missing == []


def test_the_exemptions_still_exist() -> None:
    """An exemption for a function that is gone (or renamed) is removed with it."""
    assert sorted(set(EXEMPT) - set(_query_functions())) == []


def test_the_listing_catches_a_read_without_user() -> None:
    """The check is not vacuous: the reads item 8 of issue 10 named are listed and checked."""
    functions = _query_functions()
    for name in (
        "operations.queries.round_get",
        "operations.queries.sites_of",
        "operations.queries.site_get",
        "operations.queries.round_transitions",
        "ingest.queries.cleaning_log",
        "ingest.queries.batches_of",
        "ingest.queries.raw_row",
        "ingest.queries.cells_as_received",
        "mobility.queries.site_indicators",
        "mobility.queries.submissions_of",
        "mobility.queries.submission_get",
        "figures.queries.figures_by_admin",
    ):
        assert _reads_operation_data(functions[name]), name
