"""Kinds of names and codes an admin unit can carry."""

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
