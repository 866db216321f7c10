"""The usual end specialized for openai's own ``ChatCompletion`` (with openai's own usage classes); its twin for
``CreateEmbeddingResponse`` is ``usual_own_embeddings_end.py`` (twins, not one function with a branch: a frame less on
each call).

Why a second path: the usual end (``usual_end.end_usual``) serves chat, legacy completions, embeddings and streams
through shared steps: the reply read into a 10-tuple by its surface's reader (``choices_reply`` and ``chat_counts``,
``embeddings.read_usual``), ``declines`` and ``plan_of`` (two frames and a 5-tuple key), ``end_in_one_step`` (a 7-tuple
reply shape as a second key). By function (``bench/own_instructions.py --by-function``, chat, round 19) those cost
``end_in_one_step`` 11.2k, ``end_usual`` 6.3k, ``choices_reply`` 5.0k, ``chat_counts`` 4.8k, ``plan_of`` 3.3k and
``declines`` 0.9k instructions a call: about 550 bytecodes at about 30 instructions each. Here, for the commonest
replies of all, every field is read by attribute once, straight into the end attributes and the records' values, and
the prepared plan (``usual_end.UsualEnd``), its attribute layout and its records are found by one lookup, by what
decides them: the response model, tiers, admitted metric tags and, as constant values of the layout (not stored per
call), the reply's finish reasons and system fingerprint (its twin: an embeddings reply's dimension count); whether
cached tokens were reported and whether there are any, whether there are cache writes and whether there are reasoning
tokens. The cost is the same exact scaled integers, cache reads and writes at their own rates as ``end_in_one_step``
prices them. Measured (round 20,
``bench/README.md``): ours a chat call 68k -> 58k instructions (its twin: an embeddings call 56k -> 46k).

What keeps it and its twin equal to the usual end: anything they do not fully recognise declines (``end_chat`` and
``end_embeddings`` return False before doing anything) to ``usual_end.end_usual``, which stays the definition and the
fallback: the plan and the layout are made by ``usual_end`` itself (``plan_of``, ``_layout``) on the first such call,
and only a plan that ``end_usual`` would end in one step is used (priced per token, plain, within its limits); the
per-call stores are ``end_in_one_step``'s. ``tests/unit/test_usual_own_end.py`` runs a wide table
of replies through both and compares everything exported (span attributes with their types and order, status, metric
points and exemplars, cost, what the caller gets), and fails when any one attribute these ends write is dropped or
changed.
"""
from __future__ import annotations

import time
from typing import Any

from otel_aicost import semconv
from otel_aicost.export.sdk_internals import current_context, meter_enabled, store_clean_span_attributes
from otel_aicost.instrumentation.histogram_records import Moment
from otel_aicost.instrumentation.metrics import record_each
from otel_aicost.instrumentation.safety import report_internal_error
from otel_aicost.instrumentation.surfaces.shared import choice_reasons
from otel_aicost.instrumentation.surfaces.usual_reply import _CHAT_COMPLETION, choices_reply
from otel_aicost.instrumentation.surfaces.usual_usage import (
    _CACHE_WRITES_DECLARED,
    _IMAGES_DECLARED,
    _INPUT_DETAILS,
    _OUTPUT_DETAILS,
    _USAGE,
    MAX_TOKENS,
)
from otel_aicost.instrumentation.usage import REPORTED
from otel_aicost.instrumentation.usual_end import MAX_ENDS, _layout, plan_of

# the reply class this end reads: openai's own ChatCompletion with its own usage classes (each checked once for the
# fields read: usual_reply._chat_completion, usual_usage._chat_classes); None: this openai lacks them, never used
CHAT_COMPLETION = _CHAT_COMPLETION if _USAGE is not None else None

