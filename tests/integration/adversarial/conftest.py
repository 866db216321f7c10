"""Adversarial stream and call-path tests: each case runs on the bare ``openai`` SDK (the oracle), then
instrumented, against a loopback server that sends exactly the bytes the test wrote (tests/support/scripted_openai.py).
What the caller saw must be equal; the instrumented run must end exactly one span, once."""

from __future__ import annotations

import gc
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest

from otel_aicost.instrumentation import usage_events
from tests.support.scripted_openai import ScriptedServer


@pytest.fixture(scope="module")
def server():
    with ScriptedServer() as running:
        yield running


@pytest.fixture
def decoded(monkeypatch):
    """The events' texts decoded in place of the SDK's ``json()`` (``usage_events.py``: each goes to its decoder,
    msgspec's, first; the instrumented run only)."""
    seen = []
    decode = usage_events._decode

    def spy(text):
        seen.append(text)
        return decode(text)

    monkeypatch.setattr(usage_events, "_decode", spy)
    return seen


@dataclass
class Run:
    telemetry: Any
    seen: Any = None
    checkpoints: list[int] = field(default_factory=list)

    def checkpoint(self) -> None:
        self.checkpoints.append(len(self.telemetry.spans()))


@pytest.fixture
def oracle(server, telemetry, instrument):
    """``oracle(case, **config)``: run ``case(run)`` bare, then instrumented with ``config``; assert the caller saw
    the same; return the instrumented ``Run``. The bare run must end no span."""

    def both(case: Callable[[Run], None], **config: Any) -> Run:
        runs = []
        for instrumented in (False, True):
            if instrumented:
                instrument(**config)
            server.bodies.clear()
            run = Run(telemetry)
            case(run)
            gc.collect()
            run.checkpoint()
            runs.append(run)
        bare, ours = runs
        assert bare.checkpoints == [0] * len(bare.checkpoints)
        assert bare.seen, "the bare caller saw nothing: the comparison would hold of nothing"
        assert ours.seen == bare.seen, "the caller must see exactly what the bare SDK gives"
        return ours

    return both
