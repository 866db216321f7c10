"""``OpenAICostInstrumentor``: wraps every OpenAI SDK method that costs tokens, sync and async, from one table."""

from __future__ import annotations

import importlib.util
import logging
import threading
from collections.abc import Callable, Collection
from functools import partial
from types import ModuleType
from typing import Any

from opentelemetry import trace
from opentelemetry.instrumentation.instrumentor import BaseInstrumentor  # type: ignore[attr-defined]
from opentelemetry.instrumentation.utils import unwrap
from opentelemetry.metrics import get_meter
from wrapt import when_imported, wrap_function_wrapper

from otel_aicost.instrumentation.allocation import propagation
from otel_aicost.budgets.guard import BudgetGuard
from otel_aicost.config.errors import ConfigError, say_once
from otel_aicost.config.settings import Settings, load_settings
from otel_aicost.instrumentation.content import ContentCapture
from otel_aicost.cost.pricer import Pricer
from otel_aicost.cost.estimate import set_default_pricer
from otel_aicost.instrumentation.ending import register_exit_hook
from otel_aicost.instrumentation.metrics import Instruments
from otel_aicost.instrumentation.package import _instruments
from otel_aicost.instrumentation.surfaces import all_patches
from otel_aicost.instrumentation.telemetry import Telemetry
from otel_aicost.version import __version__
from otel_aicost.instrumentation.wrapper import Switch, async_wrapper, sync_wrapper

SCHEMA_URL = "https://opentelemetry.io/schemas/1.41.0"
SCOPE = "otel_aicost"


def _when_class_imported(module_name: str, class_name: str, callback: Callable[[type], None]) -> None:
    """Call ``callback(cls)`` once ``module_name.class_name`` exists: now if it is loaded, else when the application
    imports it. Instrumenting never imports an SDK module the application has not used itself: the Responses
    resources alone cost tens of milliseconds of pydantic model building at start-up. Newer SDKs load resource
    classes lazily through a package ``__getattr__`` (``_EXPORTS``); we wait for the submodule that defines the
    class. (Post-import hooks cannot be removed; ``callback`` checks that the instrumentation is still on.)"""

    def on_module(module: ModuleType) -> None:
        cls = vars(module).get(class_name)
        lazy = getattr(module, "_EXPORTS", None)
        if cls is None and isinstance(lazy, dict) and class_name in lazy:
            submodule, symbol = lazy[class_name]
            submodule = importlib.util.resolve_name(submodule, module.__name__)
            when_imported(submodule)(lambda defining: _call_with(getattr(defining, symbol, None), callback))
            return
        if cls is None:  # another lazy style, or not in this SDK version
            cls = getattr(module, class_name, None)
        _call_with(cls, callback)

    when_imported(module_name)(on_module)  # a module this SDK version lacks is never imported: the row is skipped


def _call_with(cls: Any, callback: Callable[[type], None]) -> None:
    if isinstance(cls, type):
        callback(cls)


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
    """Load price data (a quarter of a second of CPU) and, where estimates will be needed, tiktoken encodings.

    Started by the first instrumented call, not at start-up: the load overlaps that call's request, the
    application's own start-up does not share the CPU with it, and a pre-fork server (gunicorn --preload) forks
    before any loading thread exists."""


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
        # BaseInstrumentor makes this class a singleton: every construction returns the one instance, and runs
        # __init__ again. Its state is set up once, so `OpenAICostInstrumentor().uninstrument()` from anywhere
        # unwraps what was wrapped, and instrumenting again never wraps twice.
        super().__init__()
        if not hasattr(self, "_wrapped"):
            self._switch: Switch | None = None
            self._zero_code = False
            self._wrapped: list[tuple[type, str]] = []
            self.telemetry: Telemetry | None = None

    def instrument(self, **kwargs: Any) -> Any:
        # The opentelemetry-instrument loader is the one caller passing skip_dep_check (which instrument() pops).
        self._zero_code = bool(kwargs.get("skip_dep_check"))
        return super().instrument(**kwargs)

    def instrumentation_dependencies(self) -> Collection[str]:
        return _instruments

    def _instrument(self, **kwargs: Any) -> None:
        config = kwargs.get("config")
        try:
            settings = config if isinstance(config, Settings) else load_settings(config)
        except ConfigError as error:
            if not self._zero_code:  # called in code: fail at setup, loudly
                raise
            say_once(error)  # under opentelemetry-instrument: one line, and the app runs
            return
        telemetry = build_telemetry(settings, **kwargs)
        set_default_pricer(telemetry.pricer)
        telemetry.on_first_call = partial(_preload_in_background, telemetry)
        propagation.outbound = settings.propagate_baggage
        propagation.inbound_keys = frozenset(settings.baggage_keys)
        register_exit_hook()
        switch = Switch()
        self._switch, self.telemetry = switch, telemetry
        for row in all_patches():
            for class_name, is_async in ((row.sync_class, False), (row.async_class, True)):
                if row.wrapper is not None:  # a row that is not one call (realtime sessions) brings its own
                    wrapper = row.wrapper(telemetry, row.surface, switch, is_async)
                else:
                    wrapper = (async_wrapper if is_async else sync_wrapper)(telemetry, row.surface, switch)
                _when_class_imported(row.module, class_name, partial(self._wrap, switch, row.method, wrapper))

    def _wrap(self, switch: Switch, method: str, wrapper: Any, cls: type) -> None:
        """Wrap ``cls.method`` if this instrumentation is still on and the class defines the method."""
        if switch is self._switch and switch.active and method in vars(cls) and (cls, method) not in self._wrapped:
            wrap_function_wrapper(cls, method, wrapper)
            self._wrapped.append((cls, method))

    def _uninstrument(self, **kwargs: Any) -> None:
        if self._switch is not None:
            self._switch.active = False
        for cls, method in self._wrapped:
            unwrap(cls, method)
        self._wrapped.clear()
        self._switch = self.telemetry = None
        propagation.outbound, propagation.inbound_keys = False, frozenset()
        set_default_pricer(None)
