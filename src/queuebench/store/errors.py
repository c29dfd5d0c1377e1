"""Errors the store raises; each message is one plain paragraph that names the fix."""

from __future__ import annotations


class StoreError(Exception):
    """A problem with the local cache that the user can fix; ``str()`` says how."""


class DataDirError(StoreError):
    """The data directory cannot be created or written."""


class NewerSchemaError(StoreError):
    """The database was written by a newer queuebench."""


class CorruptDatabaseError(StoreError):
    """The database file is not a readable SQLite database."""


class TicketNotFoundError(StoreError):
    """No cached ticket matches the key the user gave."""


class AmbiguousKeyError(StoreError):
    """A display key matches tickets in several accounts."""
