"""P-code forms: the one normalisation every code a user sends goes through, and the
Philippine derivation from PSGC codes (docs/domain.md §5).

The Python function and the Polars expression implement the same rule, so a code typed on the
command line and a code read from a 40,000-row file normalise identically.
"""

from __future__ import annotations

import re

import polars as pl

# Every kind of space a spreadsheet or a copy-paste leaves inside a code: ASCII whitespace, the
# no-break and narrow spaces, the Unicode space separators, zero-width space and a stray BOM.
_SPACE_CHARS = (
    "\t\n\v\f\r \u0085\u00a0\u1680"
    + "".join(chr(c) for c in range(0x2000, 0x200C))
    + "\u2028\u2029\u202f\u205f\u3000\ufeff"
)
_SPACE_CLASS = "[" + "".join(f"\\x{{{ord(c):x}}}" for c in _SPACE_CHARS) + "]"
_SPACE_RE = re.compile("[" + re.escape(_SPACE_CHARS) + "]")

# PSGC digits that make the P-code of each level: RR PPP MM BBB.
PSGC_DIGITS: dict[int, int] = {1: 2, 2: 5, 3: 7, 4: 10}
PHL_PREFIX = "PH"


def pcode_normalise(code: object) -> str:
    """The canonical form of a code a user sends: no spaces anywhere, upper case.

    Codes are text: leading zeros are kept and nothing else is guessed (no prefix is added
    or removed here; resolution tries the forms with and without the country prefix).
    """
    if code is None:
        return ""
    return _SPACE_RE.sub("", str(code)).upper()


def pcode_normalise_expr(column: str | pl.Expr) -> pl.Expr:
    """`pcode_normalise` as a Polars expression; empty results become null."""
    expr = pl.col(column) if isinstance(column, str) else column
    cleaned = expr.cast(pl.Utf8).str.replace_all(_SPACE_CLASS, "").str.to_uppercase()
    return cleaned.replace("", None)


def pcode_forms(code: str, *, iso2: str) -> list[str]:
    """The forms a normalised code may be stored under, most specific first.

    A code sent without the country prefix ("0102801001", "012801001") is also tried with it,
    and one sent with it is also tried without it, so both the bare national code and the
    prefixed form resolve.
    """
    if not code:
        return []
    forms = [code]
    if code.startswith(iso2) and len(code) > len(iso2):
        forms.append(code[len(iso2) :])
    else:
        forms.append(iso2 + code)
    return forms


def is_psgc(code: str) -> bool:
    """True for a 10-digit PSGC code."""
    return len(code) == 10 and code.isascii() and code.isdigit()


def psgc_pcode(psgc: str, level: int) -> str:
    """OpenDTM's P-code of a PSGC unit at a level: "PH" + the PSGC digits of that level.

    The level comes from the PSGC file the unit is listed in, never from the digits: NCR's
    pseudo-province 1300000000 is adm2 PH13000 although its digits look like a region.
    """
    if not is_psgc(psgc):
        raise ValueError(f"{psgc!r} is not a 10-digit PSGC code")
    return PHL_PREFIX + psgc[: PSGC_DIGITS[level]]


def psgc_pcode_expr(column: str, level: int) -> pl.Expr:
    """`psgc_pcode` for a whole column of 10-digit PSGC codes at one level."""
    return pl.lit(PHL_PREFIX) + pl.col(column).str.slice(0, PSGC_DIGITS[level])


def correspondence_code(code: str) -> str:
    """The alternative form of a 9-digit PSGC correspondence code: "PH" + the nine digits."""
    if not (len(code) == 9 and code.isascii() and code.isdigit()):
        raise ValueError(f"{code!r} is not a 9-digit correspondence code")
    return PHL_PREFIX + code
