"""The end of a usual call in one step: a priced chat, legacy completion, embeddings or Responses API reply, or a
chat, legacy completion or Responses API stream that ended without an error (its stream end:
``usual_stream_end.py``, through the same plan).

The general end (``Call._end``) reads the reply into ``Facts`` and ``Usage``, prices it into a ``Cost`` of
``Decimal`` components, builds the end attributes from those, checks them for plainness and records the metrics
under a series it looks up; about half of what a chat call adds. A usual call's end differs from the last one of
its kind only in a few numbers (ids, token counts), so what is the same is prepared once per (profile, response
model, service tier, requested tier, admitted metric tags, usage source) and price period in a ``UsualEnd``: the
price rates as exact scaled integers, the constant cost attributes, the metric series. The reply is read into a
plain tuple (``surfaces/usual_reply.py``; a stream's from its ``StreamState``: the facts its chunks gave, the reported
usage or else the local count ``outcome.estimate_output`` makes, as the general end would), the cost is two integer
products and exact divisions (each cost value the same float as ``float()`` of the ``Decimal`` the pricer computes:
both are the correctly rounded value of the same exact quotient), the end attributes are a copy of the layout
prepared for the reply's shape (the general order, known plain by construction) with the call's values put in, and
the records are made in one step (a stream's time to first chunk and chunk gaps after them, as
``metrics.record_call`` records them). Cached input tokens (cache reads) are priced here too, at the cache read rate on
the same scale, as the pricer prices them (clamped to the input tokens, the rest at the input rate): with prompt
caching, which the API applies by itself to long prompts, they are in a large share of real calls, and the general end
cost about twice as much as this one (round 35). So are cache writes (round 38), which GPT-5.6 and later models report
on every call that writes the prompt cache: at the cache write rate, at most the input tokens not read from the cache
(as the pricer clamps them; the span's count clamped to the input tokens, as the usage reader clamps it).

It declines (``end_usual`` returns False before doing anything, or ends the call through the general path with the
same facts; ``usual_stream_end.end_usual_stream`` returns False) for anything else: budgets, content capture, an
enriched outer span, a price that is not per token (unknown model, provisioned, ended), usage beyond the model's limits
or its long-context threshold, audio or image tokens or 12-hour cache writes, a surface that completes (but for a
Responses reply's built-in tool calls, which a usual one has none of) or prices itself, a stream ended by an error.
``tests/unit/test_usual_end.py`` and ``tests/unit/test_usual_stream_end.py`` compare its exported spans and metric
points with the general path's.

openai's own ``ChatCompletion`` and ``CreateEmbeddingResponse`` are ended first by ``usual_own_chat_end.py`` and
``usual_own_embeddings_end.py``, this end specialized (its plan and layout made here; its per-call stores a copy of
``end_in_one_step``'s): a change to what this end writes goes there too (``tests/unit/test_usual_own_end.py``
compares them).
"""

from __future__ import annotations

import time
from decimal import Decimal
from typing import Any

from otel_aicost import semconv
from otel_aicost.cost.call_cost import PricingRequest, effective_service_tier
from otel_aicost.export.sdk_internals import current_context, meter_enabled, store_clean_span_attributes
from otel_aicost.instrumentation.call import series_of
from otel_aicost.instrumentation.histogram_records import Moment
from otel_aicost.instrumentation.metrics import record_chunks, record_each
from otel_aicost.instrumentation.safety import report_internal_error
from otel_aicost.instrumentation.span_writes import all_plain
from otel_aicost.instrumentation.surfaces.usual_reply import facts_of
from otel_aicost.instrumentation.usage import REPORTED

MAX_ENDS = 256  # per profile; then they start again
_MAX_LAYOUTS = 64  # per UsualEnd (at most 2**10 shapes)
_STATUS_PRICED = semconv.STATUS_PRICED


class UsualEnd:
    """What every usual call of one profile, response model and tiers shares at its end, in one price period.
    ``input_rate`` None: not priced per token in this period (the general path ends those calls)."""

    __slots__ = ("period", "input_rate", "output_rate", "read_rate", "write_rate", "divisor", "input_limit",
                 "output_limit", "cost_head", "type_source", "plain", "series", "has_output", "source",
                 "layouts")  # fmt: skip

    def __init__(self, period: int) -> None:
        self.period = period
        self.input_rate: int | None = None
        self.layouts: dict[tuple[bool, ...], dict[str, Any]] = {}  # end attributes by reply shape (end_in_one_step)


