"""Bar charts: horizontal bars (cost by model, by tag) and grouped bars (cost per 1K tokens by token type)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from otel_aicost.finops.report.svg.frame import (
    BOTTOM,
    GRID,
    TOP,
    Frame,
    clip,
    esc,
    legend,
    nice_ticks,
    svg,
    tick_labels,
    x_labels,
    y_axis,
)


def horizontal_bars(
    rows: Sequence[tuple[str, float, str]], *, x_title: str, value_text: Callable[[float], str], width: int = 570
) -> str:
    """One bar per (label, value, colour), largest first as given; the value written at the bar's end."""
    left = min(220, 12 + 7 * max([len(label) for label, _, _ in rows] or [4]))
    row_h = 24
    height = TOP + BOTTOM + row_h * max(1, len(rows))
    frame = Frame(width=width, height=height, left=left)
    top = max([v for _, v, _ in rows] or [0.0]) * 1.25
    ticks = nice_ticks(top, 4)
    scale = frame.inner_w / (ticks[-1] or 1.0)
    parts = []
    for tick, label in zip(ticks, tick_labels(ticks)):
        xx = left + tick * scale
        parts.append(f'<line x1="{xx:.1f}" x2="{xx:.1f}" y1="{TOP}" y2="{height - BOTTOM}" stroke="{GRID}"/>')
        parts.append(
            f'<text x="{xx:.1f}" y="{height - BOTTOM + 16}" text-anchor="middle" class="tick">{esc(label)}</text>'
        )
    parts.append(
        f'<text x="{left + frame.inner_w / 2:.0f}" y="{height - 12}" text-anchor="middle" class="axis">{esc(x_title)}</text>'
    )
    for i, (label, value, colour) in enumerate(rows):
        yy = TOP + i * row_h + 4
        parts.append(f'<text x="{left - 6}" y="{yy + 12}" text-anchor="end" class="tick">{esc(clip(label, 30))}</text>')
        parts.append(
            f'<rect x="{left}" y="{yy}" width="{max(0.5, value * scale):.1f}" height="{row_h - 8}" fill="{colour}">'
            f"<title>{esc(label)}: {esc(value_text(value))}</title></rect>"
        )
        parts.append(
            f'<text x="{left + value * scale + 4:.1f}" y="{yy + 12}" class="tick">{esc(value_text(value))}</text>'
        )
    return svg(frame, parts, x_title)


def grouped_bars(
    categories: Sequence[str],
    groups: Sequence[tuple[str, str, Sequence[float | None]]],
    *,
    y_title: str,
    value_text: Callable[[float], str],
    height: int = 320,
) -> str:
    """Per category, one bar per group (label, colour, values; None leaves a gap)."""
    frame = Frame(height=height)
    top = max([v for _, _, values in groups for v in values if v is not None] or [0.0]) * 1.1
    ticks = nice_ticks(top)
    parts, y = y_axis(frame, ticks, y_title)
    slot = frame.inner_w / max(1, len(categories))
    bar = slot * 0.8 / max(1, len(groups))

    def x(i: int) -> float:
        return frame.left + slot * (i + 0.5)

    for g, (name, colour, values) in enumerate(groups):
        for i, value in enumerate(values):
            if value is None:
                continue
            left = x(i) - slot * 0.4 + g * bar
            parts.append(
                f'<rect x="{left:.1f}" y="{y(value):.1f}" width="{bar * 0.92:.1f}" height="{max(0.5, y(0) - y(value)):.1f}" '
                f'fill="{colour}"><title>{esc(categories[i])}, {esc(name)}: {esc(value_text(value))}</title></rect>'
            )
    parts += x_labels(frame, [clip(c, 24) for c in categories], x)
    parts += legend(frame, [(name, colour) for name, colour, _ in groups])
    return svg(frame, parts, y_title)
