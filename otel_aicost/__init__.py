"""otel-aicost: OpenTelemetry spans, metrics and exact cost for every OpenAI and Azure OpenAI call.

Public API: ``OpenAICostInstrumentor``, ``configure``, ``allocate``, ``estimate_cost``, ``Budget``,
``BudgetExceeded``. ``import otel_aicost.auto`` is the one-line setup.
"""

from __future__ import annotations

from typing import Any

from otel_aicost.instrumentation.allocation import allocate
from otel_aicost.budgets.rules import Budget, BudgetExceeded
from otel_aicost.cost.estimate import Estimate, estimate_cost
from otel_aicost.version import __version__

__all__ = [
    "Budget",
    "BudgetExceeded",
    "Estimate",
    "OpenAICostInstrumentor",
    "__version__",
    "allocate",
    "configure",
    "estimate_cost",
]


def __getattr__(name: str) -> Any:
    # Loaded on first use: they import the OpenTelemetry SDK and the openai package.
    if name == "OpenAICostInstrumentor":
        from otel_aicost.instrumentation.instrumentor import OpenAICostInstrumentor

        return OpenAICostInstrumentor
    if name == "configure":
        from otel_aicost.export.configure import configure

        return configure
    raise AttributeError(f"module 'otel_aicost' has no attribute {name!r}")
