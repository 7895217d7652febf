"""Translate the XLSForm expression subset of `constraint` and `relevant` into Polars.

The forms OpenDTM ships (and the operations' own versions of them) check values with a small
part of XPath: `.`, `${field}`, numbers and strings, comparisons, `+ - * div mod`, `and`/`or`,
`not()`, `regex()`, `selected()`, `count-selected()`, `coalesce()`, `string-length()`,
`starts-with()`, `ends-with()`, `contains()`, `today()`, `number()`/`int()`. Translating once
per form into one Polars expression checks a million rows without a Python loop. Anything else
(paths such as `../x`, aggregates over a repeat) raises Untranslatable; the caller then checks
the other parts of an `and` and says which part it could not check.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import polars as pl

_TOKEN = re.compile(
    r"""\s*(?:
        (?P<number>\d+(?:\.\d*)?|\.\d+)
      | (?P<string>'[^']*'|"[^"]*")
      | (?P<ref>\$\{[A-Za-z_][\w.-]*\})
      | (?P<op><=|>=|!=|=|<|>|\+|-|\*|\(|\)|,)
      | (?P<dot>\.(?![\w.]))
      | (?P<name>[A-Za-z_][\w.-]*(?:\(\))?)
      | (?P<other>\S+)
    )""",
    re.VERBOSE,
)


class Untranslatable(ValueError):
    """The expression uses XPath that OpenDTM does not translate."""


@dataclass(frozen=True)
class Typed:
    """A Polars expression with what it holds: num, str, list, bool or date."""

    expr: pl.Expr
    kind: str


def _kind_of(dtype: pl.DataType) -> str:
    if dtype.is_numeric():
        return "num"
    if isinstance(dtype, pl.List):
        return "list"
    if dtype == pl.Boolean:
        return "bool"
    if dtype in (pl.Date, pl.Datetime):
        return "date"
    return "str"


def _tokens(text: str) -> list[tuple[str, str]]:
    out = []
    for match in _TOKEN.finditer(text):
        kind = match.lastgroup or "other"
        value = match.group(kind)
        if kind == "other":
            raise Untranslatable(f"'{value}'")
        out.append((kind, value))
    return out


class _Parser:
    """Recursive descent over XPath 1.0 precedence: or, and, =/!=, </<=/>/>=, +/-, */div/mod."""

    def __init__(self, text: str, *, current: str, schema: dict[str, pl.DataType]) -> None:
        self.tokens = _tokens(text)
        self.pos = 0
        self.current = current
        self.schema = schema

    def parse(self) -> Typed:
        result = self._or()
        if self.pos != len(self.tokens):
            raise Untranslatable(f"'{self.tokens[self.pos][1]}'")
        return result

    def _peek(self) -> tuple[str, str] | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def _take(self, value: str | None = None) -> tuple[str, str]:
        token = self._peek()
        if token is None or (value is not None and token[1] != value):
            raise Untranslatable(f"expected '{value}'" if value else "unexpected end")
        self.pos += 1
        return token

    def _word(self, *words: str) -> str | None:
        token = self._peek()
        if token and token[0] in ("name", "op") and token[1] in words:
            self.pos += 1
            return token[1]
        return None

    def _or(self) -> Typed:
        left = self._and()
        while self._word("or"):
            right = self._and()
            left = Typed(_bool(left) | _bool(right), "bool")
        return left

    def _and(self) -> Typed:
        left = self._equality()
        while self._word("and"):
            right = self._equality()
            left = Typed(_bool(left) & _bool(right), "bool")
        return left

    def _equality(self) -> Typed:
        left = self._relational()
        while op := self._word("=", "!="):
            right = self._relational()
            a, b = _align(left, right)
            left = Typed(a == b if op == "=" else a != b, "bool")
        return left

    def _relational(self) -> Typed:
        left = self._additive()
        while op := self._word("<", "<=", ">", ">="):
            right = self._additive()
            a, b = _align(left, right, numeric=True)
            left = Typed(_COMPARE[op](a, b), "bool")
        return left

    def _additive(self) -> Typed:
        left = self._multiplicative()
        while op := self._word("+", "-"):
            right = self._multiplicative()
            a, b = _num(left), _num(right)
            left = Typed(a + b if op == "+" else a - b, "num")
        return left

    def _multiplicative(self) -> Typed:
        left = self._unary()
        while op := self._word("*", "div", "mod"):
            right = self._unary()
            a, b = _num(left), _num(right)
            expr = a * b if op == "*" else (a / b if op == "div" else a % b)
            left = Typed(expr, "num")
        return left

    def _unary(self) -> Typed:
        if self._word("-"):
            return Typed(-_num(self._unary()), "num")
        return self._primary()

    def _primary(self) -> Typed:
        kind, value = self._take()
        if kind == "number":
            return Typed(pl.lit(float(value)), "num")
        if kind == "string":
            return Typed(pl.lit(value[1:-1], pl.Utf8), "str")
        if kind == "dot":
            return self._column(self.current)
        if kind == "ref":
            return self._column(value[2:-1])
        if kind == "op" and value == "(":
            inner = self._or()
            self._take(")")
            return inner
        if kind == "name":
            if value.endswith("()"):
                return self._call(value[:-2], [])
            if self._peek() == ("op", "("):
                self._take("(")
                args: list[Typed] = []
                if self._peek() != ("op", ")"):
                    args.append(self._or())
                    while self._word(","):
                        args.append(self._or())
                self._take(")")
                return self._call(value, args)
        raise Untranslatable(f"'{value}'")

    def _column(self, name: str) -> Typed:
        if name not in self.schema:
            raise Untranslatable(f"${{{name}}} (not a field of this sheet)")
        return Typed(pl.col(name), _kind_of(self.schema[name]))

    def _call(self, name: str, args: list[Typed]) -> Typed:
        handler = _FUNCTIONS.get(name)
        if handler is None:
            raise Untranslatable(f"{name}()")
        arity, build = handler
        if arity >= 0 and len(args) != arity:
            raise Untranslatable(f"{name}() with {len(args)} arguments")
        return build(args)


def _num(t: Typed) -> pl.Expr:
    if t.kind == "num":
        return t.expr.cast(pl.Float64)
    if t.kind == "bool":
        return t.expr.cast(pl.Float64)
    if t.kind == "str":
        return t.expr.cast(pl.Float64, strict=False)
    raise Untranslatable(f"a {t.kind} used as a number")


def _str(t: Typed) -> pl.Expr:
    if t.kind == "list":
        return t.expr.list.join(" ")
    if t.kind == "num":
        # XPath prints whole numbers without a decimal point.
        return (
            pl.when(t.expr.cast(pl.Float64) == t.expr.cast(pl.Float64).round(0))
            .then(t.expr.cast(pl.Float64).cast(pl.Int64).cast(pl.Utf8))
            .otherwise(t.expr.cast(pl.Utf8))
        )
    return t.expr.cast(pl.Utf8)


def _bool(t: Typed) -> pl.Expr:
    if t.kind == "bool":
        return t.expr
    if t.kind == "num":
        return t.expr != 0
    if t.kind == "list":
        return t.expr.list.len() > 0
    return t.expr.cast(pl.Utf8).str.len_chars() > 0


def _align(a: Typed, b: Typed, *, numeric: bool = False) -> tuple[pl.Expr, pl.Expr]:
    """Both sides in one type, as XPath compares them."""
    kinds = {a.kind, b.kind}
    if "date" in kinds:
        return _date(a), _date(b)
    if numeric or "num" in kinds:
        return _num(a), _num(b)
    if kinds == {"bool"}:
        return a.expr, b.expr
    return _str(a), _str(b)


def _date(t: Typed) -> pl.Expr:
    if t.kind == "date":
        return t.expr.cast(pl.Date)
    if t.kind == "str":
        return t.expr.str.to_date("%Y-%m-%d", strict=False)
    raise Untranslatable(f"a {t.kind} compared with a date")


_COMPARE: dict[str, Callable[[pl.Expr, pl.Expr], pl.Expr]] = {
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
}


def _selected(args: list[Typed]) -> Typed:
    value = _str(args[1])
    if args[0].kind == "list":
        return Typed(args[0].expr.list.contains(value), "bool")
    return Typed(_str(args[0]).str.split(" ").list.contains(value), "bool")


def _count_selected(args: list[Typed]) -> Typed:
    if args[0].kind == "list":
        return Typed(args[0].expr.list.len().cast(pl.Float64), "num")
    return Typed(_str(args[0]).str.split(" ").list.len().cast(pl.Float64), "num")


def _coalesce(args: list[Typed]) -> Typed:
    kinds = {a.kind for a in args}
    if kinds <= {"num"} or "num" in kinds:
        return Typed(pl.coalesce([_num(a) for a in args]), "num")
    return Typed(pl.coalesce([_str(a) for a in args]), "str")


_FUNCTIONS: dict[str, tuple[int, Callable[[list[Typed]], Typed]]] = {
    "not": (1, lambda a: Typed(~_bool(a[0]), "bool")),
    "true": (0, lambda a: Typed(pl.lit(True), "bool")),
    "false": (0, lambda a: Typed(pl.lit(False), "bool")),
    "today": (0, lambda a: Typed(pl.lit(date.today()), "date")),
    "regex": (2, lambda a: Typed(_str(a[0]).str.contains(_str(a[1])), "bool")),
    "selected": (2, _selected),
    "count-selected": (1, _count_selected),
    "coalesce": (2, _coalesce),
    "string-length": (1, lambda a: Typed(_str(a[0]).str.len_chars().cast(pl.Float64), "num")),
    "starts-with": (2, lambda a: Typed(_str(a[0]).str.starts_with(_str(a[1])), "bool")),
    "ends-with": (2, lambda a: Typed(_str(a[0]).str.ends_with(_str(a[1])), "bool")),
    "contains": (2, lambda a: Typed(_str(a[0]).str.contains(_str(a[1]), literal=True), "bool")),
    "number": (1, lambda a: Typed(_num(a[0]), "num")),
    "int": (1, lambda a: Typed(_num(a[0]).floor(), "num")),
    "string": (1, lambda a: Typed(_str(a[0]), "str")),
}


def conjuncts(text: str) -> list[str]:
    """The parts of a top-level `and`, so each can be translated (and checked) on its own."""
    parts, depth, start = [], 0, 0
    quote = ""
    i = 0
    while i < len(text):
        ch = text[i]
        if quote:
            quote = "" if ch == quote else quote
        elif ch in "'\"":
            quote = ch
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif (
            depth == 0
            and text[i : i + 3] == "and"
            and (i == 0 or not (text[i - 1].isalnum() or text[i - 1] in "_-"))
            and (i + 3 >= len(text) or not (text[i + 3].isalnum() or text[i + 3] in "_-"))
        ):
            parts.append(text[start:i].strip())
            start = i + 3
            i += 3
            continue
        i += 1
    parts.append(text[start:].strip())
    return [p for p in parts if p]


def translate(text: str, *, current: str, schema: dict[str, pl.DataType]) -> pl.Expr:
    """A boolean Polars expression for `text` evaluated with `.` = column `current`.

    Null (an empty field somewhere in the expression) stays null: the caller decides whether
    that passes (a constraint) or not (relevance).
    """
    return _bool(_Parser(text, current=current, schema=schema).parse())


# Plain words for a constraint part, for the report line of a row that breaks it when the form
# gives no constraint message of its own: a person reads "ind must be at least hh", never the
# XLSForm expression (`. >= ${hh}`). A part too complex to say simply gets a general sentence.
_PHRASES = {
    ">=": "must be at least",
    "<=": "must be at most",
    ">": "must be more than",
    "<": "must be less than",
    "=": "must equal",
    "!=": "must differ from",
}


def _closing(tokens: list[tuple[str, str]], start: int) -> int:
    """The index of the `)` matching the `(` at `start`."""
    depth = 0
    for i in range(start, len(tokens)):
        if tokens[i] == ("op", "("):
            depth += 1
        elif tokens[i] == ("op", ")"):
            depth -= 1
            if depth == 0:
                return i
    raise Untranslatable("unbalanced brackets")


def _args(tokens: list[tuple[str, str]]) -> list[list[tuple[str, str]]]:
    """The top-level comma-separated arguments of a call's inside."""
    parts: list[list[tuple[str, str]]] = [[]]
    depth = 0
    for token in tokens:
        if token == ("op", "(") or token == ("op", ")"):
            depth += 1 if token[1] == "(" else -1
        if token == ("op", ",") and depth == 0:
            parts.append([])
        else:
            parts[-1].append(token)
    return parts


