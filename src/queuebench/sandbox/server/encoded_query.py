"""ServiceNow encoded queries (``sysparm_query``): the subset the sandbox evaluates.

``field<op>value`` terms joined by ``^`` (AND) and ``^OR`` (OR with the previous term),
query groups joined by ``^NQ``, ``ORDERBYfield`` / ``ORDERBYDESCfield``. Operators ``=``,
``!=``, ``>``, ``>=``, ``<``, ``<=``, ``IN``, ``NOT IN``, ``LIKE``, ``NOT LIKE``,
``STARTSWITH``, ``ENDSWITH``, ``ISEMPTY``, ``ISNOTEMPTY``, ``BETWEENa@b``; dot-walked fields
(``task.number``); values ``javascript:gs.dateGenerate('2024-06-01','10:00:00')``,
``javascript:gs.daysAgoStart(n)``, ``gs.daysAgo(n)``, ``gs.hoursAgo(n)``, ``gs.minutesAgo(n)``
(UTC: the sandbox's integration user has the UTC time zone).

As on a real instance, a term naming a field the table does not have is silently ignored — the
query gets *wider* — unless the instance property ``glide.invalid_query.returns_no_rows`` is set,
which the server exposes as ``invalid_query_returns_no_rows``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

__all__ = ["EncodedQuery", "Term", "parse_query"]

_OPERATORS = (
    "ISNOTEMPTY",
    "ISEMPTY",
    "NOT IN",
    "NOT LIKE",
    "STARTSWITH",
    "ENDSWITH",
    "BETWEEN",
    "LIKE",
    "IN",
    "!=",
    ">=",
    "<=",
    "=",
    ">",
    "<",
)
_TERM = re.compile(
    r"^(?P<field>[a-z_][a-z0-9_]*(?:\.[a-z_][a-z0-9_]*)*)(?P<op>"
    + "|".join(re.escape(op) for op in _OPERATORS)
    + r")(?P<value>.*)$",
    re.DOTALL,
)
_DATE_GENERATE = re.compile(r"^javascript:\s*gs\.dateGenerate\(\s*'([^']*)'\s*,\s*'([^']*)'\s*\)$")
_RELATIVE = re.compile(
    r"^javascript:\s*gs\.(daysAgoStart|daysAgo|hoursAgo|minutesAgo|daysAgoEnd)\(\s*(-?\d+)\s*\)$"
)


@dataclass(frozen=True, slots=True)
class Term:
    """One ``field<op>value`` condition."""

    field: str
    op: str
    value: str


@dataclass(frozen=True, slots=True)
class EncodedQuery:
    """A parsed ``sysparm_query``: OR-ed groups of AND-ed clauses of OR-ed terms, and order."""

    text: str
    groups: tuple[tuple[tuple[Term, ...], ...], ...]
    order: tuple[tuple[str, bool], ...]

    def equality(self, field: str) -> str | None:
        """The value of a top-level ``field=value`` clause (one group, no OR), for index lookups."""
        if len(self.groups) != 1:
            return None
        for clause in self.groups[0]:
            if len(clause) == 1 and clause[0].field == field and clause[0].op == "=":
                return clause[0].value
        return None

    def fields(self) -> set[str]:
        """Every field the query names (conditions and order)."""
        named = {t.field for group in self.groups for clause in group for t in clause}
        return named | {f for f, _ in self.order}


def _resolve_value(value: str, now: datetime) -> str:
    generated = _DATE_GENERATE.match(value)
    if generated:
        return f"{generated.group(1)} {generated.group(2)}"
    relative = _RELATIVE.match(value)
    if relative:
        kind, amount = relative.group(1), int(relative.group(2))
        if kind == "daysAgoStart":
            when = (now - timedelta(days=amount)).replace(hour=0, minute=0, second=0)
        elif kind == "daysAgoEnd":
            when = (now - timedelta(days=amount)).replace(hour=23, minute=59, second=59)
        elif kind == "daysAgo":
            when = now - timedelta(days=amount)
        elif kind == "hoursAgo":
            when = now - timedelta(hours=amount)
        else:
            when = now - timedelta(minutes=amount)
        return when.strftime("%Y-%m-%d %H:%M:%S")
    return value


def parse_query(text: str, now: datetime) -> EncodedQuery:
    """Parse ``text``; parts that are not terms are dropped, as the instance does."""
    groups: list[tuple[tuple[Term, ...], ...]] = []
    order: list[tuple[str, bool]] = []
    for group_text in text.split("^NQ"):
        clauses: list[list[Term]] = []
        for index, part in enumerate(group_text.split("^")):
            if not part or part == "EQ":
                continue
            if part.startswith("ORDERBYDESC"):
                order.append((part[len("ORDERBYDESC") :], True))
                continue
            if part.startswith("ORDERBY"):
                order.append((part[len("ORDERBY") :], False))
                continue
            is_or = index > 0 and part.startswith("OR") and bool(clauses)
            body = part[2:] if is_or else part
            match = _TERM.match(body)
            if match is None:
                continue
            term = Term(
                match.group("field"), match.group("op"), _resolve_value(match.group("value"), now)
            )
            if is_or:
                clauses[-1].append(term)
            else:
                clauses.append([term])
        groups.append(tuple(tuple(c) for c in clauses))
    return EncodedQuery(text, tuple(groups), tuple(order))


def _number(value: str) -> float | None:
    try:
        return float(value)
    except ValueError:
        return None


def compare(actual: str, op: str, expected: str) -> bool:
    """Whether a (string) field value satisfies ``op expected``."""
    if op == "ISEMPTY":
        return actual == ""
    if op == "ISNOTEMPTY":
        return actual != ""
    if op == "=":
        return actual == expected
    if op == "!=":
        return actual != expected
    if op == "IN":
        return actual in expected.split(",")
    if op == "NOT IN":
        return actual not in expected.split(",")
    if op == "LIKE":
        return expected.lower() in actual.lower()
    if op == "NOT LIKE":
        return expected.lower() not in actual.lower()
    if op == "STARTSWITH":
        return actual.lower().startswith(expected.lower())
    if op == "ENDSWITH":
        return actual.lower().endswith(expected.lower())
    if actual == "":
        return False
    if op == "BETWEEN":
        low, _, high = expected.partition("@")
        return _ordered(low, actual) and _ordered(actual, high)
    a, b = _number(actual), _number(expected)
    if a is not None and b is not None:
        return _ORDER[op](a, b)
    return _ORDER[op](actual, expected)


_ORDER: dict[str, Callable[[Any, Any], bool]] = {
    ">": lambda x, y: x > y,
    ">=": lambda x, y: x >= y,
    "<": lambda x, y: x < y,
    "<=": lambda x, y: x <= y,
}


def _ordered(low: str, high: str) -> bool:
    a, b = _number(low), _number(high)
    if a is not None and b is not None:
        return a <= b
    return low <= high


def matcher(
    query: EncodedQuery, value_of: Callable[[dict[str, Any], str], str | None]
) -> Callable[[dict[str, Any]], bool]:
    """A row predicate; ``value_of(row, field)`` gives a field's string value (``None``: the
    field does not exist — the term is ignored)."""

    def term_holds(row: dict[str, Any], term: Term) -> bool:
        actual = value_of(row, term.field)
        if actual is None:
            return True
        return compare(actual, term.op, term.value)

    def holds(row: dict[str, Any]) -> bool:
        return any(
            all(any(term_holds(row, t) for t in clause) for clause in group)
            for group in query.groups
        )

    return holds
