"""Opening the cache: file creation (mode 0600), SQLite pragmas, schema version, migrations.

Everything SQLite-specific lives here (pragmas, the ``immutable`` read-only probe, upserts by
dialect), so the models and queries stay portable to the shared PostgreSQL cache a later
feature adds.
"""

from __future__ import annotations

import os
import sqlite3
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from queuebench.store.errors import CorruptDatabaseError, DataDirError, NewerSchemaError

if TYPE_CHECKING:
    from sqlalchemy import Engine
    from sqlalchemy.engine import Connection
    from sqlmodel import Session

DB_FILENAME = "queuebench.sqlite3"

# Every revision this build knows, oldest first. A test checks it matches the migration
# scripts, so the fast path below (no Alembic import when the schema is current) stays honest.
KNOWN_REVISIONS: tuple[str, ...] = ("0001", "0002", "0003", "0004", "0005")
HEAD_REVISION = KNOWN_REVISIONS[-1]

MIGRATIONS_DIR = Path(__file__).with_name("migrations")


@dataclass(frozen=True)
class SchemaStatus:
    """What the probe found in a database file."""

    exists: bool
    revision: str | None  # None: no schema yet

    @property
    def is_current(self) -> bool:
        return self.revision == HEAD_REVISION

    @property
    def is_newer(self) -> bool:
        return self.revision is not None and self.revision not in KNOWN_REVISIONS


def db_path(data_dir: Path) -> Path:
    """The cache file inside a data directory."""
    return data_dir / DB_FILENAME


def probe_schema(path: Path) -> SchemaStatus:
    """Read the schema revision without creating, locking or changing any file.

    A cleanly closed database is read with SQLite's ``immutable`` flag, so not even a
    ``-shm`` file is made; when a write-ahead log is present (another queuebench has it open,
    or one crashed) the probe reads read-only through the log so it sees committed changes.
    """
    if not path.exists():
        return SchemaStatus(exists=False, revision=None)
    try:
        con = read_only_connection(path)
        try:
            has_table = con.execute(
                "SELECT 1 FROM sqlite_master WHERE type='table' AND name='alembic_version'"
            ).fetchone()
            if not has_table:
                return SchemaStatus(exists=True, revision=None)
            row = con.execute("SELECT version_num FROM alembic_version").fetchone()
        finally:
            con.close()
    except sqlite3.DatabaseError as exc:
        raise CorruptDatabaseError(
            f"The cache at {path} is not a readable SQLite database ({exc}). Move it aside "
            "(for example `mv` it to a .bak name) and run `queuebench sync` or `queuebench demo` "
            "to rebuild it; notes and drafts in it cannot be read by queuebench until it is "
            "repaired with the sqlite3 `.recover` command."
        ) from exc
    return SchemaStatus(exists=True, revision=row[0] if row else None)


def read_only_connection(path: Path) -> sqlite3.Connection:
    """A plain sqlite3 connection that reads ``path`` and writes nothing."""
    wal = path.with_name(path.name + "-wal")
    has_wal = wal.exists() and wal.stat().st_size > 0
    uri = f"file:{path}?mode=ro" if has_wal else f"file:{path}?mode=ro&immutable=1"
    return sqlite3.connect(uri, uri=True)


def ensure_data_dir(data_dir: Path) -> None:
    """Create the data directory (mode 0700) or explain why it cannot be written."""
    try:
        data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError as exc:
        raise DataDirError(
            f"queuebench cannot create its data directory {data_dir} ({exc.strerror}). "
            "Create it yourself with write permission for your user, or set "
            "QUEUEBENCH_DATA_DIR to a directory you can write."
        ) from exc
    if not os.access(data_dir, os.W_OK | os.X_OK):
        raise DataDirError(
            f"queuebench cannot write to its data directory {data_dir}. Give your user write "
            f"permission (`chmod u+w {data_dir}`), or set QUEUEBENCH_DATA_DIR to a directory "
            "you can write."
        )


