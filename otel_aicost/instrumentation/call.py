"""One instrumented API call, from the request to its ended span: attributes, cost, budgets, metrics.

``Telemetry`` holds what is built once per instrumentation (tracer, instruments, pricer, budgets); ``Call`` is
the per-call state. The wrapper (``wrapper.py``) and the stream proxies (``streams.py``) drive it.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Callable

from opentelemetry import trace
from opentelemetry.trace import SpanKind, Status, StatusCode

from otel_aicost import semconv
from otel_aicost.instrumentation.allocation import current_tags, inbound_tags, propagation, resource_tags
from otel_aicost.budgets.rules import BudgetExceeded
from otel_aicost.config.settings import Deployment, Settings
from otel_aicost.instrumentation.content import ContentCapture
from otel_aicost.cost.pricer import Cost, Pricer, PricingRequest, effective_service_tier
from otel_aicost.cost.estimate import estimated_usage
from otel_aicost.instrumentation.endpoint import Endpoint, endpoint_of
from otel_aicost.instrumentation.extract import ResponseFacts, request_attributes
from otel_aicost.instrumentation.gateway_headers import GatewayHeaders
from otel_aicost.instrumentation.metrics import Instruments, MetricTags
from otel_aicost.instrumentation.safety import report_internal_error
from otel_aicost.instrumentation.usage import Usage

_OK = Status(StatusCode.UNSET)


@dataclass(frozen=True)
class Surface:
    """One instrumented SDK method family: what operation it is and how to read its responses."""

    operation: str
    read: Callable[[Any, ResponseFacts], None]
    stream_kind: str | None = None  # "chat", "completion", "responses": the chunk reader of its streams
    api_type: str | None = None


class Telemetry:
    """Everything built once per ``instrument()`` call."""

    def __init__(
        self,
        tracer: trace.Tracer,
        instruments: Instruments,
        settings: Settings,
        pricer: Pricer,
        budgets: Any,
        content: ContentCapture,
        resource: Any = None,
    ) -> None:
        self.tracer = tracer
        self.instruments = instruments
        self.settings = settings
        self.pricer = pricer
        self.budgets = budgets
        self.content = content
        self.metric_tags = MetricTags(settings.metric_tags, settings.metric_tag_cap)
        self.gateway_headers = GatewayHeaders(settings.metric_tags) if settings.gateway_headers else None
        self.default_tags = {**resource_tags(resource), **settings.tags}
        self.inject_usage = settings.stream_usage == "auto"
        self.on_first_call: Callable[[], None] | None = None

    def start(self, surface: Surface, instance: Any, kwargs: dict[str, Any]) -> Call:
        if self.on_first_call is not None:
            warm_up, self.on_first_call = self.on_first_call, None
            warm_up()
        return Call(self, surface, instance, kwargs)


def _tags(default_tags: Mapping[str, str]) -> Mapping[str, str]:
    """Defaults (config file, resource) < allow-listed inbound baggage < ``allocate()``."""
    tags = current_tags()
    if propagation.inbound_keys:
        inbound = inbound_tags()
        if inbound:
            tags = {**inbound, **tags}
    if default_tags:
        return {**default_tags, **tags} if tags else default_tags
    return tags


def error_type(error: BaseException) -> str:
    kind = type(error)
    module = kind.__module__
    if module.startswith("openai"):
        return "openai." + kind.__qualname__
    if module.startswith("otel_aicost"):
        return "otel_aicost." + kind.__qualname__
    return kind.__qualname__ if module == "builtins" else f"{module}.{kind.__qualname__}"


class Call:
    __slots__ = (
        "telemetry", "surface", "endpoint", "kwargs", "request_model", "deployment", "tags", "span", "start",
        "stream", "injected_usage", "reservation", "ended", "first_chunk_at", "last_chunk_at", "chunk_gaps",
        "enriching",
    )  # fmt: skip

    def __init__(self, telemetry: Telemetry, surface: Surface, instance: Any, kwargs: dict[str, Any]) -> None:
        self.telemetry = telemetry
        self.surface = surface
        self.endpoint: Endpoint = endpoint_of(getattr(instance, "_client", None))
        model = kwargs.get("model")
        self.request_model: str | None = model if type(model) is str and model else None
        self.deployment = self._deployment(telemetry.pricer)
        self.tags = _tags(telemetry.default_tags)
        self.stream = kwargs.get("stream") is True
        self.injected_usage = False
        self.reservation = None
        self.ended = False
        self.first_chunk_at: float | None = None
        self.last_chunk_at: float | None = None
        self.chunk_gaps: list[float] | None = None
        self.kwargs = self._inject_stream_usage(kwargs) if self.stream else kwargs
        self.start = time.perf_counter()
        outer = trace.get_current_span()
        self.enriching = _is_foreign_call_span(outer)
        if self.enriching:  # another OpenAI instrumentation wraps outside us: add cost to its span, no second span
            outer.set_attributes(self._start_attributes())
            self.span = outer
        else:
            self.span = telemetry.tracer.start_span(
                f"{surface.operation} {self.request_model}" if self.request_model else surface.operation,
                kind=SpanKind.CLIENT,
                attributes=self._start_attributes(),
            )
        if telemetry.gateway_headers is not None:  # opt-in: tags and trace context for an API gateway
            self.kwargs = telemetry.gateway_headers.add(self.kwargs, self.tags, self.span)

    # --- request side ---

    def _deployment(self, pricer: Pricer) -> Deployment | None:
        endpoint = self.endpoint
        if not endpoint.is_azure:
            return None
        name = endpoint.deployment or self.request_model
        return pricer.deployment(name) or (Deployment(name=name) if name else None)

    def _inject_stream_usage(self, kwargs: dict[str, Any]) -> dict[str, Any]:
        """Ask a chat/completion stream for its usage chunk when the caller did not (SPEC section 5)."""
        if self.surface.stream_kind not in ("chat", "completion") or not self.telemetry.inject_usage:
            return kwargs
        options = kwargs.get("stream_options")
        if isinstance(options, Mapping):
            if "include_usage" in options:
                return kwargs
            new_options = {**options, "include_usage": True}
        elif options is None or not options:  # absent, None, or the SDK's NOT_GIVEN/omit sentinel
            new_options = {"include_usage": True}
        else:
            return kwargs
        api_version = self.endpoint.api_version
        if api_version is not None and api_version[:10] < "2024-09-01":  # older Azure API versions reject it
            return kwargs
        self.injected_usage = True
        return {**kwargs, "stream_options": new_options}

    def _common_attributes(self) -> dict[str, Any]:
        """The attributes spans and metrics share: operation, provider, request model, server."""
        endpoint = self.endpoint
        attributes: dict[str, Any] = {
            semconv.OPERATION_NAME: self.surface.operation,
            semconv.PROVIDER_NAME: endpoint.provider,
        }
        if self.request_model:
            attributes[semconv.REQUEST_MODEL] = self.request_model
        if endpoint.server_address:
            attributes[semconv.SERVER_ADDRESS] = endpoint.server_address
            if endpoint.server_port:
                attributes[semconv.SERVER_PORT] = endpoint.server_port
        return attributes

    def _start_attributes(self) -> dict[str, Any]:
        endpoint = self.endpoint
        attributes = self._common_attributes()
        attributes[semconv.SYSTEM] = endpoint.system
        if self.surface.api_type:
            attributes[semconv.OPENAI_API_TYPE] = self.surface.api_type
        if self.stream:
            attributes[semconv.REQUEST_STREAM] = True
        if endpoint.is_azure:
            attributes[semconv.AZURE_NAMESPACE] = "Microsoft.CognitiveServices"
            if self.deployment is not None:
                attributes[semconv.DEPLOYMENT_NAME] = self.deployment.name
                attributes[semconv.DEPLOYMENT_TYPE] = self.deployment.type or "global_standard"
        request_attributes(self.surface.operation, self.kwargs, attributes)
        for key, value in self.tags.items():
            attributes[semconv.TAG_PREFIX + key] = value
        content = self.telemetry.content
        if content.on_span:
            content.request_to_span(self.surface, self.kwargs, attributes)
        return attributes

    def reserve_budget(self) -> None:
        """Check ``block`` budgets before the request leaves; raise ``BudgetExceeded`` (after ending our span)."""
        budgets = self.telemetry.budgets
        if budgets is None or not budgets.has_budgets:
            return
        try:
            self.reservation = budgets.reserve(self.tags, self)
        except BudgetExceeded as error:
            self.fail(error)
            raise

    # --- response side ---

    def chunk_arrived(self) -> None:
        now = time.perf_counter()
        if self.first_chunk_at is None:
            self.first_chunk_at = now
        else:
            gaps = self.chunk_gaps
            if gaps is None:
                gaps = self.chunk_gaps = []
            gaps.append(now - self.last_chunk_at)  # type: ignore[operator]
        self.last_chunk_at = now

    def succeed(self, facts: ResponseFacts) -> None:
        self._end(facts, None)

    def fail(self, error: BaseException, facts: ResponseFacts | None = None) -> None:
        self._end(facts or ResponseFacts(), error)

    def _end(self, facts: ResponseFacts, error: BaseException | None) -> None:
        """End the call once: price it, settle budgets, finish the span (always, even if our code fails), then
        record the metrics."""
        if self.ended:
            return
        self.ended = True
        try:
            duration = time.perf_counter() - self.start
            usage, cost = self._close_span(facts, error)
            self._record_metrics(facts, error, usage, cost, duration)
        except Exception:
            report_internal_error("call end")

    def _close_span(self, facts: ResponseFacts, error: BaseException | None) -> tuple[Usage | None, Cost | None]:
        telemetry = self.telemetry
        span = self.span
        try:
            usage = facts.usage
            if usage is None and self.stream and (error is None or facts.output_parts):
                usage = self._estimate_usage(facts)
            cost = self._price(facts, usage) if error is None or usage is not None else None
            if self.reservation is not None or (telemetry.budgets is not None and telemetry.budgets.has_budgets):
                telemetry.budgets.settle(self, cost, span)
            if span.is_recording():
                span.set_attributes(self._end_attributes(facts, usage, cost, error))
                if telemetry.content.on_span and facts.output_messages is not None:
                    telemetry.content.response_to_span(facts, span)
            if not self.enriching:
                if error is not None:
                    span.set_status(Status(StatusCode.ERROR, _describe(error)))
                    span.record_exception(error)
                if telemetry.content.on_event:
                    telemetry.content.emit_event(self, facts, span)
            return usage, cost
        finally:
            if not self.enriching:  # the outer instrumentation owns the end of its span
                span.end()

    def _record_metrics(
        self, facts: ResponseFacts, error: BaseException | None, usage: Usage | None, cost: Cost | None,
        duration: float,
    ) -> None:  # fmt: skip
        instruments = self.telemetry.instruments
        metric_attributes = self._metric_attributes(facts, error)
        if self.enriching:  # the outer instrumentation records its own duration and token metrics
            if cost is not None and cost.total is not None:
                instruments.cost.record(float(cost.total), metric_attributes)
            return
        duration_attributes = dict(metric_attributes)
        if cost is not None:
            duration_attributes[semconv.PRICING_STATUS] = cost.status
        if usage is not None:
            duration_attributes[semconv.USAGE_SOURCE] = usage.source
        instruments.duration.record(duration, duration_attributes)
        if usage is not None:
            input_attributes = dict(metric_attributes)
            input_attributes[semconv.TOKEN_TYPE] = semconv.TOKEN_INPUT
            instruments.token_usage.record(usage.input_tokens, input_attributes)
            if self.surface.operation != semconv.OP_EMBEDDINGS:
                # A dict of its own: SDKs before about 1.39 keep the dict passed to record() as the data point's
                # attributes, so changing it afterwards would relabel the point.
                output_attributes = dict(metric_attributes)
                output_attributes[semconv.TOKEN_TYPE] = semconv.TOKEN_OUTPUT
                instruments.token_usage.record(usage.output_tokens, output_attributes)
        if cost is not None and cost.total is not None:
            instruments.cost.record(float(cost.total), metric_attributes)
        if self.first_chunk_at is not None:
            instruments.time_to_first_chunk.record(self.first_chunk_at - self.start, metric_attributes)
            if self.chunk_gaps:
                record = instruments.time_per_output_chunk.record
                for gap in self.chunk_gaps:
                    record(gap, metric_attributes)

    def _estimate_usage(self, facts: ResponseFacts) -> Usage | None:
        """A stream that reported no usage (injection off, or cut short): count it locally with tiktoken."""
        kwargs = self.kwargs
        model = facts.response_model or self.request_model
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
            output=facts.output_parts or [],
        )

    def _price(self, facts: ResponseFacts, usage: Usage | None) -> Cost:
        return self.telemetry.pricer.price(
            PricingRequest(
                operation=self.surface.operation,
                usage=usage,
                request_model=self.request_model,
                response_model=facts.response_model,
                deployment=self.deployment,
                service_tier=effective_service_tier(_requested_tier(self.kwargs), facts.service_tier),
                provider=self.endpoint.provider,
            )
        )

    def _metric_attributes(self, facts: ResponseFacts, error: BaseException | None) -> dict[str, Any]:
        attributes = self._common_attributes()
        if facts.response_model:
            attributes[semconv.RESPONSE_MODEL] = facts.response_model
        if self.deployment is not None:
            attributes[semconv.DEPLOYMENT_TYPE] = self.deployment.type or "global_standard"
        if facts.service_tier:
            attributes[semconv.OPENAI_RESPONSE_SERVICE_TIER] = facts.service_tier
        if error is not None:
            attributes[semconv.ERROR_TYPE] = error_type(error)
        if self.tags:
            self.telemetry.metric_tags.add_to(attributes, self.tags)
        return attributes

    def _end_attributes(
        self, facts: ResponseFacts, usage: Usage | None, cost: Cost | None, error: BaseException | None
    ) -> dict[str, Any]:
        attributes: dict[str, Any] = {}
        if facts.response_id:
            attributes[semconv.RESPONSE_ID] = facts.response_id
        if facts.response_model:
            attributes[semconv.RESPONSE_MODEL] = facts.response_model
        if facts.finish_reasons:
            attributes[semconv.RESPONSE_FINISH_REASONS] = tuple(facts.finish_reasons)
        if facts.service_tier:
            attributes[semconv.OPENAI_RESPONSE_SERVICE_TIER] = facts.service_tier
        if facts.system_fingerprint:
            attributes[semconv.OPENAI_RESPONSE_SYSTEM_FINGERPRINT] = facts.system_fingerprint
        if facts.dimension_count is not None:
            attributes[semconv.EMBEDDINGS_DIMENSION_COUNT] = facts.dimension_count
        if self.first_chunk_at is not None:
            attributes[semconv.RESPONSE_TIME_TO_FIRST_CHUNK] = self.first_chunk_at - self.start
        if error is not None:
            attributes[semconv.ERROR_TYPE] = error_type(error)
        if usage is not None:
            attributes[semconv.USAGE_INPUT_TOKENS] = usage.input_tokens
            if self.surface.operation != semconv.OP_EMBEDDINGS:
                attributes[semconv.USAGE_OUTPUT_TOKENS] = usage.output_tokens
            if usage.cache_read_tokens:
                attributes[semconv.USAGE_CACHE_READ_INPUT_TOKENS] = usage.cache_read_tokens
            if usage.cache_write_tokens:
                attributes[semconv.USAGE_CACHE_CREATION_INPUT_TOKENS] = usage.cache_write_tokens
            if usage.reasoning_tokens:
                attributes[semconv.USAGE_REASONING_OUTPUT_TOKENS] = usage.reasoning_tokens
            attributes[semconv.USAGE_SOURCE] = usage.source
        if cost is not None:
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
        return attributes


_CALL_OPERATIONS = (semconv.OP_CHAT, semconv.OP_TEXT_COMPLETION, semconv.OP_EMBEDDINGS)


def _is_foreign_call_span(span: Any) -> bool:
    """Is ``span`` an OpenAI call span of another instrumentation (not an agent or workflow span around calls)?"""
    if not span.is_recording():
        return False
    scope = getattr(span, "instrumentation_scope", None)
    if scope is None or scope.name == "otel_aicost":
        return False
    attributes = getattr(span, "attributes", None)
    return bool(attributes) and attributes.get(semconv.OPERATION_NAME) in _CALL_OPERATIONS


def _requested_tier(kwargs: Mapping[str, Any]) -> str | None:
    tier = kwargs.get("service_tier")
    return tier if type(tier) is str else None


def _describe(error: BaseException) -> str:
    message = str(error)
    return message if len(message) <= 512 else message[:509] + "..."