def end_usual(call: Any, response: Any) -> bool:
    """End ``call`` with the parsed ``response`` if both are usual (see the module): True if the call ended here."""
    read_usual = call.profile.surface.read_usual
    if read_usual is None or call.first_chunk_at is not None or declines(call):
        return False
    duration = time.perf_counter() - call.start
    try:
        reply = read_usual(response)
        if reply is None:
            return False
        plan = plan_of(call, reply[1], reply[3], REPORTED)
        usual = plan.input_rate is not None and reply[6] <= plan.input_limit and reply[7] <= plan.output_limit
    except Exception:
        report_internal_error("usual end")
        return False
    if not usual:
        call.succeed(facts_of(reply))
        return True
    end_in_one_step(call, plan, reply, duration, None, None)
    return True


def declines(call: Any) -> bool:
    """Does a call of this kind take the general end whatever its reply (see the module)? ``end_usual`` and
    ``usual_stream_end`` both ask here."""
    if call.ended or call.enriching or call.reservation is not None:
        return True
    telemetry = call.telemetry
    budgets = telemetry.budgets
    return (
        (budgets is not None and budgets.has_budgets)
        or telemetry.content.enabled
        or telemetry.pricer.outputs is not None
    )


def plan_of(call: Any, response_model: str | None, tier: str | None, source: str) -> UsualEnd:
    """The ``UsualEnd`` of this call's profile, response model, tiers, metric tags and usage source, in this price
    period (prepared on the first such call)."""
    telemetry = call.telemetry
    request = call  # the request's facts are the call's
    requested = request.params.get("service_tier")
    tags = telemetry.metric_tags.admitted(request.tags) if request.tags else ()
    key = (response_model, tier, requested if type(requested) is str else None, tags, source)
    pricer = telemetry.pricer
    period = pricer.period if pricer._expires > time.time() else pricer.period_now()  # Pricer.period_now, its frame
    # only when a period ends
    ends = request.profile.usual_ends
    plan = ends.get(key)
    if plan is None or plan.period != period:
        plan = _prepare(telemetry, request, response_model, tier, key[2], tags, source, period)
        if len(ends) >= MAX_ENDS:
            ends.clear()
        ends[key] = plan
    return plan


