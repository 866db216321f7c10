"""What every chart of the page shares: the palette, the plot frame, round ticks in one format, the y axis, the
x labels, a legend, and the ``<svg>`` around the marks."""

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


def y_axis(frame: Frame, ticks: list[float], title: str) -> tuple[list[str], Callable[[float], float]]:
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


def svg(frame: Frame, parts: list[str], label: str) -> str:
    return (
        f'<svg viewBox="0 0 {frame.width} {frame.height}" width="100%" role="img" aria-label="{esc(label)}" '
        f'xmlns="http://www.w3.org/2000/svg">{"".join(parts)}</svg>'
    )


def x_labels(frame: Frame, labels: Sequence[str], x: Callable[[int], float]) -> list[str]:
    every = max(1, math.ceil(len(labels) / 16))
    return [
        f'<text x="{x(i):.1f}" y="{frame.height - BOTTOM + 16}" text-anchor="middle" class="tick">{esc(text)}</text>'
        for i, text in enumerate(labels)
        if i % every == 0
    ]


def legend(frame: Frame, items: Sequence[tuple[str, str]]) -> list[str]:
    parts, x = [], frame.left
    for name, colour in items:
        parts.append(f'<rect x="{x}" y="{frame.height - 22}" width="12" height="12" fill="{colour}"/>')
        parts.append(f'<text x="{x + 16}" y="{frame.height - 12}" class="tick">{esc(name)}</text>')
        x += 30 + 7 * len(name)
    return parts


def clip(text: str, size: int) -> str:
    return text if len(text) <= size else text[: size - 1] + "…"
