"""Charts along time: stacked bars per slot with the forecast's band, budget lines and anomaly markers; the
cumulative spend with its forecast band against limits."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from otel_aicost.finops.report.svg.frame import (
    BAND,
    HEIGHT,
    INK,
    RIGHT,
    Frame,
    esc,
    nice_ticks,
    svg,
    x_labels,
    y_axis,
)


def stacked_bars(
    labels: Sequence[str],
    stacks: Sequence[tuple[str, str, Sequence[float]]],
    *,
    y_title: str,
    value_text: Callable[[float], str],
    band: tuple[int, Sequence[float], Sequence[float], Sequence[float]] | None = None,
    lines: Sequence[tuple[str, float, str]] = (),
    markers: Sequence[tuple[int, str, str]] = (),
    height: int = HEIGHT,
) -> str:
    """Bars per x slot stacked by series (label, colour, values); ``band``: (first slot, mean, low, high) drawn as a
    shaded 80% range with a dashed mean; ``lines``: horizontal (label, value, colour); ``markers``: (slot, short
    text, hover text) above the bar."""
    frame = Frame(height=height)
    n = max(1, len(labels))
    totals = [sum(values[i] for _, _, values in stacks) for i in range(len(labels))]
    top = max([*totals, *(band[3] if band else []), *(v for _, v, _ in lines), 0.0]) * 1.08
    ticks = nice_ticks(top)
    parts, y = y_axis(frame, ticks, y_title)
    slot = frame.inner_w / n

    def x(i: int) -> float:
        return frame.left + slot * (i + 0.5)

    bar = max(1.0, slot * 0.8)
    for i in range(len(labels)):
        base = 0.0
        for name, colour, values in stacks:
            value = values[i]
            if value <= 0:
                continue
            y0, y1 = y(base), y(base + value)
            parts.append(
                f'<rect x="{x(i) - bar / 2:.1f}" y="{y1:.1f}" width="{bar:.1f}" height="{max(0.5, y0 - y1):.1f}" '
                f'fill="{colour}"><title>{esc(labels[i])} {esc(name)}: {esc(value_text(value))}</title></rect>'
            )
            base += value
    if band:
        _band(parts, band, x, y)
    for name, value, colour in lines:
        _limit(parts, frame, y, name, value, colour, value_text(value))
        parts.append(
            f'<text x="{frame.width - RIGHT - 4}" y="{y(value) - 5:.1f}" text-anchor="end" class="note" fill="{colour}">{esc(name)}</text>'
        )
    for i, short, hover in markers:
        top_y = y(totals[i] if i < len(totals) else 0) - 8
        parts.append(
            f'<g class="anomaly"><circle cx="{x(i):.1f}" cy="{top_y:.1f}" r="8" fill="#D55E00"/>'
            f'<text x="{x(i):.1f}" y="{top_y + 4:.1f}" text-anchor="middle" class="marker">{esc(short)}</text>'
            f"<title>{esc(hover)}</title></g>"
        )
    parts += x_labels(frame, labels, x)
    return svg(frame, parts, y_title)


def lines_with_band(
    labels: Sequence[str],
    actual: Sequence[float | None],
    band: tuple[int, Sequence[float], Sequence[float], Sequence[float]] | None,
    *,
    y_title: str,
    value_text: Callable[[float], str],
    limits: Sequence[tuple[str, float, str]] = (),
    height: int = 300,
) -> str:
    """A cumulative line (actual, then the forecast's mean and 80% band) against horizontal limits."""
    frame = Frame(height=height)
    values = [v for v in actual if v is not None]
    top = max([*values, *(band[3] if band else []), *(v for _, v, _ in limits), 0.0]) * 1.08
    ticks = nice_ticks(top)
    parts, y = y_axis(frame, ticks, y_title)
    slot = frame.inner_w / max(1, len(labels))

    def x(i: int) -> float:
        return frame.left + slot * (i + 0.5)

    if band:
        _, mean, low, high = band
        xs = _band(parts, band, x, y)
        parts.append(
            f'<text x="{xs[-1] - 4:.1f}" y="{y(mean[-1]) - 8:.1f}" text-anchor="end" class="note">forecast {esc(value_text(mean[-1]))}'
            f" ({esc(value_text(low[-1]))} to {esc(value_text(high[-1]))})</text>"
        )
    points = [(x(i), y(v)) for i, v in enumerate(actual) if v is not None]
    if points:
        parts.append(
            f'<polyline points="{" ".join(f"{a:.1f},{b:.1f}" for a, b in points)}" fill="none" stroke="{INK}" stroke-width="2.5"/>'
        )
    for name, value, colour in limits:
        _limit(parts, frame, y, name, value, colour, value_text(value))
        parts.append(
            f'<text x="{frame.left + 6}" y="{y(value) - 5:.1f}" class="note" fill="{colour}">{esc(name)}</text>'
        )
    parts += x_labels(frame, labels, x)
    return svg(frame, parts, y_title)


def _band(parts: list[str], band, x: Callable[[int], float], y: Callable[[float], float]) -> list[float]:
    """The forecast: its 80% range shaded, its expected value dashed; returns the x of each day."""
    first, mean, low, high = band
    xs = [x(first + i) for i in range(len(mean))]
    outline = [f"{a:.1f},{y(v):.1f}" for a, v in zip(xs, high)]
    outline += [f"{a:.1f},{y(v):.1f}" for a, v in reversed(list(zip(xs, low)))]
    parts.append(
        f'<polygon points="{" ".join(outline)}" fill="{BAND}"><title>80% range of the forecast</title></polygon>'
    )
    path = " ".join(f"{a:.1f},{y(v):.1f}" for a, v in zip(xs, mean))
    parts.append(f'<polyline points="{path}" fill="none" stroke="#0072B2" stroke-width="2" stroke-dasharray="6 4"/>')
    return xs


def _limit(
    parts: list[str], frame: Frame, y: Callable[[float], float], name: str, value: float, colour: str, hover: str
):
    parts.append(
        f'<line x1="{frame.left}" x2="{frame.width - RIGHT}" y1="{y(value):.1f}" y2="{y(value):.1f}" stroke="{colour}" '
        f'stroke-width="2" stroke-dasharray="2 3"><title>{esc(name)}: {esc(hover)}</title></line>'
    )
