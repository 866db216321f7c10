"""otel-aicost: OpenTelemetry spans, metrics and exact cost for every OpenAI and Azure OpenAI call."""

from .allocation import allocate
from .budgets import Budget, BudgetExceeded
from .estimate import Estimate, estimate_cost
from .version import __version__

__all__ = ["Budget", "BudgetExceeded", "Estimate", "__version__", "allocate", "estimate_cost"]
