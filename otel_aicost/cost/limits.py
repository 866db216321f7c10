"""What one call of a model can bill at most: its context window and max output tokens (``data/openai.json``).

Two uses: usage beyond ``ceilings()`` is ``implausible_usage`` (a response claiming 10^15 prompt tokens is not
priced at $2.5 billion), and a budget reservation for a call that sets no ``max_tokens`` is capped by
``max_output()``. The margins are generous on purpose: ``n`` choices multiply output, and a wrong "implausible"
would hide real spend.
"""

from __future__ import annotations

from functools import lru_cache

from otel_aicost.cost.pricing import supplement
from otel_aicost.cost.pricing.names import fine_tuned_base, normalise, without_date

INPUT_MARGIN = 8  # input beyond 8x the context window cannot be one call
OUTPUT_MARGIN = 64  # output beyond 64x the max output cannot be one call (n choices multiply output)
UNKNOWN_MAX_INPUT = 16_000_000  # models whose limits we do not know
UNKNOWN_MAX_OUTPUT = 8_000_000
EMBEDDING_INPUTS_PER_CALL = 2048  # an embeddings call takes up to 2048 inputs, each up to the context window
DEFAULT_MAX_OUTPUT = 16_384  # a model's max output when only its context window is known


@lru_cache(maxsize=1024)
def of(model: str) -> tuple[int, int | None] | None:
    """(context window, max output tokens or None) of ``model``, dated, undated, fine-tuned or Azure-spelled."""
    name = normalise(model).replace("gpt-35", "gpt-3.5")
    base = fine_tuned_base(name)
    for candidate in (name, without_date(name), base, without_date(base) if base else None):
        found = _limits(candidate) if candidate else None
        if found is not None:
            return found
    return None


def _limits(name: str) -> tuple[int, int | None] | None:
    limits = supplement.models().get(name, {}).get("limits")
    return (int(limits[0]), limits[1]) if limits else None


def ceilings(models: list[str]) -> tuple[int, int]:
    """(input, output) token counts above which one call of the first known of ``models`` is implausible."""
    for model in models:
        found = of(model) if model else None
        if found is not None:
            context, max_output = found
            return context * INPUT_MARGIN, max(max_output or context, DEFAULT_MAX_OUTPUT) * OUTPUT_MARGIN
    return UNKNOWN_MAX_INPUT, UNKNOWN_MAX_OUTPUT


def max_output(model: str | None) -> int | None:
    """The most output tokens one call (one choice) of ``model`` can produce, if known."""
    found = of(model) if model else None
    if found is None:
        return None
    return found[1] or DEFAULT_MAX_OUTPUT
