"""The outbox: digests, one delivery per digest and output (pending until delivered or
failed for good), and the outputs switched off for now."""

from __future__ import annotations

import json
import sqlite3
from typing import Any, TypedDict

from bot.clock import now_iso
from bot.models import Digest
from bot.store.connection import StoreConnection


class DeliveryRow(TypedDict):
    """One row of ``deliveries``, keys in column order (times are ISO text)."""

    digest_id: int
    output: str
    state: str  # pending | delivered | failed
    attempts: int
    next_attempt_at: str | None
    last_error: str | None
    delivered_at: str | None
    remote_id: str | None


def _delivery_row(row: sqlite3.Row) -> DeliveryRow:
    return DeliveryRow(
        digest_id=row["digest_id"], output=row["output"], state=row["state"],
        attempts=row["attempts"], next_attempt_at=row["next_attempt_at"],
        last_error=row["last_error"], delivered_at=row["delivered_at"],
        remote_id=row["remote_id"],
    )


def _digest_to_storage(digest: Digest) -> dict[str, Any]:
    return {
        "id": digest.id, "kind": digest.kind, "title": digest.title, "text": digest.text,
        "status": digest.status, "previous": digest.previous, "evidence": digest.evidence,
        "created_at": digest.created_at, "facts": digest.facts,
    }


def _digest_from_storage(data: dict[str, Any]) -> Digest:
    return Digest(
        kind=data["kind"], title=data["title"], text=data["text"], status=data.get("status"),
        previous=data.get("previous"), evidence=data.get("evidence", []),
        created_at=data.get("created_at", ""), facts=data.get("facts", {}), id=data.get("id"),
    )


class OutboxTables(StoreConnection):
    """The ``digests``, ``deliveries`` and ``outputs`` tables."""

    def enqueue_digest(self, digest: Digest, outputs: list[str], *,
                       once_key: str | None = None) -> int | None:
        """Store a digest and one pending delivery per output, atomically.

        With ``once_key``, a digest that already exists under that key is not stored again and
        None is returned.
        """
        with self.transaction() as conn:
            if once_key is not None and conn.execute(
                "SELECT 1 FROM digests WHERE once_key = ?", (once_key,)
            ).fetchone():
                return None
            created = digest.created_at or now_iso()
            digest.created_at = created
            cursor = conn.execute(
                "INSERT INTO digests(kind, once_key, created_at, payload) VALUES(?,?,?,?)",
                (digest.kind, once_key, created, "{}"),
            )
            digest_id = int(cursor.lastrowid or 0)
            digest.id = digest_id
            conn.execute(
                "UPDATE digests SET payload = ? WHERE id = ?",
                (json.dumps(_digest_to_storage(digest), ensure_ascii=False), digest_id),
            )
            conn.executemany(
                "INSERT INTO deliveries(digest_id, output, next_attempt_at) VALUES(?,?,?)",
                [(digest_id, output, created) for output in outputs],
            )
        return digest_id

    def digest(self, digest_id: int) -> Digest:
        row = self._conn.execute("SELECT payload FROM digests WHERE id = ?", (digest_id,)).fetchone()
        return _digest_from_storage(json.loads(row[0]))

    def digests(self, kind: str | None = None) -> list[Digest]:
        if kind:
            rows = self._conn.execute(
                "SELECT payload FROM digests WHERE kind = ? ORDER BY id", (kind,))
        else:
            rows = self._conn.execute("SELECT payload FROM digests ORDER BY id")
        return [_digest_from_storage(json.loads(r[0])) for r in rows]

    def pending_deliveries(self, now: str | None = None) -> list[tuple[int, str, int]]:
        """(digest_id, output, attempts) due now, oldest digest first."""
        now = now or now_iso()
        rows = self._conn.execute(
            "SELECT digest_id, output, attempts FROM deliveries WHERE state = 'pending' "
            "AND (next_attempt_at IS NULL OR next_attempt_at <= ?) ORDER BY digest_id, output",
            (now,),
        )
        return [(r[0], r[1], r[2]) for r in rows]

    def mark_delivered(self, digest_id: int, output: str, remote_id: str | None = None) -> None:
        with self.transaction() as conn:
            conn.execute(
                "UPDATE deliveries SET state = 'delivered', delivered_at = ?, remote_id = ?, "
                "attempts = attempts + 1, last_error = NULL WHERE digest_id = ? AND output = ?",
                (now_iso(), remote_id, digest_id, output),
            )

    def mark_retry(self, digest_id: int, output: str, error: str, next_attempt_at: str) -> None:
        with self.transaction() as conn:
            conn.execute(
                "UPDATE deliveries SET attempts = attempts + 1, last_error = ?, next_attempt_at = ? "
                "WHERE digest_id = ? AND output = ?",
                (error, next_attempt_at, digest_id, output),
            )

    def mark_failed(self, digest_id: int, output: str, error: str) -> None:
        with self.transaction() as conn:
            conn.execute(
                "UPDATE deliveries SET state = 'failed', attempts = attempts + 1, last_error = ? "
                "WHERE digest_id = ? AND output = ?",
                (error, digest_id, output),
            )

    def deliveries(self) -> list[DeliveryRow]:
        rows = self._conn.execute("SELECT * FROM deliveries ORDER BY digest_id")
        return [_delivery_row(r) for r in rows]

    def disable_output(self, output: str, reason: str) -> None:
        with self.transaction() as conn:
            conn.execute(
                "INSERT INTO outputs(output, disabled_reason, disabled_at) VALUES(?,?,?) "
                "ON CONFLICT(output) DO UPDATE SET disabled_reason = excluded.disabled_reason, "
                "disabled_at = excluded.disabled_at",
                (output, reason, now_iso()),
            )
            # its pending deliveries stay pending: sent when the output is enabled again
            conn.execute(
                "UPDATE deliveries SET last_error = ? WHERE output = ? AND state = 'pending'",
                (f"output disabled: {reason}", output),
            )

    def enable_output(self, output: str) -> None:
        with self.transaction() as conn:
            conn.execute("DELETE FROM outputs WHERE output = ?", (output,))

    def disabled_outputs(self) -> dict[str, str]:
        rows = self._conn.execute("SELECT output, disabled_reason FROM outputs")
        return {r[0]: r[1] for r in rows}