def _create_private_file(path: Path) -> None:
    """Create the database file with mode 0600 before SQLite opens it."""
    if path.exists():
        return
    fd = os.open(path, os.O_CREAT | os.O_WRONLY | os.O_EXCL, stat.S_IRUSR | stat.S_IWUSR)
    os.close(fd)


def _on_connect(dbapi_con: Any, _record: Any) -> None:
    cur = dbapi_con.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=5000")
    cur.execute("PRAGMA temp_store=MEMORY")
    cur.execute("PRAGMA cache_size=-32000")
    cur.close()


def _make_engine(path: Path) -> Engine:
    from sqlalchemy import create_engine, event

    engine = create_engine(f"sqlite:///{path}", connect_args={"check_same_thread": False})
    event.listen(engine, "connect", _on_connect)
    return engine


def run_migrations(connection: Connection, target: str = "head") -> None:
    """Upgrade the schema on ``connection`` with Alembic (imported only when needed)."""
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.attributes["connection"] = connection
    command.upgrade(cfg, target)


class Store:
    """The open cache. Create with :func:`open_store`.

    Reads go through :meth:`read` (a plain ``sqlite3`` connection: the queue opens without
    importing SQLAlchemy); writes through :meth:`session` (SQLModel), whose engine is built
    on first use.
    """

    def __init__(self, path: Path, engine: Engine | None = None) -> None:
        self.path = path
        self._engine = engine

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            self._engine = _make_engine(self.path)
        return self._engine

    @contextmanager
    def read(self) -> Iterator[sqlite3.Connection]:
        """A read-only connection holding one consistent snapshot for the ``with`` block.

        Each call opens its own connection, so any thread (Textual thread workers included)
        may read while another writes; WAL lets readers and the writer run side by side.
        """
        con = sqlite3.connect(self.path, timeout=5.0, isolation_level=None)
        try:
            con.execute("PRAGMA query_only = ON")
            con.execute("BEGIN")
            yield con
        finally:
            con.close()

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A write session that commits on success and rolls back on error."""
        from sqlmodel import Session

        with Session(self.engine, expire_on_commit=False) as session:
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def close(self) -> None:
        if self._engine is not None:
            self._engine.dispose()


def open_store(data_dir: Path, *, create: bool = True) -> Store:
    """Open (and create or upgrade) the cache in ``data_dir``.

    Checks come before any write: a database from a newer queuebench or a corrupt file raises
    a :class:`~queuebench.store.errors.StoreError` and leaves the disk untouched.
    """
    path = db_path(data_dir)
    status = probe_schema(path)
    if status.is_newer:
        raise NewerSchemaError(
            f"The cache at {path} was written by a newer version of queuebench (schema "
            f"{status.revision}; this version knows up to {HEAD_REVISION}). Upgrade queuebench "
            "(`pip install -U queuebench`), or set QUEUEBENCH_DATA_DIR to another directory to "
            "use a separate cache. Nothing was changed."
        )
    if not status.exists and not create:
        raise DataDirError(
            f"There is no queuebench cache at {path} yet. Run `queuebench demo` to try the "
            "built-in sandbox data, or add an account and run `queuebench sync`."
        )
    ensure_data_dir(data_dir)
    if not status.exists:
        try:
            _create_private_file(path)
        except OSError as exc:
            raise DataDirError(
                f"queuebench cannot create {path} ({exc.strerror}). Set QUEUEBENCH_DATA_DIR "
                "to a directory you can write."
            ) from exc
    if status.is_current:
        return Store(path)  # the common case: no SQLAlchemy, no Alembic import
    engine = _make_engine(path)
    try:
        with engine.begin() as connection:
            # pysqlite runs DDL outside any transaction, so a process killed halfway through
            # creating the schema would leave tables without a revision (and every later open
            # failing). An explicit transaction makes the whole upgrade one commit, and
            # IMMEDIATE lets a second process that opens the cache meanwhile wait, then see it
            # current.
            connection.exec_driver_sql("BEGIN IMMEDIATE")
            run_migrations(connection)
    except Exception:
        engine.dispose()
        raise
    return Store(path, engine)
