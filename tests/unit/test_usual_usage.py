"""The usual-shape usage read (``surfaces/usual_usage.py``) gives exactly what the general reader gives (the oracle:
``shared.read_usage``, every field checked), on SDK models parsed from many bodies: usual ones (which it must read
itself) and every kind of odd one (which it must hand to the general reader or read the same)."""

from __future__ import annotations

import copy

import pytest
from openai.types import CompletionUsage

from otel_aicost.instrumentation.surfaces import shared
from otel_aicost.instrumentation.surfaces import usual_usage as usual_usage_module
from otel_aicost.instrumentation.surfaces.usual_usage import chat_counts, usual_counts, usual_usage
from tests.support.sdk_usage_fields import details_declared

CHAT_NAMES = ("prompt_tokens", "completion_tokens", "prompt_tokens_details", "completion_tokens_details")
RESPONSES_NAMES = ("input_tokens", "output_tokens", "input_tokens_details", "output_tokens_details")

USUAL_CHAT = {
    "prompt_tokens": 24, "completion_tokens": 48, "total_tokens": 72,
    "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
    "completion_tokens_details": {"reasoning_tokens": 0, "audio_tokens": 0, "accepted_prediction_tokens": 0,
                                  "rejected_prediction_tokens": 0},
}  # fmt: skip


def _chat(**changes: object) -> dict:
    body = copy.deepcopy(USUAL_CHAT)
    for path, value in changes.items():
        *parents, name = path.split("__")
        target = body
        for parent in parents:
            target = target[parent]
        if value is _DROP:
            target.pop(name)
        else:
            target[name] = value
    return body


_DROP = object()

USUAL = {
    "plain": _chat(),
    "cached and reasoning": _chat(prompt_tokens_details__cached_tokens=16,
                                  completion_tokens_details__reasoning_tokens=40),
    "cached over the total (clamped)": _chat(prompt_tokens_details__cached_tokens=99),
    "no details": _chat(prompt_tokens_details=_DROP, completion_tokens_details=_DROP),
    "details null": _chat(prompt_tokens_details=None, completion_tokens_details=None),
    "cached null": _chat(prompt_tokens_details__cached_tokens=None),
    "cached absent": _chat(prompt_tokens_details={"audio_tokens": 0}),
    "zero tokens": _chat(prompt_tokens=0, completion_tokens=0),
    "cache writes": _chat(prompt_tokens_details__cache_write_tokens=5),  # GPT-5.6 on (undeclared before late 2.x)
    "cache writes and reads": _chat(prompt_tokens_details__cached_tokens=16,
                                    prompt_tokens_details__cache_write_tokens=8),
    "cache writes over the total (clamped)": _chat(prompt_tokens_details__cache_write_tokens=99),
    "cache writes null": _chat(prompt_tokens_details__cache_write_tokens=None),
}
ODD = {
    "audio in": _chat(prompt_tokens_details__audio_tokens=8),
    "audio out": _chat(completion_tokens_details__audio_tokens=8),
    "image tokens (undeclared)": _chat(prompt_tokens_details__image_tokens=5),
    "cache writes with their 12-hour share": _chat(
        prompt_tokens_details__cache_write_tokens=5, prompt_tokens_details__cache_write_tokens_details={
            "ttl_12h_tokens": 2}),  # fmt: skip
    "cache writes with empty details": _chat(prompt_tokens_details__cache_write_tokens=5,
                                             prompt_tokens_details__cache_write_tokens_details={}),
    "cache writes as a string": _chat(prompt_tokens_details__cache_write_tokens="5"),
    "cache writes negative": _chat(prompt_tokens_details__cache_write_tokens=-5),
    "cache writes huge": _chat(prompt_tokens_details__cache_write_tokens=2**60),
    "cache writes as a bool": _chat(prompt_tokens_details__cache_write_tokens=True),
    "an extra field on usage": _chat(something_new=3),
    "prompt as a string": _chat(prompt_tokens="24"),
    "prompt as a float": _chat(prompt_tokens=24.0),
    "prompt as a bool": _chat(prompt_tokens=True),
    "prompt negative": _chat(prompt_tokens=-1),
    "prompt huge": _chat(prompt_tokens=2**60),
    "prompt missing": _chat(prompt_tokens=_DROP),
    "both missing": _chat(prompt_tokens=_DROP, completion_tokens=_DROP),
    "cached negative": _chat(prompt_tokens_details__cached_tokens=-3),
    "cached as a string": _chat(prompt_tokens_details__cached_tokens="3"),
    "reasoning huge": _chat(completion_tokens_details__reasoning_tokens=2**60),
    "details a list": _chat(prompt_tokens_details=[1, 2]),
    "details a string": _chat(completion_tokens_details="x"),
    "audio as a bool": _chat(prompt_tokens_details__audio_tokens=True),
    "image tokens out (undeclared on openai 3.60)": _chat(completion_tokens_details__image_tokens=2),
    "image tokens out zero": _chat(completion_tokens_details__image_tokens=0),
    "cache writes zero": _chat(prompt_tokens_details__cache_write_tokens=0),
    "text tokens (declared, not priced)": _chat(prompt_tokens_details__text_tokens=5),
    "an extra field on the input details": _chat(prompt_tokens_details__something_new=1),
    "reasoning missing": _chat(completion_tokens_details={"audio_tokens": 0}),
    "completion as a float": _chat(completion_tokens=48.0),
    "reasoning as a string": _chat(completion_tokens_details__reasoning_tokens="4"),
}


def _models(body: dict) -> list[object]:
    """The body as the SDK builds it (``construct``, no validation, as for every response) and validated."""
    built = [CompletionUsage.construct(**copy.deepcopy(body))]
    try:
        built.append(CompletionUsage.model_validate(copy.deepcopy(body)))
    except Exception:  # noqa: BLE001 - junk the SDK's validation refuses: only the constructed one
        pass
    return built


