"""Response shapes as the OpenAI and Azure OpenAI APIs send them, replayed byte for byte by ``replay.py``.

Each ``Recording`` is what one endpoint answers: a JSON body, or server-sent events in the order and framing the
real API uses (chat and legacy completions end with ``data: [DONE]``; with ``stream_options.include_usage`` every
chunk carries ``"usage": null`` and a usage-only chunk with empty ``choices`` comes last; Azure deployment streams
start with the prompt-filter chunk that has no id, model or choices; Responses streams send named events from
``response.created`` to ``response.completed``). Field sets follow responses captured from the APIs in 2025
(``service_tier``, ``system_fingerprint``, ``*_tokens_details``, Azure ``content_filter_results``).
Usage and prices are the oracle of the cost checks: ``expected_cost`` works from the counts typed in here.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

CREATED = 1733140800  # fixed, so that both runs of a case receive the same bytes

# USD per 1M tokens, typed in from https://platform.openai.com/docs/pricing (read 2025-06-01):
# gpt-4o-mini input 0.15, cached input 0.075, output 0.60; gpt-3.5-turbo-instruct input 1.50, output 2.00;
# text-embedding-3-small 0.02.
PRICES = {
    "gpt-4o-mini": (Decimal("0.15"), Decimal("0.075"), Decimal("0.60")),
    "gpt-3.5-turbo-instruct": (Decimal("1.50"), Decimal("1.50"), Decimal("2.00")),
    "text-embedding-3-small": (Decimal("0.02"), Decimal("0.02"), Decimal("0")),
}


def expected_cost(model: str, input_tokens: int, output_tokens: int, cached: int = 0) -> Decimal:
    price_in, price_cached, price_out = PRICES[model]
    million = Decimal(1_000_000)
    return ((input_tokens - cached) * price_in + cached * price_cached + output_tokens * price_out) / million


@dataclass(frozen=True)
class Recording:
    name: str
    path: str  # the API path after the base URL, e.g. "/chat/completions"
    model: str
    body: Any = None  # a JSON answer
    events: tuple[tuple[str | None, Any], ...] = ()  # (event name, data) of a stream, usage chunk excluded
    usage_event: Any = None  # the usage-only chunk, sent only when the request asks for it
    done: bool = False  # ends with data: [DONE]
    status: int = 200
    usage: tuple[int, int, int] = (0, 0, 0)  # (input, output, cached) tokens the server reports
    text: str = ""  # the output text a caller reads
    usage_always: bool = False  # Responses streams always report usage

    @property
    def stream(self) -> bool:
        return bool(self.events)

    def payload(self, asked_usage: bool) -> bytes:
        if not self.stream:
            return json.dumps(self.body).encode()
        frames = []
        for name, data in self.events:
            if asked_usage and self.usage_event is not None:
                data = {**data, "usage": None}
            frames.append((f"event: {name}\n" if name else "") + f"data: {json.dumps(data)}\n\n")
        if asked_usage and self.usage_event is not None:
            frames.append(f"data: {json.dumps(self.usage_event)}\n\n")
        if self.done:
            frames.append("data: [DONE]\n\n")
        return "".join(frames).encode()

    def cost(self) -> Decimal:
        input_tokens, output_tokens, cached = self.usage
        return expected_cost(self.model, input_tokens, output_tokens, cached)


def _chat_usage(prompt: int, completion: int, cached: int = 0) -> dict[str, Any]:
    return {
        "prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion,
        "prompt_tokens_details": {"cached_tokens": cached, "audio_tokens": 0},
        "completion_tokens_details": {"reasoning_tokens": 0, "audio_tokens": 0, "accepted_prediction_tokens": 0,
                                      "rejected_prediction_tokens": 0},
    }  # fmt: skip


def _chat_base(ident: str, obj: str, model: str = "gpt-4o-mini-2024-07-18") -> dict[str, Any]:
    return {"id": ident, "object": obj, "created": CREATED, "model": model, "service_tier": "default",
            "system_fingerprint": "fp_0ba0d124f1"}  # fmt: skip


def chat(content: str = "Hello! How can I help you today?", tool_calls: list[Any] | None = None,
         usage: tuple[int, int, int] = (19, 9, 0), name: str = "chat") -> Recording:  # fmt: skip
    message: dict[str, Any] = {"role": "assistant", "content": None if tool_calls else content, "refusal": None,
                               "annotations": []}  # fmt: skip
    if tool_calls:
        message["tool_calls"] = tool_calls
    body = {**_chat_base("chatcmpl-BXf1KZ0Q", "chat.completion"), "choices": [{
        "index": 0, "message": message, "logprobs": None, "finish_reason": "tool_calls" if tool_calls else "stop",
    }], "usage": _chat_usage(*usage)}  # fmt: skip
    if name.startswith("azure"):  # Azure adds its content filter verdicts
        verdict = {"hate": {"filtered": False, "severity": "safe"}, "violence": {"filtered": False, "severity": "safe"}}
        body["prompt_filter_results"] = [{"prompt_index": 0, "content_filter_results": verdict}]
        body["choices"][0]["content_filter_results"] = verdict
    return Recording(name, "/chat/completions", "gpt-4o-mini", body=body, usage=usage, text=content)


WEATHER_CALL = {"id": "call_6Wm0W7m2Fq0B", "type": "function",
                "function": {"name": "get_weather", "arguments": "{\"city\":\"Paris\"}"}}  # fmt: skip


def chat_stream(pieces: tuple[str, ...] = ("Hello", "!", " How", " can", " I", " help", "?"),
                tool_call: bool = False, azure: bool = False, name: str = "chat_stream") -> Recording:  # fmt: skip
    base = _chat_base("chatcmpl-BXf2aa7T", "chat.completion.chunk")
    events: list[tuple[str | None, Any]] = []
    if azure:
        events.append((None, {"choices": [], "created": 0, "id": "", "model": "", "object": "",
                              "prompt_filter_results": [
            {"prompt_index": 0, "content_filter_results": {"hate": {"filtered": False, "severity": "safe"}}}]}))
    filters = {"content_filter_results": {"hate": {"filtered": False, "severity": "safe"}}} if azure else {}

    def chunk(delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
        choice = {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish, **(filters if delta else {})}
        return {**base, "choices": [choice]}

    events.append((None, chunk({"role": "assistant", "content": "" if not tool_call else None, "refusal": None})))
    if tool_call:
        events.append((None, chunk({"tool_calls": [{"index": 0, "id": WEATHER_CALL["id"], "type": "function",
                                                    "function": {"name": "get_weather", "arguments": ""}}]})))
        for part in ("{\"city\"", ":\"Paris\"}"):
            events.append((None, chunk({"tool_calls": [{"index": 0, "function": {"arguments": part}}]})))
    else:
        events.extend((None, chunk({"content": piece})) for piece in pieces)
    events.append((None, chunk({}, "tool_calls" if tool_call else "stop")))
    output = 14 if tool_call else len(pieces)
    usage_event = {**base, "choices": [], "usage": _chat_usage(19, output)}
    return Recording(name, "/chat/completions", "gpt-4o-mini", events=tuple(events), usage_event=usage_event,
                     done=True, usage=(19, output, 0), text="" if tool_call else "".join(pieces))  # fmt: skip


def completion() -> Recording:
    body = {"id": "cmpl-BXf3", "object": "text_completion", "created": CREATED,
            "model": "gpt-3.5-turbo-instruct:20230824-v2",
            "choices": [{"text": "\n\nHello there", "index": 0, "logprobs": None, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 5, "completion_tokens": 4, "total_tokens": 9}}  # fmt: skip
    return Recording("completion", "/completions", "gpt-3.5-turbo-instruct", body=body, usage=(5, 4, 0),
                     text="\n\nHello there")


def completion_stream() -> Recording:
    base = {"id": "cmpl-BXf4", "object": "text_completion", "created": CREATED,
            "model": "gpt-3.5-turbo-instruct:20230824-v2"}  # fmt: skip
    pieces = ("\n\n", "Hello", " there")
    events = [(None, {**base, "choices": [{"text": p, "index": 0, "logprobs": None, "finish_reason": None}]})
              for p in pieces]  # fmt: skip
    events.append((None, {**base, "choices": [{"text": "", "index": 0, "logprobs": None, "finish_reason": "stop"}]}))
    usage_event = {**base, "choices": [], "usage": {"prompt_tokens": 5, "completion_tokens": 4, "total_tokens": 9}}
    return Recording("completion_stream", "/completions", "gpt-3.5-turbo-instruct", events=tuple(events),
                     usage_event=usage_event, done=True, usage=(5, 4, 0), text="".join(pieces))  # fmt: skip


def embeddings() -> Recording:
    body = {"object": "list", "data": [{"object": "embedding", "index": 0,
                                        "embedding": [0.0023064255, -0.009327292, 0.015797347, -0.0077780345]}],
            "model": "text-embedding-3-small", "usage": {"prompt_tokens": 8, "total_tokens": 8}}  # fmt: skip
    return Recording("embeddings", "/embeddings", "text-embedding-3-small", body=body, usage=(8, 0, 0))


def _responses_usage(input_tokens: int, output_tokens: int, reasoning: int = 0) -> dict[str, Any]:
    return {"input_tokens": input_tokens, "input_tokens_details": {"cached_tokens": 0},
            "output_tokens": output_tokens, "output_tokens_details": {"reasoning_tokens": reasoning},
            "total_tokens": input_tokens + output_tokens}  # fmt: skip


def _response(status: str, output: list[Any], usage: Any) -> dict[str, Any]:
    return {"id": "resp_67ccd2bed1ec8190", "object": "response", "created_at": CREATED, "status": status,
            "error": None, "incomplete_details": None, "instructions": None, "max_output_tokens": None,
            "model": "gpt-4o-mini-2024-07-18", "output": output, "parallel_tool_calls": True,
            "previous_response_id": None, "reasoning": {"effort": None, "summary": None}, "service_tier": "default",
            "store": True, "temperature": 1.0, "text": {"format": {"type": "text"}}, "tool_choice": "auto",
            "tools": [], "top_p": 1.0, "truncation": "disabled", "usage": usage, "user": None,
            "metadata": {}}  # fmt: skip


def _message_item(text: str, status: str = "completed") -> dict[str, Any]:
    content = [{"type": "output_text", "text": text, "annotations": []}] if status == "completed" else []
    return {"type": "message", "id": "msg_67ccd2bf17f0", "status": status, "role": "assistant", "content": content}


FUNCTION_CALL_ITEM = {"type": "function_call", "id": "fc_67ccd3f5", "call_id": "call_unLAR8MvFNptuiZK6K6HCy5k",
                      "name": "get_weather", "arguments": "{\"city\":\"Paris\"}", "status": "completed"}  # fmt: skip
REASONING_ITEM = {"type": "reasoning", "id": "rs_67ccd3f0", "summary": []}


def response(tool_call: bool = False) -> Recording:
    output = [REASONING_ITEM, FUNCTION_CALL_ITEM] if tool_call else [REASONING_ITEM, _message_item("Hi there!")]
    usage = (36, 87, 0) if tool_call else (12, 40, 0)
    body = _response("completed", output, _responses_usage(usage[0], usage[1], reasoning=32))
    return Recording("response_tools" if tool_call else "response", "/responses", "gpt-4o-mini", body=body,
                     usage=usage, text="" if tool_call else "Hi there!")  # fmt: skip


def response_stream(tool_call: bool = False) -> Recording:
    usage = (36, 87, 0) if tool_call else (12, 40, 0)
    events: list[Any] = []
    seq = iter(range(1000))

    def event(kind: str, **fields: Any) -> None:
        events.append((kind, {"type": kind, "sequence_number": next(seq), **fields}))

    event("response.created", response=_response("in_progress", [], None))
    event("response.in_progress", response=_response("in_progress", [], None))
    event("response.output_item.added", output_index=0, item={**REASONING_ITEM})
    event("response.output_item.done", output_index=0, item={**REASONING_ITEM})
    if tool_call:
        item = {**FUNCTION_CALL_ITEM, "arguments": "", "status": "in_progress"}
        event("response.output_item.added", output_index=1, item=item)
        for part in ("{\"city\"", ":\"Paris\"}"):
            event("response.function_call_arguments.delta", item_id=item["id"], output_index=1, delta=part)
        event("response.function_call_arguments.done", item_id=item["id"], output_index=1,
              arguments=FUNCTION_CALL_ITEM["arguments"])
        event("response.output_item.done", output_index=1, item=FUNCTION_CALL_ITEM)
        final = [REASONING_ITEM, FUNCTION_CALL_ITEM]
    else:
        message = _message_item("", status="in_progress")
        event("response.output_item.added", output_index=1, item=message)
        event("response.content_part.added", item_id=message["id"], output_index=1, content_index=0,
              part={"type": "output_text", "text": "", "annotations": []})
        for piece in ("Hi", " there", "!"):
            event("response.output_text.delta", item_id=message["id"], output_index=1, content_index=0, delta=piece)
        event("response.output_text.done", item_id=message["id"], output_index=1, content_index=0, text="Hi there!")
        event("response.content_part.done", item_id=message["id"], output_index=1, content_index=0,
              part={"type": "output_text", "text": "Hi there!", "annotations": []})
        event("response.output_item.done", output_index=1, item=_message_item("Hi there!"))
        final = [REASONING_ITEM, _message_item("Hi there!")]
    event("response.completed", response=_response("completed", final, _responses_usage(*usage[:2], reasoning=32)))
    return Recording("response_stream_tools" if tool_call else "response_stream", "/responses", "gpt-4o-mini",
                     events=tuple(events), usage=usage, text="" if tool_call else "Hi there!", usage_always=True)


def error(status: int) -> Recording:
    kinds = {400: "invalid_request_error", 429: "requests", 500: "server_error"}
    body = {"error": {"message": f"recorded {status}", "type": kinds[status], "param": None, "code": None}}
    return Recording(f"error_{status}", "/chat/completions", "gpt-4o-mini", body=body, status=status)


STREAMS = {r.name: r for r in (
    chat_stream(), chat_stream(tool_call=True, name="chat_stream_tools"),
    chat_stream(azure=True, name="azure_chat_stream"), completion_stream(), response_stream(),
    response_stream(tool_call=True),
)}  # fmt: skip
PLAIN = {r.name: r for r in (
    chat(), chat(tool_calls=[WEATHER_CALL], usage=(60, 15, 0), name="chat_tools"),
    chat(content="{\"city\":\"Paris\",\"celsius\":21}", name="chat_json"), chat(name="azure_chat"), completion(),
    embeddings(), response(),
    response(tool_call=True),
)}  # fmt: skip
