"""Writes of the needs app: loading a rule set file (instance administrators)."""

from __future__ import annotations

import hashlib
import json

from django.contrib.auth.models import User
from django.db import transaction

from opendtm.accounts.roles import authorize_superuser
from opendtm.accounts.services import audit_record
from opendtm.core.errors import Conflict, InvalidInput
from opendtm.needs.models import NeedsRuleSet
from opendtm.needs.rules import SHIPPED, ruleset_parse
from opendtm.needs.scoring import fields_read


def _digest(document: dict[str, object]) -> str:
    return hashlib.sha256(json.dumps(document, sort_keys=True).encode()).hexdigest()


def _fields_check(document: dict[str, object], name: str) -> None:
    """Every field a rule reads is a stored column of its assessment."""
    from opendtm.mobility.models import BaselineAssessment, SiteAssessment

    for kind, model in (("site", SiteAssessment), ("location", BaselineAssessment)):
        columns = {f.name for f in model._meta.concrete_fields}
        for indicator in document[f"{kind}_indicators"]:  # type: ignore[attr-defined]
            for field in fields_read(indicator["value"]):
                if field not in columns:
                    raise InvalidInput(
                        f"Rule set {name}: indicator {indicator['key']!r} reads {field!r}, "
                        f"which the {kind} assessment does not store.",
                        hint="Rules read the core fields of the shipped forms (domain.md §4).",
                    )


@transaction.atomic
def ruleset_load(*, actor: User, text: str, name: str) -> NeedsRuleSet:
    """Load the rule set file `name` (its `text`): checked, then stored under its version.

    A version is written once: loading the same rules again changes nothing; other rules
    under a version already loaded (or shipped) are refused, so no published round's rules
    ever change.
    """
    authorize_superuser(actor, "load needs rule sets")
    rules = ruleset_parse(text, name=name)
    _fields_check(rules.document, name)
    digest = _digest(rules.document)
    if rules.version in SHIPPED:
        raise Conflict(
            f"Rule set {rules.version} is shipped with OpenDTM and cannot be replaced.",
            hint="Give your rule set a version of its own (version: in the file).",
        )
    existing = NeedsRuleSet.objects.select_for_update().filter(version=rules.version).first()
    if existing is not None:
        if existing.digest == digest:
            return existing
        raise Conflict(
            f"Rule set {rules.version} is already loaded with other rules: a version never "
            "changes (rounds published under it keep it).",
            hint="Give the changed rules a new version (version: in the file).",
        )
    loaded = NeedsRuleSet.objects.create(
        version=rules.version,
        title=rules.title,
        document=rules.document,
        text=text,
        source_name=name,
        digest=digest,
        loaded_by=actor,
    )
    audit_record(
        actor=actor,
        action="needs.ruleset_load",
        obj=loaded,
        summary=f"loaded needs rule set {rules.version} from {name}",
        changes={"version": [None, rules.version], "digest": [None, digest]},
    )
    return loaded
