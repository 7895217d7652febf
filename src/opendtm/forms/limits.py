"""Limits on what an import may hold, as named constants; docs/import.md, "Limits", lists each
with what a user sees when a file crosses it."""

from __future__ import annotations

# The largest whole number an integer question holds anywhere: XForms' `int` (ODK Collect,
# Enketo) and the database's integer columns are 32-bit. A cell beyond it (or beyond the
# field's own maximum, the `. <= N` of its constraint) is the row error `value.out_of_range`.
INTEGER_MAX = 2_147_483_647

# Rows one form may hold in one round (sites, or locations). With every count at most
# INTEGER_MAX, a figure adding up every count of a round stays far inside 64-bit integers
# (tests/figures/test_bounds.py).
ROUND_ROWS_MAX = 10_000_000
