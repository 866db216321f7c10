"""Span and metric attributes of a call, built by plain functions from its frozen request and response facts."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from otel_aicost import semconv
from otel_aicost.cost.call_cost import Cost
from otel_aicost.instrumentation.facts import Facts
from otel_aicost.instrumentation.span_writes import all_plain
from otel_aicost.instrumentation.usage import Usage

if TYPE_CHECKING:
    from otel_aicost.instrumentation.request import Profile, Request


def error_type(error: BaseException) -> str:
    kind = type(error)
    module = kind.__module__
    if module.startswith("openai"):
        return "openai." + kind.__qualname__
    if module.startswith("otel_aicost"):
        return "otel_aicost." + kind.__qualname__
    return kind.__qualname__ if module == "builtins" else f"{module}.{kind.__qualname__}"


def profile_attributes(profile: Profile) -> tuple[dict[str, Any], dict[str, Any]]:
    """The span attributes every call of a profile starts with, and the attributes its metrics share: operation,
    provider, request model, server (built once per profile)."""
    endpoint = profile.endpoint
    surface = profile.surface
    common: dict[str, Any] = {
        semconv.OPERATION_NAME: surface.operation,
        semconv.PROVIDER_NAME: endpoint.provider,
    }
    if profile.request_model:
        common[semconv.REQUEST_MODEL] = profile.request_model
    if endpoint.server_address:
        common[semconv.SERVER_ADDRESS] = endpoint.server_address
        if endpoint.server_port:
            common[semconv.SERVER_PORT] = endpoint.server_port
    span = dict(common)
    span[semconv.SYSTEM] = endpoint.system
    if surface.api_type:
        span[semconv.OPENAI_API_TYPE] = surface.api_type
    if profile.stream:
        span[semconv.REQUEST_STREAM] = True
    if endpoint.is_azure:
        span[semconv.AZURE_NAMESPACE] = "Microsoft.CognitiveServices"
        if profile.deployment is not None:
            span[semconv.DEPLOYMENT_NAME] = profile.deployment.name
            span[semconv.DEPLOYMENT_TYPE] = profile.deployment.type or "global_standard"
    return span, common


def start_attributes(request: Request, content: Any) -> tuple[dict[str, Any], bool | None]:
    """The profile's attributes, then the request parameters, the allocation tags and (if captured) the content
    (not to be changed: the profile's own dict when the call adds nothing to it); and whether every value is plain
    (``span_writes.all_plain``), from the profile's answer (checked once per profile and parameter values) and a
    check of what this call adds: True only if every part is plain (a part may replace a profile value, never with
    one unchecked); None when content is captured (checked whole by the span start)."""
    profile = request.profile
    tags = request.tags
    prepared = profile.start_attributes(request.params)  # the usual call: made once per profile and parameters
    if prepared is not None:
        attributes, plain = prepared
        if not tags and not content.on_span:
            return attributes, plain
        attributes = dict(attributes)
    else:
        attributes = dict(profile.span_attributes)
        plain = profile.plain_span_attributes
        parameters = request.surface.request(request.params)
        if parameters:
            attributes.update(parameters)
            plain = plain and all_plain(parameters)
    if tags:
        plain = add_tags(attributes, tags, plain)
    if content.on_span:
        content.request_to_span(request.surface, request.kwargs, attributes)
        plain = None
    return attributes, plain


def add_tags(attributes: dict[str, Any], tags: Mapping[str, Any], plain: bool | None) -> bool | None:
    """Add the allocation ``tags`` to ``attributes`` (``aicost.tag.<key>``): whether the attributes are still plain."""
    for key, value in tags.items():
        attributes[semconv.TAG_PREFIX + key] = value
        plain = plain and type(value) is str  # the key is a str: the prefix was added to it
    return plain


def metric_attributes(request: Request, facts: Facts, error: str | None, tags: tuple[tuple[str, str], ...]
                      ) -> dict[str, Any]:  # fmt: skip
    """The attributes a call's metrics share (``error``: its error type; ``tags``: the admitted metric tags)."""
    attributes = dict(request.profile.metric_attributes)
    if facts.response_model:
        attributes[semconv.RESPONSE_MODEL] = facts.response_model
    if request.deployment is not None:
        attributes[semconv.DEPLOYMENT_TYPE] = request.deployment.type or "global_standard"
    if facts.service_tier:
        attributes[semconv.OPENAI_RESPONSE_SERVICE_TIER] = facts.service_tier
    if error is not None:
        attributes[semconv.ERROR_TYPE] = error
    attributes.update(tags)
    return attributes


def end_attributes(
    request: Request, facts: Facts, usage: Usage | None, cost: Cost | None, error: BaseException | None,
    time_to_first_chunk: float | None,
) -> dict[str, Any]:  # fmt: skip
    attributes: dict[str, Any] = {}
    if facts.response_id:
        attributes[semconv.RESPONSE_ID] = facts.response_id
    if facts.response_model:
        attributes[semconv.RESPONSE_MODEL] = facts.response_model
    if facts.finish_reasons:
        attributes[semconv.RESPONSE_FINISH_REASONS] = facts.finish_reasons
    if facts.service_tier:
        attributes[semconv.OPENAI_RESPONSE_SERVICE_TIER] = facts.service_tier
    if facts.system_fingerprint:
        attributes[semconv.OPENAI_RESPONSE_SYSTEM_FINGERPRINT] = facts.system_fingerprint
    if facts.dimension_count is not None:
        attributes[semconv.EMBEDDINGS_DIMENSION_COUNT] = facts.dimension_count
    if time_to_first_chunk is not None:
        attributes[semconv.RESPONSE_TIME_TO_FIRST_CHUNK] = time_to_first_chunk
    if error is not None:
        attributes[semconv.ERROR_TYPE] = error_type(error)
    if usage is not None:
        add_usage(attributes, usage, request.surface.operation)
    if facts.units is not None or facts.tool_calls or facts.extra:
        attributes.update(unit_attributes(facts))
    if cost is not None:
        add_cost(attributes, cost)
    return attributes


def unit_attributes(facts: Facts) -> dict[str, Any]:
    """What a per-unit call billed, the built-in tool calls by type, and surface-specific attributes."""
    attributes: dict[str, Any] = dict(facts.extra)
    units = facts.units
    if units is not None:
        attributes[semconv.UNITS_QUANTITY] = float(units.billed_quantity)
        attributes[semconv.UNITS_UNIT] = units.unit
        attributes[semconv.UNITS_SOURCE] = units.source
    for call in facts.tool_calls:
        key = semconv.TOOL_CALLS_PREFIX + call.tool
        attributes[key] = attributes.get(key, 0) + call.count
    return attributes


def add_usage(attributes: dict[str, Any], usage: Usage, operation: str) -> None:
    attributes[semconv.USAGE_INPUT_TOKENS] = usage.input_tokens
    if operation != semconv.OP_EMBEDDINGS:
        attributes[semconv.USAGE_OUTPUT_TOKENS] = usage.output_tokens
    if usage.cache_read_tokens or usage.cache_read_reported:
        attributes[semconv.USAGE_CACHE_READ_INPUT_TOKENS] = usage.cache_read_tokens
    if usage.cache_write_tokens:
        attributes[semconv.USAGE_CACHE_CREATION_INPUT_TOKENS] = usage.cache_write_tokens
    if usage.reasoning_tokens:
        attributes[semconv.USAGE_REASONING_OUTPUT_TOKENS] = usage.reasoning_tokens
    attributes[semconv.USAGE_SOURCE] = usage.source


def add_cost(attributes: dict[str, Any], cost: Cost) -> None:
    attributes[semconv.PRICING_STATUS] = cost.status
    attributes[semconv.CURRENCY] = cost.currency
    if cost.model:
        attributes[semconv.PRICING_MODEL] = cost.model
    if cost.source:
        attributes[semconv.PRICING_SOURCE] = cost.source
    if cost.total is not None:
        attributes[semconv.USAGE_COST] = float(cost.total)
        if cost.input is not None:
            attributes[semconv.COST_INPUT] = float(cost.input)
        if cost.output is not None:
            attributes[semconv.COST_OUTPUT] = float(cost.output)
        # Cache components only when there is something to say: most calls have none, and every
        # span attribute costs the SDK time. A missing component is zero; they still add up.
        if cost.cache_read:
            attributes[semconv.COST_CACHE_READ] = float(cost.cache_read)
        if cost.cache_write:
            attributes[semconv.COST_CACHE_WRITE] = float(cost.cache_write)
        if cost.audio_input:
            attributes[semconv.COST_AUDIO_INPUT] = float(cost.audio_input)
        if cost.audio_output:
            attributes[semconv.COST_AUDIO_OUTPUT] = float(cost.audio_output)
        if cost.image_output:
            attributes[semconv.COST_IMAGE_OUTPUT] = float(cost.image_output)
        if cost.units:
            attributes[semconv.COST_UNITS] = float(cost.units)
        if cost.tools:
            attributes[semconv.COST_TOOLS] = float(cost.tools)
    if cost.deployment_type_source:
        attributes[semconv.DEPLOYMENT_TYPE_SOURCE] = cost.deployment_type_source
