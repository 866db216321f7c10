"""``estimate_cost()``: what a call will cost at most, before it is sent (SPEC section 2).

Input tokens are counted with the shipped tiktoken encodings (``otel_aicost.tokens``) and priced as if none
were cached (the worst case); output is priced at ``max_output_tokens`` (reasoning tokens are output tokens, so
this bounds them too). With no ``max_output_tokens`` the estimate covers the input only.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from otel_aicost import semconv
from otel_aicost.config.settings import Deployment, load_settings
from otel_aicost.cost import tokens
from otel_aicost.cost.call_cost import PricingRequest
from otel_aicost.cost.pricer import Pricer
from otel_aicost.instrumentation.safety import renew_lock_after_fork
from otel_aicost.instrumentation.usage import ESTIMATED, Usage

_lock = threading.Lock()
renew_lock_after_fork(globals())
_default: Pricer | None = None


@dataclass(frozen=True, slots=True)
class Estimate:
    """A pre-call estimate. Costs are ``None`` unless ``status == "priced"``; ``total`` is the worst case."""

    model: str
    status: str
    input_tokens: int
    max_output_tokens: int | None
    input_cost: Decimal | None = None
    max_output_cost: Decimal | None = None
    total: Decimal | None = None
    currency: str = "USD"
    pricing_model: str | None = None
    source: str | None = None


def estimate_cost(
    model: str,
    *,
    messages: Iterable[Mapping[str, Any]] | None = None,
    prompt: Any = None,
    input_tokens: int | None = None,
    max_output_tokens: int | None = None,
    deployment_type: str | None = None,
    tools: Iterable[Mapping[str, Any]] | None = None,
    pricer: Pricer | None = None,
) -> Estimate:
    """Estimate a call's cost. Give one of ``messages`` (chat), ``prompt`` (completions / embeddings input) or
    ``input_tokens``; ``deployment_type`` prices an Azure deployment of that type.

    Raises ``ValueError`` for impossible arguments (this runs in your code before the call, not on its path).
    """
    if not isinstance(model, str) or not model.strip():
        raise ValueError("estimate_cost: model must be a model name")
    given = [
        name
        for name, value in (("messages", messages), ("prompt", prompt), ("input_tokens", input_tokens))
        if value is not None
    ]
    if len(given) > 1:
        raise ValueError(f"estimate_cost: give one of messages, prompt or input_tokens, not {' and '.join(given)}")
    if deployment_type is not None and deployment_type not in semconv.DEPLOYMENT_TYPES:
        raise ValueError(f"estimate_cost: deployment_type must be one of {', '.join(semconv.DEPLOYMENT_TYPES)}")
    for name, value in (("input_tokens", input_tokens), ("max_output_tokens", max_output_tokens)):
        if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 0):
            raise ValueError(f"estimate_cost: {name} must be a whole number >= 0, got {value!r}")
    if input_tokens is not None:
        counted = input_tokens
    elif messages is not None:
        counted = tokens.count_messages(list(messages), model, tools)
    elif prompt is not None:
        counted = tokens.count_prompt(prompt, model) + (tokens.count_tools(tools, model) if tools else 0)
    else:
        counted = tokens.count_tools(tools, model) if tools else 0
    pricer = pricer or default_pricer()
    deployment = Deployment(name=model, model=model, type=deployment_type) if deployment_type else None
    provider = semconv.PROVIDER_AZURE if deployment_type else semconv.PROVIDER_OPENAI
    usage = Usage(input_tokens=counted, output_tokens=max_output_tokens or 0, source=ESTIMATED)
    cost = pricer.price(
        PricingRequest(semconv.OP_CHAT, usage, request_model=model, deployment=deployment, provider=provider)
    )
    if cost.status != semconv.STATUS_PRICED:
        return Estimate(
            model,
            cost.status,
            counted,
            max_output_tokens,
            currency=cost.currency,
            pricing_model=cost.model,
            source=cost.source,
        )
    input_cost = cost.input + cost.cache_read + cost.cache_write  # type: ignore[operator]
    return Estimate(
        model,
        cost.status,
        counted,
        max_output_tokens,
        input_cost,
        cost.output,
        cost.total,
        cost.currency,
        cost.model,
        cost.source,
    )


def default_pricer() -> Pricer:
    """A Pricer from the process's settings (config file and ``OTEL_AICOST_*``), built on first use."""
    global _default
    if _default is None:
        with _lock:
            if _default is None:
                _default = Pricer(load_settings())
    return _default


def set_default_pricer(pricer: Pricer | None) -> None:
    """Used by ``configure()`` / the instrumentor so estimates price the way calls are priced."""
    global _default
    _default = pricer


def estimated_usage(
    model: str | None,
    *,
    messages: Iterable[Mapping[str, Any]] | None = None,
    prompt: Any = None,
    tools: Iterable[Mapping[str, Any]] | None = None,
    output: str | Iterable[str] | None = None,
) -> Usage | None:
    """Usage counted locally (``source="estimated"``) for a call whose usage did not arrive, e.g. a stream with
    ``OTEL_AICOST_STREAM_USAGE=off``: the request's ``messages`` or ``prompt`` and the generated ``output`` text.

    On the call path: never raises; ``None`` if the text cannot be counted (the call is then ``no_usage``).
    """
    try:
        if messages is not None:
            counted = tokens.count_messages(list(messages), model, tools)
        else:
            counted = tokens.count_prompt(prompt, model) + (tokens.count_tools(tools, model) if tools else 0)
        generated = tokens.count_output(output, model) if output is not None else 0
    except Exception:  # noqa: BLE001 - a count we cannot make is no usage, never an error in the application
        return None
    return Usage(input_tokens=counted, output_tokens=generated, source=ESTIMATED)