def end_in_one_step(call: Any, plan: UsualEnd, reply: Any, duration: float, first_chunk_delay: float | None,
         chunk_gaps: list[float] | None) -> None:  # fmt: skip
    """End ``call`` in one step: the ``reply`` tuple's span attributes, the span's end, the metrics (a stream's
    ``first_chunk_delay`` and ``chunk_gaps`` too)."""
    call.ended = True
    span = call.span
    # the reply's fields in one unpacking (usual_reply.Reply: the response model and tier are the plan's own)
    response_id, _, reasons, _, fingerprint, dimensions, inputs, output, cached, reasoning, writes = reply
    try:
        if cached:  # cache reads at their own rate, at most the input tokens (as usual_usage.usage_of_counts and
            if cached > inputs:  # the pricer clamp them)
                cached = inputs
            read_cost = plan.read_rate * cached
            uncached = inputs - cached
        else:
            read_cost = 0
            uncached = inputs
        if writes:  # cache writes at their own rate, at most the input tokens not read from the cache (as the
            if writes > inputs:  # pricer clamps them; the span's count at most the input tokens, as the reader's)
                writes = inputs
            written = writes if writes <= uncached else uncached
            write_cost = plan.write_rate * written
            uncached -= written
        else:
            write_cost = 0
        input_cost = plan.input_rate * uncached
        output_cost = plan.output_rate * output
        divisor = plan.divisor
        total = (input_cost + read_cost + write_cost + output_cost) / divisor
        # a span started plainly (its start_count known) is the SDK's recording span unless ended since, which
        # store_clean_span_attributes declines: is_recording() (an SDK frame, about 1k instructions a call) asked
        # only then, or for a span started otherwise
        started_plainly = call.start_count >= 0
        if started_plainly or span.is_recording():
            # attributes.end_attributes of the usual call, in its order: a copy of the plan's prepared dict of this
            # reply's shape (which optional attributes it has: the keys and their order, and every value the plan
            # decides) with this call's values put in (a copy and a few stores cost about half of building the dict
            # afresh; inline, not a function of its own: its frame of nine arguments cost about 1k instructions a
            # call, own_instructions.py)
            reasoning = reasoning or 0
            if reasoning > output:  # min(reasoning, output) without the builtin's call
                reasoning = output
            shape = (not response_id, not reasons, not fingerprint, dimensions is None, first_chunk_delay is None,
                     cached is None, not reasoning, not read_cost, not writes, not write_cost)  # fmt: skip
            layout = plan.layouts.get(shape)
            if layout is None:
                layout = _layout(plan, reply, inputs, output, cached, reasoning, first_chunk_delay, read_cost,
                                 writes, write_cost)  # fmt: skip
                if len(plan.layouts) >= _MAX_LAYOUTS:
                    plan.layouts.clear()
                plan.layouts[shape] = layout
            attributes = layout.copy()  # every value below replaced in place: the keys keep the layout's order
            if response_id:
                attributes[semconv.RESPONSE_ID] = response_id
            if reasons:
                attributes[semconv.RESPONSE_FINISH_REASONS] = reasons
            if fingerprint:
                attributes[semconv.OPENAI_RESPONSE_SYSTEM_FINGERPRINT] = fingerprint
            if dimensions is not None:
                attributes[semconv.EMBEDDINGS_DIMENSION_COUNT] = dimensions
            if first_chunk_delay is not None:
                attributes[semconv.RESPONSE_TIME_TO_FIRST_CHUNK] = first_chunk_delay
            attributes[semconv.USAGE_INPUT_TOKENS] = inputs
            if plan.has_output:
                attributes[semconv.USAGE_OUTPUT_TOKENS] = output
            if cached:
                attributes[semconv.USAGE_CACHE_READ_INPUT_TOKENS] = cached
            if writes:
                attributes[semconv.USAGE_CACHE_CREATION_INPUT_TOKENS] = writes
            if reasoning:
                attributes[semconv.USAGE_REASONING_OUTPUT_TOKENS] = reasoning
            attributes[semconv.USAGE_COST] = total
            attributes[semconv.COST_INPUT] = input_cost / divisor
            attributes[semconv.COST_OUTPUT] = output_cost / divisor
            if read_cost:
                attributes[semconv.COST_CACHE_READ] = read_cost / divisor
            if write_cost:
                attributes[semconv.COST_CACHE_WRITE] = write_cost / divisor
            # its keys are none of the start's (Profile.start_attributes): not looked up while the span holds only those
            if not (plan.plain and store_clean_span_attributes(span, attributes, call.start_count)) and (
                not started_plainly or span.is_recording()
            ):
                span.set_attributes(attributes)
    except Exception:
        report_internal_error("usual end")
        total = None
    finally:
        span.end()
    if total is None:
        return
    try:
        series = plan.series
        # metrics.record_priced, its plan asked here (a frame less on each call); a stream's with its time to first
        # chunk and its chunk gaps (the plan's repeated pair)
        streamed = first_chunk_delay is not None
        if streamed:
            records, values = series.streamed_plan, (duration, inputs, output, total, first_chunk_delay)
        elif plan.has_output:
            records, values = series.priced_plan, (duration, inputs, output, total)
        else:  # embeddings: no output tokens
            records, values = series.priced_input_plan, (duration, inputs, total)
        # in range: a duration, a time to first chunk and chunk gaps of the monotonic clock, token counts within
        # 0 .. 2**53 (usual_usage.MAX_TOKENS), a cost of non-negative integers (an overflow raised above)
        if records is not None and records.record(values, None, True, current_context(), chunk_gaps or ()):
            return  # no other record: no Moment (the plan asked the meter and the filter)
        instruments = call.telemetry.instruments
        moment = Moment(meter_enabled(instruments.duration))
        record_each(instruments, series, call.profile.surface.operation, duration, inputs, output, total, moment)
        if streamed:
            record_chunks(instruments, series, first_chunk_delay, chunk_gaps, moment)
    except Exception:
        report_internal_error("call end")


