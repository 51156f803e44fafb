"""The JSON-lines format: the digest's JSON contract, one record per digest."""

from __future__ import annotations

import copy
from typing import Any

from bot.models import Digest


def render_json(digest: Digest) -> dict[str, Any]:
    """The digest as one jsonl record (``Digest.to_json()``, a copy the caller may change)."""
    return copy.deepcopy(digest.to_json())
