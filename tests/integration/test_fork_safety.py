"""A process that forks while our price data is loading (e.g. gunicorn --preload during the background preload)
must not leave its children waiting forever on a lock held by a thread that did not survive the fork."""

from __future__ import annotations

import os
import signal

import pytest

from otel_aicost.cost import estimate
from otel_aicost.cost import tokens
from otel_aicost.config.settings import Settings
from otel_aicost.cost.pricer import Pricer, PricingRequest
from otel_aicost.cost.pricing import azure_prices
from otel_aicost.cost.pricing import openai_prices
from otel_aicost.instrumentation.usage import Usage

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")


def test_child_prices_although_the_parent_held_every_lock_at_fork():
    held = [openai_prices._lock, azure_prices._lock, tokens._lock, tokens._counts_lock, estimate._lock]
    for lock in held:
        lock.acquire()  # as the preload thread would, in the middle of loading
    try:
        pid = os.fork()
        if pid == 0:  # the child: price a call and count tokens; exit 0 only if both work
            signal.alarm(20)
            # Forget what the parent may have loaded already, so the child's first call must take each lock.
            openai_prices._snapshot = None
            azure_prices._data = None
            tokens._loaded.clear()
            tokens._recent.clear()  # takes the count cache's lock, which the parent held
            try:
                cost = Pricer(Settings()).price(PricingRequest("chat", Usage(1000, 100), request_model="gpt-4o-mini"))
                counted = tokens.count_text("hello world", "gpt-4o")
                os._exit(0 if cost.status == "priced" and counted == 2 else 1)
            except BaseException:
                os._exit(2)
    finally:
        for lock in held:
            lock.release()
    _, status = os.waitpid(pid, 0)
    assert os.WIFEXITED(status), "the child was killed: it waited on an inherited lock"
    assert os.WEXITSTATUS(status) == 0
