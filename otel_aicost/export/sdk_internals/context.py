"""The API's current context read, set and reset in C: the ``ContextVar`` behind ``opentelemetry.context``'s
default runtime context (``ContextVarsRuntimeContext._current_context``, opentelemetry-api 1.30 .. 1.45). Its
``get_current``, ``attach`` and ``detach`` are two Python frames each around the variable's ``get``, ``set`` and
``reset`` (about 3.5k instructions a call for the wrapper's three and the records' one, callgrind). Another runtime
context (``OTEL_PYTHON_CONTEXT``), or the variable moved: the API's own functions. Listed in the table of
``sdk_internals/__init__.py``."""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar, Token
from typing import Any

from opentelemetry import context

try:
    from opentelemetry.context import _RUNTIME_CONTEXT
    from opentelemetry.context.contextvars_context import ContextVarsRuntimeContext

    _variable = _RUNTIME_CONTEXT._current_context if type(_RUNTIME_CONTEXT) is ContextVarsRuntimeContext else None
except (ImportError, AttributeError):  # pragma: no cover - depends on the API installed
    _variable = None

CONTEXT_VARIABLE = isinstance(_variable, ContextVar)  # False: the API's functions below

current_context: Callable[[], Any]  # context.get_current()
attach_context: Callable[[Any], Token[Any]]  # context.attach(ctx)
# context.detach(token) but for its log: a token it cannot reset raises (ValueError, RuntimeError); the caller hands
# it to context.detach, which fails the same way and logs it as the API does
reset_context: Callable[[Token[Any]], None]
if CONTEXT_VARIABLE:
    current_context, attach_context, reset_context = _variable.get, _variable.set, _variable.reset
else:  # pragma: no cover - depends on the API installed
    current_context, attach_context, reset_context = context.get_current, context.attach, context.detach
