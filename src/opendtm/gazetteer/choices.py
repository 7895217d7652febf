"""Kinds of names, codes, crosswalk changes and resolution statuses of the gazetteer."""

from django.db import models


class NameKind(models.TextChoices):
    OFFICIAL = "official", "Official name"
    ALTERNATIVE = "alternative", "Alternative name"
    FORMER = "former", "Former name"


class CodeKind(models.TextChoices):
    """Why a code other than the P-code leads to a unit."""

    PSGC = "psgc", "Bare national code (e.g. 10-digit PSGC)"
    CORRESPONDENCE = "correspondence", "Older correspondence code"
    COD_AB = "cod_ab", "COD-AB code of another edition"
    FORMER = "former", "Former P-code (retired, recoded)"
    OTHER = "other", "Other accepted form"


class MatchStatus(models.TextChoices):
    """How sure a name -> P-code suggestion is. Only `exact` and `matched` carry a P-code."""

    EXACT = "exact", "Same name once accents, case and punctuation are ignored"
    MATCHED = "matched", "One clearly closest name"
    AMBIGUOUS = "ambiguous", "Several units fit about equally well"
    NONE = "none", "No unit fits well enough"


class ChangeKind(models.TextChoices):
    """How a unit changed from one gazetteer version to the next (the crosswalk)."""

    RENAMED = "renamed", "Same code, new name"
    RECODED = "recoded", "Same place, new code"
    MOVED = "moved", "Same code and name, new parent"
    SPLIT = "split", "One unit became several (the old one may continue, smaller)"
    MERGED = "merged", "Several units became one (one of them may continue, larger)"
    NEW = "new", "A unit with no predecessor"
    RETIRED = "retired", "A unit with no successor"


class LinkMethod(models.TextChoices):
    """What showed that an old unit and a new unit cover the same place (or part of it)."""

    POLYGON = "polygon", "The polygons overlap"
    NAME_PARENT = "name_parent", "Same name under the same parent"
    NAME_CODE = "name_code", "Same name and same code below a recoded parent"
    CHILDREN = "children", "Its units now sit there"
    FORMER_NAME = "former_name", "The new unit keeps its name as a former name"
    COMPOSED = "composed", "Followed through the versions in between"


class ResolveStatus(models.TextChoices):
    """What a code sent by a user is, in the loaded gazetteer."""

    CURRENT = "current", "The P-code of a current unit"
    ALTERNATIVE = "alternative", "An accepted other form or an older code of a current unit"
    RETIRED = "retired", "The code of a retired unit (pcode holds what it maps to now)"
    UNKNOWN = "unknown", "No unit has this code"
