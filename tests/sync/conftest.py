"""Every sync test runs the CLI at a frozen instant (QUEUEBENCH_NOW)."""

from __future__ import annotations

import pytest

from tests.sync.helpers import SYNC_NOW


@pytest.fixture(autouse=True)
def frozen_now(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QUEUEBENCH_NOW", SYNC_NOW.isoformat())
