"""Write synthetic telemetry in the OTLP JSON lines format of the Collector ``file`` exporter.

Shared by the tests and ``bench/gen_spans.py``. ``SyntheticCall`` holds the truth of one call (tokens and
``Decimal`` costs computed here, independently of the code under test); ``span()`` turns it into an OTLP span
dict and ``traces_line()`` batches spans into one JSON line, as the Collector does.
"""

from __future__ import annotations

import json
import random
import zlib
from dataclasses import dataclass, field
from decimal import Decimal

# Synthetic USD prices per 1M tokens: input, cached input, output. Not the real catalog (that is not under test).
PRICES = {
    "gpt-4o-2024-08-06": (Decimal("2.5"), Decimal("1.25"), Decimal(10)),
    "gpt-4o-mini-2024-07-18": (Decimal("0.15"), Decimal("0.075"), Decimal("0.6")),
    "o3-mini-2025-01-31": (Decimal("1.1"), Decimal("0.55"), Decimal("4.4")),
    "text-embedding-3-small": (Decimal("0.02"), Decimal("0.02"), Decimal(0)),
}
REQUEST_MODELS = {
    "gpt-4o-2024-08-06": "gpt-4o",
    "gpt-4o-mini-2024-07-18": "gpt-4o-mini",
    "o3-mini-2025-01-31": "o3-mini",
    "text-embedding-3-small": "text-embedding-3-small",
}
MILLION = Decimal(1_000_000)
BASE_NS = 1_790_000_000 * 10**9  # 2026-09-21T13:33:20Z


@dataclass
class SyntheticCall:
    """One GenAI call and everything its span will say."""

    start_ns: int = BASE_NS
    duration_s: float = 0.5
    operation: str = "chat"
    provider: str = "openai"
    request_model: str | None = "gpt-4o"
    response_model: str | None = "gpt-4o-2024-08-06"
    input_tokens: int | None = 100
    output_tokens: int | None = 20
    cache_read_tokens: int = 0
    cache_write_tokens: int = 0
    reasoning_tokens: int = 0
    cost: Decimal | None = None
    cost_input: Decimal | None = None
    cost_cache_read: Decimal | None = None
    cost_cache_write: Decimal | None = None
    cost_output: Decimal | None = None
    currency: str = "USD"
    pricing_status: str | None = "priced"
    usage_source: str = "reported"
    deployment_name: str | None = None
    deployment_type: str | None = None
    server_address: str = "api.openai.com"
    region: str | None = None
    error_type: str | None = None
    tags: dict[str, str] = field(default_factory=dict)

    def priced(self) -> SyntheticCall:
        """Fill in the cost components from ``PRICES`` (Decimal, components add up to the total)."""
        price_in, price_cached, price_out = PRICES[self.response_model or self.request_model]
        uncached = (self.input_tokens or 0) - self.cache_read_tokens - self.cache_write_tokens
        self.cost_input = uncached * price_in / MILLION
        self.cost_cache_read = self.cache_read_tokens * price_cached / MILLION
        self.cost_cache_write = self.cache_write_tokens * price_in * Decimal("1.25") / MILLION
        self.cost_output = (self.output_tokens or 0) * price_out / MILLION
        self.cost = self.cost_input + self.cost_cache_read + self.cost_cache_write + self.cost_output
        self.pricing_status = "priced"
        return self


def attribute(key: str, value: object) -> dict:
    """One OTLP ``KeyValue`` the way protojson writes it (int64 as a string)."""
    if isinstance(value, bool):
        return {"key": key, "value": {"boolValue": value}}
    if isinstance(value, int):
        return {"key": key, "value": {"intValue": str(value)}}
    if isinstance(value, (float, Decimal)):
        return {"key": key, "value": {"doubleValue": float(value)}}
    if isinstance(value, (list, tuple)):
        return {"key": key, "value": {"arrayValue": {"values": [attribute("", v)["value"] for v in value]}}}
    return {"key": key, "value": {"stringValue": str(value)}}


