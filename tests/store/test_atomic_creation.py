"""Creating the cache is one transaction: a process killed halfway leaves nothing to trip on."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from queuebench.store import engine as store_engine
from queuebench.store.engine import HEAD_REVISION, db_path, open_store, probe_schema


def test_a_creation_cut_short_leaves_no_tables_and_the_next_open_completes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = store_engine.run_migrations

    def first_revision_then_die(connection: Any, target: str = "head") -> None:
        real(connection, "0001")  # the first tables are created...
        raise KeyboardInterrupt  # ...and the process is stopped before the rest

    monkeypatch.setattr(store_engine, "run_migrations", first_revision_then_die)
    with pytest.raises(KeyboardInterrupt):
        open_store(tmp_path)
    import sqlite3

    con = sqlite3.connect(db_path(tmp_path))
    assert con.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall() == []
    con.close()

    monkeypatch.setattr(store_engine, "run_migrations", real)
    store = open_store(tmp_path)
    store.close()
    assert probe_schema(db_path(tmp_path)).revision == HEAD_REVISION
