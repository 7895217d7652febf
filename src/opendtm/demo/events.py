"""Events between rounds for the demo: a few dtm_ett submissions after the last round (secondary
floods and landslides where the typhoon's IDPs are), written as a Kobo-style XLSX export and
imported like a user would (`opendtm import ett`), so the dashboard has an events line and layer.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from opendtm.demo.kobo_export import kobo_xlsx_write
from opendtm.demo.scenario import RoundTruth
from opendtm.forms.spec import FormSpec

EVENTS = 4
KINDS = ("flood", "landslide", "flood", "fire")
NEEDS = (("shelter", "food", "water"), ("shelter", "health", "nfi"), ("food", "water", "cash"))


def events_records(last: RoundTruth) -> list[dict[str, object]]:
    """EVENTS events in the barangays with most IDPs in the last round, 10 to 16 days after it
    started: a tenth of their IDPs displaced again, from the barangay to its municipality."""
    hosting = sorted(
        (r for r in last.baseline if r.get("idp_ind")),
        key=lambda r: (-int(str(r["idp_ind"])), str(r["adm4_pcode"])),
    )[:EVENTS]
    records: list[dict[str, object]] = []
    for i, place in enumerate(hosting):
        day = last.start + timedelta(days=10 + 2 * i)
        ind = max(5, int(str(place["idp_ind"])) // 10)
        need = NEEDS[i % len(NEEDS)]
        records.append(
            {
                "_uuid": f"demo-event-{i + 1}",
                "assessment_date": day,
                "report_date": day + timedelta(days=1),
                "enumerator_code": f"FP-{i + 1:02d}",
                "event_type": KINDS[i % len(KINDS)],
                "event_date": day,
                **{f"adm{k}_pcode": place[f"adm{k}_pcode"] for k in range(1, 5)},
                "count_method": "estimated" if i % 2 else "counted",
                "displaced_hh": max(1, ind // 5),
                "displaced_ind": ind,
                "from_pcode": place["adm4_pcode"],
                "to_pcode": place["adm3_pcode"],
                "shelter": "evacuation_centre" if i % 2 else "host_family",
                "nationality": "nationals",
                "dead": 0,
                "injured": i,
                "missing": None,
                "vulnerabilities": "older pwd" if i % 2 else "uasc",
                "priority_need_1": need[0],
                "priority_need_2": need[1],
                "priority_need_3": need[2],
                "source_type": "authorities" if i % 2 else "community",
                "source_reliability": "likely" if i % 2 else "unverified",
            }
        )
    return records


def events_export_write(*, form: FormSpec, last: RoundTruth, path: Path) -> Path:
    return kobo_xlsx_write(form=form, records=events_records(last), path=path)
