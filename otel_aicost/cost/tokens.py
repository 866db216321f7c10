"""Token counts with tiktoken, offline: the ``o200k_base`` and ``cl100k_base`` files ship in this package.

The encodings are built from the shipped files (checked against the sha256 tiktoken itself expects), never
through tiktoken's download path or its cache directory. ``tiktoken.load.load_tiktoken_bpe`` is not used on
purpose: it copies the file into a temp-dir cache shared by every process (``data-gym-cache``) and would read a
stale or planted copy from there; we read the package resource and verify its sha256 ourselves. Loading one
takes about a second, so it happens on first use, once per process (``shipped.once``).

Chat messages are counted the way OpenAI documents it (openai-cookbook "How to count tokens with tiktoken"):
3 tokens per message, 1 more when the message has a ``name``, 3 to prime the reply. Tool definitions are an
approximation (OpenAI does not document how it renders them): the tokens of each function's name, description
and JSON parameters, plus ``TOOL_OVERHEAD`` per tool and ``TOOLS_OVERHEAD`` once. Images count
``IMAGE_TOKENS`` each (the low-detail rate); this is an estimate, not what the API will report.

Request texts (messages, prompts, tool definitions) are counted once and then remembered (``_RecentCounts``): a
system prompt and a conversation's history come back on every call, and a broken-off stream's estimate at the end
of the call counts the very messages a budget's estimate counted before it. The counts are tiktoken's own, so
remembering them changes no figure. Generated output is unique to its call: it is counted, never kept.
"""

from __future__ import annotations

import base64
import hashlib
import json
import threading
from collections.abc import Iterable, Mapping, Sequence
from importlib import resources
from typing import Any

from otel_aicost.cost.pricing.names import fine_tuned_base, normalise
from otel_aicost.cost.shipped import ShippedDataError, once
from otel_aicost.cost.token_pieces import count_ordinary, learn_o200k
from otel_aicost.instrumentation.safety import renew_lock_after_fork

O200K = "o200k_base"
CL100K = "cl100k_base"
TOKENS_PER_MESSAGE = 3
TOKENS_PER_NAME = 1
REPLY_PRIMING = 3
TOOL_OVERHEAD = 8
TOOLS_OVERHEAD = 12
IMAGE_TOKENS = 85

_ENDOFTEXT = "<|endoftext|>"
_ENCODINGS: dict[str, dict[str, Any]] = {
    CL100K: {
        "sha256": "223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7",
        "pat_str": r"""'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}++|\p{N}{1,3}+| ?[^\s\p{L}\p{N}]++[\r\n]*+|\s++$|\s*[\r\n]|\s+(?!\S)|\s""",
        "special_tokens": {
            _ENDOFTEXT: 100257,
            "<|fim_prefix|>": 100258,
            "<|fim_middle|>": 100259,
            "<|fim_suffix|>": 100260,
            "<|endofprompt|>": 100276,
        },
    },
    O200K: {
        "sha256": "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d",
        "pat_str": "|".join(  # noqa: FLY002 - one alternative per line reads better
            [
                r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?""",
                r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?""",
                r"""\p{N}{1,3}""",
                r""" ?[^\s\p{L}\p{N}]+[\r\n/]*""",
                r"""\s*[\r\n]+""",
                r"""\s+(?!\S)""",
                r"""\s+""",
            ]
        ),
        "special_tokens": {_ENDOFTEXT: 199999, "<|endofprompt|>": 200018},
    },
}
# Older OpenAI families use cl100k_base; everything from gpt-4o on (and unknown future names) uses o200k_base.
_CL100K_PREFIXES = ("gpt-4-", "gpt-3.5", "gpt-35", "text-embedding-", "davinci-002", "babbage-002")
_CL100K_NAMES = ("gpt-4", "gpt-4-32k")

_loaded: dict[str, Any] = {}
_MODELS_KEPT = 1024  # model name -> its encoding, for this many distinct names
_by_model: dict[str | None, Any] = {}  # a loaded encoding per model name: one lookup (a stream's local count asks
# twice a call, for the request and for the output)
_counts_lock = threading.Lock()
renew_lock_after_fork(globals(), "_counts_lock")


