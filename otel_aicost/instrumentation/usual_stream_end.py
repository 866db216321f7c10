"""The end of a usual stream in one step: a chat, legacy completion or Responses API stream (a surface with a usual
reader, ``Surface.read_usual``) that ended without an error, ended through the same prepared plan as a usual reply
(``usual_end.py``: the ``UsualEnd`` keyed by usage source too).

Its facts are those its chunks gave (``StreamState``), its usage the reported one or else the local count the general
end makes (``outcome.estimate_output``; a chat request's messages counted here in one step: ``local_count``), read
into the usual reply tuple (``surfaces/usual_reply.py``); the end
attributes and series are a usual reply's, the time to first chunk and the chunk gaps recorded after them. It declines
(``end_usual_stream`` returns False, nothing done: the general end) for what ``usual_end`` declines and for a stream
whose facts hold anything a usual reply has not (output parts or messages, units, tool calls, extra attributes, batch
calls, a dimension count), priced subsets of its usage but cache reads and writes, or usage beyond the plan's limits.
``tests/unit/test_usual_stream_end.py`` compares its exported spans and metric points with the general path's.
"""

from __future__ import annotations

import time
from typing import Any

from otel_aicost.cost.token_pieces import count_ordinary
from otel_aicost.cost.tokens import count_messages, encoding_for_model, joined_texts
from otel_aicost.instrumentation.facts import NO_FACTS
from otel_aicost.instrumentation.outcome import estimate_output
from otel_aicost.instrumentation.safety import report_internal_error
from otel_aicost.instrumentation.usage import ESTIMATED, REPORTED
from otel_aicost.instrumentation.usual_end import declines, end_in_one_step, plan_of


def end_usual_stream(state: Any) -> bool:
    """End the call of a stream that ended without an error (its ``StreamState``) if it is usual: True if it ended
    here; False (nothing done): end it by the general path. Its usage is the reported one, else the local count the
    general path makes (``outcome``)."""
    try:
        call, facts = state.call, state.facts
        if (
            call.profile.surface.read_usual is None
            or declines(call)
            or (
                facts is not NO_FACTS  # nothing beyond what a usual reply has (NO_FACTS has none of it)
                and (
                    facts.output_parts
                    or facts.output_messages is not None
                    or facts.units is not None
                    or facts.tool_calls
                    or facts.extra
                    or facts.batch_calls
                    or facts.dimension_count is not None
                )
            )
        ):
            return False
        duration = time.perf_counter() - call.start
        first = state.first  # the first chunk's values, when no chunk's facts were folded after it (facts: NO_FACTS),
        # and a usage event's kept beside them (StreamState.take_usage_event)
        if first is None:
            response_id, response_model = facts.response_id, facts.response_model
            tier, fingerprint, usage = facts.service_tier, facts.system_fingerprint, facts.usage
        else:
            (response_id, response_model, tier, fingerprint), usage = first, state.usage
        plan = plan_of(call, response_model, tier, REPORTED if usage is not None else ESTIMATED)
        if plan.input_rate is None:
            return False
        if usage is not None:
            inputs, output = usage.input_tokens, usage.output_tokens
            if (
                usage.cache_write_12h_tokens  # priced at their own rate by the general path, as the rest below
                or usage.input_audio_tokens
                or usage.output_audio_tokens
                or usage.input_image_tokens
                or usage.output_image_tokens
            ):
                return False
            # (the Usage's cache reads: already at most its input tokens)
            cached = usage.cache_read_tokens if usage.cache_read_reported or usage.cache_read_tokens else None
            reasoning = usage.reasoning_tokens
            writes = usage.cache_write_tokens  # (at most its input tokens)
        else:
            counted = local_count(call, response_model, state.parts)
            if counted is None:
                return False
            (inputs, output), cached, reasoning, writes = counted, None, 0, 0  # an estimated Usage's
        if inputs > plan.input_limit or output > plan.output_limit:
            return False
        reply = (response_id, response_model, state.finish_reasons(), tier, fingerprint, None, inputs, output, cached,
                 reasoning, writes)  # fmt: skip
    except Exception:
        report_internal_error("usual stream end")
        return False
    first_chunk_at = call.first_chunk_at
    end_in_one_step(call, plan, reply, duration, None if first_chunk_at is None else first_chunk_at - call.start,
                    call.chunk_gaps)  # fmt: skip
    return True


def output_texts(parts: list[Any]) -> tuple[str, ...]:
    """The texts a stream's chunks gave (``StreamState.parts``), the non-empty strings among them (for a local count
    when no usage came)."""
    texts = []  # a loop, not a comprehension: no function of its own before Python 3.12
    for part in parts:
        if type(part) is str and part:
            texts.append(part)
    return tuple(texts)


def local_count(request: Any, response_model: str | None, parts: list[Any]) -> tuple[int, int] | None:
    """The input and output tokens ``outcome.estimate_output`` counts for a stream that reported no usage (None:
    it could not count them) from its output ``parts`` (``StreamState.parts``: the texts among them count). A chat
    request's ``messages`` list without ``tools`` is counted here, in one step (without its argument reads, keyword
    calls and ``Usage``: ~17k instructions less a broken stream, callgrind; one encoding lookup for both counts, the
    texts joined without ``output_texts``' tuple or ``count_output``'s frame); any other request by it."""
    kwargs = request.kwargs
    messages = kwargs.get("messages")
    if type(messages) is not list or kwargs.get("tools") is not None:
        usage = estimate_output(request, response_model, output_texts(parts))
        return None if usage is None else (usage.input_tokens, usage.output_tokens)
    model = response_model or request.request_model
    try:
        encoding = encoding_for_model(model)
        text = joined_texts(parts)  # as count_output joins output_texts (an empty one adds nothing)
        return count_messages(messages, model, None, encoding), count_ordinary(encoding, text) if text else 0
    except Exception:  # as estimated_usage: a count we cannot make is no usage
        return None