def span(call: SyntheticCall, index: int = 0, trace: int = 0) -> dict:
    """The OTLP span dict of ``call`` (CLIENT kind, status ERROR when it failed); its ids come from ``index`` and
    ``trace`` (the high half of the trace id): the reader counts a (traceId, spanId) once."""
    attrs: dict[str, object] = {
        "gen_ai.operation.name": call.operation,
        "gen_ai.provider.name": call.provider,
        "gen_ai.system": "az.ai.openai" if call.provider == "azure.ai.openai" else "openai",
        "server.address": call.server_address,
        "server.port": 443,
        "openai.api.type": "chat_completions",
        "gen_ai.response.id": f"chatcmpl-{index:012d}",
        "gen_ai.response.finish_reasons": ["stop"],
        "openai.response.system_fingerprint": "fp_0123456789",
        "aicost.pricing.source": "genai-prices 0.2.3",
    }
    optional = {
        "gen_ai.request.model": call.request_model,
        "gen_ai.response.model": call.response_model,
        "gen_ai.usage.input_tokens": call.input_tokens,
        "gen_ai.usage.output_tokens": call.output_tokens,
        "gen_ai.usage.cache_read.input_tokens": call.cache_read_tokens or None,
        "gen_ai.usage.cache_creation.input_tokens": call.cache_write_tokens or None,
        "gen_ai.usage.reasoning.output_tokens": call.reasoning_tokens or None,
        "gen_ai.usage.cost": call.cost,
        "aicost.cost.input": call.cost_input,
        "aicost.cost.cache_read": call.cost_cache_read,
        "aicost.cost.cache_write": call.cost_cache_write,
        "aicost.cost.output": call.cost_output,
        "aicost.currency": call.currency,
        "aicost.pricing.status": call.pricing_status,
        "aicost.pricing.model": call.response_model if call.cost is not None else None,
        "aicost.usage.source": call.usage_source,
        "aicost.deployment.name": call.deployment_name,
        "aicost.deployment.type": call.deployment_type,
        "cloud.region": call.region,
        "error.type": call.error_type,
    }
    attrs.update({k: v for k, v in optional.items() if v is not None})
    attrs.update({f"aicost.tag.{k}": v for k, v in call.tags.items()})
    return {
        "traceId": f"{(trace << 64) + index + 1:032x}",
        "spanId": f"{index + 1:016x}",
        "name": f"{call.operation} {call.request_model}",
        "kind": 3,
        "startTimeUnixNano": str(call.start_ns),
        "endTimeUnixNano": str(call.start_ns + round(call.duration_s * 1e9)),
        "attributes": [attribute(k, v) for k, v in attrs.items()],
        "status": {"code": 2, "message": call.error_type} if call.error_type else {},
    }


def plain_span(name: str = "GET /health", index: int = 0) -> dict:
    """A non-GenAI span (an HTTP server span) that the reader must skip."""
    return {
        "traceId": f"{index + 1:032x}",
        "spanId": f"{index + 1:016x}",
        "name": name,
        "kind": 2,
        "startTimeUnixNano": str(BASE_NS),
        "endTimeUnixNano": str(BASE_NS + 1000),
        "attributes": [attribute("http.request.method", "GET")],
        "status": {},
    }


def traces_line(spans: list[dict], service: str = "checkout", resource: dict | None = None, dumps=json.dumps) -> str:
    """One Collector ``file`` exporter line holding ``spans`` (no trailing newline)."""
    resource_attrs = {"service.name": service, "telemetry.sdk.language": "python", **(resource or {})}
    document = {
        "resourceSpans": [
            {
                "resource": {"attributes": [attribute(k, v) for k, v in resource_attrs.items()]},
                "scopeSpans": [
                    {"scope": {"name": "otel_aicost", "version": "0.1.0"}, "spans": spans},
                ],
            }
        ]
    }
    text = dumps(document)
    return text.decode() if isinstance(text, bytes) else text


