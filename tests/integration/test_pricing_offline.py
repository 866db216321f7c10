"""Pricing and token counting never touch the network, and importing the package loads neither catalog."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

BLOCK_NETWORK = textwrap.dedent("""
    import socket
    def _refuse(*args, **kwargs):
        raise AssertionError("network access attempted")
    socket.socket.connect = _refuse
    socket.socket.connect_ex = _refuse
    socket.create_connection = _refuse
    socket.getaddrinfo = _refuse
""")


def run(code: str, tmp_path) -> dict:
    env = {
        "PATH": "/usr/bin:/bin",
        "TIKTOKEN_CACHE_DIR": str(tmp_path / "tiktoken-cache"),
        "DATA_GYM_CACHE_DIR": str(tmp_path / "data-gym-cache"),
        "HOME": str(tmp_path),
    }
    result = subprocess.run(
        [sys.executable, "-c", BLOCK_NETWORK + textwrap.dedent(code)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_import_is_lazy_and_pricing_and_counting_work_with_the_network_blocked(tmp_path):
    out = run(
        """
        import json, sys
        import otel_aicost
        lazy = not any(name in sys.modules for name in ("genai_prices", "tiktoken"))
        lazy = lazy and not getattr(sys.modules.get("otel_aicost.cost.shipped"), "_json", None)  # no price file read
        from otel_aicost.config.settings import Deployment, Settings
        from otel_aicost.cost.call_cost import PricingRequest
        from otel_aicost.cost.pricer import Pricer
        from otel_aicost.instrumentation.usage import Usage
        pricer = Pricer(Settings())
        openai = pricer.price(PricingRequest("chat", Usage(1000, 100), "gpt-4o"))
        azure = pricer.price(PricingRequest("chat", Usage(1000, 100), "d", "gpt-4o-2024-08-06",
                             deployment=Deployment("d", type="data_zone_standard"), provider="azure.ai.openai"))
        estimate = otel_aicost.estimate_cost("gpt-4o", messages=[{"role": "user", "content": "hello world"}])
        from otel_aicost.cost import tokens
        cl100k = tokens.count_text("hello world", "gpt-4")
        print(json.dumps({"lazy": lazy, "openai": openai.status, "azure": azure.source,
                          "estimate": estimate.input_tokens, "cl100k": cl100k}))
    """,
        tmp_path,
    )
    assert out == {
        "lazy": True,
        "openai": "priced",
        "azure": "azure-retail-prices 2026-08 (data_zone_standard)",
        "estimate": 2 + 3 + 1 + 3,
        "cl100k": 2,
    }
    assert not (tmp_path / "tiktoken-cache").exists() and not (tmp_path / "data-gym-cache").exists()
