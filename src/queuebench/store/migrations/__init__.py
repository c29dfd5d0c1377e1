"""Alembic migrations of the cache schema; run programmatically by ``store.engine``."""
