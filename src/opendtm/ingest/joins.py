"""Left joins that add columns to a wide frame without copying it.

A Polars join materialises every column of its result: on a million rows of sixty columns that
is half a gigabyte and a few hundred milliseconds per join, and validation joins a dozen
reference tables. Only the key goes through the join here; the matched columns are attached to
the frame as they are (`hstack` shares the frame's own columns, it does not copy them).
"""

from __future__ import annotations

import polars as pl


def columns_joined(
    frame: pl.DataFrame, right: pl.DataFrame, *, on: str | list[str], nulls_equal: bool = False
) -> pl.DataFrame:
    """`frame` plus the other columns of `right` where the key matches (null where it does not).

    `right` holds each key once (a reference table: codes, units, the registry, first rows), so
    the result has one row per row of `frame`, in its order. `nulls_equal`: a null key part
    matches a null (a combination of codes with some left empty).
    """
    names = [on] if isinstance(on, str) else list(on)
    matched = (
        frame.select(names)
        .join(right, on=names, how="left", maintain_order="left", nulls_equal=nulls_equal)
        .drop(names)
        .rechunk()  # one chunk like the frame's columns (see forms.reader._contiguous)
    )
    if matched.height != frame.height:
        raise ValueError(f"columns_joined: the key {on!r} is not unique in the right frame")
    return frame.hstack(matched.get_columns())
