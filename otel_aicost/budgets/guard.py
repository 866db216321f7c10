"""Budgets on the call path: reserve before the request leaves, settle with the real cost after.

``Call.reserve_budget`` calls ``reserve(tags, call)`` before the request is sent (``BudgetExceeded`` goes to the
caller); ``Call._end`` calls ``settle(call, cost, span)`` once when the call ends, successful or not (a failed
call has no cost, which releases its hold). The bookkeeping is ``BudgetBook``; this module only knows calls.

A call that sets no ``max_tokens`` reserves a realistic output: the 95th percentile of the outputs this process
has seen for its model (the pricer observes them once a budget exists), else the model's max output capped at
``outputs.FIRST_CALLS_CAP`` tokens. The difference to the real cost is released when the call settles.
"""

from __future__ import annotations

import logging
from decimal import Decimal
from typing import Any

from otel_aicost import semconv
from otel_aicost.budgets.book import BudgetBook, Reservation
from otel_aicost.budgets.crossings import emit
from otel_aicost.config.settings import Settings
from otel_aicost.cost import limits
from otel_aicost.cost.outputs import OutputStats

_LOGGER = logging.getLogger(__name__)
_MAX_OUTPUT_KEYS = ("max_completion_tokens", "max_output_tokens", "max_tokens")
_LEGACY_COMPLETION_MAX_TOKENS = 16  # what the completions API generates when max_tokens is not given


class BudgetGuard:
    """The budgets of one instrumentation. ``create`` returns None when there are none (no work per call)."""

    has_budgets = True
    __slots__ = ("book", "pricer")

    def __init__(self, book: BudgetBook, pricer: Any) -> None:
        self.book = book
        self.pricer = pricer

    @classmethod
    def create(cls, settings: Settings, pricer: Any, meter: Any) -> BudgetGuard | None:
        if not settings.budgets:
            return None
        book = BudgetBook.from_settings(settings)
        if meter is not None:
            try:
                book.register_gauge(meter)
            except Exception:  # a missing gauge is not worth failing setup
                _LOGGER.warning("could not register the %s gauge", semconv.BUDGET_UTILIZATION, exc_info=True)
        if pricer is not None and getattr(pricer, "outputs", None) is None:
            pricer.outputs = OutputStats()  # the pricer now notes each model's outputs for the estimates
        return cls(book, pricer)

    def reserve(self, tags: Any, call: Any) -> Reservation | None:
        """Raise ``BudgetExceeded`` if a matching block budget cannot take this call's estimate; else hold it."""
        return self.book.reserve(tags, lambda: estimate_call(call, self.pricer))

    def settle(self, call: Any, cost: Any, span: Any) -> None:
        """Add the call's cost (priced calls only) to its budgets and report the thresholds it crossed."""
        amount = cost.total if cost is not None and cost.status == semconv.STATUS_PRICED else None
        for crossing in self.book.settle(call.reservation, call.tags, amount):
            emit(crossing, span)


def estimate_call(call: Any, pricer: Any) -> Decimal | None:
    """The most this call can cost, from its request (tiktoken counts, max output tokens), or None if unknown.

    Uses ``estimate_cost`` (``otel_aicost.estimate``) with the instrumentation's pricer, so it prices the way the
    call itself will be priced. Only runs when a ``block`` budget watches the call.
    """
    from otel_aicost.cost.estimate import estimate_cost  # looked up per call so that tests can replace it
    kwargs = call.kwargs
    deployment = call.deployment
    model = (deployment.model if deployment is not None and deployment.model else None) or call.request_model
    if not model:
        return None
    operation = call.surface.operation
    units = _units_estimate(call, pricer, deployment)
    if units is not None:
        return units
    max_output = next((kwargs[key] for key in _MAX_OUTPUT_KEYS if type(kwargs.get(key)) is int), None)
    if max_output is None and operation == semconv.OP_TEXT_COMPLETION:
        max_output = _LEGACY_COMPLETION_MAX_TOKENS
    elif max_output is None and operation != semconv.OP_EMBEDDINGS:
        max_output = expected_output(pricer, call.request_model, model)
    choices = kwargs.get("n")
    if max_output is not None and type(choices) is int and choices > 1:
        max_output *= choices
    request: dict[str, Any] = {}
    messages = kwargs.get("messages")
    given_input = kwargs.get("input", kwargs.get("prompt"))
    if isinstance(messages, list):
        request["messages"] = messages
    elif isinstance(given_input, list) and given_input and all(isinstance(item, dict) for item in given_input):
        request["messages"] = given_input  # Responses API input items
    elif isinstance(given_input, (str, list)):
        request["prompt"] = given_input
    tools = kwargs.get("tools")
    if isinstance(tools, list) and tools:
        request["tools"] = tools
    estimate = estimate_cost(
        model,
        max_output_tokens=max_output,
        deployment_type=deployment.type if deployment is not None else None,
        pricer=pricer,
        **request,
    )
    return estimate.total if estimate.status == semconv.STATUS_PRICED else None


def _units_estimate(call: Any, pricer: Any, deployment: Any) -> Decimal | None:
    """A per-unit call's price from what it asks for (images by n, quality and size; characters of speech; an
    upload's duration), or None for token-priced calls."""
    complete = call.surface.complete
    if complete is None:
        return None
    from otel_aicost.cost.call_cost import PricingRequest
    from otel_aicost.instrumentation.facts import NO_FACTS

    units = complete(call.kwargs, NO_FACTS).units
    if units is None:
        return None
    cost = pricer.price(PricingRequest(
        operation=call.surface.operation, usage=None, request_model=call.request_model, deployment=deployment,
        units=units, provider=call.endpoint.provider,
    ))  # fmt: skip
    return cost.total if cost.status == semconv.STATUS_PRICED else None


def expected_output(pricer: Any, request_model: str | None, model: str) -> int:
    """Output tokens to reserve for a call that sets no limit: observed p95, else the capped max output."""
    stats = getattr(pricer, "outputs", None)
    if stats is None:
        stats = _NO_OBSERVATIONS
    return stats.estimate(request_model or model, limits.max_output(model))


_NO_OBSERVATIONS = OutputStats()
