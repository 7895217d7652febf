"""Suggest P-codes for place names, and never silently pick an ambiguous one.

Names are compared in the forms of `names` (accents, case, punctuation, apostrophes, hyphens and
spaces ignored; bracketed parts and "City of X" also tried alone; abbreviations written out).
Every name a unit carries counts: official names in every loaded language, alternative and
former names. Steps, most certain first, each restricted to the parent's descendants when a
parent is given; the first step that finds a unit decides:
1. the whole name equals a name of a unit (or one without its bracket) -> `exact`, score 100;
2. a bracketed part or "City of X" equals one -> `exact`, score 100;
3. equal once abbreviations are written out ("Sto. Niño" = "Santo Niño", "St-Marc" =
   "Saint-Marc", "Grd-Goâve" = "Grand-Goâve") -> `matched`, score 99;
4. a truncated name: it ends inside a word (or an open bracket) where a unit's name goes on
   ("Basco (Santo Dom") and is at least TRUNCATED_MIN letters long -> `matched`, score 95;
5. otherwise fuzzy scores (rapidfuzz, vectorised over all candidates at once): one unit at or
   above MATCH_MIN and clear of the next by more than AMBIGUITY_MARGIN -> `matched`. Two guards
   keep near misses from becoming confident wrong answers: a unit is chosen only when its
   distinguishing words (compass points, upper/lower, ...: `names.name_signature`) and the sent
   name's are the same or one holds the other, and its numbers are the same ("Cabuaan Este" is
   never "Cabuaan Oeste", "Barangay 576" never "Barangay 676"); and a name that is exactly the
   name of a unit elsewhere in the country (under another parent) is not bent to a similar one
   under the parent given: it is probably that other place, sent with the wrong parent.
Two or more units at any step -> `ambiguous`, P-code empty, candidates listed.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import polars as pl
from rapidfuzz import fuzz, process

from opendtm.core.errors import InvalidInput, NotFound
from opendtm.gazetteer.choices import MatchStatus
from opendtm.gazetteer.countries import country_get
from opendtm.gazetteer.models import MAX_LEVEL
from opendtm.gazetteer.names import (
    canonical_key,
    canonical_words,
    cut_short,
    name_key,
    name_parts,
    name_signature,
    name_words,
)
from opendtm.gazetteer.queries import unit_names_frame, units_frame
from opendtm.gazetteer.readers import ROW, csv_read, workbook_read
from opendtm.gazetteer.resolution import codes_resolve

MATCH_MIN = 88  # lowest fuzzy score accepted as a match
AMBIGUITY_MARGIN = 5  # a runner-up this close to the best makes the match ambiguous
CANDIDATE_MIN = 70  # lowest score listed as a candidate
CANDIDATES_SHOWN = 5
OUTPUT_COLUMNS = ("pcode", "matched_name", "score", "status", "candidates")
_CHUNK = 256  # query rows scored at once (bounds memory: rows x candidates bytes)
_UNKNOWN = "\0unknown parent"
TRUNCATED_MIN = 10  # letters a truncated name needs before it is read as the start of another
ABBREVIATED_SCORE = 99
TRUNCATED_SCORE = 95

__all__ = [
    "Candidate",
    "Match",
    "match_file",
    "name_key",
    "name_parts",
    "name_words",
    "names_match",
]


@dataclass(frozen=True)
class Candidate:
    pcode: str
    name: str
    score: int


@dataclass(frozen=True)
class Match:
    """The suggestion for one input name; `pcode` is empty unless status is exact/matched."""

    name: str
    parent: str | None
    pcode: str
    matched_name: str
    score: int
    status: MatchStatus
    candidates: tuple[Candidate, ...] = field(default=())
    rule: str = ""  # the step that decided: name, abbreviation, truncation, fuzzy ("" if none)


class _Index:
    """Names of a set of units, ready for rule look-ups and vectorised fuzzy scoring."""

    def __init__(self, units: pl.DataFrame, other_names: pl.DataFrame) -> None:
        self.ids = units["id"].to_numpy()
        self.pcodes = units["pcode"].to_list()
        self.names = units["name"].to_list()
        position = {uid: i for i, uid in enumerate(self.ids.tolist())}
        names_of: dict[int, list[str]] = defaultdict(list)
        for i, name in enumerate(self.names):
            names_of[i].append(name)
        for uid, name in other_names.select("id", "name").iter_rows():
            if uid in position:
                names_of[position[uid]].append(name)
        self.whole: dict[str, set[int]] = defaultdict(set)  # whole or bracket-stripped name
        self.part: dict[str, set[int]] = defaultdict(set)  # bracketed part
        self.canon: dict[str, set[int]] = defaultdict(set)  # abbreviations written out
        prefixes: set[tuple[str, int]] = set()
        fuzzy_units: list[int] = []
        fuzzy_words: list[str] = []
        for i in range(len(self.pcodes)):
            for name in names_of[i]:
                whole, parts = name_parts(name)
                for text in dict.fromkeys(whole):
                    if key := name_key(text):
                        self.whole[key].add(i)
                        words = canonical_words(text)
                        self.canon[words.replace(" ", "")].add(i)
                        prefixes.add((words, i))
                        fuzzy_units.append(i)
                        fuzzy_words.append(words)
                for text in parts:
                    if key := name_key(text):
                        self.part[key].add(i)
                        self.canon[canonical_key(text)].add(i)
        ordered = sorted(prefixes)
        self.prefix_words = [words for words, _ in ordered]
        self.prefix_units = [i for _, i in ordered]
        self.fuzzy_units = np.array(fuzzy_units, dtype=np.int64)
        self.fuzzy_words = np.array(fuzzy_words, dtype=object)
        signature_of: dict[tuple[str, ...], int] = {}
        self.fuzzy_signatures = np.array(
            [signature_of.setdefault(name_signature(w), len(signature_of)) for w in fuzzy_words],
            dtype=np.int64,
        )
        self.signatures = list(signature_of)  # by id
        by_numbers: dict[tuple[str, ...], list[int]] = defaultdict(list)
        for sig_id, signature in enumerate(self.signatures):
            by_numbers[tuple(w for w in signature if w.isdigit())].append(sig_id)
        self.by_numbers = dict(by_numbers)
        self.compatible_rows: dict[tuple[str, ...], np.ndarray] = {}

    def compatible(self, signature: tuple[str, ...]) -> np.ndarray:
        """[signature id] -> True when a name of that signature may be chosen for a name sent
        with `signature`: the same numbers, and distinguishing words equal or one set holding
        the other (a misspelt "Poblcion" drops a word; "Este" and "Oeste" clash; "Bongcanaway
        III" is never "Bongcanaway")."""
        if (row := self.compatible_rows.get(signature)) is not None:
            return row
        row = np.zeros(len(self.signatures), dtype=bool)
        numbers = tuple(w for w in signature if w.isdigit())
        words = Counter(w for w in signature if not w.isdigit())
        for sig_id in self.by_numbers.get(numbers, []):
            theirs = Counter(w for w in self.signatures[sig_id] if not w.isdigit())
            row[sig_id] = not (words - theirs) or not (theirs - words)
        self.compatible_rows[signature] = row
        return row

    def exists(self, name: str) -> bool:
        """True when the name (or its abbreviation-free form) is a name of some unit at this
        level, wherever it is."""
        return name_key(name) in self.whole or canonical_key(name) in self.canon

    def exact(self, name: str, scope: set[int] | None) -> set[int]:
        """Units the name equals, by step 1 then step 2 (see the module docstring)."""
        whole, parts = name_parts(name)
        hits = _within(self.whole.get(name_key(name), set()), scope)
        if hits:
            return hits
        keys = {name_key(t) for t in (*whole[1:], *parts)} - {"", name_key(name)}
        found: set[int] = set(self.part.get(name_key(name), set()))
        for key in keys:
            found |= self.whole.get(key, set()) | self.part.get(key, set())
        return _within(found, scope)

    def rules(self, name: str, scope: set[int] | None) -> tuple[set[int], int, MatchStatus, str]:
        """Steps 1-4: the units found by the first step that finds any, its score, status and
        rule (no units: an empty set)."""
        hits = self.exact(name, scope)
        if hits:
            return hits, 100, MatchStatus.EXACT, "name"
        whole, parts = name_parts(name)
        found: set[int] = set()
        for key in {canonical_key(t) for t in (*whole, *parts)} - {""}:
            found |= self.canon.get(key, set())
        hits = _within(found, scope)
        if hits:
            return hits, ABBREVIATED_SCORE, MatchStatus.MATCHED, "abbreviation"
        return self.truncated(name, scope), TRUNCATED_SCORE, MatchStatus.MATCHED, "truncation"

    def truncated(self, name: str, scope: set[int] | None) -> set[int]:
        """Units whose name goes on where this one stops inside a word or an open bracket."""
        words = canonical_words(name)
        if len(words.replace(" ", "")) < TRUNCATED_MIN:
            return set()
        open_bracket = cut_short(name)
        found: set[int] = set()
        at = bisect_left(self.prefix_words, words)
        while at < len(self.prefix_words) and self.prefix_words[at].startswith(words):
            longer = self.prefix_words[at]
            if len(longer) > len(words) and (open_bracket or longer[len(words)] != " "):
                found.add(self.prefix_units[at])
            at += 1
        return _within(found, scope)

    def scores(
        self, names: Sequence[str], scope: np.ndarray | None
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Fuzzy scores of each name against each unit in scope: (units, best score of any of
        the unit's names, best score of its names with the same signature), [row, unit]."""
        mask = (
            np.isin(self.fuzzy_units, scope)
            if scope is not None
            else np.ones(len(self.fuzzy_units), dtype=bool)
        )
        units = self.fuzzy_units[mask]
        words = self.fuzzy_words[mask].tolist()
        signatures = self.fuzzy_signatures[mask]
        if not words:
            empty = np.zeros((len(names), 0), dtype=np.uint8)
            return units, empty, empty
        order = np.argsort(units, kind="stable")
        units, words, signatures = units[order], [words[i] for i in order], signatures[order]
        starts = np.flatnonzero(np.r_[True, units[1:] != units[:-1]])
        queries = [canonical_words(n) for n in names]
        compatible = np.stack([self.compatible(name_signature(q)) for q in queries])[:, signatures]
        matrix = process.cdist(
            queries,
            words,
            scorer=fuzz.token_sort_ratio,
            dtype=np.uint8,
            score_cutoff=CANDIDATE_MIN,
            workers=-1,
        )
        eligible = np.where(compatible, matrix, 0).astype(np.uint8)
        return (
            units[starts],
            np.maximum.reduceat(matrix, starts, axis=1),
            np.maximum.reduceat(eligible, starts, axis=1),
        )


def _within(hits: set[int], scope: set[int] | None) -> set[int]:
    return hits & scope if scope is not None else set(hits)


def names_match(
    *, country_iso3: str, names: list[tuple[str, str | None]], level: int
) -> list[Match]:
    """Suggest a P-code at `level` for each (name, parent P-code or parent name or None)."""
    country = country_get(country_iso3)
    if not 1 <= level <= MAX_LEVEL:
        raise InvalidInput(f"Level {level} is not between 1 and {MAX_LEVEL}.")
    units = units_frame(country_iso3=country.iso3)
    if units.filter(pl.col("level") == level).is_empty():
        raise InvalidInput(
            f"No level-{level} units are loaded for {country.iso3}.",
            hint="Load the gazetteer first with `opendtm gazetteer load`.",
        )
    other = unit_names_frame(country_iso3=country.iso3)
    targets = units.filter(pl.col("level") == level).sort("pcode")
    index = _Index(targets, other)
    cleaned = [(name or "", (p or "").strip() if level > 1 else "") for name, p in names]
    scope_of = _parent_scopes(
        country.iso3, units, other, targets, level, {p for _, p in cleaned if p}
    )
    results: list[Match | None] = [None] * len(names)
    pending: dict[str, list[int]] = defaultdict(list)
    for row, (name, parent) in enumerate(cleaned):
        if parent and parent not in scope_of:  # unknown parent: suggest, never decide
            pending[_UNKNOWN].append(row)
            continue
        scope = scope_of.get(parent)
        hits, score, status, rule = index.rules(name, scope)
        if hits:
            results[row] = _decided(index, names[row][0], names[row][1], hits, score, status, rule)
        else:
            pending[parent].append(row)
    for parent, rows in pending.items():
        scope = scope_of.get(parent)
        array = np.fromiter(scope, dtype=np.int64) if scope is not None else None
        for start in range(0, len(rows), _CHUNK):
            chunk = rows[start : start + _CHUNK]
            found, scores, eligible = index.scores([cleaned[r][0] for r in chunk], array)
            for r, line, same in zip(chunk, scores, eligible, strict=True):
                elsewhere = bool(parent) and index.exists(cleaned[r][0])
                results[r] = _fuzzy(
                    index,
                    names[r][0],
                    names[r][1],
                    found,
                    line,
                    same,
                    decide=parent != _UNKNOWN and not elsewhere,
                )
    return [m for m in results if m is not None]


def _decided(
    index: _Index,
    name: str,
    parent: str | None,
    hits: set[int],
    score: int,
    status: MatchStatus,
    rule: str,
) -> Match:
    listed = tuple(
        Candidate(index.pcodes[i], index.names[i], score)
        for i in sorted(hits, key=lambda i: index.pcodes[i])
    )
    if len(hits) == 1:
        only = listed[0]
        return Match(name, parent, only.pcode, only.name, score, status, listed, rule)
    return Match(
        name, parent, "", "", score, MatchStatus.AMBIGUOUS, listed[:CANDIDATES_SHOWN], rule
    )


def _fuzzy(
    index: _Index,
    name: str,
    parent: str | None,
    units: np.ndarray,
    scores: np.ndarray,
    eligible: np.ndarray,
    *,
    decide: bool,
) -> Match:
    """Candidates by score; a decision only among units of the same signature (`eligible`)."""
    order = np.argsort(-scores.astype(np.int16), kind="stable")
    ranked = [(int(units[j]), int(scores[j])) for j in order[: CANDIDATES_SHOWN + 1]]
    listed = tuple(
        Candidate(index.pcodes[u], index.names[u], s) for u, s in ranked if s >= CANDIDATE_MIN
    )[:CANDIDATES_SHOWN]
    top = np.argsort(-eligible.astype(np.int16), kind="stable")[:2]
    best = int(eligible[top[0]]) if len(top) else 0
    runner_up = int(eligible[top[1]]) if len(top) > 1 else 0
    shown = int(scores[order[0]]) if len(order) and listed else 0
    if not decide or best < MATCH_MIN:
        return Match(name, parent, "", "", shown, MatchStatus.NONE, listed)
    if runner_up > best - AMBIGUITY_MARGIN:
        close = tuple(
            Candidate(index.pcodes[int(units[j])], index.names[int(units[j])], int(eligible[j]))
            for j in np.argsort(-eligible.astype(np.int16), kind="stable")[:CANDIDATES_SHOWN]
            if eligible[j] > best - AMBIGUITY_MARGIN
        )
        return Match(name, parent, "", "", best, MatchStatus.AMBIGUOUS, close, "fuzzy")
    chosen = int(units[top[0]])
    first = Candidate(index.pcodes[chosen], index.names[chosen], best)
    others = tuple(c for c in listed if c.pcode != first.pcode)[: CANDIDATES_SHOWN - 1]
    return Match(
        name, parent, first.pcode, first.name, best, MatchStatus.MATCHED, (first, *others), "fuzzy"
    )


def _parent_scopes(
    iso3: str,
    units: pl.DataFrame,
    other: pl.DataFrame,
    targets: pl.DataFrame,
    level: int,
    parents: set[str],
) -> dict[str, set[int] | None]:
    """For each parent text, the positions (in `targets`) of the units under it (None: all
    of them, when the parent is the country); a parent that fits no unit is left out.

    A parent is first read as a code (any accepted form), then as a name of a unit above
    `level`; a parent name that fits several units restricts to all of them.
    """
    if not parents:
        return {}
    ancestors = targets.select("id", pl.int_range(pl.len()).alias("position"), "parent_id")
    links = units.select("id", "parent_id")
    under: dict[int, set[int]] = defaultdict(set)
    step = ancestors.select("position", pl.col("parent_id").alias("ancestor"))
    while not step.is_empty():
        for ancestor, positions in step.group_by("ancestor").agg("position").iter_rows():
            under[int(ancestor)].update(positions)
        step = (
            step.join(links, left_on="ancestor", right_on="id")
            .select("position", pl.col("parent_id").alias("ancestor"))
            .filter(pl.col("ancestor").is_not_null())
        )
    # A parent sent as a code, in any accepted form, old codes too (through the crosswalk).
    resolved = codes_resolve(country_iso3=iso3, codes=sorted(parents))
    by_code = {
        text: (int(uid), int(lvl))
        for text, uid, lvl in resolved.select(
            "input", "current_unit_id", "current_level"
        ).iter_rows()
        if uid is not None
    }
    above = units.filter(pl.col("level").is_between(1, level - 1)).sort("pcode")
    parent_index = _Index(above, other)
    scopes: dict[str, set[int] | None] = {}
    for text in parents:
        if text in by_code and by_code[text][1] < level:
            unit_id, unit_level = by_code[text]
            scopes[text] = under.get(unit_id, set()) if unit_level > 0 else None
            continue
        hits, _score, _status, _rule = parent_index.rules(text, None)
        if not hits:
            found, _scores, eligible = parent_index.scores([text], None)
            line = eligible[0]
            if line.size and line.max() >= MATCH_MIN:
                close = np.flatnonzero(line > int(line.max()) - AMBIGUITY_MARGIN)
                hits = {int(found[j]) for j in close}
        if hits:
            scopes[text] = set().union(*(under.get(int(parent_index.ids[i]), set()) for i in hits))
    return scopes


def match_file(
    *,
    path: Path,
    country_iso3: str,
    level: int,
    name_column: str,
    parent_column: str | None = None,
) -> pl.DataFrame:
    """Every row and column of a CSV/XLSX of place names, plus pcode, matched_name, score,
    status and candidates ("PCODE Name (score)" joined by " | ")."""
    path = Path(path)
    if not path.exists():
        raise NotFound(f"{path}: no such file.", hint="Check the path and try again.")
    if path.suffix.lower() == ".csv":
        if path.stat().st_size == 0:
            raise InvalidInput(f"{path.name}: the file is empty.")
        frame = csv_read(path)
    elif path.suffix.lower() in {".xlsx", ".xlsm", ".xls", ".ods"}:
        frame = workbook_read(path)[0].frame
    else:
        raise InvalidInput(
            f"{path.name}: unknown format '{path.suffix}'.", hint="Use a .csv or .xlsx file."
        )
    frame = frame.drop(ROW)
    if taken := [c for c in OUTPUT_COLUMNS if c in frame.columns]:
        raise InvalidInput(
            f"{path.name}: the file already has column(s) {', '.join(taken)}, which the "
            "output adds.",
            hint="Rename them in the input file.",
        )
    for column in (name_column, parent_column):
        if column is not None and column not in frame.columns:
            raise InvalidInput(
                f"{path.name}: no column '{column}'; columns are: {', '.join(frame.columns)}.",
                hint="Give the exact column name with --name-column / --parent-column.",
            )
    names = [(n or "").strip() for n in frame[name_column].to_list()]
    parents = frame[parent_column].to_list() if parent_column else [None] * frame.height
    matches = names_match(
        country_iso3=country_iso3, names=list(zip(names, parents, strict=True)), level=level
    )
    return frame.with_columns(
        pl.Series("pcode", [m.pcode for m in matches], dtype=pl.Utf8),
        pl.Series("matched_name", [m.matched_name for m in matches], dtype=pl.Utf8),
        pl.Series("score", [m.score for m in matches], dtype=pl.Int64),
        pl.Series("status", [m.status.value for m in matches], dtype=pl.Utf8),
        pl.Series(
            "candidates",
            [" | ".join(f"{c.pcode} {c.name} ({c.score})" for c in m.candidates) for m in matches],
            dtype=pl.Utf8,
        ),
    )
