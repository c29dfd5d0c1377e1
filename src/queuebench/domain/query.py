"""The queue's filter language and sort orders, as plain values.

One filter string drives ``/`` in the TUI, ``--filter`` on the command line and named views in
config. Free words match the key, subject, people, organisation and tags (all words must
match, case-insensitive); ``field:value`` tokens narrow further, comma-separated values are
alternatives, a leading ``-`` negates a token::

    sso vendor:jsm,zendesk prio:P1,P2 status:open is:breached -is:mine

Fields: ``vendor``, ``account``, ``status``, ``prio``/``priority`` (``P1``..``P4``, ``none``),
``assignee`` (a name, ``me`` or ``none``), ``org``, ``tag``; flags ``is:mine``,
``is:unassigned``, ``is:breached``, ``is:due`` (within the hour), ``is:open`` (not solved or
closed), ``is:paused``.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass, field, replace
from enum import StrEnum

from queuebench.domain.models import Priority, Status, Vendor


class QueryError(ValueError):
    """A filter the user typed cannot be read; the message says what to type instead."""


class SortKey(StrEnum):
    """The queue's sort orders; ``risk`` is the default SLA-risk order."""

    RISK = "risk"
    PRIORITY = "priority"
    UPDATED = "updated"
    CREATED = "created"
    KEY = "key"


FLAGS = ("mine", "unassigned", "breached", "due", "open", "paused")
FIELDS = ("vendor", "account", "status", "prio", "priority", "assignee", "org", "tag", "is")


@dataclass(frozen=True)
class QueueFilter:
    """A parsed filter. Empty tuples mean "no constraint"."""

    words: tuple[str, ...] = ()
    vendors: tuple[Vendor, ...] = ()
    accounts: tuple[str, ...] = ()
    statuses: tuple[Status, ...] = ()
    priorities: tuple[Priority | None, ...] = ()
    assignees: tuple[str, ...] = ()  # names; "me" and "none" resolved by the store
    organizations: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    flags: frozenset[str] = field(default_factory=frozenset)
    negated_flags: frozenset[str] = field(default_factory=frozenset)

    @property
    def is_empty(self) -> bool:
        return self == QueueFilter()

    def merged(self, other: QueueFilter) -> QueueFilter:
        """Both filters at once (a named view plus what the user types)."""
        return QueueFilter(
            words=self.words + other.words,
            vendors=other.vendors or self.vendors,
            accounts=other.accounts or self.accounts,
            statuses=other.statuses or self.statuses,
            priorities=other.priorities or self.priorities,
            assignees=other.assignees or self.assignees,
            organizations=other.organizations or self.organizations,
            tags=self.tags + other.tags,
            flags=self.flags | other.flags,
            negated_flags=self.negated_flags | other.negated_flags,
        )

    def with_flag(self, flag: str, on: bool = True) -> QueueFilter:
        flags = set(self.flags)
        if on:
            flags.add(flag)
        else:
            flags.discard(flag)
        return replace(self, flags=frozenset(flags))


def _split(value: str) -> list[str]:
    return [v.strip() for v in value.split(",") if v.strip()]


def _parse_priority(value: str) -> Priority | None:
    v = value.strip().upper()
    if v in ("NONE", "-"):
        return None
    if v in ("1", "2", "3", "4"):
        v = "P" + v
    try:
        return Priority(v)
    except ValueError:
        raise QueryError(f"prio:{value} is not a priority; use P1, P2, P3, P4 or none.") from None


def _parse_status(value: str) -> Status:
    v = value.strip().lower().replace("-", "_")
    if v == "hold":
        v = "on_hold"
    try:
        return Status(v)
    except ValueError:
        names = ", ".join(s.value for s in Status)
        raise QueryError(f"status:{value} is not a status; use one of {names}.") from None


def _parse_vendor(value: str) -> Vendor:
    v = value.strip().lower()
    aliases = {"zd": "zendesk", "jira": "jsm", "snow": "servicenow", "sn": "servicenow"}
    try:
        return Vendor(aliases.get(v, v))
    except ValueError:
        raise QueryError(
            f"vendor:{value} is not a vendor; use zendesk, jsm or servicenow."
        ) from None


def parse_filter(text: str) -> QueueFilter:
    """Parse the filter language above; raises :class:`QueryError` with the fix."""
    try:
        tokens = shlex.split(text)
    except ValueError:
        tokens = text.split()  # an unclosed quote: read the words as typed
    words: list[str] = []
    vendors: list[Vendor] = []
    accounts: list[str] = []
    statuses: list[Status] = []
    priorities: list[Priority | None] = []
    assignees: list[str] = []
    orgs: list[str] = []
    tags: list[str] = []
    flags: set[str] = set()
    negated: set[str] = set()
    for token in tokens:
        name, sep, value = token.partition(":")
        neg = name.startswith("-")
        key = name.lstrip("-").lower()
        if not sep or key not in FIELDS:
            words.append(token.lower())
            continue
        if not value:
            raise QueryError(f"{token} needs a value after the colon, e.g. {key}:...")
        if key == "is":
            for flag in _split(value.lower()):
                if flag not in FLAGS:
                    raise QueryError(f"is:{flag} is unknown; use one of is:{', is:'.join(FLAGS)}.")
                (negated if neg else flags).add(flag)
        elif neg:
            raise QueryError(f"{token}: only is: flags can be negated with '-'.")
        elif key == "vendor":
            vendors += [_parse_vendor(v) for v in _split(value)]
        elif key == "account":
            accounts += _split(value)
        elif key == "status":
            statuses += [_parse_status(v) for v in _split(value)]
        elif key in ("prio", "priority"):
            priorities += [_parse_priority(v) for v in _split(value)]
        elif key == "assignee":
            assignees += _split(value)
        elif key == "org":
            orgs += _split(value)
        elif key == "tag":
            tags += [t.lower() for t in _split(value)]
    return QueueFilter(
        words=tuple(words),
        vendors=tuple(dict.fromkeys(vendors)),
        accounts=tuple(dict.fromkeys(accounts)),
        statuses=tuple(dict.fromkeys(statuses)),
        priorities=tuple(dict.fromkeys(priorities)),
        assignees=tuple(dict.fromkeys(assignees)),
        organizations=tuple(dict.fromkeys(orgs)),
        tags=tuple(dict.fromkeys(tags)),
        flags=frozenset(flags),
        negated_flags=frozenset(negated),
    )


def parse_sort(text: str) -> tuple[SortKey, bool]:
    """``"updated"`` or ``"-updated"`` (descending) to a sort key and direction."""
    desc = text.startswith("-")
    try:
        return SortKey(text.lstrip("-").lower()), desc
    except ValueError:
        names = ", ".join(s.value for s in SortKey)
        raise QueryError(
            f"sort {text!r} is unknown; use one of {names} (prefix - to reverse)."
        ) from None