def _number_words(value: str) -> str:
    number = float(value)
    return f"{int(number):,}" if number == int(number) else value


def _words(tokens: list[tuple[str, str]], current: str) -> str:
    """Arithmetic on fields and numbers in words; Untranslatable for anything else."""
    out: list[str] = []
    i = 0
    while i < len(tokens):
        kind, value = tokens[i]
        if kind == "ref":
            out.append(value[2:-1])
        elif kind == "dot":
            out.append(current)
        elif kind == "number":
            out.append(_number_words(value))
        elif kind == "string":
            out.append(f"'{value[1:-1]}'")
        elif kind == "op" and value in "+-*":
            out.append(value)
        elif kind == "name" and value in ("div", "mod"):
            out.append("/" if value == "div" else "mod")
        elif kind == "name" and value == "today()":
            out.append("today")
        elif kind == "name" and i + 1 < len(tokens) and tokens[i + 1] == ("op", "("):
            end = _closing(tokens, i + 1)
            args = _args(tokens[i + 2 : end])
            if value in ("coalesce", "number", "int"):  # an empty answer counts as its default
                out.append(_words(args[0], current))
            elif value == "string-length" and len(args) == 1:
                out.append(f"the length of {_words(args[0], current)}")
            else:
                raise Untranslatable(f"{value}()")
            i = end
        else:
            raise Untranslatable(f"'{value}'")
        i += 1
    if not out:
        raise Untranslatable("nothing")
    return " ".join(out)


