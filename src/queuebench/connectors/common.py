"""Helpers the three vendor normalisers share: a name directory and strict field readers.

Everything here is pure. The field readers exist so that a malformed vendor record raises
:class:`~queuebench.domain.normalize.NormalizationError` naming the field and the value it
found, never a bare ``KeyError`` or ``TypeError`` from deep inside a normaliser.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from queuebench.domain.models import DirectoryEntry, DirectoryKind, Priority
from queuebench.domain.normalize import NormalizationError, VendorMaps, parse_utc

__all__ = [
    "Directory",
    "as_bool",
    "as_mapping",
    "field_of",
    "map_priority_strict",
    "opt_str",
    "req_str",
    "req_time",
    "show",
]


class Directory:
    """Names of one account's users, organisations and groups, looked up by vendor id.

    Built by each connector's ``build_directory`` from the vendor's own records. Besides the
    canonical id an entry may be registered under aliases (ServiceNow journal rows name their
    author by ``user_name``, not ``sys_id``); aliases resolve names but add no entries.
    """

    __slots__ = ("_entries", "_names", "account")

    def __init__(self, account: str, entries: Iterable[DirectoryEntry] = ()) -> None:
        self.account = account
        self._entries: list[DirectoryEntry] = []
        self._names: dict[tuple[DirectoryKind, str], str] = {}
        for entry in entries:
            self.add(entry)

    def add(self, entry: DirectoryEntry, *aliases: str) -> None:
        """Register ``entry`` under its ``remote_id`` and any ``aliases``."""
        self._entries.append(entry)
        self._names[(entry.kind, entry.remote_id)] = entry.name
        for alias in aliases:
            if alias:
                self._names.setdefault((entry.kind, alias), entry.name)

    def alias(self, kind: DirectoryKind, alias: str, name: str) -> None:
        """Resolve ``alias`` to ``name`` too (a later call for the same alias wins)."""
        if alias:
            self._names[(kind, alias)] = name

    def name(self, kind: DirectoryKind, remote_id: object) -> str | None:
        """The name registered for ``remote_id`` (any scalar; ints are compared as text)."""
        if remote_id is None or remote_id == "":
            return None
        return self._names.get((kind, str(remote_id)))

    @property
    def entries(self) -> list[DirectoryEntry]:
        """The canonical entries (one per record, aliases excluded), in insertion order."""
        return list(self._entries)

    def __len__(self) -> int:
        return len(self._entries)


# --- strict readers -------------------------------------------------------------------------

_SHOW_LIMIT = 120


def show(value: object) -> str:
    """``repr(value)`` cut to a readable length for error messages."""
    text = repr(value)
    return text if len(text) <= _SHOW_LIMIT else text[: _SHOW_LIMIT - 1] + "…"


def field_of(record: object, field: str) -> Any:
    """``record[field]`` when ``record`` is a JSON object, else ``None`` (for error labels)."""
    return record.get(field) if isinstance(record, Mapping) else None


def as_mapping(value: object, field: str, context: str) -> Mapping[str, Any]:
    """``value`` if it is a JSON object, else :class:`NormalizationError`."""
    if type(value) is not dict and not isinstance(value, Mapping):
        raise NormalizationError(
            f"{context}: field {field!r} should be an object, got {show(value)}"
        )
    return value


def req_str(record: Mapping[str, Any], field: str, context: str) -> str:
    """A required, non-empty scalar field as text (ints are accepted and converted)."""
    if type(record) is not dict and not isinstance(record, Mapping):
        raise NormalizationError(f"{context}: expected an object, got {show(record)}")
    if field not in record:
        raise NormalizationError(f"{context}: required field {field!r} is missing")
    value = record[field]
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise NormalizationError(f"{context}: field {field!r} has unusable value {show(value)}")
    text = str(value)
    if not text.strip():
        raise NormalizationError(f"{context}: field {field!r} is empty")
    return text


def opt_str(record: Mapping[str, Any], field: str, context: str) -> str | None:
    """An optional scalar field as text; ``None`` and ``""`` give ``None``."""
    value = record.get(field)
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise NormalizationError(f"{context}: field {field!r} has unusable value {show(value)}")
    return str(value)


def req_time(record: Mapping[str, Any], field: str, context: str) -> datetime:
    """A required timestamp field parsed to aware UTC."""
    if type(record) is not dict and not isinstance(record, Mapping):
        raise NormalizationError(f"{context}: expected an object, got {show(record)}")
    value = record.get(field)
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise NormalizationError(f"{context}: timestamp field {field!r} is {show(value)}")
    try:
        parsed = parse_utc(value)
    except NormalizationError as exc:
        raise NormalizationError(f"{context}: field {field!r}: {exc}") from exc
    if parsed is None:
        raise NormalizationError(f"{context}: timestamp field {field!r} is empty")
    return parsed


def as_bool(value: object, field: str, context: str) -> bool:
    """A JSON boolean, or ServiceNow's ``"true"``/``"false"`` strings."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    raise NormalizationError(f"{context}: field {field!r} should be a boolean, got {show(value)}")


def map_priority_strict(maps: VendorMaps, raw: str | int | None, context: str) -> Priority | None:
    """Like :meth:`VendorMaps.map_priority`, but an unknown non-empty value is an error.

    ``None`` and empty values stay ``None`` (Zendesk tickets may have no priority).
    """
    priority = maps.map_priority(raw)
    if priority is None and raw is not None and str(raw).strip():
        vendor = maps.vendor.value
        raise NormalizationError(
            f"{context}: {vendor} priority {raw!r} has no mapping; add it under "
            f'[maps.{vendor}.priority] in the config file, e.g. "{str(raw).strip().lower()}" '
            f'= "P3".'
        )
    return priority
