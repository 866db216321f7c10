"""The usual end specialized for openai's own ``CreateEmbeddingResponse`` (with its own ``Usage``): the twin of
``usual_own_chat_end.py``, which tells why there is such an end and what keeps it equal to the usual end
(``usual_end.end_usual``): anything it does not fully recognise declines, before doing anything, to the usual end,
whose plan and layout it uses. The reply is read as ``embeddings.read_usual`` reads it; the layout's constant values
include the dimension count. Measured (round 20, ``bench/README.md``): ours an embeddings call 56k -> 46k
instructions. ``tests/unit/test_usual_own_end.py`` compares both ends' exports.
"""
from __future__ import annotations

import time
from typing import Any

from otel_aicost import semconv
from otel_aicost.export.sdk_internals import current_context, meter_enabled, store_clean_span_attributes
from otel_aicost.instrumentation.histogram_records import Moment
from otel_aicost.instrumentation.metrics import record_each
from otel_aicost.instrumentation.safety import report_internal_error
from otel_aicost.instrumentation.surfaces import embeddings
from otel_aicost.instrumentation.surfaces.usual_usage import MAX_TOKENS
from otel_aicost.instrumentation.usage import REPORTED
from otel_aicost.instrumentation.usual_end import MAX_ENDS, _layout, plan_of

# the reply class this end reads: openai's own CreateEmbeddingResponse with its own Usage (embeddings._own_classes);
# None: this openai lacks them, never used
EMBEDDINGS_RESPONSE = embeddings._RESPONSE if embeddings._USAGE is not None else None
_EMBEDDINGS_USAGE = embeddings._USAGE

_perf_counter = time.perf_counter  # (time.time is read as plan_of reads it: tests set the clock there)
# the attribute keys written per call (module globals: one lookup each)
_INPUT_TOKENS = semconv.USAGE_INPUT_TOKENS
_COST = semconv.USAGE_COST
_COST_INPUT = semconv.COST_INPUT


def end_embeddings(call: Any, response: Any) -> bool:
    """``end_chat`` for ``response``, an instance of ``EMBEDDINGS_RESPONSE`` exactly, as ``end_usual`` ends it with
    ``embeddings.read_usual``'s reply: True if it ended here; False (nothing done): ask ``end_usual``."""
    if call.first_chunk_at is not None or call.ended or call.enriching or call.reservation is not None:
        return False
    profile = call.profile
    telemetry = call.telemetry
    budgets = telemetry.budgets
    if (
        profile.surface.read_usual is not embeddings.read_usual
        or (budgets is not None and budgets.has_budgets)
        or telemetry.content.enabled
        or telemetry.pricer.outputs is not None
    ):
        return False
    duration = _perf_counter() - call.start
    try:  # the reply, as embeddings.read_usual reads it
        if response.__pydantic_extra__:
            return False
        model = response.model
        usage = response.usage
        if type(usage) is not _EMBEDDINGS_USAGE or usage.__pydantic_extra__:
            return False
        inputs = usage.prompt_tokens
        data = response.data
        dimensions = None
        if isinstance(data, list) and data:
            vector = data[0].embedding
            if isinstance(vector, list):
                dimensions = len(vector)
        if not (type(model) is str and model and type(inputs) is int and 0 <= inputs <= MAX_TOKENS):
            return False
        requested = call.params.get("service_tier")
        if type(requested) is not str:
            requested = None
        tags = call.tags
        tags = telemetry.metric_tags.admitted(tags) if tags else ()
        # the plan, its layout and records by one lookup (the dimension count is a constant value of the layout)
        key = (model, requested, tags, dimensions)
        pricer = telemetry.pricer
        period = pricer.period if pricer._expires > time.time() else pricer.period_now()  # as plan_of
        ends = profile.own_ends
        entry = ends.get(key)
    except Exception:  # what end_usual would report (it reads it again) or leave to the general reader
        return False
    if entry is None or entry[0].period != period:
        try:
            entry = _prepare_embeddings(call, model, dimensions)
        except Exception:
            report_internal_error("usual end")
            return False
        if len(ends) >= MAX_ENDS:
            ends.clear()
        ends[key] = entry
    plan, layout, records = entry
    if layout is None or inputs > plan.input_limit:
        return False  # not priced per token, not plain, or beyond the limits: end_usual's general end
    # usual_end.end_in_one_step of this reply (no output tokens: the output cost is the layout's 0.0, the total the
    # input cost)
    call.ended = True
    span = call.span
    try:
        total = plan.input_rate * inputs / plan.divisor
        started_plainly = call.start_count >= 0
        if started_plainly or span.is_recording():
            attributes = layout.copy()  # every value below replaced in place: the keys keep the layout's order
            attributes[_INPUT_TOKENS] = inputs
            attributes[_COST] = total
            attributes[_COST_INPUT] = total
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
        if records is not None and records.record((duration, inputs, total), None, True, current_context()):
            return True
        instruments = telemetry.instruments
        moment = Moment(meter_enabled(instruments.duration))
        record_each(instruments, plan.series, profile.surface.operation, duration, inputs, 0, total, moment)
    except Exception:
        report_internal_error("call end")
    return True


def _prepare_embeddings(call: Any, model: str, dimensions: int | None) -> tuple[Any, dict[str, Any] | None, Any]:
    """``_prepare`` of an embeddings reply."""
    plan = plan_of(call, model, None, REPORTED)
    if plan.input_rate is None or not plan.plain or plan.has_output or plan.output_limit < 0:
        return plan, None, None
    layout = _layout(plan, (None, model, (), None, None, dimensions), 0, 0, None, 0, None, 0)
    return plan, layout, plan.series.priced_input_plan
