"""Real ``openai`` clients over the SDK's own mock transport (httpx for openai 1.x/2.x, httpx2 for 3.x)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any

import openai
import openai._base_client as _base_client

httpx = getattr(_base_client, "httpx2", None) or _base_client.httpx

Handler = Callable[[Any], Any]


def sse(events: Iterable[Any], done: bool = True) -> bytes:
    lines = []
    for event in events:
        if isinstance(event, dict) and "type" in event and "event" not in event and "object" not in event:
            lines.append(f"event: {event['type']}\ndata: {json.dumps(event)}\n\n")
        else:
            lines.append(f"data: {json.dumps(event)}\n\n")
    if done:
        lines.append("data: [DONE]\n\n")
    return "".join(lines).encode()


def raw(function: Any) -> Any:
    """The SDK's own method, past the wrapt wrapper on the class: the bare call in the same process."""
    while hasattr(function, "_self_wrapper"):
        function = function.__wrapped__
    return function


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Any:
    return httpx.Response(status, json=body, headers=headers or {})


def sse_response(payload: bytes) -> Any:
    return httpx.Response(200, content=payload, headers={"content-type": "text/event-stream"})


class Recorder:
    """A transport handler that answers with ``respond(request)`` and keeps every request body."""

    def __init__(self, respond: Handler) -> None:
        self.respond = respond
        self.requests: list[Any] = []
        self.bodies: list[dict[str, Any]] = []

    def __call__(self, request: Any) -> Any:
        self.requests.append(request)
        content = request.content
        self.bodies.append(json.loads(content) if content else {})
        return self.respond(request)


def _build(openai_class: Any, azure_class: Any, http_client: Any, azure: bool, base_url: str | None,
           kwargs: dict[str, Any]) -> Any:  # fmt: skip
    if azure:
        return azure_class(
            api_key="test-key",
            api_version=kwargs.pop("api_version", "2024-10-21"),
            azure_endpoint=base_url or "https://contoso.openai.azure.com",
            http_client=http_client,
            max_retries=0,
            **kwargs,
        )
    return openai_class(
        api_key="sk-test", base_url=base_url or "https://api.openai.com/v1", http_client=http_client, max_retries=0,
        **kwargs,
    )


def client(handler: Handler, *, azure: bool = False, base_url: str | None = None, **kwargs: Any) -> Any:
    http_client = httpx.Client(transport=httpx.MockTransport(handler))
    return _build(openai.OpenAI, openai.AzureOpenAI, http_client, azure, base_url, kwargs)


def async_client(handler: Handler, *, azure: bool = False, base_url: str | None = None, **kwargs: Any) -> Any:
    async def async_handler(request: Any) -> Any:
        return handler(request)

    http_client = httpx.AsyncClient(transport=httpx.MockTransport(async_handler))
    return _build(openai.AsyncOpenAI, openai.AsyncAzureOpenAI, http_client, azure, base_url, kwargs)


def chat_stream_server(**chunk_options: Any) -> Recorder:
    """Answers chat streams like the real API: the usage chunk only when ``stream_options.include_usage``."""
    from tests.support import payloads

    def respond(request: Any) -> Any:
        body = json.loads(request.content)
        asked = bool((body.get("stream_options") or {}).get("include_usage"))
        return sse_response(sse(payloads.chat_chunks(include_usage=asked, **chunk_options)))

    return Recorder(respond)
