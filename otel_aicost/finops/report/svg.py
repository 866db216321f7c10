"""Small inline SVG charts for the HTML report: stacked bars with a band and lines, horizontal bars, grouped bars,
a scatter. No JavaScript and no charting library: a page stays a few hundred KB (plotly.js alone is 4.6 MB and
has no smaller bundle in its Python package), renders the same in every browser, and is checked in tests.
Hovering a mark shows its exact figures (SVG ``<title>``).

Every chart takes its colours from the caller, so one group keeps one colour on the whole page.
"""

from __future__ import annotations

import html
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

WIDTH, HEIGHT = 1180, 340
LEFT, RIGHT, TOP, BOTTOM = 84, 16, 16, 56
PALETTE = (  # Okabe-Ito and Tableau hues: distinguishable, also for most colour-blind readers
    "#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#4E79A7", "#B07AA1", "#9C755F",
)  # fmt: skip
OTHER = "#9E9E9E"
INK, GRID, BAND = "#222", "#e3e3e3", "rgba(0, 114, 178, 0.18)"


def esc(text: object) -> str:
    return html.escape(str(text), quote=True)


def nice_ticks(top: float, count: int = 5) -> list[float]:
    """0 and round steps (1, 2, 2.5, 5 x 10^n) up to at least ``top``."""
    if top <= 0:
        return [0.0, 1.0]
    raw = top / count
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    return [i * step for i in range(math.ceil(top / step - 1e-9) + 1)]


def tick_labels(ticks: Sequence[float]) -> list[str]:
    """One format for every tick: as many decimals as the step needs, thousands separators."""
    step = ticks[1] - ticks[0] if len(ticks) > 1 else 1.0
    places = max(0, -math.floor(math.log10(step)) + (1 if step / 10 ** math.floor(math.log10(step)) == 2.5 else 0))
    return [f"{t:,.{places}f}" for t in ticks]


@dataclass
class Frame:
    """A plot area with a linear y axis from 0 and ``n`` slots along x (or a linear x for scatters)."""

    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT

    @property
    def inner_w(self) -> float:
        return self.width - self.left - RIGHT

    @property
    def inner_h(self) -> float:
        return self.height - TOP - BOTTOM


def _y_axis(frame: Frame, ticks: list[float], title: str) -> tuple[list[str], Callable[[float], float]]:
    top = ticks[-1] or 1.0

    def y(value: float) -> float:
        return TOP + frame.inner_h * (1 - value / top)

    parts = []
    for tick, label in zip(ticks, tick_labels(ticks)):
        parts.append(
            f'<line x1="{frame.left}" x2="{frame.width - RIGHT}" y1="{y(tick):.1f}" y2="{y(tick):.1f}" stroke="{GRID}"/>'
        )
        parts.append(
            f'<text x="{frame.left - 6}" y="{y(tick) + 4:.1f}" text-anchor="end" class="tick">{esc(label)}</text>'
        )
    parts.append(
        f'<text transform="translate(14,{TOP + frame.inner_h / 2:.0f}) rotate(-90)" text-anchor="middle" class="axis">{esc(title)}</text>'
    )
    return parts, y


def _svg(frame: Frame, parts: list[str], label: str) -> str:
    return (
        f'<svg viewBox="0 0 {frame.width} {frame.height}" width="100%" role="img" aria-label="{esc(label)}" '
        f'xmlns="http://www.w3.org/2000/svg">{"".join(parts)}</svg>'
    )


def _x_labels(frame: Frame, labels: Sequence[str], x: Callable[[int], float]) -> list[str]:
    every = max(1, math.ceil(len(labels) / 16))
    return [
        f'<text x="{x(i):.1f}" y="{frame.height - BOTTOM + 16}" text-anchor="middle" class="tick">{esc(text)}</text>'
        for i, text in enumerate(labels)
        if i % every == 0
    ]


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
    parts, y = _y_axis(frame, ticks, y_title)
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
    parts += _x_labels(frame, labels, x)
    return _svg(frame, parts, y_title)


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
    parts, y = _y_axis(frame, ticks, y_title)
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
    parts += _x_labels(frame, labels, x)
    return _svg(frame, parts, y_title)


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
        parts.append(
            f'<text x="{left - 6}" y="{yy + 12}" text-anchor="end" class="tick">{esc(_clip(label, 30))}</text>'
        )
        parts.append(
            f'<rect x="{left}" y="{yy}" width="{max(0.5, value * scale):.1f}" height="{row_h - 8}" fill="{colour}">'
            f"<title>{esc(label)}: {esc(value_text(value))}</title></rect>"
        )
        parts.append(
            f'<text x="{left + value * scale + 4:.1f}" y="{yy + 12}" class="tick">{esc(value_text(value))}</text>'
        )
    return _svg(frame, parts, x_title)


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
    parts, y = _y_axis(frame, ticks, y_title)
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
    parts += _x_labels(frame, [_clip(c, 24) for c in categories], x)
    parts += _legend(frame, [(name, colour) for name, colour, _ in groups])
    return _svg(frame, parts, y_title)


def scatter(points: Sequence[tuple[float, float, str, str]], *, x_title: str, y_title: str, height: int = 340) -> str:
    """Points (x, y, colour, hover text) on linear axes from 0."""
    frame = Frame(height=height)
    y_ticks = nice_ticks(max([p[1] for p in points] or [0.0]) * 1.05)
    x_ticks = nice_ticks(max([p[0] for p in points] or [0.0]) * 1.05, 8)
    parts, y = _y_axis(frame, y_ticks, y_title)
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
    return _svg(frame, parts, y_title)


def _legend(frame: Frame, items: Sequence[tuple[str, str]]) -> list[str]:
    parts, x = [], frame.left
    for name, colour in items:
        parts.append(f'<rect x="{x}" y="{frame.height - 22}" width="12" height="12" fill="{colour}"/>')
        parts.append(f'<text x="{x + 16}" y="{frame.height - 12}" class="tick">{esc(name)}</text>')
        x += 30 + 7 * len(name)
    return parts


def _clip(text: str, size: int) -> str:
    return text if len(text) <= size else text[: size - 1] + "…"
