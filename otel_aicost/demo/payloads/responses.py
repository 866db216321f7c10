"""Responses API bodies and stream events of the fake OpenAI endpoint (shapes as in the openai SDK types)."""

from __future__ import annotations

from typing import Any

from otel_aicost.demo.payloads.generation import Generation, generate


def responses_messages(body: dict[str, Any]) -> list[Any]:
    """The Responses ``input`` (and ``instructions``) as chat-like messages, for the token rules."""
    raw = body.get("input", "")
    items = [{"role": "user", "content": raw}] if isinstance(raw, str) else list(raw or [])
    messages: list[Any] = []
    for item in items:
        if isinstance(item, dict) and item.get("type", "message") == "message":
            messages.append({"role": item.get("role", "user"), "content": item.get("content", "")})
    if body.get("instructions"):
        messages.insert(0, {"role": "system", "content": body["instructions"]})
    return messages


def responses_generation(body: dict[str, Any]) -> Generation:
    text_format = (body.get("text") or {}).get("format") or {}
    json_format = text_format if text_format.get("type") in ("json_schema", "json_object") else None
    gen = generate(body, responses_messages(body), body.get("max_output_tokens"), json_format)
    gen.n = 1
    return gen


TOOL_ITEMS = {  # a built-in tool in the request's ``tools`` -> the output items one call of it adds
    "web_search_preview": ("web_search_call", 2), "web_search": ("web_search_call", 2),
    "file_search": ("file_search_call", 1), "code_interpreter": ("code_interpreter_call", 2),
    "image_generation": ("image_generation_call", 1),
}  # fmt: skip


def tool_items(tools: Any) -> list[dict[str, Any]]:
    """Output items of the built-in tools asked for: two web searches, one file search, two code interpreter
    calls in one container, one generated image (with the tool's quality and size), as the API records them."""
    items: list[dict[str, Any]] = []
    for tool in tools if isinstance(tools, list) else []:
        kind = tool.get("type") if isinstance(tool, dict) else None
        if kind not in TOOL_ITEMS:
            continue
        item_type, count = TOOL_ITEMS[kind]
        for index in range(count):
            item: dict[str, Any] = {"type": item_type, "id": f"{item_type}_{index}", "status": "completed"}
            if item_type == "web_search_call":
                item["action"] = {"type": "search", "query": f"query {index}"}
            elif item_type == "file_search_call":
                item.update({"queries": ["query"], "results": None})
            elif item_type == "code_interpreter_call":
                item.update({"container_id": "cntr_fake", "code": "print(1)", "outputs": []})
            else:
                item.update({"result": "iVBORw0KGgo=", "quality": tool.get("quality", "auto"),
                             "size": tool.get("size", "auto")})  # fmt: skip
            items.append(item)
    return items


class ResponseBuilder:
    """Builds the response object and its stream events for one generation."""

    def __init__(self, gen: Generation, body: dict[str, Any], ident: str, created: int, reasoning: bool) -> None:
        self.gen = gen
        self.body = body
        self.ident = ident
        self.created = created
        self.message_id = "msg_" + ident.removeprefix("resp_")
        self.reasoning_id = "rs_" + ident.removeprefix("resp_") if reasoning else None
        self.complete = gen.finish_reason != "length"

    @property
    def message_index(self) -> int:
        return 1 if self.reasoning_id else 0

    def text_part(self, text: str) -> dict[str, Any]:
        return {"type": "output_text", "text": text, "annotations": [], "logprobs": []}

    def reasoning_item(self) -> dict[str, Any]:
        return {"id": self.reasoning_id, "type": "reasoning", "summary": [], "status": None}

    def message_item(self, status: str, text: str | None) -> dict[str, Any]:
        content = [] if text is None else [self.text_part(text)]
        return {"id": self.message_id, "type": "message", "status": status, "role": "assistant", "content": content}

    def response(self, final: bool) -> dict[str, Any]:
        body = self.body
        status = ("completed" if self.complete else "incomplete") if final else "in_progress"
        output: list[dict[str, Any]] = []
        if final:
            if self.reasoning_id:
                output.append(self.reasoning_item())
            output.append(self.message_item(status, self.gen.text))
            output.extend(tool_items(body.get("tools")))
        return {
            "id": self.ident,
            "object": "response",
            "created_at": self.created,
            "status": status,
            "background": False,
            "completed_at": self.created if final and self.complete else None,
            "error": None,
            "incomplete_details": None if self.complete or not final else {"reason": "max_output_tokens"},
            "instructions": body.get("instructions"),
            "max_output_tokens": body.get("max_output_tokens"),
            "metadata": body.get("metadata") or {},
            "model": self.gen.model,
            "output": output,
            "parallel_tool_calls": body.get("parallel_tool_calls", True),
            "previous_response_id": body.get("previous_response_id"),
            "reasoning": {"effort": (body.get("reasoning") or {}).get("effort"), "summary": None},
            "service_tier": self.gen.service_tier if final else body.get("service_tier", "auto"),
            "store": body.get("store", True),
            "temperature": body.get("temperature", 1.0),
            "text": {"format": (body.get("text") or {}).get("format") or {"type": "text"}},
            "tool_choice": body.get("tool_choice", "auto"),
            "tools": body.get("tools") or [],
            "top_p": body.get("top_p", 1.0),
            "truncation": body.get("truncation", "disabled"),
            "usage": self.gen.responses_usage() if final and self.gen.report_usage else None,
            "user": body.get("user"),
        }

    def events(self) -> list[dict[str, Any]]:
        """The event sequence of a streamed response, each with its ``sequence_number``."""
        events: list[dict[str, Any]] = []

        def emit(kind: str, **fields: Any) -> None:
            events.append({"type": kind, "sequence_number": len(events), **fields})

        emit("response.created", response=self.response(final=False))
        emit("response.in_progress", response=self.response(final=False))
        if self.reasoning_id:
            emit("response.output_item.added", output_index=0, item=self.reasoning_item())
            emit("response.output_item.done", output_index=0, item=self.reasoning_item())
        where = {"item_id": self.message_id, "output_index": self.message_index}
        emit("response.output_item.added", output_index=self.message_index, item=self.message_item("in_progress", None))
        emit("response.content_part.added", **where, content_index=0, part=self.text_part(""))
        for piece in self.gen.pieces:
            emit("response.output_text.delta", **where, content_index=0, delta=piece, logprobs=[])
        text = self.gen.text
        emit("response.output_text.done", **where, content_index=0, text=text, logprobs=[])
        emit("response.content_part.done", **where, content_index=0, part=self.text_part(text))
        status = "completed" if self.complete else "incomplete"
        emit("response.output_item.done", output_index=self.message_index, item=self.message_item(status, text))
        emit("response.completed" if self.complete else "response.incomplete", response=self.response(final=True))
        return events
