"""What the fake OpenAI endpoint answers: deterministic token counts, content and response bodies.

Token rules (documented so tests can compute expected numbers independently):

* ``words(text)`` is ``len(text.split())``; a message's text is its string content, or the ``text`` of its
  content parts.
* chat / responses input: ``3 + sum(3 + words(message))`` over the messages (responses: a string ``input`` is
  one message, ``instructions`` one more).
* legacy completions: ``words(prompt)`` summed over prompts (a token-id list counts its length); at least 1.
* embeddings: the same per input.
* output: one *piece* is one token and one stream chunk (a chat stream adds a role chunk first and a finish
  chunk last). Plain text is the words of the last user message repeated until there are ``fake_words`` (or
  ``fake_chunks``) pieces, default 8. A JSON response format (``json_schema`` / ``json_object``) yields a JSON
  value cut into 4-character pieces, and so do the arguments of a forced tool call (chat ``tool_choice``
  ``required`` or a named function; finish reason ``tool_calls``). A limit (``max_tokens``,
  ``max_completion_tokens``, ``max_output_tokens``) below the piece count cuts the output: finish reason
  ``length`` (responses: status ``incomplete``).
* ``completion_tokens = n * pieces + reasoning``; reasoning models (``o1``, ``o3``, ``o4-*``, ``gpt-5*``)
  report ``reasoning_tokens = 2 * n * pieces`` unless ``fake_reasoning_tokens`` says otherwise.
* ``cached_tokens`` is the largest multiple of 128 below the prompt when the prompt is over 1024 tokens,
  else 0, unless ``fake_cached_tokens`` says otherwise.
"""

from __future__ import annotations

import base64
import hashlib
import json
import random
import re
import struct
from dataclasses import dataclass
from typing import Any

SNAPSHOTS = {
    "gpt-4o": "gpt-4o-2024-08-06",
    "gpt-4o-mini": "gpt-4o-mini-2024-07-18",
    "gpt-4.1": "gpt-4.1-2025-04-14",
    "gpt-4.1-mini": "gpt-4.1-mini-2025-04-14",
    "gpt-4.1-nano": "gpt-4.1-nano-2025-04-14",
    "gpt-5": "gpt-5-2025-08-07",
    "gpt-5-mini": "gpt-5-mini-2025-08-07",
    "gpt-5-nano": "gpt-5-nano-2025-08-07",
    "o1": "o1-2024-12-17",
    "o3": "o3-2025-04-16",
    "o3-mini": "o3-mini-2025-01-31",
    "o4-mini": "o4-mini-2025-04-16",
    "gpt-3.5-turbo": "gpt-3.5-turbo-0125",
    "gpt-4-turbo": "gpt-4-turbo-2024-04-09",
}
EMBEDDING_DIMENSIONS = {"text-embedding-3-small": 1536, "text-embedding-3-large": 3072, "text-embedding-ada-002": 1536}
REASONING_MODEL = re.compile(r"^(o\d|gpt-5)")
DEFAULT_PIECES = 8
CACHE_MIN_PROMPT = 1024
CACHE_BLOCK = 128
JSON_PIECE_CHARS = 4


def snapshot(model: str) -> str:
    """The dated snapshot the real API reports for an alias; other names come back unchanged."""
    return SNAPSHOTS.get(model, model)


def words(text: Any) -> int:
    if isinstance(text, str):
        return len(text.split())
    if isinstance(text, list):
        if text and all(isinstance(item, int) for item in text):
            return len(text)  # a list of token ids
        return sum(words(part.get("text", "") if isinstance(part, dict) else part) for part in text)
    return 0


def message_tokens(messages: list[Any]) -> int:
    return 3 + sum(3 + words(m.get("content", "") if isinstance(m, dict) else m) for m in messages)


def prompt_tokens_of(values: Any) -> int:
    if isinstance(values, list) and values and not all(isinstance(v, int) for v in values):
        return max(1, sum(words(v) for v in values))
    return max(1, words(values))


def fingerprint(model: str) -> str:
    return "fp_" + hashlib.sha256(model.encode()).hexdigest()[:10]