_perf_counter = time.perf_counter  # (time.time is read as plan_of reads it: tests set the clock there)
# the attribute keys written per call (module globals: one lookup each)
_RESPONSE_ID = semconv.RESPONSE_ID
_INPUT_TOKENS = semconv.USAGE_INPUT_TOKENS
_OUTPUT_TOKENS = semconv.USAGE_OUTPUT_TOKENS
_REASONING_TOKENS = semconv.USAGE_REASONING_OUTPUT_TOKENS
_COST = semconv.USAGE_COST
_COST_INPUT = semconv.COST_INPUT
_COST_OUTPUT = semconv.COST_OUTPUT
_CACHED_TOKENS = semconv.USAGE_CACHE_READ_INPUT_TOKENS
_COST_CACHED = semconv.COST_CACHE_READ
_WRITE_TOKENS = semconv.USAGE_CACHE_CREATION_INPUT_TOKENS
_COST_WRITE = semconv.COST_CACHE_WRITE


def end_chat(call: Any, response: Any) -> bool:
    """End ``call`` with ``response``, an instance of ``CHAT_COMPLETION`` exactly (the caller checks its type), as
    ``usual_end.end_usual`` would end it in one step: True if it ended here; False (nothing done): ask ``end_usual``."""
    # usual_end.end_usual's and declines' conditions
    if call.first_chunk_at is not None or call.ended or call.enriching or call.reservation is not None:
        return False
    profile = call.profile
    telemetry = call.telemetry
    budgets = telemetry.budgets
    if (
        profile.surface.read_usual is not choices_reply
        or (budgets is not None and budgets.has_budgets)
        or telemetry.content.enabled
        or telemetry.pricer.outputs is not None
    ):
        return False
    duration = _perf_counter() - call.start
    try:  # the reply, as choices_reply and chat_counts read it; anything else they would read otherwise: declined
        # (its extra fields, such as Azure's prompt_filter_results, none of the ones read: CHAT_COMPLETION declares
        # them all, and a declared field is never an extra)
        response_id = response.id
        model = response.model
        usage = response.usage
        if type(usage) is not _USAGE or usage.__pydantic_extra__:
            return False
        inputs = usage.prompt_tokens
        output = usage.completion_tokens
        details = usage.prompt_tokens_details
        cached = reasoning = writes = None
        if details is not None:
            if type(details) is not _INPUT_DETAILS or details.__pydantic_extra__:
                return False
            if details.audio_tokens or (_IMAGES_DECLARED and details.image_tokens):  # only declared ones read
                return False  # (usual_usage)
            cached = details.cached_tokens
            if _CACHE_WRITES_DECLARED:
                writes = details.cache_write_tokens
        details = usage.completion_tokens_details
        if details is not None:
            if type(details) is not _OUTPUT_DETAILS or details.__pydantic_extra__ or details.audio_tokens:
                return False
            reasoning = details.reasoning_tokens
        choices = response.choices
        if type(choices) is list and len(choices) == 1:  # the usual reply: its one reason is the key's
            reason = choices[0].finish_reason
            if type(reason) is not str or not reason:
                reason = ()
        else:
            reason = choice_reasons(response)  # the reasons tuple itself
        fingerprint = response.system_fingerprint
        tier = response.service_tier
        if not (
            type(response_id) is str and response_id and type(model) is str and model
            and type(inputs) is int and 0 <= inputs <= MAX_TOKENS and type(output) is int
            and 0 <= output <= MAX_TOKENS
            and (cached is None or (type(cached) is int and 0 <= cached <= MAX_TOKENS))
            and (writes is None or (type(writes) is int and 0 <= writes <= MAX_TOKENS))
        ):  # fmt: skip
            return False
        if cached and cached > inputs:  # at most the input tokens, as usual_usage.usage_of_counts and the pricer
            cached = inputs
        written = 0  # the cache writes priced: at most the input tokens not read from the cache (as end_in_one_step)
        if writes:
            if writes > inputs:  # the span's count: at most the input tokens, as usage_of_counts
                writes = inputs
            written = inputs - cached if cached else inputs
            if writes < written:
                written = writes
            if not written:  # every input token read from the cache, yet writes: end_usual's general end
                return False
        if reasoning is not None:
            if type(reasoning) is not int or not 0 <= reasoning <= MAX_TOKENS:
                return False
            if reasoning > output:  # min(reasoning, output)
                reasoning = output
        if type(fingerprint) is not str or not fingerprint:
            fingerprint = None
        if type(tier) is not str or not tier:
            tier = None
        requested = call.params.get("service_tier")
        if type(requested) is not str:
            requested = None
        tags = call.tags
        tags = telemetry.metric_tags.admitted(tags) if tags else ()
        # the plan, its layout and records by one lookup (usual_end.plan_of's key, and the layout's shape: the reasons
        # and fingerprint values, whether cached tokens were reported and whether there are any (None, 0 or True),
        # whether there are reasoning tokens)
        key = (model, tier, requested, tags, reason, fingerprint, cached and True, not reasoning, not writes)
        pricer = telemetry.pricer
        period = pricer.period if pricer._expires > time.time() else pricer.period_now()  # as plan_of
        ends = profile.own_ends
        entry = ends.get(key)
    except Exception:  # what end_usual would report (it reads it again) or leave to the general reader
        return False
    if entry is None or entry[0].period != period:
        try:
            entry = _prepare(call, response_id, model, tier, reason, fingerprint, cached, reasoning, writes)
        except Exception:
            report_internal_error("usual end")
            return False
        if len(ends) >= MAX_ENDS:
            ends.clear()
        ends[key] = entry
    plan, layout, records = entry
    if layout is None or inputs > plan.input_limit or output > plan.output_limit:
        return False  # not priced per token, not plain, or beyond the limits: end_usual's general end
    # usual_end.end_in_one_step of this reply
    call.ended = True
    span = call.span
    try:
        output_cost = plan.output_rate * output
        divisor = plan.divisor
        if cached or written:  # cache reads and writes at their own rates
            read_cost = plan.read_rate * cached if cached else 0
            write_cost = plan.write_rate * written
            input_cost = plan.input_rate * (inputs - (cached or 0) - written)
            total = (input_cost + read_cost + write_cost + output_cost) / divisor
        else:
            input_cost = plan.input_rate * inputs
            total = (input_cost + output_cost) / divisor
        started_plainly = call.start_count >= 0
        if started_plainly or span.is_recording():
            attributes = layout.copy()  # every value below replaced in place: the keys keep the layout's order
            attributes[_RESPONSE_ID] = response_id
            attributes[_INPUT_TOKENS] = inputs
            attributes[_OUTPUT_TOKENS] = output
            if cached:
                attributes[_CACHED_TOKENS] = cached
                if read_cost:
                    attributes[_COST_CACHED] = read_cost / divisor
            if written:
                attributes[_WRITE_TOKENS] = writes
                if write_cost:
                    attributes[_COST_WRITE] = write_cost / divisor
            if reasoning:
                attributes[_REASONING_TOKENS] = reasoning
            attributes[_COST] = total
            attributes[_COST_INPUT] = input_cost / divisor
            attributes[_COST_OUTPUT] = output_cost / divisor
            if not store_clean_span_attributes(span, attributes, call.start_count) and (
                not started_plainly or span.is_recording()
            ):
                span.set_attributes(attributes)
    except Exception:
        report_internal_error("usual end")
        total = None
    finally:
        span.end()
    if total is None:
        return True
    try:
        values = (duration, inputs, output, total)
        if records is not None and records.record(values, None, True, current_context()):
            return True
        instruments = telemetry.instruments
        moment = Moment(meter_enabled(instruments.duration))
        record_each(instruments, plan.series, profile.surface.operation, duration, inputs, output, total, moment)
    except Exception:
        report_internal_error("call end")
    return True


def _prepare(call: Any, response_id: str, model: str, tier: str | None, reason: Any, fingerprint: str | None,
             cached: int | None, reasoning: int | None, writes: int | None
             ) -> tuple[Any, dict[str, Any] | None, Any]:  # fmt: skip
    """(plan, layout, records) of a reply of this kind: ``usual_end``'s own plan and layout (None: ``end_usual`` would
    not end it in one step, or not with a plain store)."""
    plan = plan_of(call, model, tier, REPORTED)
    if plan.input_rate is None or not plan.plain or not plan.has_output:
        return plan, None, None
    reasons = (reason,) if type(reason) is str else reason
    reply = (response_id, model, reasons, tier, fingerprint, None)  # usual_reply.Reply's first six fields
    layout = _layout(plan, reply, 0, 0, cached, reasoning or 0, None, bool(cached) and plan.read_rate, writes or 0,
                     bool(writes) and plan.write_rate)  # fmt: skip
    return plan, layout, plan.series.priced_plan
