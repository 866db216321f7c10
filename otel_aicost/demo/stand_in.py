"""The examples' switch between your endpoint and the loopback fake: explicit, and offline by default.

    with fake_openai_unless_configured():       # OpenAI examples: looks at OPENAI_BASE_URL
        client = OpenAI()
    with fake_openai_unless_configured(azure=True, deployments={"chat-prod": "gpt-4o"}):
        client = AzureOpenAI()                   # Azure examples: looks at AZURE_OPENAI_ENDPOINT

When the variable is set (to the real API, or to a fake started with ``python -m otel_aicost.demo``), nothing
changes: the SDK reads it and your key. When it is not set, a :class:`FakeOpenAI` starts on 127.0.0.1 for the
block and the SDK's variables point at it, with a dummy key, so a stray real key is never sent anywhere; the old
values come back when the block ends. An ``OPENAI_API_KEY`` alone never sends a request to the real API.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager

from otel_aicost.demo.fake_openai import FakeOpenAI

DUMMY_KEY = "loopback-fake-no-key-needed"
AZURE_API_VERSION = "2024-10-21"


@contextmanager
def fake_openai_unless_configured(
    *, azure: bool = False, deployments: Mapping[str, str] | None = None
) -> Iterator[FakeOpenAI | None]:
    """Yield the running fake, or ``None`` when ``OPENAI_BASE_URL`` (``AZURE_OPENAI_ENDPOINT`` with ``azure``) is set."""
    variable = "AZURE_OPENAI_ENDPOINT" if azure else "OPENAI_BASE_URL"
    if os.environ.get(variable):
        yield None
        return
    with FakeOpenAI(deployments=deployments) as server:
        values = {
            "OPENAI_BASE_URL": server.base_url,
            "OPENAI_API_KEY": DUMMY_KEY,
            "AZURE_OPENAI_ENDPOINT": server.azure_endpoint,
            "AZURE_OPENAI_API_KEY": DUMMY_KEY,
            "OPENAI_API_VERSION": os.environ.get("OPENAI_API_VERSION") or AZURE_API_VERSION,
        }
        saved = {name: os.environ.get(name) for name in values}
        os.environ.update(values)
        print(f"({variable} not set: using the loopback fake OpenAI at {server.url}; no network, no key)",
              file=sys.stderr)  # fmt: skip
        try:
            yield server
        finally:
            for name, value in saved.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value
