"""Builds `natural_earth_50m.json`, the coastlines and country borders the maps draw offline.

Run by hand, from the npm package `world-atlas` 2.0.2 (Natural Earth 1:50m, public domain,
packaged as TopoJSON by Mike Bostock under the ISC licence):

    npm pack world-atlas@2.0.2 && tar xzf world-atlas-2.0.2.tgz
    python -m opendtm.gazetteer.data.basemap_build package/countries-50m.json

An arc of the topology used by one country is a coast (or a shore of a country's own lake),
one used by two a land border. Each line is simplified to 0.01 degrees (about 1 km, finer than
a dashboard map shows), quantised to 0.01 degrees and delta-encoded, so the world fits in a
few hundred kilobytes. `gazetteer.outlines.basemap` reads it and clips it to a map's box.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import shapely

TOLERANCE = 0.01
QUANTUM = 0.01
OUTPUT = Path(__file__).with_name("natural_earth_50m.json")
SOURCE = (
    "Natural Earth 1:50m admin-0 countries (public domain, naturalearthdata.com), "
    "from the npm package world-atlas 2.0.2 (countries-50m.json, ISC licence)"
)


def _arcs(topology: dict) -> list[list[tuple[float, float]]]:
    (sx, sy), (tx, ty) = topology["transform"]["scale"], topology["transform"]["translate"]
    arcs = []
    for arc in topology["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x, y = x + dx, y + dy
            points.append((x * sx + tx, y * sy + ty))
        arcs.append(points)
    return arcs


def _uses(topology: dict, count: int) -> list[int]:
    uses = [0] * count

    def walk(item: object) -> None:
        if isinstance(item, int):
            uses[item if item >= 0 else ~item] += 1
        elif isinstance(item, list):
            for part in item:
                walk(part)

    for geometry in topology["objects"]["countries"]["geometries"]:
        walk(geometry.get("arcs", []))
    return uses


def _encoded(points: list[tuple[float, float]]) -> list[int] | None:
    line = shapely.LineString(points).simplify(TOLERANCE)
    flat: list[int] = []
    last = (0, 0)
    for x, y in line.coords:
        q = (round(x / QUANTUM), round(y / QUANTUM))
        if flat and q == last:
            continue
        flat += [q[0] - last[0], q[1] - last[1]]
        last = q
    return flat if len(flat) >= 4 else None


def build(path: str) -> dict:
    topology = json.loads(Path(path).read_text())
    arcs = _arcs(topology)
    uses = _uses(topology, len(arcs))
    lines: dict[str, list[list[int]]] = {"coast": [], "borders": []}
    for points, used in zip(arcs, uses, strict=True):
        if used and len(points) > 1 and (encoded := _encoded(points)) is not None:
            lines["coast" if used == 1 else "borders"].append(encoded)
    return {"source": SOURCE, "quantum": QUANTUM, **lines}


if __name__ == "__main__":
    OUTPUT.write_text(json.dumps(build(sys.argv[1]), separators=(",", ":")) + "\n")
