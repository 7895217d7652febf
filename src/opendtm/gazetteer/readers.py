"""Open a gazetteer file of any supported format into text tables, one per sheet or layer.

Every value is read as text, so codes keep their leading zeros; numbers are parsed later, per
column, where a bad one can be reported with its row. CSV may be UTF-8 with or without a BOM,
comma- or semicolon-separated. Geographic files (GeoJSON, GeoPackage, Shapefile, zipped
Shapefile) are read with pyogrio; their polygons are kept as WGS 84 WKB with a centroid.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl
import pyogrio
import pyogrio.errors
import shapely

from opendtm.core.errors import InvalidInput, NotFound

# Reserved columns added to each table, beside the file's own (text) columns.
ROW = "__row__"
GEOMETRY = "__wkb__"
CENTROID_LAT = "__centroid_lat__"
CENTROID_LON = "__centroid_lon__"
RESERVED = (ROW, GEOMETRY, CENTROID_LAT, CENTROID_LON)

CSV_SUFFIXES = frozenset({".csv"})
WORKBOOK_SUFFIXES = frozenset({".xlsx", ".xlsm", ".xls", ".ods"})
GEO_SUFFIXES = frozenset({".geojson", ".json", ".gpkg", ".shp", ".zip"})
SUFFIXES = sorted(CSV_SUFFIXES | WORKBOOK_SUFFIXES | GEO_SUFFIXES)
NOTHING = "Nothing was loaded."


@dataclass
class RawTable:
    """One sheet or layer: the file's columns as text, plus ROW (and geometry columns)."""

    part: str
    frame: pl.DataFrame


@dataclass
class RawSource:
    """A file opened: its name for messages, its SHA-256 and its tables."""

    path: Path
    name: str
    sha256: str
    tables: list[RawTable]
    row_word: str = "row"
    part_word: str = "sheet"


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def source_read(path: Path) -> RawSource:
    """Open any supported file; NotFound or InvalidInput with one clear line otherwise."""
    path = Path(path)
    name = path.name
    if not path.exists():
        raise NotFound(f"{path}: no such file.", hint="Check the path and try again.")
    if path.is_dir():
        raise InvalidInput(f"{path}: is a folder, not a file.", hint="Give the file itself.")
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise InvalidInput(
            f"{name}: unknown format '{path.suffix or '(no extension)'}'.",
            hint=f"Use one of {', '.join(SUFFIXES)}. {NOTHING}",
        )
    if path.stat().st_size == 0:
        raise InvalidInput(f"{name}: the file is empty.", hint=f"Export it again. {NOTHING}")
    sha = file_sha256(path)
    if suffix in CSV_SUFFIXES:
        return RawSource(path, name, sha, [RawTable("", csv_read(path))])
    if suffix in WORKBOOK_SUFFIXES:
        return RawSource(path, name, sha, workbook_read(path))
    return RawSource(path, name, sha, geo_read(path), row_word="feature", part_word="layer")


def _numbered(frame: pl.DataFrame, first_row: int) -> pl.DataFrame:
    return frame.with_columns(
        pl.int_range(first_row, first_row + frame.height, dtype=pl.Int64).alias(ROW)
    )


def _drop_hxl_row(frame: pl.DataFrame) -> pl.DataFrame:
    """Drop an HXL hashtag row right under the header (#adm1+code, ...), if there is one."""
    if frame.is_empty():
        return frame
    values = [v for v in frame.drop(ROW).row(0) if v is not None and str(v).strip()]
    if values and all(str(v).strip().startswith("#") for v in values):
        return frame.slice(1)
    return frame


def csv_read(path: Path) -> pl.DataFrame:
    """A CSV file as text columns; the header is row 1, so data start at row 2."""
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InvalidInput(
            f"{path.name}, row {line}: the file is not UTF-8 text (byte {exc.start}).",
            hint=f"Save it as 'CSV UTF-8'. {NOTHING}",
        ) from None
    first_line = text.split("\n", 1)[0]
    separator = ";" if first_line.count(";") > first_line.count(",") else ","
    header = next(csv.reader([first_line], delimiter=separator), [])
    seen: set[str] = set()
    for column in header:
        if column.strip() in seen:
            raise InvalidInput(
                f"{path.name}, row 1, column {column.strip()}: the column name appears twice.",
                hint=f"Rename or remove one of them. {NOTHING}",
            )
        seen.add(column.strip())
    try:
        frame = pl.read_csv(
            io.BytesIO(text.encode("utf-8")),
            separator=separator,
            infer_schema=False,
            raise_if_empty=False,
        )
    except pl.exceptions.PolarsError as exc:
        raise _csv_error(path, text, separator, exc) from None
    return _drop_hxl_row(_numbered(frame, 2))


