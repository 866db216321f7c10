"""A process that forks while our price data is loading (e.g. gunicorn --preload during the background preload)
must not leave its children waiting forever on a lock held by a thread that did not survive the fork."""

from __future__ import annotations

import os
import signal

import pytest

from otel_aicost.config.settings import Settings
from otel_aicost.cost import estimate, shipped, tokens
from otel_aicost.cost.call_cost import PricingRequest
from otel_aicost.cost.pricer import Pricer
from otel_aicost.instrumentation.usage import Usage

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")


def test_child_prices_although_the_parent_held_every_lock_at_fork():
    # The guard of shipped's lock table and each data file's own lock, as the preload thread would hold them.
    keys = [(shipped._json, name) for name in ("genai_prices.json", "azure.json", "openai.json")]
    keys += [(tokens._loaded, name) for name in ("o200k_base", "cl100k_base")]
    held = [shipped._lock_for(cache, key) for cache, key in keys]
    held += [shipped._lock, tokens._counts_lock, estimate._lock]
    for lock in held:
        lock.acquire()  # as the preload thread would, in the middle of loading
    try:
        pid = os.fork()
        if pid == 0:  # the child: price a call and count tokens; exit 0 only if both work
            signal.alarm(20)
            # Forget what the parent may have loaded already, so the child's first call must take each lock.
            shipped._json.clear()
            tokens._loaded.clear()
            tokens._by_model.clear()
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