def _same(usage: object, names: tuple[str, ...]) -> object:
    got = shared.usage_of(usage, *names)
    assert got == shared.read_usage(usage, *names)
    return got


@pytest.mark.parametrize("name", sorted(USUAL))
def test_a_usual_usage_is_read_by_the_usual_reader_the_same(name: str) -> None:
    declared = details_declared(USUAL[name])  # older openai releases keep some details as extra dicts or fields
    for usage in _models(USUAL[name]):
        if declared:
            assert usual_usage(usage, *CHAT_NAMES) is not None, "the usual shape must take the short read"
        _same(usage, CHAT_NAMES)


@pytest.mark.parametrize("name", sorted(ODD))
def test_an_odd_usage_reads_as_the_general_reader_reads_it(name: str) -> None:
    for usage in _models(ODD[name]):
        _same(usage, CHAT_NAMES)
    _same(copy.deepcopy(ODD[name]), CHAT_NAMES)  # a plain dict, as an older SDK keeps undeclared objects


@pytest.mark.parametrize("name", sorted(USUAL))
def test_a_usual_decoded_usage_is_read_by_the_dict_reader_the_same(name: str) -> None:
    """The usage-only stream chunk we take as decoded JSON (``shared.read_usage_event``)."""
    body = copy.deepcopy(USUAL[name])
    assert usual_usage(body, *CHAT_NAMES) == shared.read_usage(body, *CHAT_NAMES) is not None


@pytest.mark.parametrize("name", sorted(ODD))
def test_an_odd_decoded_usage_is_left_to_the_general_reader_or_read_the_same(name: str) -> None:
    body = copy.deepcopy(ODD[name])
    assert usual_usage(body, *CHAT_NAMES) in (None, shared.read_usage(body, *CHAT_NAMES))


def test_the_dict_reader_leaves_every_priced_subset_and_non_dict_to_the_general_reader() -> None:
    for body in (_chat(prompt_tokens_details__audio_tokens=8), _chat(completion_tokens_details__image_tokens=2),
                 _chat(prompt_tokens_details__cache_write_tokens=5,
                       prompt_tokens_details__cache_write_tokens_details={"ttl_12h_tokens": 2}),
                 _chat(prompt_tokens_details=[1])):  # fmt: skip
        assert usual_usage(body, *CHAT_NAMES) is None
    assert usual_usage([1, 2], *CHAT_NAMES) is None


def test_priced_subsets_are_not_lost() -> None:
    usage = _same(CompletionUsage.construct(**_chat(prompt_tokens_details__audio_tokens=8)), CHAT_NAMES)
    assert usage.input_audio_tokens == 8


@pytest.mark.parametrize("details", [
    {"input_tokens_details": {"cached_tokens": 3}, "output_tokens_details": {"reasoning_tokens": 5}},
    {"input_tokens_details": {"cached_tokens": 3, "image_tokens": 2}, "output_tokens_details": {"reasoning_tokens": 5}},
    {},
], ids=["usual", "image tokens", "no details"])  # fmt: skip
def test_responses_usage(details: dict) -> None:
    responses = pytest.importorskip("openai.types.responses", reason="openai 1.40 has no Responses API types")
    body = {"input_tokens": 30, "output_tokens": 20, "total_tokens": 50, **details}
    _same(responses.ResponseUsage.construct(**copy.deepcopy(body)), RESPONSES_NAMES)


@pytest.mark.parametrize("name", sorted({**USUAL, **ODD}))
def test_chat_counts_answers_as_usual_counts(name: str) -> None:
    """``chat_counts`` (by attribute on openai's own classes) against ``usual_counts`` (the models' dicts): the same
    answer on every shape, constructed, validated and as decoded JSON."""
    body = {**USUAL, **ODD}[name]
    for usage in [*_models(body), copy.deepcopy(body)]:
        assert chat_counts(usage) == usual_counts(usage, *CHAT_NAMES)


def test_chat_counts_reads_openais_own_classes_by_attribute(monkeypatch: pytest.MonkeyPatch) -> None:
    """On an openai whose usage classes declare what it reads, a usual usage is read without ``usual_counts``; any
    other object is read by it."""
    body = _chat(prompt_tokens_details__cached_tokens=16, completion_tokens_details__reasoning_tokens=40)
    if usual_usage_module._CHAT_CLASSES is None:
        pytest.skip("this openai's usage classes are read by usual_counts (openai 1.40: details are extra dicts)")
    if not details_declared(body):  # openai 1.52: no prediction counts declared, so they are extras
        pytest.skip("this openai's usage classes do not declare every detail of the usual usage")
    usual = CompletionUsage.construct(**body)
    extra = CompletionUsage.construct(**_chat(something_new=3))
    expected = usual_counts(usual, *CHAT_NAMES)
    asked = []
    monkeypatch.setattr(usual_usage_module, "usual_counts", lambda *args: asked.append(args) or "dict reader")
    assert chat_counts(usual) == expected == (24, 48, 16, 40, 0)
    assert asked == []
    if usual_usage_module._CACHE_WRITES_DECLARED:  # (declared from late 2.x)
        writing = CompletionUsage.construct(**_chat(prompt_tokens_details__cached_tokens=16,
                                                    prompt_tokens_details__cache_write_tokens=8))  # fmt: skip
        assert chat_counts(writing) == (24, 48, 16, 0, 8) and asked == []
    assert chat_counts(extra) == "dict reader" and len(asked) == 1
    assert chat_counts(copy.deepcopy(USUAL_CHAT)) == "dict reader"
