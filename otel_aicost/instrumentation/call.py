"""One instrumented API call: a small state that starts its span once and ends it once.

What goes on the span and the metrics is built by plain functions (``attributes.py``, ``outcome.py``,
``metrics.record_call``) from frozen facts: the request's, which the call holds (``request.Request``), and the
``Facts`` the call ends with.
The wrapper (``wrapper.py``), ``results.py`` and the stream proxies (``streams.py``) drive it.
"""

from __future__ import annotations

import time
from typing import Any

from opentelemetry import context, trace
from opentelemetry.trace import Status, StatusCode

from otel_aicost import semconv
from otel_aicost.budgets.rules import BudgetExceeded
from otel_aicost.cost.call_cost import Cost
from otel_aicost.export.sdk_internals import SPAN_KEY, start_plain_span
from otel_aicost.instrumentation.allocation import current_tags, inbound_tags, propagation
from otel_aicost.instrumentation.attributes import end_attributes, error_type, metric_attributes, start_attributes
from otel_aicost.instrumentation.facts import NO_FACTS, Facts
from otel_aicost.instrumentation.metrics import Series, record_call
from otel_aicost.instrumentation.outcome import complete, price, usage_of
from otel_aicost.instrumentation.request import Request, request_params
from otel_aicost.instrumentation.safety import report_internal_error
from otel_aicost.instrumentation.scrub import report
from otel_aicost.instrumentation.sdk import stored_base_url
from otel_aicost.instrumentation.span_writes import set_attributes, start_span
from otel_aicost.instrumentation.surfaces import Surface
from otel_aicost.instrumentation.usage import Usage

_CALL_OPERATIONS = (semconv.OP_CHAT, semconv.OP_TEXT_COMPLETION, semconv.OP_EMBEDDINGS)