@dataclass
class Generation:
    """The output of one fake call, computed once from the request body."""

    model: str
    pieces: list[str]
    finish_reason: str
    n: int
    prompt_tokens: int
    cached_tokens: int
    reasoning_tokens: int
    service_tier: str
    include_usage: bool
    report_usage: bool = True
    tool: str | None = None  # the function a forced tool call names; the pieces are then its arguments
    usage: dict[str, Any] | None = None  # an exact usage object to report instead of the one the rules give
    system_fingerprint: str | None = None  # instead of the one derived from the model

    @property
    def fingerprint(self) -> str:
        return self.system_fingerprint or fingerprint(self.model)

    @property
    def text(self) -> str:
        return "".join(self.pieces)

    @property
    def tool_call_id(self) -> str:
        return "call_fake" + hashlib.sha256(self.text.encode()).hexdigest()[:12]

    @property
    def completion_tokens(self) -> int:
        return self.n * len(self.pieces) + self.reasoning_tokens

    def chat_usage(self) -> dict[str, Any]:
        if self.usage is not None:
            return self.usage
        return {
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
            "total_tokens": self.prompt_tokens + self.completion_tokens,
            "prompt_tokens_details": {"cached_tokens": self.cached_tokens, "audio_tokens": 0},
            "completion_tokens_details": {
                "reasoning_tokens": self.reasoning_tokens,
                "audio_tokens": 0,
                "accepted_prediction_tokens": 0,
                "rejected_prediction_tokens": 0,
            },
        }

    def responses_usage(self) -> dict[str, Any]:
        if self.usage is not None:
            return self.usage
        return {
            "input_tokens": self.prompt_tokens,
            "input_tokens_details": {"cached_tokens": self.cached_tokens, "cache_write_tokens": 0},
            "output_tokens": self.completion_tokens,
            "output_tokens_details": {"reasoning_tokens": self.reasoning_tokens},
            "total_tokens": self.prompt_tokens + self.completion_tokens,
        }


def _last_user_text(messages: list[Any]) -> str:
    for message in reversed(messages):
        if isinstance(message, dict) and message.get("role", "user") == "user":
            content = message.get("content", "")
            return content if isinstance(content, str) else " ".join(
                p.get("text", "") for p in content if isinstance(p, dict)
            )
        if isinstance(message, str):
            return message
    return ""


def _schema_instance(schema: Any, root: dict[str, Any], depth: int = 0) -> Any:
    """A small value that satisfies a JSON schema (the subset structured outputs allow)."""
    if not isinstance(schema, dict) or depth > 8:
        return None
    if "$ref" in schema:
        target: Any = root
        for key in schema["$ref"].lstrip("#/").split("/"):
            target = target.get(key, {}) if isinstance(target, dict) else {}
        return _schema_instance(target, root, depth + 1)
    if "const" in schema:
        return schema["const"]
    if schema.get("enum"):
        return schema["enum"][0]
    for combinator in ("anyOf", "oneOf", "allOf"):
        if schema.get(combinator):
            options = [s for s in schema[combinator] if s.get("type") != "null"] or schema[combinator]
            return _schema_instance(options[0], root, depth + 1)
    kind = schema.get("type", "object")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "null")
    if kind == "object":
        return {name: _schema_instance(sub, root, depth + 1) for name, sub in schema.get("properties", {}).items()}
    if kind == "array":
        return [_schema_instance(schema.get("items", {}), root, depth + 1)]
    return {"string": "fake", "integer": 1, "number": 1.5, "boolean": True}.get(kind)


def _pieces(body: dict[str, Any], messages: list[Any], json_format: dict[str, Any] | None, count: int) -> list[str]:
    if json_format is not None:
        if json_format.get("type") == "json_schema":
            spec = json_format.get("json_schema", json_format)  # chat nests it; responses does not
            schema = spec.get("schema", {})
            text = json.dumps(_schema_instance(schema, schema))
        else:
            text = json.dumps({"echo": _last_user_text(messages) or "fake"})
        return [text[i : i + JSON_PIECE_CHARS] for i in range(0, len(text), JSON_PIECE_CHARS)]
    source = _last_user_text(messages).split() or ["fake"]
    return [(" " if i else "") + source[i % len(source)] for i in range(count)]