def metrics_line(service: str = "checkout") -> str:
    """A metrics line (a cost histogram point) that the reader must skip."""
    return json.dumps(
        {
            "resourceMetrics": [
                {
                    "resource": {"attributes": [attribute("service.name", service)]},
                    "scopeMetrics": [
                        {
                            "scope": {"name": "otel_aicost"},
                            "metrics": [
                                {
                                    "name": "gen_ai.usage.cost",
                                    "unit": "USD",
                                    "histogram": {
                                        "dataPoints": [
                                            {
                                                "count": "1",
                                                "sum": 0.5,
                                                "attributes": [attribute("gen_ai.operation.name", "chat")],
                                            }
                                        ],
                                        "aggregationTemporality": 2,
                                    },
                                }
                            ],
                        }
                    ],
                }
            ]
        }
    )


def logs_line() -> str:
    """A logs line that the reader must skip."""
    return json.dumps(
        {"resourceLogs": [{"resource": {}, "scopeLogs": [{"logRecords": [{"body": {"stringValue": "x"}}]}]}]}
    )


TEAMS = ("search", "checkout", "support", "ads", "platform")
FEATURES = ("summarize", "chat", "classify", "embed")


def random_calls(count: int, seed: int = 7, start_ns: int = BASE_NS, spread_s: int = 3 * 86_400) -> list[SyntheticCall]:
    """``count`` varied calls over ``spread_s`` seconds: priced, cached, reasoning, Azure, errors, unpriced."""
    rng = random.Random(seed)
    models = list(PRICES)
    calls = []
    for i in range(count):
        model = rng.choice(models)
        embed = model.startswith("text-embedding")
        input_tokens = rng.randint(5, 4000)
        output_tokens = 0 if embed else rng.randint(1, 1500)
        cached = (input_tokens // 128) * 128 if (not embed and input_tokens >= 1024 and rng.random() < 0.4) else 0
        azure = rng.random() < 0.3
        call = SyntheticCall(
            start_ns=start_ns + rng.randrange(spread_s) * 10**9 + rng.randrange(10**9),
            duration_s=round(0.05 + output_tokens * rng.uniform(0.005, 0.02) + rng.random() * 0.2, 6),
            operation="embeddings" if embed else "chat",
            provider="azure.ai.openai" if azure else "openai",
            request_model=REQUEST_MODELS[model],
            response_model=model,
            input_tokens=input_tokens,
            output_tokens=None if embed else output_tokens,
            cache_read_tokens=cached // 2 if cached and cached // 2 < input_tokens else 0,
            reasoning_tokens=output_tokens // 3 if model.startswith("o3") else 0,
            deployment_name=f"{REQUEST_MODELS[model]}-prod" if azure else None,
            deployment_type=rng.choice(("global_standard", "data_zone_standard")) if azure else None,
            server_address="contoso.openai.azure.com" if azure else "api.openai.com",
            region="swedencentral" if azure else None,
            tags={"team": rng.choice(TEAMS), "feature": rng.choice(FEATURES)},
        )
        roll = rng.random()
        if roll < 0.03:  # failed call: no usage, no cost
            call.error_type = rng.choice(("RateLimitError", "APITimeoutError"))
            call.input_tokens = call.output_tokens = None
            call.cache_read_tokens = call.reasoning_tokens = 0
            call.pricing_status = "no_usage"
        elif roll < 0.05:  # model missing from the price table
            call.request_model = call.response_model = "mystery-model"
            call.pricing_status = "unknown_model"
        else:
            call.priced()
            if rng.random() < 0.1:
                call.usage_source = "estimated"
        calls.append(call)
    return calls


def write_lines(path, calls: list[SyntheticCall], per_line: int = 100, service: str = "checkout") -> None:
    """Write ``calls`` to ``path`` as traces lines of ``per_line`` spans each; each file's spans have their own
    trace ids (from the path), so files written with the same calls are other calls, not repeats."""
    trace = zlib.crc32(str(path).encode())
    with open(path, "w", encoding="utf-8") as out:
        for first in range(0, len(calls), per_line):
            batch = [span(call, first + i, trace) for i, call in enumerate(calls[first : first + per_line])]
            out.write(traces_line(batch, service=service) + "\n")