def _csv_error(path: Path, text: str, separator: str, exc: Exception) -> InvalidInput:
    """Find the row Polars choked on, with the slower csv module, to name it."""
    reader = csv.reader(io.StringIO(text), delimiter=separator, strict=True)
    try:
        header = next(reader)
        for row_number, fields in enumerate(reader, start=2):
            if fields and len(fields) != len(header):
                return InvalidInput(
                    f"{path.name}, row {row_number}: {len(fields)} fields but the header has "
                    f"{len(header)} (separator '{separator}').",
                    hint=f"Quote values that contain the separator. {NOTHING}",
                )
    except csv.Error as error:
        return InvalidInput(
            f"{path.name}, row {reader.line_num}: {error}.",
            hint=f"Fix the quoting on that row. {NOTHING}",
        )
    first_line = str(exc).strip().splitlines()[0]
    return InvalidInput(f"{path.name}: not a readable CSV file ({first_line}).", hint=NOTHING)


def workbook_read(path: Path) -> list[RawTable]:
    """Every sheet of a workbook as text columns (header in its first row), read as export
    files are (`forms.workbooks`: measured first, parsed in a memory-capped child process), so
    that no workbook can crash the process or exhaust its memory."""
    from opendtm.forms.workbooks import workbook_read as book_read

    try:
        book = book_read(path)
    except InvalidInput as exc:
        raise InvalidInput(exc.message, hint=f"{exc.hint} {NOTHING}".strip()) from None
    tables = []
    for name in book.sheet_names:
        sheet = book.sheet(name)
        tables.append(RawTable(name, _drop_hxl_row(_numbered(sheet.frame, sheet.first_row))))
    return tables


_GDAL_POSITION = re.compile(r"[Aa]t line (\d+), character (\d+)")


def geo_read(path: Path) -> list[RawTable]:
    """Every layer of a geographic file: attributes as text, polygons as WGS 84 WKB."""
    try:
        layers = [str(layer) for layer, _ in pyogrio.list_layers(path)]
        tables = [RawTable(layer, _layer_read(path, layer)) for layer in layers]
    except pyogrio.errors.DataSourceError as exc:
        message = str(exc).replace(str(path), path.name).strip().splitlines()[0]
        where = ""
        if found := _GDAL_POSITION.search(message):
            where = f", line {found.group(1)}, character {found.group(2)}"
            message = message[found.end() :].lstrip(" :") or message
        kind = path.suffix.lstrip(".").lower()
        truncated = " Is the file truncated?" if kind in {"json", "geojson"} else ""
        raise InvalidInput(
            f"{path.name}{where}: not a readable {kind} file ({message}).{truncated}",
            hint=f"Export the file again. {NOTHING}",
        ) from None
    return tables


def _layer_read(path: Path, layer: str) -> pl.DataFrame:
    meta, _fids, geometry, fields = pyogrio.raw.read(path, layer=layer)
    columns = [_text_series(str(n), a) for n, a in zip(meta["fields"], fields, strict=True)]
    count = len(geometry) if geometry is not None else (len(columns[0]) if columns else 0)
    wkb = _wgs84_wkb(geometry, meta.get("crs")) if geometry is not None else [None] * count
    geoms = shapely.from_wkb(np.array(wkb, dtype=object))
    centroids = shapely.centroid(geoms)
    empty = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    lat = np.where(empty, np.nan, shapely.get_y(centroids))
    lon = np.where(empty, np.nan, shapely.get_x(centroids))
    frame = pl.DataFrame(
        [
            *columns,
            pl.Series(GEOMETRY, wkb, dtype=pl.Binary),
            pl.Series(CENTROID_LAT, lat, dtype=pl.Float64).fill_nan(None),
            pl.Series(CENTROID_LON, lon, dtype=pl.Float64).fill_nan(None),
        ]
    )
    return _numbered(frame, 1)


def _wgs84_wkb(geometry: np.ndarray, crs: str | None) -> list[bytes | None]:
    """Geometries as WKB in WGS 84 longitude/latitude, reprojected when the file is not."""
    if crs:
        from pyproj import CRS, Transformer

        source = CRS.from_user_input(crs)
        target = CRS.from_epsg(4326)
        if not source.equals(target, ignore_axis_order=True):
            transformer = Transformer.from_crs(source, target, always_xy=True)
            geoms = shapely.from_wkb(geometry)
            moved = shapely.transform(
                geoms, lambda xy: np.column_stack(transformer.transform(xy[:, 0], xy[:, 1]))
            )
            return list(shapely.to_wkb(moved))
    return [bytes(g) if g is not None else None for g in geometry]


def _text_series(name: str, values: np.ndarray) -> pl.Series:
    """A field as text: whole numbers without '.0', missing as null, never a float code."""
    if values.dtype.kind == "f":
        whole = np.isfinite(values) & (values == np.floor(values))
        text = [
            None if not np.isfinite(v) else (str(int(v)) if w else repr(float(v)))
            for v, w in zip(values.tolist(), whole.tolist(), strict=True)
        ]
        return pl.Series(name, text, dtype=pl.Utf8)
    if values.dtype.kind in "iub":
        return pl.Series(name, [str(v) for v in values.tolist()], dtype=pl.Utf8)
    return pl.Series(name, [None if v is None else str(v) for v in values.tolist()], dtype=pl.Utf8)
