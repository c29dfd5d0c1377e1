"""Alembic environment: migrations run on the connection queuebench hands over."""

from __future__ import annotations

from alembic import context

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - queuebench always passes a connection
    raise RuntimeError("queuebench migrations must be run through queuebench.store.engine")

context.configure(connection=connection, target_metadata=None, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
