"""Budgets on the call path, with the real openai client over a mock transport."""

from __future__ import annotations

import logging
import sys
import types
from decimal import Decimal

import openai
import pytest
from opentelemetry.trace import StatusCode

from otel_aicost import allocate, semconv
from otel_aicost.budgets import guard as budget_guard
from otel_aicost.budgets.rules import BudgetExceeded
from otel_aicost.config.settings import Deployment
from otel_aicost.cost.call_cost import Cost
from otel_aicost.cost.pricer import Pricer
from otel_aicost.instrumentation.surfaces import Surface
from tests.support import payloads
from tests.support.mock_openai import Recorder, client, json_response

MESSAGES = [{"role": "user", "content": "Say hello"}]


def fixed_prices(monkeypatch, cost: str, estimate: str) -> None:
    """Every call costs ``cost`` and every estimate is ``estimate``, whatever the price catalog says."""
    monkeypatch.setattr(Pricer, "price", lambda self, request: Cost(semconv.STATUS_PRICED, "USD", Decimal(cost)))
    monkeypatch.setattr(budget_guard, "estimate_call", lambda call, pricer: Decimal(estimate))


def chat(api):
    return api.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)


def test_no_budgets_no_guard(instrument):
    assert instrument().telemetry.budgets is None


def test_a_blocked_call_never_reaches_the_server(telemetry, instrument, monkeypatch):
    fixed_prices(monkeypatch, cost="0.40", estimate="0.50")
    instrument(budgets=[{"name": "search", "limit": 1, "match": {"team": "search"}, "action": "block"}])
    server = Recorder(lambda request: json_response(payloads.chat_completion()))
    api = client(server)
    with allocate(team="search"):
        chat(api)  # 0 + 0.50 <= 1
        chat(api)  # 0.40 + 0.50 <= 1
        with pytest.raises(BudgetExceeded) as raised:
            chat(api)  # 0.80 + 0.50 > 1
    assert len(server.requests) == 2
    assert (raised.value.budget, raised.value.spent, raised.value.estimate) == (
        "search",
        Decimal("0.80"),
        Decimal("0.50"),
    )
    blocked = telemetry.spans()[-1]
    assert blocked.status.status_code is StatusCode.ERROR
    assert blocked.attributes[semconv.ERROR_TYPE].endswith("BudgetExceeded")
    with allocate(team="ads"):
        chat(api)  # another team's calls are not watched by this budget
    assert len(server.requests) == 3


def test_a_failed_call_gives_its_hold_back(instrument, monkeypatch):
    fixed_prices(monkeypatch, cost="0.40", estimate="0.60")
    instrument(budgets=[{"name": "cap", "limit": 1, "action": "block"}])
    answers = iter(
        [json_response({"error": {"message": "boom"}}, status=500), json_response(payloads.chat_completion())]
    )
    api = client(Recorder(lambda request: next(answers)))
    with pytest.raises(openai.InternalServerError):
        chat(api)
    chat(api)  # had the failed call kept its 0.60, 0.60 + 0.60 > 1 would refuse this one


def test_thresholds_become_span_events_and_warnings(telemetry, instrument, monkeypatch, caplog):
    fixed_prices(monkeypatch, cost="0.40", estimate="0.50")
    instrument(budgets=[{"name": "all", "limit": 1, "thresholds": [0.5, 1.0]}])
    api = client(lambda request: json_response(payloads.chat_completion()))
    with caplog.at_level(logging.WARNING, logger="otel_aicost.budgets"):
        for _ in range(3):
            chat(api)
    events = [[(e.name, e.attributes[semconv.BUDGET_THRESHOLD]) for e in span.events] for span in telemetry.spans()]
    assert events == [[], [("aicost.budget.threshold", 0.5)], [("aicost.budget.threshold", 1.0)]]
    assert [r.getMessage().split(":")[0] for r in caplog.records] == [
        "budget 'all' reached 50% of its day limit",
        "budget 'all' reached 100% of its day limit",
    ]
    (point,) = telemetry.points("aicost.budget.utilization")
    assert point.attributes == {"aicost.budget.name": "all"}
    assert point.value == pytest.approx(1.2)


