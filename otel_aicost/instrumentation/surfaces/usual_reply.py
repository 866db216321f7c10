"""A reply of the usual shape read into one plain tuple, for the usual call's end (``instrumentation/usual_end.py``).

A chat, legacy completion or embeddings reply whose usage is of the usual shape (``usual_usage.usual_counts``) is
read into a ``Reply`` tuple, no ``Facts`` or ``Usage`` made: (response id, response model, finish reasons, service
tier, system fingerprint, dimension count, input tokens, output tokens, cached tokens or None when not reported,
reasoning tokens or None). Every value is what the surface's own reader puts in its ``Facts``, so ``facts_of`` gives
the very ``Facts`` that reader returns (``tests/unit/test_usual_end.py`` compares them). Anything else is None: the
surface's reader reads it.
"""

from __future__ import annotations

from operator import itemgetter
from typing import Any

from otel_aicost.instrumentation.facts import Facts
from otel_aicost.instrumentation.surfaces.shared import CHAT_USAGE, choice_reasons
from otel_aicost.instrumentation.surfaces.usual_usage import usage_of_counts, usual_counts

Reply = tuple  # the layout above: fields by position (a tuple costs a fraction of a frozen object to make)
RESPONSE_ID, RESPONSE_MODEL, FINISH_REASONS, SERVICE_TIER, FINGERPRINT, DIMENSIONS = range(6)
INPUT_TOKENS, OUTPUT_TOKENS, CACHED_TOKENS, REASONING_TOKENS = range(6, 10)


def choices_reply(response: Any) -> Reply | None:
    """A chat completion or legacy completion (what ``shared.read_choices_response`` reads)."""
    try:  # a pydantic 2 model without extra fields: its fields read from its __dict__ in one C call (each getattr with
        # a default costs about 500 instructions, a dict get about a third of that; callgrind), which holds every
        # declared field. Anything else (no such field, a choice without finish_reason): the general read
        if response.__pydantic_extra__:
            return None
        fields = response.__dict__
        response_id, model, fingerprint, usage, choices = _CHOICES_FIELDS(fields)
        if type(choices) is list and len(choices) == 1:  # the usual reply: shared.choice_reasons, inline
            reason = choices[0].finish_reason
            reasons = (reason,) if type(reason) is str and reason else ()
        else:
            reasons = choice_reasons(response)
    except (AttributeError, KeyError):
        return None
    counts = usual_counts(usage, *CHAT_USAGE)
    if counts is None:
        return None
    tier = fields.get("service_tier")  # not a field of a legacy completion
    return (
        response_id if type(response_id) is str and response_id else None,
        model if type(model) is str and model else None,
        reasons,
        tier if type(tier) is str and tier else None,
        fingerprint if type(fingerprint) is str and fingerprint else None,
        None,
        *counts,
    )


_CHOICES_FIELDS = itemgetter("id", "model", "system_fingerprint", "usage", "choices")


def facts_of(reply: Reply) -> Facts:
    """The ``Facts`` the surface's reader gives for the reply ``reply`` was read from."""
    return Facts(
        response_id=reply[RESPONSE_ID],
        response_model=reply[RESPONSE_MODEL],
        finish_reasons=reply[FINISH_REASONS],
        usage=usage_of_counts(reply[INPUT_TOKENS], reply[OUTPUT_TOKENS], reply[CACHED_TOKENS],
                              reply[REASONING_TOKENS]),  # fmt: skip
        service_tier=reply[SERVICE_TIER],
        system_fingerprint=reply[FINGERPRINT],
        dimension_count=reply[DIMENSIONS],
    )
