"""A scatter on linear axes from 0 (latency against output tokens)."""

from __future__ import annotations

from collections.abc import Sequence

from otel_aicost.finops.report.svg.frame import (
    BOTTOM,
    Frame,
    esc,
    nice_ticks,
    svg,
    tick_labels,
    y_axis,
)


def scatter(points: Sequence[tuple[float, float, str, str]], *, x_title: str, y_title: str, height: int = 340) -> str:
    """Points (x, y, colour, hover text) on linear axes from 0."""
    frame = Frame(height=height)
    y_ticks = nice_ticks(max([p[1] for p in points] or [0.0]) * 1.05)
    x_ticks = nice_ticks(max([p[0] for p in points] or [0.0]) * 1.05, 8)
    parts, y = y_axis(frame, y_ticks, y_title)
    x_scale = frame.inner_w / (x_ticks[-1] or 1.0)
    for tick, label in zip(x_ticks, tick_labels(x_ticks)):
        xx = frame.left + tick * x_scale
        parts.append(
            f'<text x="{xx:.1f}" y="{frame.height - BOTTOM + 16}" text-anchor="middle" class="tick">{esc(label)}</text>'
        )
    parts.append(
        f'<text x="{frame.left + frame.inner_w / 2:.0f}" y="{frame.height - 12}" text-anchor="middle" class="axis">{esc(x_title)}</text>'
    )
    for px, py, colour, hover in points:
        parts.append(
            f'<circle cx="{frame.left + px * x_scale:.1f}" cy="{y(py):.1f}" r="2.6" fill="{colour}" fill-opacity="0.55">'
            f"<title>{esc(hover)}</title></circle>"
        )
    return svg(frame, parts, y_title)
