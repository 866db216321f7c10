"""The one sync and one async wrapper around every instrumented SDK method.

Order of work: pass straight through when switched off, suppressed, or already inside one of our calls; start the
call (our failures here fall back to the bare call); check budgets (``BudgetExceeded`` is meant for the caller);
run the user's call with our span current; hand the result to ``results.py`` behind the guard.
The user's exceptions are re-raised unchanged.
"""

from __future__ import annotations

from types import MethodType
from typing import Any

from opentelemetry import context, trace
from opentelemetry.context import Context
from opentelemetry.instrumentation.utils import is_instrumentation_enabled

from otel_aicost import semconv
from otel_aicost.export.sdk_internals import SPAN_KEY, attach_context, current_context, reset_context
from otel_aicost.instrumentation.attributes import error_type
from otel_aicost.instrumentation.call import Call
from otel_aicost.instrumentation.request import without_injected_usage
from otel_aicost.instrumentation.results import end_failed, handle_result
from otel_aicost.instrumentation.safety import guard, report_internal_error
from otel_aicost.instrumentation.sdk import inner_wrapper
from otel_aicost.instrumentation.surfaces import Surface
from otel_aicost.instrumentation.telemetry import Telemetry

# set in the context each SDK call runs in (``_call_context``): a call made inside one of ours passes straight through.
# A key of the OpenTelemetry context we attach anyway, not a ContextVar of its own: its set and reset cost about
# 2,100 instructions per call (callgrind, Python 3.12), the extra key in the context's copy next to nothing
_IN_CALL_KEY = context.create_key("otel_aicost_in_call")

try:  # the keys is_instrumentation_enabled() reads (opentelemetry-instrumentation 0.60b0 .. 0.66b0), read here from
    # the context each call fetches once anyway; test_chat checks both against suppress_instrumentation()
    from opentelemetry.instrumentation.utils import (
        _SUPPRESS_INSTRUMENTATION_KEY,
        _SUPPRESS_INSTRUMENTATION_KEY_PLAIN,
    )
except ImportError:  # pragma: no cover - moved: ask the public function
    _SUPPRESS_INSTRUMENTATION_KEY = _SUPPRESS_INSTRUMENTATION_KEY_PLAIN = None


# the keys whose value makes a call pass straight through; None: ask is_instrumentation_enabled() on every call
_PASS_KEYS = (
    frozenset((_IN_CALL_KEY, _SUPPRESS_INSTRUMENTATION_KEY, _SUPPRESS_INSTRUMENTATION_KEY_PLAIN))
    if _SUPPRESS_INSTRUMENTATION_KEY is not None
    else None
)


def _suppressed(parent: Context) -> bool:
    """``not is_instrumentation_enabled()``, from the context already at hand."""
    if _SUPPRESS_INSTRUMENTATION_KEY is None:
        return not is_instrumentation_enabled()
    return bool(parent.get(_SUPPRESS_INSTRUMENTATION_KEY) or parent.get(_SUPPRESS_INSTRUMENTATION_KEY_PLAIN))


def _call_context(span: Any, parent: Context) -> Context:
    """``parent`` with ``span`` current (``trace.set_span_in_context``: ``SPAN_KEY`` is the key it sets, its
    context in one copy) and marked as inside one of our calls."""
    if SPAN_KEY is None:  # pragma: no cover - depends on the API installed
        return context.set_value(_IN_CALL_KEY, True, trace.set_span_in_context(span, parent))
    return Context({**parent, SPAN_KEY: span, _IN_CALL_KEY: True})


class Switch:
    """Turned off by ``uninstrument()``: the SDK caches bound methods, so a wrapper can outlive unwrapping."""

    __slots__ = ("active",)

    def __init__(self) -> None:
        self.active = True


def _resend_without_stream_options(call: Call, error: BaseException, given: dict[str, Any]) -> bool:
    """An endpoint that refuses the ``stream_options`` we added gets the caller's original request once more
    (``stream_usage.py``): recorded on the span, counted, and the endpoint is not asked again."""
    if not call.injected_usage or not call.telemetry.stream_usage.refused_by(call.profile.endpoint, error):
        return False
    call.span.add_event(semconv.EVENT_STREAM_OPTIONS_REFUSED, {semconv.ERROR_TYPE: error_type(error)})
    without_injected_usage(call, given)
    return True


def _bypass_inner_instrumentation(wrapped: Any) -> Any:
    """If another OpenTelemetry OpenAI instrumentation wraps inside us, call what it wraps: one span per call."""
    if type(wrapped) is MethodType:  # the SDK's own method: nothing wraps inside us
        return wrapped
    inner = inner_wrapper(wrapped)
    if inner is not None and getattr(inner, "__module__", "").startswith("opentelemetry.instrumentation"):
        return wrapped.__wrapped__
    return wrapped


