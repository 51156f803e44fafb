"""The status history: each decided change of the treaty's status, with its evidence."""

from __future__ import annotations

import json
import sqlite3
from typing import Any, TypedDict

from bot.clock import now_iso
from bot.models import Status
from bot.store.connection import StoreConnection


class StatusRow(TypedDict):
    """One row of the status history (``evidence``: the JSON list stored with it)."""

    status: str
    previous: str | None
    since: str | None
    decided_at: str
    party: str | None
    evidence: list[dict[str, Any]]
    corrects: str | None  # a row that only corrects the date: the ``since`` it replaces


def status_text(status: Status | str | None) -> str | None:
    """A status as it is stored: its text."""
    return status.value if isinstance(status, Status) else status


def _status_row(row: sqlite3.Row) -> StatusRow:
    return StatusRow(
        status=row["status"], previous=row["previous"], since=row["since"],
        decided_at=row["decided_at"], party=row["party"], evidence=json.loads(row["evidence"]),
        corrects=row["corrects"],
    )


class StatusTable(StoreConnection):
    """The ``status_history`` table: rows are only ever added."""

    def add_status(self, status: Status | str, previous: Status | str | None, since: str | None,
                   party: str | None, evidence: list[dict[str, Any]], *,
                   corrects: str | None = None) -> None:
        """Add a change; ``corrects``: this row only corrects the date of the current status
        (the ``since`` it replaces)."""
        with self.transaction() as conn:
            conn.execute(
                "INSERT INTO status_history(status, previous, since, decided_at, party, evidence, "
                "corrects) VALUES(?,?,?,?,?,?,?)",
                (status_text(status), status_text(previous), since, now_iso(), party,
                 json.dumps(evidence, ensure_ascii=False), corrects),
            )

    def status_history(self) -> list[StatusRow]:
        rows = self._conn.execute("SELECT * FROM status_history ORDER BY id")
        return [_status_row(r) for r in rows]

    def current_status(self) -> StatusRow | None:
        row = self._conn.execute(
            "SELECT * FROM status_history ORDER BY id DESC LIMIT 1"
        ).fetchone()
        return _status_row(row) if row is not None else None
