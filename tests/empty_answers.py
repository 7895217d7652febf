"""An operation whose rounds hold nothing, and strict readers of every output format, so that
the figures, CLI, API and web tests can check that an answer without rows is still a
well-formed file (issue 11, item 9): JSON that parses, a CSV with its header, a workbook that
opens, a table with its header line.

The world is tests/world.py's, built from header-only data files written in the test's own
folder: round 1 is published (its figures come from the snapshot), round 2 is open (computed
live), neither holds an assessment. Users: boss (instance admin), ana (analyst), vic (viewer).
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import openpyxl

from tests.world import Plan, World, world_build

FILE_FORMATS = ("csv", "hxl", "json", "geojson", "xlsx")
FORMATS = ("table", *FILE_FORMATS)
HEADERS = {
    "baseline.csv": "round,location,idp_hh,idp_ind,returnee_idp_hh,returnee_idp_ind,"
    "returnee_abroad_ind,flagged",
    "origins.csv": "round,location,origin,origin_hh,origin_ind",
    "sites.csv": "round,site,unit,site_status,hh,ind",
}


def empty_world_build(folder: Path, *, public: bool = False) -> World:
    """The operation `typhoon` (gazetteer PH01 ... depth 4) with two rounds and no data."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, header in HEADERS.items():
        (folder / name).write_text(header + "\n", encoding="utf-8")
    plan = Plan(
        data=folder,
        depth=4,
        location_level=4,
        users={"admin": "boss", "analyst": "ana", "viewer": "vic"},
        sites={},
        rounds=2,
        published=1,
        public=public,
    )
    return world_build(plan)


def _csv_rows(data: bytes) -> list[list[str]]:
    text = data.decode("utf-8")
    assert text.endswith("\n"), "a CSV ends with its line end"
    return list(csv.reader(io.StringIO(text, newline="")))


def answer_rows(fmt: str, data: bytes) -> tuple[list[str], list[Any]]:
    """(column headers, rows) of an answer written as `fmt`; an assertion fails where the
    output is not a well-formed file of its format. Headers are empty for JSON and GeoJSON
    (their rows name their keys), and for a table the header line split on runs of spaces."""
    if fmt == "json":
        body = json.loads(data)
        assert isinstance(body["rows"], list)
        assert isinstance(body["provenance"], list)
        return [], body["rows"]
    if fmt == "geojson":
        body = json.loads(data)
        assert body["type"] == "FeatureCollection"
        assert isinstance(body["features"], list)
        return [], body["features"]
    if fmt in ("csv", "hxl"):
        rows = _csv_rows(data)
        assert rows, "a CSV has its header row"
        header, *rest = rows
        assert all(header), "every column has a header"
        if fmt == "hxl":
            assert rest and len(rest[0]) == len(header), "the HXL tag row is under the header"
            assert all(tag.startswith("#") for tag in rest[0])
            rest = rest[1:]
        assert all(len(row) == len(header) for row in rest)
        return header, rest
    if fmt == "xlsx":
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
        assert book.sheetnames == ["Figures", "About"]
        header, *rest = list(book["Figures"].iter_rows(values_only=True))
        assert all(header), "every column has a header"
        return [str(h) for h in header], [list(r) for r in rest]
    if fmt == "table":
        lines = data.decode("utf-8").splitlines()
        assert lines, "a table has its header line"
        header, *rest = lines
        body = [
            line
            for line in rest
            if not line.startswith(("Total ", "* suppressed: ", "typhoon round "))
        ]
        return header.split(), body
    raise AssertionError(f"no reader for {fmt}")