def sync_wrapper(telemetry: Telemetry, surface: Surface, switch: Switch) -> Any:
    def wrapper(wrapped: Any, instance: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        if not switch.active:
            return wrapped(*args, **kwargs)
        parent = current_context()  # context.get_current() in C (sdk_internals.context)
        if (_PASS_KEYS is None or not _PASS_KEYS.isdisjoint(parent)) and (
            parent.get(_IN_CALL_KEY) or _suppressed(parent)
        ):  # (the usual context holds none of the keys: one C call, not three gets)
            return wrapped(*args, **kwargs)
        try:  # (inline, not a helper: a frame less on each call)
            if telemetry.on_first_call is not None:  # Telemetry.start, inline: a frame less on each call
                telemetry.warm_up()
            call = Call(telemetry, surface, instance, kwargs, parent)
        except Exception:  # ours: the bare call, made outside this handler (the user's errors keep their context)
            report_internal_error("call start")
            call = None
        if call is None:
            return wrapped(*args, **kwargs)
        if telemetry.budgets is not None:  # None: no budgets configured (no frame of reserve_budget per call)
            call.reserve_budget()
        if type(wrapped) is not MethodType:  # the SDK's own method: nothing wraps inside us
            wrapped = _bypass_inner_instrumentation(wrapped)
        span_context = attach_context(  # _call_context(call.span, parent), inline: a frame less on each call
            Context({**parent, SPAN_KEY: call.span, _IN_CALL_KEY: True} if parent else {SPAN_KEY: call.span,
                    _IN_CALL_KEY: True})  # (the empty parent's copy: one dict less, ~700 instructions)
            if SPAN_KEY is not None
            else _call_context(call.span, parent)
        )
        try:
            try:
                result = wrapped(*args, **call.kwargs)
            except Exception as error:
                if not guard("stream_options refusal", _resend_without_stream_options, call, error, kwargs,
                             default=False):
                    raise
                result = wrapped(*args, **call.kwargs)
        except BaseException as error:
            guard("call failure", end_failed, call, error)
            raise
        finally:
            try:  # context.detach(span_context) in C (sdk_internals.context)
                reset_context(span_context)
            except Exception:  # a token it cannot reset: the API's detach fails the same way and logs it
                context.detach(span_context)
        return handle_result(call, result)

    return wrapper


def async_wrapper(telemetry: Telemetry, surface: Surface, switch: Switch) -> Any:
    async def wrapper(wrapped: Any, instance: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        if not switch.active:
            return await wrapped(*args, **kwargs)
        parent = current_context()  # context.get_current() in C (sdk_internals.context)
        if (_PASS_KEYS is None or not _PASS_KEYS.isdisjoint(parent)) and (
            parent.get(_IN_CALL_KEY) or _suppressed(parent)
        ):  # (the usual context holds none of the keys: one C call, not three gets)
            return await wrapped(*args, **kwargs)
        try:  # (inline, not a helper: a frame less on each call)
            if telemetry.on_first_call is not None:  # Telemetry.start, inline: a frame less on each call
                telemetry.warm_up()
            call = Call(telemetry, surface, instance, kwargs, parent)
        except Exception:  # ours: the bare call, made outside this handler (the user's errors keep their context)
            report_internal_error("call start")
            call = None
        if call is None:
            return await wrapped(*args, **kwargs)
        if telemetry.budgets is not None:  # None: no budgets configured (no frame of reserve_budget per call)
            call.reserve_budget()
        if type(wrapped) is not MethodType:  # the SDK's own method: nothing wraps inside us
            wrapped = _bypass_inner_instrumentation(wrapped)
        span_context = attach_context(  # _call_context(call.span, parent), inline: a frame less on each call
            Context({**parent, SPAN_KEY: call.span, _IN_CALL_KEY: True} if parent else {SPAN_KEY: call.span,
                    _IN_CALL_KEY: True})  # (the empty parent's copy: one dict less, ~700 instructions)
            if SPAN_KEY is not None
            else _call_context(call.span, parent)
        )
        try:
            try:
                result = await wrapped(*args, **call.kwargs)
            except Exception as error:
                if not guard("stream_options refusal", _resend_without_stream_options, call, error, kwargs,
                             default=False):
                    raise
                result = await wrapped(*args, **call.kwargs)
        except BaseException as error:
            guard("call failure", end_failed, call, error)
            raise
        finally:
            try:  # context.detach(span_context) in C (sdk_internals.context)
                reset_context(span_context)
            except Exception:  # a token it cannot reset: the API's detach fails the same way and logs it
                context.detach(span_context)
        return handle_result(call, result)

    return wrapper
