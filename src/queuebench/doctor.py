"""``queuebench doctor``: read-only checks of config, data dir, database and keyring."""

from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from queuebench.config import (
    ConfigError,
    Settings,
    config_file_path,
    load_settings,
    resolve_data_dir,
)
from queuebench.store.engine import HEAD_REVISION, db_path, probe_schema, read_only_connection
from queuebench.store.errors import StoreError


@dataclass(frozen=True)
class Check:
    """One line of the doctor's report."""

    name: str
    ok: bool
    detail: str
    fix: str = ""
    warning: bool = False  # not ok, but nothing is broken


def check_config() -> tuple[Check, Settings | None]:
    path = config_file_path()
    try:
        settings = load_settings(path)
    except ConfigError as exc:
        return Check("config", False, str(exc), "edit the file as the message says"), None
    if not path.exists():
        return (
            Check("config", True, f"{path} (not created yet: defaults in use)"),
            settings,
        )
    return Check("config", True, f"{path} is valid"), settings


def check_data_dir(data_dir: Path) -> Check:
    if data_dir.exists():
        if not data_dir.is_dir():
            return Check(
                "data dir",
                False,
                f"{data_dir} exists but is not a directory",
                "set QUEUEBENCH_DATA_DIR to a directory",
            )
        if not os.access(data_dir, os.W_OK | os.X_OK):
            return Check(
                "data dir",
                False,
                f"{data_dir} is not writable",
                f"chmod u+w {data_dir}, or set QUEUEBENCH_DATA_DIR to a directory you can write",
            )
        return Check("data dir", True, f"{data_dir} is writable")
    parent = data_dir.parent
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent
    if os.access(parent, os.W_OK | os.X_OK):
        return Check("data dir", True, f"{data_dir} (will be created on first use)")
    return Check(
        "data dir",
        False,
        f"{data_dir} does not exist and {parent} is not writable",
        "set QUEUEBENCH_DATA_DIR to a directory you can write",
    )


def check_database(data_dir: Path) -> list[Check]:
    path = db_path(data_dir)
    try:
        status = probe_schema(path)
    except StoreError as exc:
        return [Check("database", False, str(exc), "move the file aside and re-sync")]
    if not status.exists:
        return [
            Check(
                "database",
                True,
                f"{path} not created yet",
                warning=False,
            )
        ]
    checks: list[Check] = []
    con = read_only_connection(path)
    try:
        result = con.execute("PRAGMA quick_check").fetchone()[0]
        tickets = (
            con.execute("SELECT count(*) FROM ticket").fetchone()[0]
            if status.revision is not None
            else 0
        )
    except sqlite3.DatabaseError as exc:
        result, tickets = str(exc), 0
    finally:
        con.close()
    if result == "ok":
        checks.append(Check("database", True, f"{path}: integrity ok, {tickets:,} tickets cached"))
    else:
        checks.append(
            Check(
                "database",
                False,
                f"{path}: integrity check failed ({result})",
                "move the file aside and run `queuebench sync` to rebuild the cache; recover "
                "notes with the sqlite3 `.recover` command",
            )
        )
    if status.is_newer:
        checks.append(
            Check(
                "schema",
                False,
                f"schema {status.revision} is newer than this queuebench knows ({HEAD_REVISION})",
                "upgrade queuebench (pip install -U queuebench)",
            )
        )
    elif status.is_current:
        checks.append(Check("schema", True, f"version {HEAD_REVISION} (current)"))
    else:
        checks.append(
            Check(
                "schema",
                False,
                f"version {status.revision or 'none'}; will be upgraded to {HEAD_REVISION} "
                "on next start (your notes and drafts are kept)",
                warning=True,
            )
        )
    return checks


def check_keyring() -> Check:
    try:
        import keyring
        from keyring.backends import fail

        backend = keyring.get_keyring()
    except Exception as exc:  # a broken keyring install must not break the doctor
        return Check(
            "keyring",
            False,
            f"the keyring cannot be loaded ({exc})",
            "reinstall queuebench, or use QUEUEBENCH_SECRET_<ACCOUNT> environment variables",
            warning=True,
        )
    name = f"{type(backend).__module__}.{type(backend).__name__}"
    if isinstance(backend, fail.Keyring) or "fail" in name or "null" in name.lower():
        return Check(
            "keyring",
            False,
            "no keyring backend is available (common on headless servers)",
            "store account secrets in QUEUEBENCH_SECRET_<ACCOUNT> environment variables or "
            "configure a password command (e.g. `pass show ...`); never in the config file",
            warning=True,
        )
    return Check("keyring", True, f"backend {name}")


def run_checks() -> list[Check]:
    """All checks, in order; nothing on disk is created or changed."""
    config_check, settings = check_config()
    checks = [config_check]
    data_dir = resolve_data_dir(settings or Settings())
    checks.append(check_data_dir(data_dir))
    checks.extend(check_database(data_dir))
    checks.append(check_keyring())
    return checks
