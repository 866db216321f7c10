"""A usage object of the usual shape, read without the general reader's per-field checks (``shared.usage_of``).

Nearly every reply's usage is an SDK model whose two token counts are plain ints and whose detail objects (cached,
cache-write and reasoning tokens) report none of the other priced subsets (audio, image tokens, 12-hour cache writes).
Such a usage is read here from the models' own ``__dict__`` in a few lookups, and the same shape as decoded JSON (the
usage-only stream chunk we take before the SDK builds it, ``usage_events.py``) from its dicts; anything else (extra
fields the SDK did not declare, a count of another type or out of range, any other priced subset) answers None and the
general reader reads it. Both give the same ``Usage``: ``tests/unit/test_usual_usage.py`` compares them on every
shape. Cache writes (``cache_write_tokens``, which GPT-5.6 and later report on every call that writes the prompt cache,
billed at their own rate) are part of the usual shape since round 38: with prompt caching, on today's models they are
in most calls with a long prompt.
"""

from __future__ import annotations

from typing import Any

from otel_aicost.instrumentation.usage import Usage

MAX_TOKENS = 2**53  # larger counts are garbage, not usage
# The details' fields usage.breakdown prices besides cache writes (input: audio_tokens, image_tokens and the cache
# writes' own details, their 12-hour share; output: audio_tokens, image_tokens): when one holds anything, the general
# reader reads them. Each is looked up on its own below: an any(map(...)) over a tuple costs more instructions than
# the lookups (callgrind, round 7).


def usual_usage(usage: Any, input_name: str, output_name: str, input_details: str, output_details: str
                ) -> Usage | None:  # fmt: skip
    """The usage of a model (or decoded JSON) of the usual shape (see the module), else None: read it in full."""
    counts = usual_counts(usage, input_name, output_name, input_details, output_details)
    if counts is None:
        return None
    return usage_of_counts(*counts)


def usage_of_counts(input_tokens: int, output_tokens: int, cached: int | None, reasoning: int | None,
                    cache_write_tokens: int = 0, **breakdown: int) -> Usage:  # fmt: skip
    """The ``Usage`` of these counts (a usual shape's, or the general reader's with its ``breakdown`` of audio, image
    and cache-write tokens): subsets can never exceed their totals; a response saying otherwise is clamped, not
    trusted."""
    return Usage(
        input_tokens=input_tokens,
        output_tokens=output_tokens,
        cache_read_tokens=min(cached or 0, input_tokens),
        cache_write_tokens=cache_write_tokens if cache_write_tokens <= input_tokens else input_tokens,  # (no min()
        # call: each is one more Python call a stream's usage, test_call_budget.py)
        reasoning_tokens=min(reasoning or 0, output_tokens),
        cache_read_reported=cached is not None,
        **breakdown,
    )


def usual_counts(usage: Any, input_name: str, output_name: str, input_details: str, output_details: str
                 ) -> tuple[int, int, int | None, int | None, int] | None:  # fmt: skip
    """(input, output, cached, reasoning, cache writes) of a usage model (or decoded JSON) of the usual shape (cached
    and reasoning None when not reported, cache writes 0; unclamped), else None: read it in full."""
    try:  # a dict, or a pydantic 2 model (pydantic 1 has no __pydantic_extra__, another object no __dict__)
        if type(usage) is dict:
            fields = usage
        elif usage.__pydantic_extra__:
            return None
        else:
            fields = usage.__dict__
        input_tokens = fields[input_name]
        output_tokens = fields[output_name]
        inputs = fields.get(input_details)  # absent (a dict without details): none reported
        outputs = fields.get(output_details)
        cached = reasoning = None
        writes = 0
        if inputs is not None:
            if type(inputs) is dict:
                details = inputs
            elif inputs.__pydantic_extra__:
                return None
            else:
                details = inputs.__dict__
            if details.get("audio_tokens") or details.get("image_tokens"):
                return None
            cached = details.get("cached_tokens")
            writes = details.get("cache_write_tokens")
            if writes is None:
                writes = 0
            elif writes and details.get("cache_write_tokens_details"):  # their 12-hour share: the general reader
                return None
        if outputs is not None:
            if type(outputs) is dict:
                details = outputs
            elif outputs.__pydantic_extra__:
                return None
            else:
                details = outputs.__dict__
            if details.get("audio_tokens") or details.get("image_tokens"):
                return None
            reasoning = details.get("reasoning_tokens")
    except (AttributeError, KeyError, TypeError):
        return None
    if not (type(input_tokens) is int and type(output_tokens) is int and 0 <= input_tokens <= MAX_TOKENS
            and 0 <= output_tokens <= MAX_TOKENS):  # fmt: skip
        return None
    if cached is not None and not (type(cached) is int and 0 <= cached <= MAX_TOKENS):
        return None
    if reasoning is not None and not (type(reasoning) is int and 0 <= reasoning <= MAX_TOKENS):
        return None
    if not (type(writes) is int and 0 <= writes <= MAX_TOKENS):
        return None
    return input_tokens, output_tokens, cached, reasoning, writes


