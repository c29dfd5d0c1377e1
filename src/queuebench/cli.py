"""The ``queuebench`` entry point.

A bare ``queuebench`` opens the queue without importing click (every millisecond of launch
counts against the first-rows budget); anything else goes to the click commands in
:mod:`queuebench.commands`. Headless commands (``list``, ``show``, ``doctor``, ``locate``,
``demo --no-tui``) never import Textual. Every error a user can cause ends in one plain
paragraph on stderr that names the fix, and exit status 2.
"""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from queuebench.config import Settings
    from queuebench.store.engine import Store
    from queuebench.sync import ConnectorSource

F = TypeVar("F", bound=Callable[..., Any])

EXIT_USER_ERROR = 2


def now_utc() -> datetime:
    """The current instant; ``QUEUEBENCH_NOW`` (ISO 8601) freezes it for tests and benchmarks."""
    frozen = os.environ.get("QUEUEBENCH_NOW")
    if frozen:
        from queuebench.domain.normalize import parse_utc

        value = parse_utc(frozen)
        if value is not None:
            return value
    return datetime.now(UTC)


def _fail(message: str) -> None:
    # Not wrapped: paths and commands in the message must stay copy-pasteable.
    print(message, file=sys.stderr)
    sys.exit(EXIT_USER_ERROR)


def friendly_errors(func: F) -> F:
    """Turn every error a user can cause into one paragraph naming the fix (no traceback)."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from queuebench.config import ConfigError
        from queuebench.domain.normalize import NormalizationError
        from queuebench.domain.query import QueryError
        from queuebench.store.errors import StoreError

        try:
            return func(*args, **kwargs)
        except (ConfigError, StoreError, QueryError, NormalizationError) as exc:
            _fail(str(exc))
        except BrokenPipeError:
            # `queuebench list | head`: the reader left; that is not an error.
            sys.stderr.close()
            sys.exit(0)
        except KeyboardInterrupt:
            _fail("Interrupted. Nothing half-written was kept: each batch commits whole.")
        except Exception as exc:
            if os.environ.get("QUEUEBENCH_DEBUG"):
                raise
            _fail(
                f"queuebench hit an unexpected error ({type(exc).__name__}: {exc}). Your cache "
                "was left as it was. Run the command again with QUEUEBENCH_DEBUG=1 to see the "
                "full traceback, and report it with that output."
            )

    return wrapper  # type: ignore[return-value]


def _settings() -> Settings:
    from queuebench.config import load_settings

    return load_settings()


def _open(settings: Settings, *, create: bool = True) -> Store:
    from queuebench.config import resolve_data_dir
    from queuebench.store.engine import open_store

    return open_store(resolve_data_dir(settings), create=create)


def _run_tui(
    settings: Settings,
    store: Store,
    data_note: str | None = None,
    source: ConnectorSource | None = None,
) -> None:
    from queuebench.app import make_app

    frozen = os.environ.get("QUEUEBENCH_NOW")
    clock = now_utc if frozen else None
    make_app(settings, store, clock=clock, data_note=data_note, source=source).run()


@friendly_errors
def open_queue() -> None:
    """What a bare ``queuebench`` does: the TUI on the user's cache."""
    settings = _settings()
    store = _open(settings)
    try:
        _run_tui(settings, store)
    finally:
        store.close()


def main(argv: list[str] | None = None) -> None:
    """Console entry point."""
    args = sys.argv[1:] if argv is None else list(argv)
    if not args:
        open_queue()
        return
    from queuebench.commands import cli

    cli.main(args=args, prog_name="queuebench")
