"""The console format: the digest as plain text."""

from __future__ import annotations

from bot.delivery.formats.common import fallback_text, kind_label, one_line, plain_text
from bot.models import Digest


def render_text(digest: Digest) -> str:
    """Console text: the title, a rule line, then the digest's own plain-text body."""
    title = one_line(plain_text(digest.title)) or kind_label(digest.kind)
    body = plain_text(digest.text).strip("\n") or fallback_text(digest)
    rule = "=" * max(10, min(len(title), 72))
    return f"{title}\n{rule}\n{body}"