# The chat usage classes of the openai installed, read by attribute in ``chat_counts`` (a declared field's plain
# attribute read costs about 80 instructions, a model's ``__dict__`` about 520 and a dict ``get`` about 310,
# callgrind): each class checked once, here, for the fields read. A priced subset the class does not declare cannot
# hold a value outside ``__pydantic_extra__``, which is checked empty, so only the declared ones are read: the prompt
# details' cache writes and image tokens behind a flag each (declared both from openai ~3.30, cache writes alone in
# late 2.x, neither before: a sweep of releases, bench/README.md round 31, found 2.x's chat replies on the slower
# read). A class declaring an output subset not read here, or lacking a field read, leaves every usage to
# ``usual_counts``.
_CHAT_OUTPUT_PRICED = ("audio_tokens", "image_tokens")


def _chat_classes() -> tuple[type, type, type, bool, bool] | None:
    try:
        from openai.types import CompletionUsage
        from openai.types.completion_usage import CompletionTokensDetails, PromptTokensDetails
    except ImportError:  # openai 1.40: the details are no classes of their own (extra dicts)
        return None
    fields = [getattr(kind, "model_fields", None) for kind in (CompletionUsage, PromptTokensDetails,
                                                                CompletionTokensDetails)]  # fmt: skip
    if not all(isinstance(each, dict) for each in fields):  # pragma: no cover - not pydantic 2
        return None
    usage, inputs, outputs = fields
    if not (
        {"prompt_tokens", "completion_tokens", "prompt_tokens_details", "completion_tokens_details"} <= usage.keys()
        and {"cached_tokens", "audio_tokens"} <= inputs.keys()
        and "reasoning_tokens" in outputs
        and {name for name in _CHAT_OUTPUT_PRICED if name in outputs} == {"audio_tokens"}
        and "cache_write_tokens_details" not in inputs  # (their 12-hour share, not read by attribute)
    ):  # fmt: skip
        return None
    return (CompletionUsage, PromptTokensDetails, CompletionTokensDetails, "cache_write_tokens" in inputs,
            "image_tokens" in inputs)  # fmt: skip


_CHAT_CLASSES = _chat_classes()
# the classes, and whether the prompt details declare cache writes and image tokens (read only then)
_USAGE, _INPUT_DETAILS, _OUTPUT_DETAILS, _CACHE_WRITES_DECLARED, _IMAGES_DECLARED = _CHAT_CLASSES or (None,) * 5


def chat_counts(usage: Any) -> tuple[int, int, int | None, int | None, int] | None:
    """``usual_counts(usage, *shared.CHAT_USAGE)``, the same answer, read by attribute when ``usage`` and its details
    are openai's own classes (``_chat_classes``: the fields they declare are the ones read here; undeclared ones are
    in ``__pydantic_extra__``, checked empty); anything else read by ``usual_counts``."""
    try:
        if type(usage) is not _USAGE or usage.__pydantic_extra__:
            return usual_counts(usage, "prompt_tokens", "completion_tokens", "prompt_tokens_details",
                                "completion_tokens_details")  # fmt: skip
        input_tokens = usage.prompt_tokens
        output_tokens = usage.completion_tokens
        inputs = usage.prompt_tokens_details
        outputs = usage.completion_tokens_details
        cached = reasoning = None
        writes = 0
        if inputs is not None:
            if type(inputs) is not _INPUT_DETAILS or inputs.__pydantic_extra__:
                return usual_counts(usage, "prompt_tokens", "completion_tokens", "prompt_tokens_details",
                                    "completion_tokens_details")  # fmt: skip
            if inputs.audio_tokens or (_IMAGES_DECLARED and inputs.image_tokens):
                return None
            cached = inputs.cached_tokens
            if _CACHE_WRITES_DECLARED:  # (their 12-hour share is undeclared: an extra, checked empty above)
                writes = inputs.cache_write_tokens
                if writes is None:
                    writes = 0
        if outputs is not None:
            if type(outputs) is not _OUTPUT_DETAILS or outputs.__pydantic_extra__:
                return usual_counts(usage, "prompt_tokens", "completion_tokens", "prompt_tokens_details",
                                    "completion_tokens_details")  # fmt: skip
            if outputs.audio_tokens:
                return None
            reasoning = outputs.reasoning_tokens
    except AttributeError:  # a field the SDK left unset (constructed without it): the dict reader's answer
        return usual_counts(usage, "prompt_tokens", "completion_tokens", "prompt_tokens_details",
                            "completion_tokens_details")  # fmt: skip
    except TypeError:  # a truth test that raised (as usual_counts' own)
        return None
    if not (type(input_tokens) is int and type(output_tokens) is int and 0 <= input_tokens <= MAX_TOKENS
            and 0 <= output_tokens <= MAX_TOKENS):  # fmt: skip
        return None
    if cached is not None and not (type(cached) is int and 0 <= cached <= MAX_TOKENS):
        return None
    if reasoning is not None and not (type(reasoning) is int and 0 <= reasoning <= MAX_TOKENS):
        return None
    if not (type(writes) is int and 0 <= writes <= MAX_TOKENS):
        return None
    return input_tokens, output_tokens, cached, reasoning, writes
