"""A reply of the usual shape read into one plain tuple, for the usual call's end (``instrumentation/usual_end.py``).

A chat, legacy completion or embeddings reply (a Responses API reply: ``responses.read_usual``) whose usage is of the
usual shape (``usual_usage.usual_counts``) is read into a ``Reply`` tuple, no ``Facts`` or ``Usage`` made: (response
id, response model, finish reasons, service tier, system fingerprint, dimension count, input tokens, output tokens,
cached tokens or None when not reported, reasoning tokens or None, cache-write tokens or 0; the counts unclamped).
Every value is what the surface's own reader puts in its ``Facts``, so ``facts_of`` gives the very ``Facts`` that
reader returns (``tests/unit/test_usual_end.py`` compares them). Anything else is None: the surface's reader reads it.
"""

from __future__ import annotations

from operator import itemgetter
from typing import Any

from otel_aicost.instrumentation.facts import Facts
from otel_aicost.instrumentation.surfaces.shared import choice_reasons
from otel_aicost.instrumentation.surfaces.usual_usage import chat_counts, usage_of_counts

Reply = tuple  # the layout above: fields by position (a tuple costs a fraction of a frozen object to make)
RESPONSE_ID, RESPONSE_MODEL, FINISH_REASONS, SERVICE_TIER, FINGERPRINT, DIMENSIONS = range(6)
INPUT_TOKENS, OUTPUT_TOKENS, CACHED_TOKENS, REASONING_TOKENS, CACHE_WRITE_TOKENS = range(6, 11)


def choices_reply(response: Any) -> Reply | None:
    """A chat completion or legacy completion (what ``shared.read_choices_response`` reads)."""
    try:  # a pydantic 2 model with no extra field among those read (an undeclared field the general read would read
        # by attribute; others, such as the ``prompt_filter_results`` of every Azure OpenAI reply, change nothing it
        # reads). openai's own ChatCompletion: its declared fields read by attribute (about 80 instructions each,
        # callgrind); another model: from its __dict__ in one C call (a model's __dict__ costs about 520 instructions,
        # a dict get about 310; each getattr with a default about 500), which holds every declared field. Anything else
        # (no such field, a choice without finish_reason): the general read
        extra = response.__pydantic_extra__
        if extra and not _READ_NAMES.isdisjoint(extra):
            return None
        if type(response) is _CHAT_COMPLETION:
            response_id, model, fingerprint, usage, choices, tier = (
                response.id, response.model, response.system_fingerprint, response.usage, response.choices,
                response.service_tier,
            )  # fmt: skip
        else:
            fields = response.__dict__
            response_id, model, fingerprint, usage, choices = _CHOICES_FIELDS(fields)
            tier = fields.get("service_tier")  # not a field of a legacy completion
        if type(choices) is list and len(choices) == 1:  # the usual reply: shared.choice_reasons, inline
            reason = choices[0].finish_reason
            reasons = (reason,) if type(reason) is str and reason else ()
        else:
            reasons = choice_reasons(response)
    except (AttributeError, KeyError):
        return None
    counts = chat_counts(usage)  # usual_counts with CHAT_USAGE's names, by attribute on openai's own usage classes
    if counts is None:
        return None
    inputs, output, cached, reasoning, writes = counts  # (not *counts in the tuple: that builds a list first)
    return (
        response_id if type(response_id) is str and response_id else None,
        model if type(model) is str and model else None,
        reasons,
        tier if type(tier) is str and tier else None,
        fingerprint if type(fingerprint) is str and fingerprint else None,
        None,
        inputs, output, cached, reasoning, writes,
    )  # fmt: skip


_CHOICES_FIELDS = itemgetter("id", "model", "system_fingerprint", "usage", "choices")
# every name the general read of a choices reply reads (shared.read_choices_response: common_values, the usage, the
# choices' reasons)
_READ_NAMES = frozenset(("id", "model", "service_tier", "system_fingerprint", "usage", "choices"))


def _chat_completion() -> type | None:
    """openai's ChatCompletion if it declares every field ``choices_reply`` reads by attribute, else None."""
    try:
        from openai.types.chat import ChatCompletion
    except ImportError:  # pragma: no cover - openai missing: nothing is ever wrapped
        return None
    fields = getattr(ChatCompletion, "model_fields", None)
    if not isinstance(fields, dict) or not {"id", "model", "system_fingerprint", "usage", "choices",
                                            "service_tier"} <= fields.keys():  # fmt: skip
        return None
    return ChatCompletion


_CHAT_COMPLETION = _chat_completion()


def facts_of(reply: Reply) -> Facts:
    """The ``Facts`` the surface's reader gives for the reply ``reply`` was read from."""
    return Facts(
        response_id=reply[RESPONSE_ID],
        response_model=reply[RESPONSE_MODEL],
        finish_reasons=reply[FINISH_REASONS],
        usage=usage_of_counts(reply[INPUT_TOKENS], reply[OUTPUT_TOKENS], reply[CACHED_TOKENS],
                              reply[REASONING_TOKENS], reply[CACHE_WRITE_TOKENS]),  # fmt: skip
        service_tier=reply[SERVICE_TIER],
        system_fingerprint=reply[FINGERPRINT],
        dimension_count=reply[DIMENSIONS],
    )