def test_unpriced_calls_add_no_spend(telemetry, instrument, monkeypatch):
    monkeypatch.setattr(Pricer, "price", lambda self, request: Cost(semconv.STATUS_UNKNOWN_MODEL, "USD"))
    instrument(budgets=[{"name": "all", "limit": 1}])
    chat(client(lambda request: json_response(payloads.chat_completion())))
    (point,) = telemetry.points("aicost.budget.utilization")
    assert point.value == 0.0


# --- what is estimated -------------------------------------------------------------------------------------------


@pytest.fixture
def estimator(monkeypatch):
    """A stand-in ``otel_aicost.estimate`` module that records how it was asked."""
    asked: list[tuple[str, dict]] = []

    def estimate_cost(model, **kwargs):
        asked.append((model, kwargs))
        status = semconv.STATUS_UNKNOWN_MODEL if model == "mystery" else semconv.STATUS_PRICED
        return types.SimpleNamespace(status=status, total=Decimal("0.25") if status == semconv.STATUS_PRICED else None)

    monkeypatch.setitem(sys.modules, "otel_aicost.cost.estimate", types.SimpleNamespace(estimate_cost=estimate_cost))
    return asked


def fake_call(operation, kwargs, deployment=None):
    return types.SimpleNamespace(
        surface=Surface(operation, read=lambda response, facts: None),
        kwargs=kwargs,
        request_model=kwargs.get("model"),
        deployment=deployment,
    )


PRICER = object()


@pytest.mark.parametrize(
    ("operation", "kwargs", "deployment", "model", "expected"),
    [
        (
            "chat",
            {"model": "gpt-4o", "messages": MESSAGES, "max_completion_tokens": 100, "n": 2, "tools": [{"type": "x"}]},
            None,
            "gpt-4o",
            {"messages": MESSAGES, "max_output_tokens": 200, "deployment_type": None, "tools": [{"type": "x"}]},
        ),
        (
            "chat",
            {"model": "chat-prod", "messages": MESSAGES, "max_tokens": 10},
            Deployment("chat-prod", model="gpt-4o-2024-08-06", type="data_zone_standard"),
            "gpt-4o-2024-08-06",
            {"messages": MESSAGES, "max_output_tokens": 10, "deployment_type": "data_zone_standard"},
        ),
        (
            "text_completion",
            {"model": "gpt-3.5-turbo-instruct", "prompt": "Say hello"},
            None,
            "gpt-3.5-turbo-instruct",
            {"prompt": "Say hello", "max_output_tokens": 16, "deployment_type": None},
        ),
        (
            "embeddings",
            {"model": "text-embedding-3-small", "input": ["a", "b"]},
            None,
            "text-embedding-3-small",
            {"prompt": ["a", "b"], "max_output_tokens": None, "deployment_type": None},
        ),
        (
            "chat",
            {"model": "gpt-5", "input": MESSAGES, "max_output_tokens": 50},
            None,
            "gpt-5",
            {"messages": MESSAGES, "max_output_tokens": 50, "deployment_type": None},
        ),
    ],
)
def test_the_estimate_is_asked_with_the_request(estimator, operation, kwargs, deployment, model, expected):
    assert budget_guard.estimate_call(fake_call(operation, kwargs, deployment), PRICER) == Decimal("0.25")
    assert estimator == [(model, {**expected, "pricer": PRICER})]


def test_no_model_or_no_price_means_no_estimate(estimator):
    assert budget_guard.estimate_call(fake_call("chat", {"messages": MESSAGES}), PRICER) is None
    assert estimator == []
    assert budget_guard.estimate_call(fake_call("chat", {"model": "mystery", "messages": MESSAGES}), PRICER) is None