def _layout(plan: UsualEnd, reply: Any, inputs: int, output: int, cached: int | None, reasoning: int,
            first_chunk_delay: float | None, read_cost: int, writes: int = 0, write_cost: int = 0
            ) -> dict[str, Any]:  # fmt: skip
    """``attributes.end_attributes`` of the usual call, in its order, built afresh: the layout of its shape (the
    response model and service tier are the plan's own; the cost values put in by ``end_in_one_step``; ``read_cost``
    and ``write_cost``: whether cache reads and writes cost anything, the cost's ``cache_read`` and ``cache_write``
    components, written only then)."""
    attributes: dict[str, Any] = {}
    response_id, response_model, reasons, tier, fingerprint, dimensions = reply[:6]
    if response_id:
        attributes[semconv.RESPONSE_ID] = response_id
    if response_model:
        attributes[semconv.RESPONSE_MODEL] = response_model
    if reasons:
        attributes[semconv.RESPONSE_FINISH_REASONS] = reasons
    if tier:
        attributes[semconv.OPENAI_RESPONSE_SERVICE_TIER] = tier
    if fingerprint:
        attributes[semconv.OPENAI_RESPONSE_SYSTEM_FINGERPRINT] = fingerprint
    if dimensions is not None:
        attributes[semconv.EMBEDDINGS_DIMENSION_COUNT] = dimensions
    if first_chunk_delay is not None:
        attributes[semconv.RESPONSE_TIME_TO_FIRST_CHUNK] = first_chunk_delay
    attributes[semconv.USAGE_INPUT_TOKENS] = inputs  # attributes.add_usage
    if plan.has_output:
        attributes[semconv.USAGE_OUTPUT_TOKENS] = output
    if cached is not None:  # reported (its count put in by end_in_one_step)
        attributes[semconv.USAGE_CACHE_READ_INPUT_TOKENS] = 0
    if writes:
        attributes[semconv.USAGE_CACHE_CREATION_INPUT_TOKENS] = 0
    if reasoning:
        attributes[semconv.USAGE_REASONING_OUTPUT_TOKENS] = reasoning
    attributes[semconv.USAGE_SOURCE] = plan.source
    attributes.update(plan.cost_head)  # attributes.add_cost: status, currency, price entry and its source
    attributes[semconv.USAGE_COST] = 0.0
    attributes[semconv.COST_INPUT] = 0.0
    attributes[semconv.COST_OUTPUT] = 0.0
    if read_cost:
        attributes[semconv.COST_CACHE_READ] = 0.0
    if write_cost:
        attributes[semconv.COST_CACHE_WRITE] = 0.0
    if plan.type_source:
        attributes[semconv.DEPLOYMENT_TYPE_SOURCE] = plan.type_source
    return attributes


def _prepare(telemetry: Any, request: Any, response_model: str | None, tier: str | None, requested: str | None,
             tags: tuple[tuple[str, str], ...], source: str, period: int) -> UsualEnd:  # fmt: skip
    """The ``UsualEnd`` of this call's kind in this price period (unpriced: ``input_rate`` None)."""
    plan = UsualEnd(period)
    surface = request.surface
    if (
        (surface.complete is not None and not surface.complete_changes_tool_calls_only)
        or surface.price is not None
        or surface.free
    ):
        return plan
    endpoint = request.endpoint
    pricer = telemetry.pricer
    resolved = pricer.resolved(PricingRequest(
        surface.operation, None, request.request_model, response_model, request.deployment,
        effective_service_tier(requested, tier), endpoint.provider, server_address=endpoint.server_address,
    ))  # fmt: skip  (the cache entry pricer.price_tokens reads)
    if resolved.cost is not None or resolved.rates is None:
        return plan
    rates = _common_scale(resolved.rates.input, resolved.rates.output, resolved.rates.cache_read,
                          resolved.rates.cache_write)  # fmt: skip
    if rates is None:
        return plan
    cost_head: dict[str, Any] = {semconv.PRICING_STATUS: _STATUS_PRICED, semconv.CURRENCY: pricer.currency}
    if resolved.model:
        cost_head[semconv.PRICING_MODEL] = resolved.model
    if resolved.source:
        cost_head[semconv.PRICING_SOURCE] = resolved.source
    series = series_of(telemetry, request, response_model, tier, None, _STATUS_PRICED, source, tags)
    plan.input_rate, plan.output_rate, plan.read_rate, plan.write_rate, plan.divisor = rates
    plan.input_limit = resolved.max_input
    if resolved.long_rates is not None:  # beyond the threshold: the long-context rates, by the general path
        plan.input_limit = min(plan.input_limit, resolved.long_threshold)
    plan.output_limit = resolved.max_output
    plan.cost_head = cost_head
    plan.type_source = resolved.type_source
    plan.plain = all_plain({**cost_head, "type_source": resolved.type_source or ""})
    plan.series = series
    plan.source = source
    plan.has_output = surface.operation != semconv.OP_EMBEDDINGS
    return plan


def _common_scale(*rates: Decimal) -> tuple[int, ...] | None:
    """Each rate as an integer over one power of ten (the integers, then that power): None for a rate that is not a
    finite non-negative ``Decimal``."""
    scaled = []
    for rate in rates:
        if type(rate) is not Decimal or not rate.is_finite() or rate < 0:
            return None
        _, digits, exponent = rate.as_tuple()
        mantissa = int("".join(map(str, digits)))
        scaled.append((mantissa * 10 ** max(exponent, 0), max(-exponent, 0)))  # type: ignore[operator]
    places = max(each[1] for each in scaled)
    return (*(mantissa * 10 ** (places - own) for mantissa, own in scaled), 10**places)
