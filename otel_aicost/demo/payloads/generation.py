"""What one fake call generates: the output pieces and the token counts, by rules tests can compute by hand.

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

import hashlib
import json
import re
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
