"""The subset of JQL the JSM sandbox understands, parsed into a filter and a sort order.

Supported::

    clause [AND clause ...] [ORDER BY field [ASC|DESC] [, ...]]
    clause := ( clauses joined by AND )
            | project = KEY|ID|"Name"            (also != , IN (...), NOT IN (...))
            | updated|created  >= > <= < = !=  "yyyy-MM-dd HH:mm" | "yyyy/MM/dd HH:mm"
                                               | yyyy-MM-dd | yyyy/MM/dd | -15m | "-2w 3d"
            | key|issuekey|id  = != > >= < <= IN NOT IN
            | status|statusCategory|priority  = != IN NOT IN   (name or id)
            | assignee  = accountId|currentUser() | != | IN | IS [NOT] EMPTY
            | resolution  = Unresolved|name | IS [NOT] EMPTY
    ORDER BY fields: updated, created, key, issuekey, id (at most 7)

Dates are read in the calling user's time zone, at minute precision, as Jira does. ``OR``,
text search and functions other than ``currentUser()`` are refused with Jira's 400 message
shape, never silently ignored: a sandbox that widened a query would hide connector bugs.
Queries must be bounded (have a restriction), as ``/rest/api/3/search/jql`` requires.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

__all__ = ["JqlError", "JqlIssue", "JqlQuery", "parse_jql"]


class JqlError(ValueError):
    """A query the sandbox (or Jira) rejects; the message is Jira's wording."""


@dataclass(frozen=True, slots=True)
class JqlIssue:
    """What the filter and the sort need of an issue."""

    id: int
    project_key: str
    number: int
    updated_ms: int
    created_ms: int
    status_id: str
    status_name: str
    category_key: str
    category_name: str
    category_id: int
    priority_id: str
    priority_name: str
    assignee: str | None
    resolution: str | None


@dataclass(frozen=True, slots=True)
class JqlQuery:
    """A parsed query: a predicate over issues and a sort key."""

    text: str
    predicate: Callable[[JqlIssue], bool]
    order: tuple[tuple[str, bool], ...]
    """``(field, descending)`` pairs; the issue id breaks ties (ascending)."""

    def sort_key(self, issue: JqlIssue) -> tuple[int, ...]:
        """The issue's position in the query's order (descending fields negated)."""
        values = []
        for name, descending in self.order:
            value = _SORT_FIELDS[name](issue)
            values.append(-value if descending else value)
        values.append(issue.id)
        return tuple(values)


_SORT_FIELDS: dict[str, Callable[[JqlIssue], int]] = {
    "updated": lambda i: i.updated_ms,
    "created": lambda i: i.created_ms,
    "key": lambda i: i.number,
    "issuekey": lambda i: i.number,
    "id": lambda i: i.id,
}
_DEFAULT_ORDER = (("created", True), ("key", True))

_TOKEN = re.compile(
    r"""\s*(?:
        (?P<str>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')
      | (?P<func>[A-Za-z]+\(\s*\))
      | (?P<op>>=|<=|!=|!~|=|>|<|~)
      | (?P<punct>[(),])
      | (?P<word>[^\s()=<>!~,"']+)
    )""",
    re.VERBOSE,
)
_RELATIVE = re.compile(r"^([+-]?)((?:\d+[wdhm]\s*)+)$")
_DATE_FORMATS = ("%Y-%m-%d %H:%M", "%Y/%m/%d %H:%M", "%Y-%m-%d", "%Y/%m/%d")


@dataclass(frozen=True, slots=True)
class _Token:
    kind: str
    text: str
    quoted: bool = False


def _tokens(text: str) -> list[_Token]:
    out: list[_Token] = []
    pos = 0
    while pos < len(text):
        if not text[pos:].strip():
            break
        match = _TOKEN.match(text, pos)
        if match is None or match.end() == pos:
            raise JqlError(f"Error in the JQL Query: the character '{text[pos]}' is reserved.")
        pos = match.end()
        kind = match.lastgroup or "word"
        raw = match.group(kind)
        if kind == "str":
            out.append(_Token("value", re.sub(r"\\(.)", r"\1", raw[1:-1]), quoted=True))
        elif kind == "func":
            out.append(_Token("func", re.sub(r"\s", "", raw)))
        else:
            out.append(_Token(kind, raw))
    return out


