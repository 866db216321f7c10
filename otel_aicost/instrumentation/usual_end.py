"""The end of a usual call in one step: a priced chat, legacy completion or embeddings reply, not streamed.

The general end (``Call._end``) reads the reply into ``Facts`` and ``Usage``, prices it into a ``Cost`` of
``Decimal`` components, builds the end attributes from those, checks them for plainness and records the metrics
under a series it looks up; about half of what a chat call adds. A usual call's end differs from the last one of
its kind only in a few numbers (ids, token counts), so what is the same is prepared once per (profile, response
model, service tier, requested tier, admitted metric tags) and price period in a ``UsualEnd``: the price rates as
exact scaled integers, the constant cost attributes, the metric series. The reply is read into a plain tuple (``surfaces/usual_reply.py``),
the cost is two integer products and exact divisions (each cost value the same float as ``float()`` of the
``Decimal`` the pricer computes: both are the correctly rounded value of the same exact quotient), the end
attributes are built in the general order, known plain by construction, and the records are made in one step.

It declines (``end_usual`` returns False before doing anything, or ends the call through the general path with the
same facts) for anything else: budgets, content capture, an enriched outer span, a price that is not
per token (unknown model, provisioned, ended), usage beyond the model's limits or its long-context threshold, cached
tokens, a surface that completes or prices itself. ``tests/unit/test_usual_end.py`` compares its exported spans and
metric points with the general path's.
"""

from __future__ import annotations

import time
from decimal import Decimal
from typing import Any

from otel_aicost import semconv
from otel_aicost.cost.call_cost import PricingRequest, effective_service_tier
from otel_aicost.export.sdk_internals import meter_enabled, store_clean_span_attributes
from otel_aicost.instrumentation.call import series_of
from otel_aicost.instrumentation.histogram_records import Moment
from otel_aicost.instrumentation.metrics import record_priced
from otel_aicost.instrumentation.safety import report_internal_error
from otel_aicost.instrumentation.span_writes import all_plain
from otel_aicost.instrumentation.surfaces.usual_reply import facts_of
from otel_aicost.instrumentation.usage import REPORTED

_MAX_ENDS = 256  # per profile; then they start again
_STATUS_PRICED = semconv.STATUS_PRICED


class UsualEnd:
    """What every usual call of one profile, response model and tiers shares at its end, in one price period.
    ``input_rate`` None: not priced per token in this period (the general path ends those calls)."""

    __slots__ = ("period", "input_rate", "output_rate", "divisor", "input_limit", "output_limit", "cost_head",
                 "type_source", "plain", "series", "has_output")  # fmt: skip

    def __init__(self, period: int) -> None:
        self.period = period
        self.input_rate: int | None = None


def end_usual(call: Any, response: Any) -> bool:
    """End ``call`` with the parsed ``response`` if both are usual (see the module): True if the call ended here."""
    telemetry = call.telemetry
    request = call.request
    read_usual = request.surface.read_usual
    budgets = telemetry.budgets
    if (
        read_usual is None
        or call.ended
        or call.enriching
        or call.first_chunk_at is not None
        or call.reservation is not None
        or (budgets is not None and budgets.has_budgets)
        or telemetry.content.enabled
        or telemetry.pricer.outputs is not None
    ):
        return False
    duration = time.perf_counter() - call.start
    try:
        reply = read_usual(response)
        if reply is None:
            return False
        response_model, tier, inputs, output, cached = reply[1], reply[3], reply[6], reply[7], reply[8]
        requested = request.params.get("service_tier")
        tags = telemetry.metric_tags.admitted(request.tags) if request.tags else ()
        key = (response_model, tier, requested if type(requested) is str else None, tags)
        period = telemetry.pricer.period_now()
        ends = request.profile.usual_ends
        plan = ends.get(key)
        if plan is None or plan.period != period:
            plan = _prepare(telemetry, request, reply, key[2], tags, period)
            if len(ends) >= _MAX_ENDS:
                ends.clear()
            ends[key] = plan
        usual = plan.input_rate is not None and inputs <= plan.input_limit and output <= plan.output_limit
    except Exception:
        report_internal_error("usual end")
        return False
    if not usual or cached:  # cached tokens: priced at their own rate by the general path
        call.succeed(facts_of(reply))
        return True
    call.ended = True
    span = call.span
    try:
        input_cost = plan.input_rate * inputs
        output_cost = plan.output_rate * output
        divisor = plan.divisor
        total = (input_cost + output_cost) / divisor
        if span.is_recording():
            attributes = _attributes(plan, reply, inputs, output, cached, total, input_cost / divisor,
                                     output_cost / divisor)  # fmt: skip
            if not (plan.plain and store_clean_span_attributes(span, attributes)):
                span.set_attributes(attributes)
    except Exception:
        report_internal_error("usual end")
        total = None
    finally:
        span.end()
    if total is None:
        return True
    try:
        instruments = telemetry.instruments
        record_priced(instruments, plan.series, request.surface.operation, duration, inputs, output, total,
                      Moment(meter_enabled(instruments.duration)))  # fmt: skip
    except Exception:
        report_internal_error("call end")
    return True


