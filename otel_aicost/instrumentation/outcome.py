"""A call's usage and cost from its request and response facts: reported usage, else a local count for streams."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from otel_aicost.cost.call_cost import Cost, PricingRequest, effective_service_tier
from otel_aicost.cost.estimate import estimated_usage
from otel_aicost.cost.pricer import Pricer
from otel_aicost.instrumentation.facts import Facts
from otel_aicost.instrumentation.request import Request
from otel_aicost.instrumentation.usage import Usage


def usage_of(request: Request, facts: Facts, error: BaseException | None) -> Usage | None:
    """The reported usage; for a stream that reported none (injection off, or cut short after some output), a
    local tiktoken count."""
    usage = facts.usage
    if usage is None and request.stream and (error is None or facts.output_parts):
        usage = estimate(request, facts)
    return usage


def estimate(request: Request, facts: Facts) -> Usage | None:
    return estimate_output(request, facts.response_model, facts.output_parts)


def estimate_output(request: Request, response_model: str | None, output: tuple[str, ...]) -> Usage | None:
    """The local count of a call that streamed the texts ``output`` (a response model's, else the requested's)."""
    kwargs = request.kwargs
    model = response_model or request.request_model
    messages = kwargs.get("messages")
    if not isinstance(messages, list):
        value = kwargs.get("input")
        messages = value if isinstance(value, list) and all(isinstance(m, Mapping) for m in value) else None
    prompt = None if messages is not None else (kwargs.get("prompt") or kwargs.get("input"))
    tools = kwargs.get("tools")
    return estimated_usage(
        model,
        messages=messages,
        prompt=prompt if isinstance(prompt, (str, list)) else None,
        tools=tools if isinstance(tools, list) else None,
        output=output,
    )


def complete(request: Request, facts: Facts) -> Facts:
    """The facts with what only the request tells (units billed by per-unit surfaces)."""
    completing = request.surface.complete
    return completing(request.kwargs, facts) if completing is not None else facts


def price(pricer: Pricer, request: Request, facts: Facts, usage: Usage | None) -> Cost:
    surface = request.surface
    if surface.price is not None:
        return surface.price(pricer, request, facts, usage)
    endpoint = request.endpoint
    tier = effective_service_tier(requested_tier(request.params), facts.service_tier)
    if facts.units is None and not facts.tool_calls and not surface.free:  # billed by its tokens alone
        return pricer.price_tokens(
            surface.operation, usage, request.request_model, facts.response_model, request.deployment, tier,
            endpoint.provider, endpoint.server_address,
        )  # fmt: skip
    return pricer.price(
        PricingRequest(
            operation=surface.operation,
            usage=usage,
            request_model=request.request_model,
            response_model=facts.response_model,
            deployment=request.deployment,
            service_tier=tier,
            provider=endpoint.provider,
            server_address=endpoint.server_address,
            units=facts.units,
            tools=facts.tool_calls,
            free=surface.free,
        )
    )


def requested_tier(kwargs: Mapping[str, Any]) -> str | None:
    tier = kwargs.get("service_tier")
    return tier if type(tier) is str else None