class _RecentCounts:
    """Token counts of the request texts counted lately, per encoding. It keeps at most ``limit`` characters of
    text alive (``functools.lru_cache`` bounds entries, whatever their size), in at most one entry per
    ``ENTRY_CHARS`` of them (an entry's key and slot cost about 95 bytes, tracemalloc: 100,000 seven-character
    ids would otherwise hold 9.5 MB): when full it starts again empty, and a text longer than a quarter of the limit is
    counted every time instead of pushing the rest out. One dict per encoding, keyed by the text itself (a text's
    hash is kept by the str: no key tuple made, hashed and compared per lookup, ``count_messages``)."""

    ENTRY_CHARS = 100

    def __init__(self, limit: int) -> None:
        self.by_name: dict[str, dict[str, int]] = {}  # encoding name -> text -> its count
        self._chars = 0
        self._kept = 0  # texts kept, over every encoding
        self._limit = limit
        self._entries = max(1, limit // self.ENTRY_CHARS)

    def of(self, encoding: Any) -> dict[str, int]:
        """The counts kept of ``encoding``'s texts, by text (read as they are: a dict's ``get`` needs no lock)."""
        counts = self.by_name.get(encoding.name)
        if counts is None:
            with _counts_lock:
                counts = self.by_name.setdefault(encoding.name, {})
        return counts

    def count(self, encoding: Any, text: str) -> int:
        counts = self.of(encoding)
        counted = counts.get(text)
        if counted is None:
            counted = count_ordinary(encoding, text)
            if len(text) <= self._limit // 4:
                with _counts_lock:
                    if self._chars + len(text) > self._limit or self._kept >= self._entries:
                        self._clear()
                    if text not in counts:
                        counts[text] = counted
                        self._chars += len(text)
                        self._kept += 1
        return counted

    def _clear(self) -> None:  # under _counts_lock
        for counts in self.by_name.values():
            counts.clear()
        self._chars = self._kept = 0

    def clear(self) -> None:
        with _counts_lock:
            self._clear()


_recent = _RecentCounts(limit=1_000_000)  # characters: about 1 MB of ASCII text, 4 MB at worst, + 10,000 entries


class EncodingFileError(ShippedDataError):
    """A shipped encoding file is missing or does not match its known sha256 (a broken install)."""


def encoding_name_for(model: str | None) -> str:
    """``o200k_base`` for gpt-4o, gpt-4.1, gpt-4.5, gpt-5, o-series and unknown names; ``cl100k_base`` for
    gpt-4, gpt-4-turbo, gpt-3.5 and the text-embedding models."""
    name = normalise(model or "")
    name = fine_tuned_base(name) or name
    if name.startswith(("gpt-4o", "gpt-4.", "chatgpt-4o")):
        return O200K
    if name in _CL100K_NAMES or name.startswith(_CL100K_PREFIXES):
        return CL100K
    return O200K


def get_encoding(name: str) -> Any:
    """The ``tiktoken.Encoding`` of ``o200k_base`` or ``cl100k_base``, built from the shipped file."""
    if name not in _ENCODINGS:
        raise ValueError(f"unknown encoding {name!r}; shipped: {', '.join(sorted(_ENCODINGS))}")
    return once(_loaded, name, lambda: _build(name))  # a damaged file raises again, without being read again


def _build(name: str) -> Any:
    import tiktoken

    spec = _ENCODINGS[name]
    try:
        data = resources.files("otel_aicost.cost.encodings").joinpath(f"{name}.tiktoken").read_bytes()
    except OSError as error:
        raise EncodingFileError(f"otel_aicost/cost/encodings/{name}.tiktoken: cannot read: {error}") from None
    if hashlib.sha256(data).hexdigest() != spec["sha256"]:
        raise EncodingFileError(f"otel_aicost/cost/encodings/{name}.tiktoken: sha256 mismatch (damaged install)")
    ranks: dict[bytes, int] = {}
    for line in data.splitlines():
        if line:
            token, rank = line.split()
            ranks[base64.b64decode(token)] = int(rank)
    encoding = tiktoken.Encoding(
        name, pat_str=spec["pat_str"], mergeable_ranks=ranks, special_tokens=spec["special_tokens"]
    )
    if name == O200K:  # the ranks are the Encoding's own dict (tiktoken keeps it): nothing more held
        learn_o200k(encoding, ranks)
    return encoding


def encoding_for_model(model: str | None) -> Any:
    encoding = _by_model.get(model)
    if encoding is None:
        encoding = get_encoding(encoding_name_for(model))  # a damaged file raises here, every time, nothing kept
        if len(_by_model) < _MODELS_KEPT:
            _by_model[model] = encoding
    return encoding


def count_text(text: str, model: str | None = None) -> int:
    """Tokens of plain text (special-token strings in it count as ordinary text, as the API treats them)."""
    if not text:
        return 0
    return _recent.count(encoding_for_model(model), text)


def count_prompt(prompt: Any, model: str | None = None) -> int:
    """Tokens of a completions / embeddings ``prompt`` / ``input``: a string, a list of strings, a list of token
    ids, or a list of lists of token ids."""
    if prompt is None:
        return 0
    if isinstance(prompt, str):
        return count_text(prompt, model)
    if isinstance(prompt, Sequence):
        if all(isinstance(item, int) for item in prompt):
            return len(prompt)
        return sum(count_prompt(item, model) for item in prompt)
    return 0


def count_output(text: str | Iterable[str], model: str | None = None) -> int:
    """Tokens of generated text, e.g. the deltas of a stream whose usage did not arrive (joined first, since
    token boundaries do not follow chunk boundaries)."""
    if not isinstance(text, str):
        text = joined_texts(text if isinstance(text, list) else list(text))  # an iterator read once, whichever join
    return count_ordinary(encoding_for_model(model), text) if text else 0


def joined_texts(parts: list[Any]) -> str:
    """The strings among ``parts`` joined: a stream's texts are strings (one join, no per-part check); anything else
    among them (a finish chunk's None, a tool call's) is left out, looked for only when the join meets it."""
    try:
        return "".join(parts)
    except TypeError:
        return "".join([part for part in parts if isinstance(part, str)])


def count_messages(
    messages: Iterable[Mapping[str, Any]],
    model: str | None = None,
    tools: Iterable[Mapping[str, Any]] | None = None,
    encoding: Any = None,
) -> int:
    """Input tokens of a chat request: messages with OpenAI's per-message overhead, plus tools if given.
    ``encoding``: ``encoding_for_model(model)`` when the caller has it already (a stream's local count)."""
    if encoding is None:
        encoding = encoding_for_model(model)
    counts = _recent.by_name.get(encoding.name)  # a text counted before: _recent.count's lookup, inline
    if counts is None:
        counts = _recent.of(encoding)
    total = REPLY_PRIMING
    for message in messages:
        total += TOKENS_PER_MESSAGE
        if type(message) is not dict and not isinstance(message, Mapping):  # a dict skips the ABC check
            continue
        for key, value in message.items():
            if type(value) is str:
                try:  # a subscript, not a get() call: a text counted before costs no call at all
                    total += counts[value]
                except KeyError:
                    total += _recent.count(encoding, value)
            else:
                total += _count_value(encoding, value)
            if key == "name":
                total += TOKENS_PER_NAME
    if tools:
        total += count_tools(tools, model)
    return total


def count_tools(tools: Iterable[Mapping[str, Any]], model: str | None = None) -> int:
    """Approximate tokens of ``tools`` definitions (see the module docstring)."""
    encoding = encoding_for_model(model)
    total = 0
    for tool in tools:
        if not isinstance(tool, Mapping):
            continue
        function = tool.get("function", tool)
        if not isinstance(function, Mapping):
            continue
        total += TOOL_OVERHEAD
        for key in ("name", "description"):
            value = function.get(key)
            if isinstance(value, str):
                total += _recent.count(encoding, value)
        parameters = function.get("parameters")
        if parameters:
            total += _recent.count(encoding, json.dumps(parameters, separators=(",", ":"), default=str))
    return total + TOOLS_OVERHEAD if total else 0


def _count_value(encoding: Any, value: Any) -> int:
    if type(value) is str:  # the common case first, without a call
        return _recent.count(encoding, value)
    if value is None or isinstance(value, bool):
        return 0
    if isinstance(value, str):
        return _recent.count(encoding, value)
    if isinstance(value, Mapping):
        kind = value.get("type")
        if kind in ("image_url", "input_image", "image"):
            return IMAGE_TOKENS
        if isinstance(value.get("text"), str):
            return _recent.count(encoding, value["text"])
        return sum(_count_value(encoding, item) for key, item in value.items() if key != "type")
    if isinstance(value, (list, tuple)):
        return sum(_count_value(encoding, item) for item in value)
    if isinstance(value, (int, float)):
        return _recent.count(encoding, str(value))
    return 0
