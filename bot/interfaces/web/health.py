"""``GET /healthz``: is the bot alive (scheduler running) and able to save (database writable)?"""

from __future__ import annotations

from typing import Any

from bot.core.service import TreatyService


def health(service: TreatyService) -> tuple[bool, dict[str, Any]]:
    """(healthy, the /healthz body): ``{"ok", "scheduler", "database", "last_cycle",
    "reasons"}``, where ``reasons`` says what is wrong (empty when healthy)."""
    alive = service.scheduler_alive()
    database = service.database_state()
    reasons = []
    if not alive:
        reasons.append("the scheduler is not running")
    if database != "writable":
        reasons.append(f"the state database is {database}")
    body = {"ok": not reasons, "scheduler": alive, "database": database,
            "last_cycle": service.last_cycle(), "reasons": reasons}
    return not reasons, body
