"""How a caller makes each recorded call, and the span checks every case shares."""

from __future__ import annotations

from typing import Any

from opentelemetry.trace import StatusCode

from tests.integration.conformance.recordings import Recording

MESSAGES = [{"role": "user", "content": "What is the weather in Paris?"}]
TOOLS = [{"type": "function", "function": {  # strict: older SDKs' stream helpers parse only strict tools
    "name": "get_weather", "description": "Weather of a city", "strict": True,
    "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"],
                   "additionalProperties": False}}}]  # fmt: skip


def request(recording: Recording, **extra: Any) -> dict[str, Any]:
    """The keyword arguments of the call that gets ``recording`` (its model, its input)."""
    if recording.path == "/completions":
        return {"model": recording.model, "prompt": "Say hello", **extra}
    if recording.path == "/embeddings":
        return {"model": recording.model, "input": "What is the weather in Paris?", **extra}
    if recording.path == "/responses":
        return {"model": recording.model, "input": "What is the weather in Paris?", **extra}
    kwargs = {"model": recording.model, "messages": MESSAGES, **extra}
    if "tools" in recording.name:
        kwargs["tools"] = TOOLS
    return kwargs


def resource(client: Any, recording: Recording) -> Any:
    """The SDK resource whose ``create`` makes the call."""
    return {"/completions": lambda: client.completions, "/embeddings": lambda: client.embeddings,
            "/responses": lambda: client.responses}.get(recording.path, lambda: client.chat.completions)()  # fmt: skip


def helper(client: Any, recording: Recording, **extra: Any) -> Any:
    """The SDK's stream helper (a context manager) for ``recording``: ``chat.completions.stream`` (``beta.`` on
    older SDKs) or ``responses.stream``."""
    kwargs = request(recording, **extra)
    if recording.path == "/responses":
        return client.responses.stream(**kwargs)
    chat = client.chat.completions if hasattr(client.chat.completions, "stream") else client.beta.chat.completions
    return chat.stream(**kwargs)


def dump(item: Any) -> Any:
    """What a caller can read of an SDK object, including which fields it says were sent."""
    return (type(item).__name__, item.model_dump(), item.model_dump(exclude_unset=True))


def check_span(telemetry: Any, recording: Recording, *, error: str | None = None, exact: bool = True) -> Any:
    """Exactly one span; its status and ``error.type``; with ``exact``, the usage the server sent and its cost."""
    span = telemetry.span()
    attributes = span.attributes
    if error is None:
        assert span.status.status_code == StatusCode.UNSET, span.status
        assert "error.type" not in attributes
    else:
        assert span.status.status_code == StatusCode.ERROR
        assert attributes["error.type"] == error
    if exact:
        input_tokens, output_tokens, _ = recording.usage
        assert attributes["aicost.usage.source"] == "reported"
        assert attributes["gen_ai.usage.input_tokens"] == input_tokens
        if recording.path != "/embeddings":
            assert attributes["gen_ai.usage.output_tokens"] == output_tokens
        assert attributes["aicost.pricing.status"] == "priced"
        assert abs(attributes["gen_ai.usage.cost"] - float(recording.cost())) < 1e-12, attributes["gen_ai.usage.cost"]
    return span