class _Parser:
    def __init__(self, text: str, context: _Context) -> None:
        self.text = text
        self.tokens = _tokens(text)
        self.pos = 0
        self.context = context

    def peek(self) -> _Token | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def keyword(self, *words: str) -> bool:
        token = self.peek()
        return (
            token is not None
            and token.kind == "word"
            and not token.quoted
            and token.text.lower() in words
        )

    def take(self) -> _Token:
        token = self.peek()
        if token is None:
            raise JqlError("Error in the JQL Query: Expecting more input at the end of the query.")
        self.pos += 1
        return token

    def expect_word(self, word: str) -> None:
        token = self.take()
        if token.text.lower() != word:
            raise JqlError(
                f"Error in the JQL Query: Expecting '{word.upper()}' but got '{token.text}'."
            )

    def parse(self) -> JqlQuery:
        predicate: Callable[[JqlIssue], bool] | None = None
        if self.peek() is not None and not self.keyword("order"):
            predicate = self.conjunction()
        order: tuple[tuple[str, bool], ...] = _DEFAULT_ORDER
        if self.keyword("order"):
            self.take()
            self.expect_word("by")
            order = self.order_by()
        if self.peek() is not None:
            token = self.peek()
            assert token is not None
            if token.text.lower() == "or":
                raise JqlError("The sandbox supports AND only; OR is not supported here.")
            raise JqlError(
                "Error in the JQL Query: Expecting either 'AND' or 'ORDER BY' but got "
                f"'{token.text}'."
            )
        if predicate is None:
            raise JqlError(
                "Unbounded JQL queries are not allowed here. Please add a search restriction to "
                "your query."
            )
        return JqlQuery(self.text, predicate, order)

    def conjunction(self) -> Callable[[JqlIssue], bool]:
        clauses = [self.clause()]
        while self.keyword("and"):
            self.take()
            clauses.append(self.clause())
        if self.keyword("or"):
            raise JqlError("The sandbox supports AND only; OR is not supported here.")
        if len(clauses) == 1:
            return clauses[0]
        return lambda issue: all(c(issue) for c in clauses)

    def clause(self) -> Callable[[JqlIssue], bool]:
        token = self.peek()
        if token is not None and token.kind == "punct" and token.text == "(":
            self.take()
            inner = self.conjunction()
            closing = self.take()
            if closing.text != ")":
                raise JqlError("Error in the JQL Query: Expecting ')' before the end of the query.")
            return inner
        field_token = self.take()
        if field_token.kind not in ("word", "value"):
            raise JqlError(
                f"Error in the JQL Query: Expecting a field name but got '{field_token.text}'."
            )
        field = field_token.text
        if self.keyword("is"):
            self.take()
            negate = False
            if self.keyword("not"):
                self.take()
                negate = True
            empty = self.take()
            if empty.text.lower() not in ("empty", "null"):
                raise JqlError(f"Error in the JQL Query: Expecting 'EMPTY' but got '{empty.text}'.")
            return self.context.empty_clause(field, negate)
        if self.keyword("not"):
            self.take()
            if not self.keyword("in"):
                raise JqlError("Error in the JQL Query: Expecting 'IN' after 'NOT'.")
            self.take()
            return self.context.clause(field, "not in", self.value_list())
        if self.keyword("in"):
            self.take()
            return self.context.clause(field, "in", self.value_list())
        op = self.take()
        if op.kind != "op":
            raise JqlError(f"Error in the JQL Query: Expecting operator but got '{op.text}'.")
        if op.text in ("~", "!~"):
            raise JqlError("The sandbox does not support text search (~).")
        value = self.take()
        if value.kind == "punct":
            raise JqlError(f"Error in the JQL Query: Expecting a value but got '{value.text}'.")
        return self.context.clause(field, op.text, [value])

    def value_list(self) -> list[_Token]:
        opening = self.take()
        if opening.text != "(":
            raise JqlError("Error in the JQL Query: Expecting '(' after 'IN'.")
        values = []
        while True:
            value = self.take()
            if value.kind == "punct":
                raise JqlError(f"Error in the JQL Query: Expecting a value but got '{value.text}'.")
            values.append(value)
            separator = self.take()
            if separator.text == ")":
                return values
            if separator.text != ",":
                raise JqlError("Error in the JQL Query: Expecting ',' or ')'.")

    def order_by(self) -> tuple[tuple[str, bool], ...]:
        order = []
        while True:
            field = self.take().text.lower()
            if field not in _SORT_FIELDS:
                raise JqlError(f"Not able to sort using field '{field}'.")
            descending = False
            if self.keyword("asc", "desc"):
                descending = self.take().text.lower() == "desc"
            order.append((field, descending))
            token = self.peek()
            if token is None or token.text != ",":
                break
            self.take()
        if len(order) > 7:
            raise JqlError("The ORDER BY clause can contain at most 7 fields.")
        return tuple(order)


