"""``Telemetry``: everything built once per ``instrument()`` (tracer, instruments, pricer, budgets, content)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from opentelemetry import trace

from otel_aicost.config.settings import Settings
from otel_aicost.cost.pricer import Pricer
from otel_aicost.instrumentation.allocation import resource_tags
from otel_aicost.instrumentation.call import Call
from otel_aicost.instrumentation.content import ContentCapture
from otel_aicost.instrumentation.gateway_headers import GatewayHeaders
from otel_aicost.instrumentation.metrics import Instruments, MetricTags
from otel_aicost.instrumentation.request import Profiles
from otel_aicost.instrumentation.stream_usage import StreamUsage
from otel_aicost.instrumentation.surfaces import Surface


class Telemetry:
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
        self.default_tags = {**resource_tags(resource), **settings.tags}  # never changed: MetricTags and
        # Profile.start_attributes answer for it once
        self.metric_tags = MetricTags(settings.metric_tags, settings.metric_tag_cap, self.default_tags)
        self.gateway_headers = GatewayHeaders(settings.metric_tags) if settings.gateway_headers else None
        self.inject_usage = settings.stream_usage == "auto"
        self.stream_usage = StreamUsage()
        self.profiles = Profiles(pricer)
        self.on_first_call: Callable[[], None] | None = None  # loads the price data: set by the instrumentor

    def start(self, surface: Surface, instance: Any, kwargs: dict[str, Any], parent: Any = None) -> Call:
        """A call started in ``parent`` (the caller's context; None: the current one)."""
        if self.on_first_call is not None:
            self.warm_up()
        return Call(self, surface, instance, kwargs, parent)

    def warm_up(self) -> None:
        """Run ``on_first_call`` once (the first call's start)."""
        warm_up, self.on_first_call = self.on_first_call, None
        if warm_up is not None:
            warm_up()
