"""``OpenAICostInstrumentor``: wraps every OpenAI SDK method that costs tokens, sync and async, from one table."""

from __future__ import annotations

import importlib
import logging
import threading
from collections.abc import Collection
from typing import Any

from opentelemetry import trace
from opentelemetry.instrumentation.instrumentor import BaseInstrumentor  # type: ignore[attr-defined]
from opentelemetry.instrumentation.utils import unwrap
from opentelemetry.metrics import get_meter
from wrapt import wrap_function_wrapper

from otel_aicost import semconv
from otel_aicost.instrumentation.allocation import propagation
from otel_aicost.budgets.guard import BudgetGuard
from otel_aicost.instrumentation.call import Surface, Telemetry
from otel_aicost.config.settings import Settings, load_settings
from otel_aicost.instrumentation.content import ContentCapture
from otel_aicost.cost.pricer import Pricer
from otel_aicost.cost.estimate import set_default_pricer
from otel_aicost.instrumentation.extract import read_chat_completion, read_embeddings, read_response
from otel_aicost.instrumentation.metrics import Instruments
from otel_aicost.instrumentation.package import _instruments
from otel_aicost.version import __version__
from otel_aicost.instrumentation.wrapper import Switch, async_wrapper, sync_wrapper

SCHEMA_URL = "https://opentelemetry.io/schemas/1.41.0"
SCOPE = "otel_aicost"

CHAT = Surface(semconv.OP_CHAT, read_chat_completion, "chat", semconv.API_CHAT_COMPLETIONS)
TEXT_COMPLETION = Surface(semconv.OP_TEXT_COMPLETION, read_chat_completion, "completion")
EMBEDDINGS = Surface(semconv.OP_EMBEDDINGS, read_embeddings)
RESPONSES = Surface(semconv.OP_CHAT, read_response, "responses", semconv.API_RESPONSES)

# (module, sync class, async class, method, surface). Rows whose module or method the installed SDK lacks are
# skipped. `chat.completions.stream()` and `responses.stream()` call `create`, and `.with_raw_response` /
# `.with_streaming_response` call the (wrapped) method too, so those are covered by these rows.
PATCHES: tuple[tuple[str, str, str, str, Surface], ...] = (
    ("openai.resources.chat.completions", "Completions", "AsyncCompletions", "create", CHAT),
    ("openai.resources.chat.completions", "Completions", "AsyncCompletions", "parse", CHAT),
    ("openai.resources.beta.chat.completions", "Completions", "AsyncCompletions", "parse", CHAT),
    ("openai.resources.completions", "Completions", "AsyncCompletions", "create", TEXT_COMPLETION),
    ("openai.resources.embeddings", "Embeddings", "AsyncEmbeddings", "create", EMBEDDINGS),
    ("openai.resources.responses", "Responses", "AsyncResponses", "create", RESPONSES),
    ("openai.resources.responses", "Responses", "AsyncResponses", "parse", RESPONSES),
)


def _targets() -> list[tuple[type, str, Surface, bool]]:
    """(class, method, surface, is_async) for every row the installed SDK has."""
    found = []
    for module_name, sync_class, async_class, method, surface in PATCHES:
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            continue
        for class_name, is_async in ((sync_class, False), (async_class, True)):
            cls = getattr(module, class_name, None)
            if cls is not None and method in vars(cls):
                found.append((cls, method, surface, is_async))
    return found


def build_telemetry(settings: Settings, **providers: Any) -> Telemetry:
    tracer_provider = providers.get("tracer_provider") or trace.get_tracer_provider()
    tracer = trace.get_tracer(SCOPE, __version__, tracer_provider, schema_url=SCHEMA_URL)
    meter = get_meter(SCOPE, __version__, providers.get("meter_provider"), schema_url=SCHEMA_URL)
    logger = None
    if settings.capture_content in ("event_only", "span_and_event"):
        from opentelemetry._logs import get_logger

        logger = get_logger(SCOPE, __version__, providers.get("logger_provider"), schema_url=SCHEMA_URL)
    pricer = Pricer(settings)
    budgets = BudgetGuard.create(settings, pricer, meter)
    return Telemetry(
        tracer=tracer,
        instruments=Instruments(meter, settings.currency),
        settings=settings,
        pricer=pricer,
        budgets=budgets,
        content=ContentCapture(settings.capture_content, logger),
        resource=getattr(tracer_provider, "resource", None),
    )


def _preload_in_background(telemetry: Telemetry) -> None:
    """Load price data (about a second) and, where estimates will be needed, tiktoken encodings, off the call path."""

    def preload() -> None:
        try:
            telemetry.pricer.preload()
            if telemetry.settings.stream_usage == "off" or telemetry.settings.budgets:
                from otel_aicost.cost.tokens import get_encoding

                get_encoding("o200k_base")
                get_encoding("cl100k_base")
        except Exception:  # noqa: BLE001 - the first priced call will load (and report) it instead
            logging.getLogger("otel_aicost").debug("price preload failed", exc_info=True)

    threading.Thread(target=preload, name="otel-aicost-preload", daemon=True).start()


class OpenAICostInstrumentor(BaseInstrumentor):  # type: ignore[misc]
    """Instrument the ``openai`` SDK: GenAI spans and metrics with exact cost for every call.

    ``instrument(tracer_provider=, meter_provider=, logger_provider=, config=)``; ``config`` takes the keys of the
    config file (SPEC section 6) and wins over ``OTEL_AICOST_*`` variables and the file. Instrumenting twice is a
    no-op; ``uninstrument()`` restores every patched method.
    """

    def __init__(self) -> None:
        super().__init__()
        self._switch: Switch | None = None
        self._wrapped: list[tuple[type, str]] = []
        self.telemetry: Telemetry | None = None

    def instrumentation_dependencies(self) -> Collection[str]:
        return _instruments

    def _instrument(self, **kwargs: Any) -> None:
        config = kwargs.get("config")
        settings = config if isinstance(config, Settings) else load_settings(config)
        telemetry = build_telemetry(settings, **kwargs)
        set_default_pricer(telemetry.pricer)
        _preload_in_background(telemetry)
        propagation.outbound = settings.propagate_baggage
        propagation.inbound_keys = frozenset(settings.baggage_keys)
        switch = Switch()
        for cls, method, surface, is_async in _targets():
            factory = async_wrapper if is_async else sync_wrapper
            wrap_function_wrapper(cls, method, factory(telemetry, surface, switch))
            self._wrapped.append((cls, method))
        self._switch, self.telemetry = switch, telemetry

    def _uninstrument(self, **kwargs: Any) -> None:
        if self._switch is not None:
            self._switch.active = False
        for cls, method in self._wrapped:
            unwrap(cls, method)
        self._wrapped.clear()
        self._switch = self.telemetry = None
        propagation.outbound, propagation.inbound_keys = False, frozenset()
        set_default_pricer(None)