class Call:
    """One call: its request's facts (the fields ``request.Request`` names: its profile, what is sent, the parameters
    the API receives, its tags, whether we asked for a stream's usage) and its state. One object per call: the
    request's facts are its own fields, not a ``Request`` object of their own (its object, ``__init__`` and the
    call's frame that built it cost about 3k instructions a chat call, cache_misses.py). Treated as frozen but for
    ``request.without_injected_usage``."""

    __slots__ = (
        "telemetry", "profile", "kwargs", "params", "tags", "injected_usage", "span", "enriching", "start",
        "reservation", "ended", "first_chunk_at", "chunk_gaps", "start_count",
    )  # fmt: skip

    def __init__(self, telemetry: Any, surface: Surface, instance: Any, kwargs: dict[str, Any], parent: Any = None
                 ) -> None:  # fmt: skip
        """Start a call of ``surface`` on the SDK resource ``instance`` with the caller's ``kwargs``, its span in
        ``parent``, the caller's context (None: the current one)."""
        self.telemetry = telemetry
        # the request's facts: its profile (request.py), shared by every call of the surface to the endpoint with the
        # request model, streamed or not
        model = kwargs.get("model")
        request_model = model if type(model) is str and model else None
        stream = kwargs.get("stream") is True
        profiles = telemetry.profiles
        try:  # the usual resource's client and base URL, read directly (sdk.client_and_base_url, inline)
            client = instance._client
            url = stored_base_url(client)
        except AttributeError:
            client = url = None
        # the profile of this client (at this base URL), surface, request model and stream: one lookup (Profiles.at
        # without its frame; no endpoint looked up on the way); the weak reference tells a reused id apart
        site = profiles.sites.get((id(client), id(surface), request_model, stream))
        if site is not None and site[1] is url and url is not None and site[0]() is client:
            profile = site[2]
        else:
            profile = profiles.at(surface, instance, request_model, stream)
        self.profile = profile
        endpoint = profile.endpoint
        # what is sent: the caller's arguments, plus our stream_options (in extra_body) when we ask for the usage
        sent = (
            telemetry.stream_usage.ask(endpoint, kwargs)
            if stream and surface.stream_usage and telemetry.inject_usage
            else None
        )
        self.injected_usage = sent is not None
        # the parameters the API receives: the SDK merges extra_body over the named ones (the usual call: no frame),
        # made of the caller's arguments: our stream_options, which no reader of them reads, are not merged in (a
        # stream's frame of request_params and its dict less: 5 Python calls, ~2.7k instructions by function, within
        # the spread of a whole stream's count)
        self.params = params = kwargs if "extra_body" not in kwargs else request_params(kwargs)
        self.kwargs = kwargs if sent is None else sent
        tags = current_tags()  # defaults (config file, resource) < allow-listed inbound baggage < ``allocate()``
        if propagation.inbound_keys:
            inbound = inbound_tags()
            if inbound:
                tags = {**inbound, **tags}
        default_tags = telemetry.default_tags
        if default_tags:
            tags = {**default_tags, **tags} if tags else default_tags
        self.tags = tags
        # its state
        self.reservation = None
        self.ended = False
        self.first_chunk_at: float | None = None
        self.chunk_gaps: list[float] | None = None
        self.start = time.perf_counter()
        if parent is None:
            parent = context.get_current()
        content = telemetry.content
        # SPAN_KEY (sdk_internals): the key trace.get_current_span() reads, read straight from the context the wrapper
        # holds: a call with no span around it (the usual one) needs no lookup of a foreign call span (None: moved)
        if SPAN_KEY is not None and parent.get(SPAN_KEY) is None:  # no span around the call (get_current_span's
            self.enriching = False  # INVALID_SPAN, which is not recording)
        else:
            outer = trace.get_current_span(parent)
            self.enriching = _is_foreign_call_span(outer)
        if self.enriching:  # another OpenAI instrumentation wraps outside us: add cost to its span, no second span
            outer.set_attributes(start_attributes(self, content)[0])
            self.span = outer
            self.start_count = -1
        else:
            # (attributes.start_attributes' usual answer asked here: a frame less on each call; with the process's
            # default tags alone, the same object each call, its answer prepared with them)
            if content.on_span:
                prepared = None
            elif not tags:
                prepared = profile.start_attributes(params)
            else:
                prepared = profile.start_attributes(params, tags) if tags is default_tags else None
            attributes, plain = prepared if prepared is not None else start_attributes(self, content)
            # start_count: how many attributes the span holds after its start, if known (span_writes.start_span; plain
            # ones started by sdk_internals.start_plain_span directly: a frame less on each call)
            if plain:
                self.span, self.start_count = start_plain_span(telemetry.tracer, profile.span_name, parent, attributes)
            else:
                self.span, self.start_count = start_span(telemetry.tracer, profile.span_name, parent, attributes, plain)
        if telemetry.gateway_headers is not None:  # opt-in: tags and trace context for an API gateway
            self.kwargs = telemetry.gateway_headers.add(self.kwargs, tags, self.span)

    # the rest of the request's facts: its profile's (read on the general path, by budgets and by content capture)
    surface = property(lambda self: self.profile.surface)
    endpoint = property(lambda self: self.profile.endpoint)
    request_model = property(lambda self: self.profile.request_model)
    deployment = property(lambda self: self.profile.deployment)
    stream = property(lambda self: self.profile.stream)

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

    def succeed(self, facts: Facts) -> None:
        self._end(facts, None)

    def fail(self, error: BaseException, facts: Facts | None = None) -> None:
        self._end(facts or NO_FACTS, error)

    def _end(self, facts: Facts, error: BaseException | None) -> None:
        """End the call once: price it, settle budgets, finish the span (always, even if our code fails), then
        record the metrics."""
        if self.ended:
            return
        self.ended = True
        try:
            duration = time.perf_counter() - self.start
            first_chunk_delay = None if self.first_chunk_at is None else self.first_chunk_at - self.start
            usage, cost = self._close_span(facts, error, first_chunk_delay)
            telemetry = self.telemetry
            record_call(
                telemetry.instruments, self._series(facts, error, usage, cost),
                operation=self.profile.surface.operation, duration=duration, usage=usage, cost=cost,
                enriching=self.enriching, first_chunk_delay=first_chunk_delay, chunk_gaps=self.chunk_gaps,
            )  # fmt: skip
        except Exception:
            report_internal_error("call end")

    def _series(self, facts: Facts, error: BaseException | None, usage: Usage | None, cost: Cost | None) -> Series:
        """The attribute sets this call's metrics record under (``series_of``)."""
        return series_of(
            self.telemetry, self, facts.response_model, facts.service_tier,
            error_type(error) if error is not None else None, cost.status if cost is not None else None,
            usage.source if usage is not None else None,
            self.telemetry.metric_tags.admitted(self.tags) if self.tags else (),
        )  # fmt: skip

    def _close_span(self, facts: Facts, error: BaseException | None, first_chunk_delay: float | None
                    ) -> tuple[Usage | None, Cost | None]:  # fmt: skip
        telemetry = self.telemetry
        request = self  # the request's facts are the call's
        span = self.span
        try:
            facts = complete(request, facts) if error is None else facts
            usage = usage_of(request, facts, error)
            cost = price(telemetry.pricer, request, facts, usage) if error is None or usage is not None else None
            if self.reservation is not None or (telemetry.budgets is not None and telemetry.budgets.has_budgets):
                telemetry.budgets.settle(self, cost, span)
            if span.is_recording():
                set_attributes(span, end_attributes(request, facts, usage, cost, error, first_chunk_delay))
                if telemetry.content.on_span and facts.output_messages is not None:
                    telemetry.content.response_to_span(facts, span)
            if not self.enriching:
                if error is not None:
                    description, exception_attributes = report(error, telemetry.content.enabled)
                    span.set_status(Status(StatusCode.ERROR, description))
                    span.record_exception(error, attributes=exception_attributes)
                if telemetry.content.on_event:
                    telemetry.content.emit_event(self, facts, span)
            return usage, cost
        finally:
            if not self.enriching:  # the outer instrumentation owns the end of its span
                span.end()


def series_of(telemetry: Any, request: Request, response_model: str | None, service_tier: str | None,
              error_name: str | None, status: str | None, source: str | None, tags: tuple[tuple[str, str], ...]
              ) -> Series:  # fmt: skip
    """The attribute sets a call's metrics record under: shared by every call of the same profile, response model,
    service tier, error type, pricing status, usage source and admitted metric tags (``tags``); made on the first."""
    instruments = telemetry.instruments
    key = (request.profile, response_model, service_tier, error_name, status, source, tags)
    series = instruments.known_series.get(key)
    if series is None:
        facts = Facts(response_model=response_model, service_tier=service_tier)  # what metric_attributes reads
        series = instruments.series(key, metric_attributes(request, facts, error_name, tags), status, source)
    return series


def _is_foreign_call_span(span: Any) -> bool:
    """Is ``span`` an OpenAI call span of another instrumentation (not an agent or workflow span around calls)?"""
    # the usual span around a call, the application's own, fails the operation test: asked first (one property and
    # one get; the recording and scope tests first cost ~6k instructions more a call in a span, round 20)
    attributes = getattr(span, "attributes", None)
    if not attributes or attributes.get(semconv.OPERATION_NAME) not in _CALL_OPERATIONS:
        return False
    if not span.is_recording():
        return False
    scope = getattr(span, "instrumentation_scope", None)
    return scope is not None and scope.name != "otel_aicost"
