"""The status timeline as a picture: stages on one axis, dates on the other, evidence counts.

Rendered headless with matplotlib's Agg backend. matplotlib is an optional dependency (the
``plot`` extra); without it ``render_timeline_png`` returns None and callers fall back to text.
The colours are the Discord embeds' (:data:`bot.delivery.formats.common.COLOURS`).
"""

from __future__ import annotations

import io
import logging
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from bot.clock import utc_now
from bot.delivery.formats.common import hex_colour
from bot.models import Status

log = logging.getLogger(__name__)

STAGES = list(Status)  # one row per status, bottom to top in the lifecycle's order
CONNECTOR_COLOUR = "#99aab5"  # the dotted line from one status to the next
GRID_COLOUR = "#e3e5e8"


def _day(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


def render_timeline_png(history: Sequence[Mapping[str, Any]], *, title: str = "Treaty status",
                        today: date | None = None) -> bytes | None:
    """A PNG of the status history (``bot.core.views.history_report`` rows), or None."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.dates as mdates
        import matplotlib.pyplot as plt
        import numpy as np
    except ImportError:
        log.info("matplotlib is not installed; no timeline picture (pip install treatybot[plot])")
        return None
    steps = [(d, h) for h in history if (d := _day(h.get("since") or h.get("date")))]
    if not steps:
        return None
    today = today or utc_now().date()

    def days(*moments: date) -> np.ndarray[Any, Any]:
        """Dates as matplotlib takes them on a date axis."""
        return np.array(moments, dtype="datetime64[D]")

    figure, axes = plt.subplots(figsize=(9, 3.4), dpi=110)
    try:
        for index, (start, step) in enumerate(steps):
            end = steps[index + 1][0] if index + 1 < len(steps) else max(today, start)
            status = Status(step["status"])
            level = STAGES.index(status)
            colour = hex_colour(status.value)
            axes.plot(days(start, end), [level, level], color=colour, linewidth=6,
                      solid_capstyle="butt")
            axes.plot(days(start), [level], marker="o", color=colour, markersize=8)
            count = len(step.get("evidence") or [])
            label = f"{start.isoformat()}\n{count} evidence"
            if step.get("party") and status == Status.RATIFIED:
                label += f"\nby {step['party']}"
            same_level = index and steps[index - 1][1]["status"] == step["status"]
            axes.annotate(label, (start, level), textcoords="offset points",
                          xytext=(4, -30) if same_level else (4, 8), fontsize=7)
            if index:
                previous = STAGES.index(Status(steps[index - 1][1]["status"]))
                axes.plot(days(start, start), [previous, level], color=CONNECTOR_COLOUR,
                          linewidth=1, linestyle=":")
        axes.set_yticks(range(len(STAGES)), [s.label for s in STAGES])
        axes.set_ylim(-0.6, len(STAGES) - 0.2)
        axes.xaxis.set_major_formatter(mdates.DateFormatter("%b %Y"))
        axes.grid(axis="x", color=GRID_COLOUR, linewidth=0.8)
        axes.set_title(title, fontsize=10)
        for side in ("top", "right"):
            axes.spines[side].set_visible(False)
        figure.autofmt_xdate()
        figure.tight_layout()
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png")
        return buffer.getvalue()
    finally:
        plt.close(figure)
