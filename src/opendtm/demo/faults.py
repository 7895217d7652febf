"""The mistakes field data carries, added to clean records before export, and counted.

Each kind of fault is applied to a seeded sample of records, so the demo can say exactly how many
rows it spoiled and why, and a reader can check the import caught them. Some "faults" are only
mess the import must accept (labels instead of names, bare PSGC codes, numbers as text).
"""

from __future__ import annotations

import copy
from collections import Counter
from dataclasses import dataclass, field

import numpy as np

from opendtm.forms.spec import FormSpec

SADD_GROUPS = (
    "ind_f_lt1", "ind_f_1_5", "ind_f_6_17", "ind_f_18_59", "ind_f_60p",
    "ind_m_lt1", "ind_m_1_5", "ind_m_6_17", "ind_m_18_59", "ind_m_60p",
)  # fmt: skip

# kind -> (share of records, rejected by the import?)
BASELINE_FAULTS: dict[str, tuple[float, bool]] = {
    "unknown_pcode": (0.006, True),
    "wrong_parent": (0.004, True),
    "duplicate_submission": (0.003, True),
    "hh_exceeds_ind": (0.003, True),
    "choice_label": (0.03, False),
    "bare_psgc_code": (0.01, False),
}
SITE_FAULTS: dict[str, tuple[float, bool]] = {
    "sadd_sum_off": (0.02, True),
    "duplicate_submission": (0.006, True),
    "choice_label": (0.03, False),
    "number_as_text": (0.05, False),
}

# kind -> the rules of the import that catch it, one report line each per spoiled row: the
# demo's reports hold exactly these lines, plus notes and the story's warnings below. A form
# constraint that says what a consistency rule says is not reported again (one line per check).
FAULT_RULES: dict[str, tuple[str, ...]] = {
    "unknown_pcode": ("gazetteer.unknown_pcode",),
    "wrong_parent": ("gazetteer.parent_mismatch",),
    "duplicate_submission": ("duplicate.submission_id",),
    "hh_exceeds_ind": ("consistency.hh_le_ind",),
    "sadd_sum_off": ("consistency.sex_age_sum",),
    "choice_label": (),
    "bare_psgc_code": (),
    "number_as_text": (),
}
# Rules the scenario's story breaks on purpose, not its field teams: people go home and sites
# close between rounds, so many populations change by more than the warning's threshold.
STORY_RULES = frozenset({"previous_round.change"})


@dataclass
class Spoiled:
    """Records as the field team exports them, and what was done to them."""

    records: list[dict[str, object]]
    applied: Counter[str] = field(default_factory=Counter)

    def expected_rejects(self, table: dict[str, tuple[float, bool]]) -> int:
        return sum(n for kind, n in self.applied.items() if table[kind][1])


def _sample(rng: np.random.Generator, n: int, share: float, taken: set[int]) -> list[int]:
    """Distinct record indexes not already spoiled, so each row carries at most one fault."""
    free = np.array(sorted(set(range(n)) - taken))
    size = min(len(free), max(1, round(n * share))) if n else 0
    picked = sorted(rng.choice(free, size=size, replace=False).tolist()) if size else []
    taken.update(picked)
    return picked


def choice_labels(form: FormSpec) -> dict[str, dict[str, str]]:
    """field -> choice name -> label, for the faults that write labels instead of names."""
    return {
        f.name: {c.name: c.label for c in form.choices.get(f.list_name, ())}
        for f in form.fields
        if f.list_name
    }


def baseline_spoil(
    records: list[dict[str, object]], *, rng: np.random.Generator, labels: dict[str, dict[str, str]]
) -> Spoiled:
    out = copy.deepcopy(records)
    result = Spoiled(records=out)
    taken: set[int] = set()
    for kind, (share, _rejected) in BASELINE_FAULTS.items():
        candidates = _sample(rng, len(out), share, taken)
        for i in candidates:
            row = out[i]
            if kind == "unknown_pcode":
                row["adm4_pcode"] = str(row["adm4_pcode"])[:-3] + "999"
            elif kind == "wrong_parent":
                other = out[(i + len(out) // 2) % len(out)]
                if other["adm3_pcode"] == row["adm3_pcode"]:
                    continue
                row["adm3_pcode"] = other["adm3_pcode"]
            elif kind == "duplicate_submission":
                out.append(copy.deepcopy(row))
            elif kind == "hh_exceeds_ind":
                if not row.get("idp_ind"):
                    continue
                row["idp_hh"] = int(row["idp_ind"]) + 3  # type: ignore[call-overload]
            elif kind == "choice_label":
                # Label in another letter case, with the stray spaces hand-typed cells carry.
                row["idp_present"] = labels["idp_present"][str(row["idp_present"])].upper()
                if row.get("displacement_cause"):
                    cause = labels["displacement_cause"][str(row["displacement_cause"])]
                    row["displacement_cause"] = f" {cause} "
            elif kind == "bare_psgc_code":
                row["adm4_pcode"] = str(row["adm4_pcode"])[2:]
            result.applied[kind] += 1
    return result


def sites_spoil(
    records: list[dict[str, object]], *, rng: np.random.Generator, labels: dict[str, dict[str, str]]
) -> Spoiled:
    out = copy.deepcopy(records)
    result = Spoiled(records=out)
    taken: set[int] = set()
    for kind, (share, _rejected) in SITE_FAULTS.items():
        for i in _sample(rng, len(out), share, taken):
            row = out[i]
            if kind == "sadd_sum_off":
                if not row.get("ind"):
                    continue
                group = SADD_GROUPS[int(rng.integers(len(SADD_GROUPS)))]
                row[group] = int(row[group]) + int(rng.integers(1, 6))  # type: ignore[call-overload]
            elif kind == "duplicate_submission":
                out.append(copy.deepcopy(row))
            elif kind == "choice_label":
                row["site_type"] = labels["site_type"][str(row["site_type"])].lower()
            elif kind == "number_as_text":
                row["ind"] = f" {row['ind']} "
            result.applied[kind] += 1
    return result