_WHEN = {"=": "is", "!=": "is not", ">=": "is at least", "<=": "is at most"}
_WHEN.update({">": "is more than", "<": "is less than"})


def condition_words(text: str, *, current: str) -> str | None:
    """A relevance condition in words ("returnee_present is 'yes'"); None when not simple."""
    said = describe(text, current=current, phrases=_WHEN)
    return None if said is None or said.endswith(_GENERAL) else said


_GENERAL = "does not meet a condition the form sets on it"


def describe(text: str, *, current: str, phrases: dict[str, str] | None = None) -> str:
    """What the constraint part `text` asks of field `current`, in words (see _PHRASES)."""
    phrases = phrases or _PHRASES
    general = f"{current} {_GENERAL}"
    try:
        tokens = _tokens(text)
        depth, at = 0, None
        for i, (kind, value) in enumerate(tokens):
            if value == "(":
                depth += 1
            elif value == ")":
                depth -= 1
            elif depth == 0 and kind == "op" and value in phrases:
                if at is not None:
                    return general
                at = i
            elif depth == 0 and kind == "name" and value in ("and", "or"):
                return general
        if at is None:
            return _call_words(tokens, current) or general
        left, right = _words(tokens[:at], current), _words(tokens[at + 1 :], current)
    except Untranslatable:
        return general
    if right == "today" and phrases is _PHRASES:
        return {
            "<=": f"{left} cannot be after today",
            "<": f"{left} must be before today",
        }.get(tokens[at][1], f"{left} {phrases[tokens[at][1]]} today")
    return f"{left} {phrases[tokens[at][1]]} {right}"


def _call_words(tokens: list[tuple[str, str]], current: str) -> str | None:
    """A part that is one call: regex(), starts-with(), ends-with(), contains()."""
    if len(tokens) < 3 or tokens[0][0] != "name" or tokens[1] != ("op", "("):
        return None
    if _closing(tokens, 1) != len(tokens) - 1:
        return None
    args = _args(tokens[2:-1])
    name = tokens[0][1]
    if name == "selected" and len(args) == 2:
        return f"{_words(args[0], current)} includes {_words(args[1], current)}"
    if name == "regex" and len(args) == 2:
        return f"{_words(args[0], current)} is not written the way the form expects"
    verbs = {"starts-with": "must start with", "ends-with": "must end with"}
    verbs["contains"] = "must contain"
    if name in verbs and len(args) == 2:
        second = args[1]
        said = second[0][1] if len(second) == 1 and second[0][0] == "string" else None
        return f"{_words(args[0], current)} {verbs[name]} {said or _words(second, current)}"
    return None