def _attributes(plan: UsualEnd, reply: Any, inputs: int, output: int, cached: int | None, total: float,
                input_cost: float, output_cost: float) -> dict[str, Any]:  # fmt: skip
    """``attributes.end_attributes`` of the usual call, in its order."""
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
    attributes[semconv.USAGE_INPUT_TOKENS] = inputs  # attributes.add_usage
    if plan.has_output:
        attributes[semconv.USAGE_OUTPUT_TOKENS] = output
    if cached is not None:  # reported (0 here: cached tokens take the general path)
        attributes[semconv.USAGE_CACHE_READ_INPUT_TOKENS] = 0
    reasoning = min(reply[9] or 0, output)
    if reasoning:
        attributes[semconv.USAGE_REASONING_OUTPUT_TOKENS] = reasoning
    attributes[semconv.USAGE_SOURCE] = REPORTED
    attributes.update(plan.cost_head)  # attributes.add_cost: status, currency, price entry and its source
    attributes[semconv.USAGE_COST] = total
    attributes[semconv.COST_INPUT] = input_cost
    attributes[semconv.COST_OUTPUT] = output_cost
    if plan.type_source:
        attributes[semconv.DEPLOYMENT_TYPE_SOURCE] = plan.type_source
    return attributes


def _prepare(telemetry: Any, request: Any, reply: Any, requested: str | None, tags: tuple[tuple[str, str], ...],
             period: int) -> UsualEnd:  # fmt: skip
    """The ``UsualEnd`` of this call's kind in this price period (unpriced: ``input_rate`` None)."""
    plan = UsualEnd(period)
    surface = request.surface
    if surface.complete is not None or surface.price is not None or surface.free:
        return plan
    response_model, tier = reply[1], reply[3]
    endpoint = request.endpoint
    pricer = telemetry.pricer
    resolved = pricer.resolved(PricingRequest(
        surface.operation, None, request.request_model, response_model, request.deployment,
        effective_service_tier(requested, tier), endpoint.provider, server_address=endpoint.server_address,
    ))  # fmt: skip  (the cache entry pricer.price_tokens reads)
    if resolved.cost is not None or resolved.rates is None:
        return plan
    rates = _common_scale(resolved.rates.input, resolved.rates.output)
    if rates is None:
        return plan
    cost_head: dict[str, Any] = {semconv.PRICING_STATUS: _STATUS_PRICED, semconv.CURRENCY: pricer.currency}
    if resolved.model:
        cost_head[semconv.PRICING_MODEL] = resolved.model
    if resolved.source:
        cost_head[semconv.PRICING_SOURCE] = resolved.source
    series = series_of(telemetry, request, response_model, tier, None, _STATUS_PRICED, REPORTED, tags)
    plan.input_rate, plan.output_rate, plan.divisor = rates
    plan.input_limit = resolved.max_input
    if resolved.long_rates is not None:  # beyond the threshold: the long-context rates, by the general path
        plan.input_limit = min(plan.input_limit, resolved.long_threshold)
    plan.output_limit = resolved.max_output
    plan.cost_head = cost_head
    plan.type_source = resolved.type_source
    plan.plain = all_plain({**cost_head, "type_source": resolved.type_source or ""})
    plan.series = series
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
