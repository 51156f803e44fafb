"""The open state database: one SQLite connection in WAL mode, and its transactions.

``StoreConnection`` opens (and migrates) the file and owns the write machinery every data area
builds on: ``transaction()`` (one write, all or nothing), the savepoints that nest writes inside
``batch()``, and the rollback count. WAL mode keeps readers (``treatybot status``, slash
commands) from waiting on the writer; ``peek_value`` reads without opening for writing at all.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from bot.errors import StateError
from bot.store.migrations import migrate, schema_version

log = logging.getLogger(__name__)

DB_NAME = "treatybot.sqlite3"


def _current_task() -> asyncio.Task[Any] | None:
    try:
        return asyncio.current_task()
    except RuntimeError:  # no event loop running in this thread
        return None


class StoreConnection:
    """The connection the data areas share; all writes go through ``transaction()``."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._conn = sqlite3.connect(path, isolation_level=None, timeout=10)
        except (OSError, sqlite3.Error) as exc:
            raise StateError(f"cannot open the state database {path}: {exc}") from exc
        self._conn.row_factory = sqlite3.Row
        self._batch_depth = 0
        self._batch_owner: asyncio.Task[Any] | None = None
        # writes undone so far: an id read before a rollback may name another article after it
        self.rollbacks = 0
        try:
            self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.execute("PRAGMA synchronous=NORMAL")
            self._conn.execute("PRAGMA foreign_keys=ON")
            migrate(self._conn, self.transaction)
        except sqlite3.OperationalError as exc:
            raise StateError(f"cannot use the state database {path}: {exc}") from exc

    def close(self) -> None:
        self._conn.close()

    @property
    def schema_version(self) -> int:
        return schema_version(self._conn)

    @staticmethod
    def peek_value(folder: Path, key: str) -> str | None:
        """``get_value`` on the state database in ``folder`` without opening it for writing
        (no migration, no lock): None when there is no database or no such value."""
        path = folder / DB_NAME
        if not path.exists():
            return None
        try:
            conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5)
            try:
                row = conn.execute("SELECT value FROM kv WHERE key = ?", (key,)).fetchone()
            finally:
                conn.close()
        except sqlite3.Error:
            return None
        return row[0] if row else None

    # -- writes ---------------------------------------------------------------------
    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction; inside ``batch()`` a savepoint committed with the batch."""
        if self._batch_depth:
            self._check_batch_owner()
            yield from self._savepoint()
            return
        try:
            self._conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            raise StateError(f"cannot write the state database {self.path}: {exc}") from exc
        try:
            yield self._conn
        except sqlite3.OperationalError as exc:  # disk full, read-only, I/O error
            self._rollback()
            raise StateError(f"cannot write the state database {self.path}: {exc}") from exc
        except BaseException:
            self._rollback()
            raise
        else:
            try:
                self._conn.execute("COMMIT")
            except sqlite3.OperationalError as exc:
                self._rollback()
                raise StateError(f"cannot write the state database {self.path}: {exc}") from exc

    def _rollback(self) -> None:
        """Roll back what is left: SQLite may already have done it (SQLITE_FULL does)."""
        self.rollbacks += 1
        if self._conn.in_transaction:
            try:
                self._conn.execute("ROLLBACK")
            except sqlite3.OperationalError:
                log.warning("could not roll back a failed write to %s", self.path)

    def _savepoint(self) -> Iterator[sqlite3.Connection]:
        self._conn.execute("SAVEPOINT write")
        try:
            yield self._conn
        except BaseException:
            self.rollbacks += 1
            if self._conn.in_transaction:  # SQLITE_FULL may have rolled back everything already
                self._conn.execute("ROLLBACK TO write")
                self._conn.execute("RELEASE write")
            raise
        self._conn.execute("RELEASE write")

    @contextmanager
    def batch(self) -> Iterator[None]:
        """Many writes in one transaction: committed together when the block ends, or none of
        them if it raises. Each write method called inside keeps its own all-or-nothing (a
        savepoint), and reads on this connection see the writes at once. A commit costs far
        more than the rows it writes: one per batch of articles instead of one per article.

        The block must not await: another task writing meanwhile would join the batch (and
        share its fate). That is refused: such a write raises StateError. Nested batches of
        the same task join the outer one.
        """
        if self._batch_depth:
            self._check_batch_owner()
            self._batch_depth += 1
            try:
                yield
            finally:
                self._batch_depth -= 1
            return
        with self.transaction():
            self._batch_depth, self._batch_owner = 1, _current_task()
            try:
                yield
            finally:
                self._batch_depth, self._batch_owner = 0, None

    def _check_batch_owner(self) -> None:
        if _current_task() is not self._batch_owner:
            raise StateError("a write from another task while a batch of writes is open "
                             "(a batch must not await)")