def forced_tool(body: dict[str, Any]) -> tuple[str, dict[str, Any]] | None:
    """The function a chat request forces (``tool_choice`` ``required`` or a named function), if any.

    The fake never calls a tool on its own: with ``tool_choice`` ``auto`` it answers with text."""
    functions = [t.get("function", {}) for t in body.get("tools") or [] if t.get("type") == "function"]
    choice = body.get("tool_choice")
    if not functions or choice in (None, "auto", "none"):
        return None
    if isinstance(choice, dict):
        wanted = (choice.get("function") or {}).get("name")
        functions = [f for f in functions if f.get("name") == wanted] or functions
    return str(functions[0].get("name", "tool")), functions[0].get("parameters") or {}


def generate(
    body: dict[str, Any],
    messages: list[Any],
    limit: int | None,
    json_format: dict[str, Any] | None = None,
    prompt_tokens: int | None = None,
) -> Generation:
    """Compute the fake output for a chat, completion or responses request body."""
    model = str(body.get("model", ""))
    count = int(body.get("fake_words") or body.get("fake_chunks") or DEFAULT_PIECES)
    tool = forced_tool(body) if "messages" in body else None
    if tool is not None:
        json_format = {"type": "json_schema", "json_schema": {"schema": tool[1]}}
    pieces = _pieces(body, messages, json_format, count)
    finish = "stop" if tool is None else "tool_calls"
    if limit is not None and 0 <= limit < len(pieces):
        pieces, finish = pieces[:limit], "length"
    n = max(1, int(body.get("n") or 1))
    prompt = body.get("fake_prompt_tokens") or prompt_tokens or message_tokens(messages)
    cached = body.get("fake_cached_tokens")
    if cached is None:
        cached = ((prompt - 1) // CACHE_BLOCK) * CACHE_BLOCK if prompt > CACHE_MIN_PROMPT else 0
    reasoning = body.get("fake_reasoning_tokens")
    if reasoning is None:
        reasoning = 2 * n * len(pieces) if REASONING_MODEL.match(model) else 0
    tier = body.get("service_tier") or "auto"
    options = body.get("stream_options") or {}
    return Generation(
        model=snapshot(model),
        pieces=pieces,
        finish_reason=finish,
        n=n,
        prompt_tokens=int(prompt),
        cached_tokens=min(int(cached), int(prompt)),
        reasoning_tokens=int(reasoning),
        service_tier="default" if tier == "auto" else tier,
        include_usage=bool(options.get("include_usage")),
        report_usage=body.get("fake_usage", True) is not False,
        tool=None if tool is None else tool[0],
    )


# ---- chat completions ------------------------------------------------------------------------------------------
AZURE_FILTER = {
    name: {"filtered": False, "severity": "safe"} for name in ("hate", "self_harm", "sexual", "violence")
}


def chat_completion(gen: Generation, ident: str, created: int, azure: bool) -> dict[str, Any]:
    choices = []
    for index in range(gen.n):
        message: dict[str, Any] = {"role": "assistant", "content": gen.text, "refusal": None, "annotations": []}
        if gen.tool:
            function = {"name": gen.tool, "arguments": gen.text}
            message.update(content=None, tool_calls=[{"id": gen.tool_call_id, "type": "function", "function": function}])
        choice: dict[str, Any] = {
            "index": index,
            "message": message,
            "logprobs": None,
            "finish_reason": gen.finish_reason,
        }
        if azure:
            choice["content_filter_results"] = AZURE_FILTER
        choices.append(choice)
    payload: dict[str, Any] = {
        "id": ident,
        "object": "chat.completion",
        "created": created,
        "model": gen.model,
        "choices": choices,
        "service_tier": gen.service_tier,
        "system_fingerprint": gen.fingerprint,
    }
    if gen.report_usage:
        payload["usage"] = gen.chat_usage()
    if azure:
        payload["prompt_filter_results"] = [{"prompt_index": 0, "content_filter_results": AZURE_FILTER}]
    return payload


def chat_chunks(gen: Generation, ident: str, created: int, azure: bool) -> list[dict[str, Any]]:
    """Every chunk of a chat stream, in order, as the real API sends them."""
    base = {
        "id": ident,
        "object": "chat.completion.chunk",
        "created": created,
        "model": gen.model,
        "service_tier": gen.service_tier,
        "system_fingerprint": gen.fingerprint,
    }
    if gen.include_usage:
        base["usage"] = None

    def chunk(index: int, delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
        choice = {"index": index, "delta": delta, "logprobs": None, "finish_reason": finish}
        return {**base, "choices": [choice]}

    chunks: list[dict[str, Any]] = []
    if azure:  # Azure first sends the prompt filter results in a chunk without choices
        chunks.append(
            {
                "choices": [],
                "created": 0,
                "id": "",
                "model": "",
                "object": "",
                "prompt_filter_results": [{"prompt_index": 0, "content_filter_results": AZURE_FILTER}],
            }
        )
    for index in range(gen.n):
        chunks.append(chunk(index, {"role": "assistant", "content": "", "refusal": None}))
    if gen.tool:
        call = {"index": 0, "id": gen.tool_call_id, "type": "function", "function": {"name": gen.tool, "arguments": ""}}
        chunks.extend(chunk(index, {"tool_calls": [call]}) for index in range(gen.n))
    for piece in gen.pieces:
        delta = {"tool_calls": [{"index": 0, "function": {"arguments": piece}}]} if gen.tool else {"content": piece}
        chunks.extend(chunk(index, delta) for index in range(gen.n))
    for index in range(gen.n):
        chunks.append(chunk(index, {}, gen.finish_reason))
    if gen.include_usage and gen.report_usage:
        chunks.append({**base, "choices": [], "usage": gen.chat_usage()})
    return chunks


# ---- legacy completions ----------------------------------------------------------------------------------------
def completion(gen: Generation, ident: str, created: int) -> dict[str, Any]:
    choices = [
        {"text": gen.text, "index": i, "logprobs": None, "finish_reason": gen.finish_reason} for i in range(gen.n)
    ]
    payload = {"id": ident, "object": "text_completion", "created": created, "model": gen.model, "choices": choices}
    if gen.report_usage:
        payload["usage"] = _completion_usage(gen)
    return payload


def completion_chunks(gen: Generation, ident: str, created: int) -> list[dict[str, Any]]:
    base = {"id": ident, "object": "text_completion", "created": created, "model": gen.model}
    if gen.include_usage:
        base["usage"] = None

    def chunk(index: int, text: str, finish: str | None = None) -> dict[str, Any]:
        return {**base, "choices": [{"text": text, "index": index, "logprobs": None, "finish_reason": finish}]}

    chunks = [chunk(i, piece) for piece in gen.pieces for i in range(gen.n)]
    chunks += [chunk(i, "", gen.finish_reason) for i in range(gen.n)]
    if gen.include_usage and gen.report_usage:
        chunks.append({**base, "choices": [], "usage": _completion_usage(gen)})
    return chunks


def _completion_usage(gen: Generation) -> dict[str, Any]:
    usage = gen.chat_usage()
    return {k: usage[k] for k in ("prompt_tokens", "completion_tokens", "total_tokens") if k in usage}


# ---- embeddings ------------------------------------------------------------------------------------------------
def _vector(value: Any, dimensions: int) -> list[float]:
    seed = hashlib.sha256(json.dumps(value).encode()).digest()
    rng = random.Random(seed)
    raw = [rng.uniform(-1.0, 1.0) for _ in range(dimensions)]
    norm = sum(x * x for x in raw) ** 0.5 or 1.0
    return [x / norm for x in raw]


def embeddings(body: dict[str, Any]) -> dict[str, Any]:
    model = str(body.get("model", ""))
    raw = body.get("input", "")
    inputs = raw if isinstance(raw, list) and raw and not all(isinstance(v, int) for v in raw) else [raw]
    dimensions = int(body.get("dimensions") or EMBEDDING_DIMENSIONS.get(model, 1536))
    as_base64 = body.get("encoding_format") == "base64"
    data = []
    for index, value in enumerate(inputs):
        vector: Any = _vector(value, dimensions)
        if as_base64:
            vector = base64.b64encode(struct.pack(f"<{dimensions}f", *vector)).decode()
        data.append({"object": "embedding", "index": index, "embedding": vector})
    tokens = int(body.get("fake_prompt_tokens") or prompt_tokens_of(inputs))
    payload: dict[str, Any] = {"object": "list", "data": data, "model": model}
    if body.get("fake_usage", True) is not False:
        payload["usage"] = {"prompt_tokens": tokens, "total_tokens": tokens}
    return payload


# --- images, audio, moderations, batches (issue 18) -------------------------------------------------------------
# Shapes recorded from the API reference (openai-python 3.57 types): GPT Image models report token usage
# (``input_tokens_details`` text/image, ``output_tokens_details``), DALL-E models none.
TINY_PNG = base64.b64encode(b"\x89PNG\r\n\x1a\n" + b"\x00" * 16).decode()
IMAGE_TOKENS = {"low": 272, "medium": 1056, "high": 4160}  # output tokens of a square GPT Image image, by quality


def image_response(model: str, n: int = 1, size: str | None = None, quality: str | None = None,
                   prompt_tokens: int = 10, image_input_tokens: int = 0,
                   created: int = 1700000000) -> dict[str, Any]:  # fmt: skip
    """``images.generate`` / ``edit`` / ``create_variation``: ``n`` images; GPT Image models add usage."""
    body: dict[str, Any] = {"created": created, "data": [{"b64_json": TINY_PNG} for _ in range(n)]}
    if model.startswith("gpt-image"):
        quality = quality if quality in IMAGE_TOKENS else "medium"
        output = IMAGE_TOKENS[quality] * n
        body.update({
            "background": "opaque", "output_format": "png", "quality": quality, "size": size or "1024x1024",
            "usage": {"input_tokens": prompt_tokens + image_input_tokens, "output_tokens": output,
                      "total_tokens": prompt_tokens + image_input_tokens + output,
                      "input_tokens_details": {"text_tokens": prompt_tokens, "image_tokens": image_input_tokens},
                      "output_tokens_details": {"text_tokens": 0, "image_tokens": output}},
        })  # fmt: skip
    else:
        body["data"] = [{"url": f"https://images.example/{i}.png", "revised_prompt": "a cat"} for i in range(n)]
    return body


def image_events(model: str, size: str = "1024x1024", quality: str = "low", prompt_tokens: int = 10,
                 edit: bool = False) -> list[dict[str, Any]]:  # fmt: skip
    """A GPT Image stream: one partial image, then the completed image with its usage."""
    prefix = "image_edit" if edit else "image_generation"
    output = IMAGE_TOKENS.get(quality, IMAGE_TOKENS["medium"])
    common = {"b64_json": TINY_PNG, "background": "opaque", "created_at": 1700000000, "output_format": "png",
              "quality": quality, "size": size}  # fmt: skip
    return [
        {**common, "type": f"{prefix}.partial_image", "partial_image_index": 0},
        {**common, "type": f"{prefix}.completed",
         "usage": {"input_tokens": prompt_tokens, "output_tokens": output, "total_tokens": prompt_tokens + output,
                   "input_tokens_details": {"text_tokens": prompt_tokens, "image_tokens": 0}}},
    ]  # fmt: skip


def transcription(model: str, text: str = "Hello from the fake endpoint.", seconds: float | None = None,
                  audio_tokens: int = 50, verbose: bool = False) -> dict[str, Any]:  # fmt: skip
    """``audio.transcriptions.create`` (and translations): ``gpt-4o-*-transcribe`` report token usage; ``whisper-1``
    reports ``usage.type=duration`` when ``seconds`` is given (``verbose``: ``duration`` instead)."""
    body: dict[str, Any] = {"text": text}
    if "transcribe" in model or model.startswith("gpt-"):
        output = len(text.split())
        body["usage"] = {"type": "tokens", "input_tokens": audio_tokens + 3, "output_tokens": output,
                         "total_tokens": audio_tokens + 3 + output,
                         "input_token_details": {"audio_tokens": audio_tokens, "text_tokens": 3}}  # fmt: skip
    elif verbose:
        body.update({"task": "transcribe", "language": "english", "duration": seconds or 0.0, "segments": []})
    elif seconds is not None:
        body["usage"] = {"type": "duration", "seconds": seconds}
    return body


def transcription_events(text: str = "Hello there", audio_tokens: int = 50) -> list[dict[str, Any]]:
    """A ``stream=True`` transcription: one delta per word, then ``transcript.text.done`` with usage."""
    words_ = text.split()
    events: list[dict[str, Any]] = [{"type": "transcript.text.delta", "delta": w + " "} for w in words_]
    events.append({"type": "transcript.text.done", "text": text,
                   "usage": {"type": "tokens", "input_tokens": audio_tokens + 3, "output_tokens": len(words_),
                             "total_tokens": audio_tokens + 3 + len(words_),
                             "input_token_details": {"audio_tokens": audio_tokens, "text_tokens": 3}}})  # fmt: skip
    return events


def speech_audio(characters: int) -> bytes:
    """``audio.speech.create``: binary audio (a WAV of silence, 1 ms per character)."""
    rate, frames = 8000, 8 * characters
    data = b"\x00\x00" * frames
    header = b"RIFF" + struct.pack("<I", 36 + len(data)) + b"WAVEfmt " + struct.pack(
        "<IHHIIHH", 16, 1, 1, rate, rate * 2, 2, 16) + b"data" + struct.pack("<I", len(data))  # fmt: skip
    return header + data


def speech_events(input_tokens: int, audio_tokens: int = 120) -> bytes:
    """``stream_format="sse"`` speech: audio deltas, then ``speech.audio.done`` with token usage."""
    events = [{"type": "speech.audio.delta", "audio": TINY_PNG},
              {"type": "speech.audio.done", "usage": {"input_tokens": input_tokens, "output_tokens": audio_tokens,
                                                      "total_tokens": input_tokens + audio_tokens}}]  # fmt: skip
    return "".join(f"data: {json.dumps(e)}\n\n" for e in events).encode()


def moderation(model: str = "omni-moderation-latest", ident: str = "modr-1") -> dict[str, Any]:
    categories = ["harassment", "hate", "self-harm", "sexual", "violence"]
    return {"id": ident, "model": snapshot(model) if model in SNAPSHOTS else f"{model}",
            "results": [{"flagged": False, "categories": {c: False for c in categories},
                         "category_scores": {c: 0.001 for c in categories}}]}  # fmt: skip


def batch(ident: str = "batch_1", status: str = "completed", endpoint: str = "/v1/chat/completions",
          output_file_id: str | None = "file-out-1") -> dict[str, Any]:  # fmt: skip
    return {"id": ident, "object": "batch", "endpoint": endpoint, "input_file_id": "file-in-1",
            "completion_window": "24h", "status": status, "created_at": 1700000000,
            "output_file_id": output_file_id if status == "completed" else None, "error_file_id": None,
            "request_counts": {"total": 2, "completed": 2, "failed": 0}}  # fmt: skip


def batch_output(calls: list[tuple[str, int, int]], kind: str = "chat.completion") -> bytes:
    """A batch output file: one JSON line per (model, prompt tokens, completion tokens) call, the way the Batch
    API writes them (``custom_id``, ``response.status_code``, ``response.body``)."""
    lines = []
    for index, (model, prompt, completion) in enumerate(calls):
        if kind == "response":
            body: dict[str, Any] = {"id": f"resp_{index}", "object": "response", "model": model, "status": "completed",
                                    "output": [], "usage": {"input_tokens": prompt, "output_tokens": completion,
                                                            "total_tokens": prompt + completion}}  # fmt: skip
        else:
            body = {"id": f"chatcmpl-{index}", "object": "chat.completion", "created": 1700000000, "model": model,
                    "choices": [{"index": 0, "message": {"role": "assistant", "content": "ok"},
                                 "finish_reason": "stop"}],
                    "usage": {"prompt_tokens": prompt, "completion_tokens": completion,
                              "total_tokens": prompt + completion}}  # fmt: skip
        line = {"id": f"batch_req_{index}", "custom_id": f"request-{index}",
                "response": {"status_code": 200, "request_id": f"req_{index}", "body": body}, "error": None}
        lines.append(json.dumps(line))
    return ("\n".join(lines) + "\n").encode()