@dataclass(slots=True)
class _Context:
    project: tuple[str, str, str]
    """Key, id and name of the only project."""
    keys: Callable[[str], int | None]
    """Issue key (upper case) → issue id, ``None`` when there is no such issue."""
    statuses: dict[str, str]
    """Status name (lower case) and id → status id."""
    categories: dict[str, str]
    """Category key, name (lower case) and id → category key."""
    priorities: dict[str, str]
    """Priority name (lower case) and id → priority id."""
    me: str | None
    zone: ZoneInfo
    now: datetime

    def _date(self, token: _Token, field: str) -> int:
        text = token.text.strip()
        relative = _RELATIVE.match(text)
        if relative:
            sign = -1 if relative.group(1) == "-" else 1
            units = {"w": 604800, "d": 86400, "h": 3600, "m": 60}
            seconds = sum(
                int(amount) * units[unit]
                for amount, unit in re.findall(r"(\d+)([wdhm])", relative.group(2))
            )
            when = self.now + timedelta(seconds=sign * seconds)
            return int(when.timestamp()) // 60 * 60_000
        for fmt in _DATE_FORMATS:
            try:
                local = datetime.strptime(text, fmt).replace(tzinfo=self.zone)
            except ValueError:
                continue
            return int(local.timestamp()) * 1000
        raise JqlError(
            f"Date value '{text}' for field '{field}' is invalid. Valid formats include: "
            "'yyyy/MM/dd HH:mm', 'yyyy-MM-dd HH:mm', 'yyyy/MM/dd', 'yyyy-MM-dd', or a period "
            "format e.g. '-5d', '4w 2d'."
        )

    def _check_op(self, field: str, op: str, allowed: tuple[str, ...]) -> None:
        if op not in allowed:
            raise JqlError(f"The operator '{op}' is not supported by the '{field}' field.")

    def clause(self, field: str, op: str, values: list[_Token]) -> Callable[[JqlIssue], bool]:
        name = field.lower()
        if name == "project":
            self._check_op(field, op, ("=", "!=", "in", "not in"))
            key, pid, pname = self.project
            for v in values:
                if v.text.upper() != key and v.text != pid and v.text.lower() != pname.lower():
                    raise JqlError(f"The value '{v.text}' does not exist for the field 'project'.")
            return _membership(op, lambda i: i.project_key == key)
        if name in ("updated", "created", "updateddate", "createddate"):
            self._check_op(field, op, ("=", "!=", ">", ">=", "<", "<="))
            bound = self._date(values[0], field)
            getter: Callable[[JqlIssue], int] = (
                (lambda i: i.updated_ms) if name.startswith("updated") else (lambda i: i.created_ms)
            )
            return _compare(op, getter, bound)
        if name in ("key", "issuekey", "id"):
            ids = []
            for v in values:
                text = v.text.upper()
                if name == "id" or text.isdigit():
                    if not text.isdigit():
                        raise JqlError(f"The issue key '{v.text}' for field '{field}' is invalid.")
                    ids.append(int(text))
                    continue
                found = self.keys(text)
                if found is None:
                    raise JqlError(
                        f"An issue with key '{v.text}' does not exist for field '{field}'."
                    )
                ids.append(found)
            if op in ("in", "not in", "=", "!="):
                wanted = set(ids)
                return _membership(op, lambda i: i.id in wanted)
            # Issue ids and key numbers rise together in the one project, so ids order keys.
            return _compare(op, lambda i: i.id, ids[0])
        if name == "status":
            self._check_op(field, op, ("=", "!=", "in", "not in"))
            statuses = {self._lookup(self.statuses, v, "status") for v in values}
            return _membership(op, lambda i: i.status_id in statuses)
        if name in ("statuscategory", "category"):
            self._check_op(field, op, ("=", "!=", "in", "not in"))
            categories = {self._lookup(self.categories, v, "statusCategory") for v in values}
            return _membership(op, lambda i: i.category_key in categories)
        if name == "priority":
            self._check_op(field, op, ("=", "!=", "in", "not in"))
            priorities = {self._lookup(self.priorities, v, "priority") for v in values}
            return _membership(op, lambda i: i.priority_id in priorities)
        if name == "assignee":
            self._check_op(field, op, ("=", "!=", "in", "not in"))
            accounts = {self.me if v.kind == "func" else v.text for v in values}
            for v in values:
                if v.kind == "func" and v.text.lower() != "currentuser()":
                    raise JqlError(f"Unable to find JQL function '{v.text}'.")
            return _membership(op, lambda i: i.assignee in accounts)
        if name == "resolution":
            self._check_op(field, op, ("=", "!=", "in", "not in"))
            names = {v.text.lower() for v in values}
            return _membership(
                op,
                lambda i: (i.resolution or "unresolved").lower() in names,
            )
        raise JqlError(f"Field '{field}' does not exist or you do not have permission to view it.")

    def empty_clause(self, field: str, negate: bool) -> Callable[[JqlIssue], bool]:
        attribute = {"assignee": "assignee", "resolution": "resolution"}.get(field.lower())
        if attribute is None:
            raise JqlError(f"The field '{field}' does not support searching for EMPTY values.")
        if negate:
            return lambda i: getattr(i, attribute) is not None
        return lambda i: getattr(i, attribute) is None

    @staticmethod
    def _lookup(table: dict[str, str], token: _Token, field: str) -> str:
        found = table.get(token.text.lower()) or table.get(token.text)
        if found is None:
            raise JqlError(f"The value '{token.text}' does not exist for the field '{field}'.")
        return found


def _membership(op: str, test: Callable[[JqlIssue], bool]) -> Callable[[JqlIssue], bool]:
    if op in ("!=", "not in"):
        return lambda issue: not test(issue)
    return test


def _compare(op: str, getter: Callable[[JqlIssue], int], bound: int) -> Callable[[JqlIssue], bool]:
    return {
        "=": lambda i: getter(i) == bound,
        "!=": lambda i: getter(i) != bound,
        ">": lambda i: getter(i) > bound,
        ">=": lambda i: getter(i) >= bound,
        "<": lambda i: getter(i) < bound,
        "<=": lambda i: getter(i) <= bound,
    }[op]


def parse_jql(
    text: str,
    *,
    project: tuple[str, str, str],
    keys: Callable[[str], int | None],
    statuses: dict[str, str],
    categories: dict[str, str],
    priorities: dict[str, str],
    me: str | None,
    zone: ZoneInfo,
    now: datetime,
) -> JqlQuery:
    """Parse ``text`` (raises :class:`JqlError` with Jira's wording)."""
    context = _Context(project, keys, statuses, categories, priorities, me, zone, now)
    return _Parser(text, context).parse()
