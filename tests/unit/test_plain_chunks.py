"""The lean chunk path tells exactly what the full chunk readers tell.

Most chunks of a stream only add output, and a surface's plain-chunk reader takes just their text, leaving the full
reader (``read_chunk``) for the few others. The full reader is the oracle here: on every chunk, canonical or
mutated into anything JSON can say (the hostile tests' strategy), built the way the SDK builds it or seen through
the raw-body tap's JSON view, the plain reader either declines (``NOT_PLAIN``) or its answer is what the full reader
says of the same chunk; and a whole stream read through the stream state with the plain readers gives the same
facts, the same chunk count and the same chunks hidden as with the full reader alone.
"""

from __future__ import annotations

import copy
from types import SimpleNamespace
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openai._models import construct_type
from openai.types.chat import ChatCompletionChunk
from openai.types.completion import Completion

from otel_aicost.instrumentation.facts import NOT_PLAIN, Facts
from otel_aicost.instrumentation.stream_state import StreamState, _never_plain
from otel_aicost.instrumentation.streams import StreamProxy
from otel_aicost.instrumentation.surfaces.chat import CHAT
from otel_aicost.instrumentation.surfaces.completions import TEXT_COMPLETION
from otel_aicost.instrumentation.taps import view
from tests.support import payloads
from tests.support.load import HAS_RESPONSES
from tests.unit.test_hostile_responses import COMPLETION_CHUNKS, mutated

CHECKS = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])

CHAT_CHUNKS = tuple(payloads.chat_chunks(include_usage=True))
COMPLETIONS = tuple(COMPLETION_CHUNKS)
SURFACES = [(CHAT, ChatCompletionChunk, CHAT_CHUNKS), (TEXT_COMPLETION, Completion, COMPLETIONS)]
if HAS_RESPONSES:
    from openai.types.responses import ResponseStreamEvent

    from otel_aicost.instrumentation.surfaces.responses import RESPONSES

    RESPONSE_EVENTS = tuple(payloads.response_events(pieces=("Hi", "!", " there")))
    SURFACES.append((RESPONSES, ResponseStreamEvent, RESPONSE_EVENTS))
SURFACE_IDS = [surface.operation + "/" + kind.__name__ for surface, kind, _ in SURFACES]


def built(kind: type, value: Any, raw: bool) -> Any:
    """The chunk as the SDK builds it (no validation), or as the raw-body tap sees it."""
    value = copy.deepcopy(value)
    return view(value) if raw else construct_type(type_=kind, value=value)


def kept(texts: Any) -> tuple[str, ...]:
    return tuple(text for text in texts if type(text) is str and text)


def fields_set(chunk: Any) -> Any:
    return set(getattr(chunk, "model_fields_set", None) or ())


def test_a_plain_middle_chunk_takes_the_lean_path() -> None:
    """Not vacuous: the canonical content chunks of every surface are plain."""
    for surface, kind, chunks in SURFACES:
        plain = [surface.read_plain_chunk(built(kind, chunk, False), True, False) for chunk in chunks]
        assert [text for text in plain if text is not NOT_PLAIN], surface.operation


@pytest.mark.parametrize("surface,kind,chunks", SURFACES, ids=SURFACE_IDS)
@CHECKS
@given(data=st.data(), injected=st.booleans(), need_common=st.booleans(), raw=st.booleans())
def test_plain_reader_says_what_the_full_reader_says(surface: Any, kind: type, chunks: tuple[Any, ...], data: Any,
                                                     injected: bool, need_common: bool, raw: bool) -> None:  # fmt: skip
    value = data.draw(st.sampled_from(chunks).flatmap(mutated))
    lean, full = built(kind, value, raw), built(kind, value, raw)
    text = surface.read_plain_chunk(lean, injected, need_common)
    read = surface.read_chunk(full, injected, need_common)
    assert fields_set(lean) == fields_set(full) or text is NOT_PLAIN
    if text is NOT_PLAIN:
        return
    assert (read.facts, read.finish, read.hide, read.counts) == (None, (), False, True)
    assert kept([text]) == kept(read.texts)


class _Call:
    """What ``StreamState`` uses of a call: its request's facts, whether content is captured, and how it ends."""

    def __init__(self, surface: Any, injected: bool) -> None:
        self.profile = SimpleNamespace(surface=surface)
        self.injected_usage = injected
        self.telemetry = SimpleNamespace(content=SimpleNamespace(enabled=False))
        self.ended = False
        self.enriching = True  # the one-step end declines (usual_end.py): the general end's facts are compared
        self.facts: Facts | None = None
        self.first_chunk_at: float | None = None  # set by StreamState.end from the arrival times
        self.chunk_gaps: list[float] | None = None

    @property
    def arrivals(self) -> int:
        """The output chunks the stream noted (the first, and one per gap)."""
        return 0 if self.first_chunk_at is None else 1 + len(self.chunk_gaps or ())

    def succeed(self, facts: Facts) -> None:
        self.ended, self.facts = True, facts


def _read_stream(surface: Any, kind: type, values: list[Any], injected: bool, raw: bool, lean: bool) -> Any:
    call = _Call(surface, injected)
    state = StreamState(call)  # type: ignore[arg-type]
    if not lean:
        state.read_plain = _never_plain
    hidden = [state.take(built(kind, value, raw)) for value in values]
    state.end()
    return call.facts, call.arrivals, hidden


@pytest.mark.parametrize("surface,kind,chunks", SURFACES, ids=SURFACE_IDS)
@CHECKS
@given(data=st.data(), injected=st.booleans(), raw=st.booleans())
def test_a_stream_folds_to_the_same_facts(surface: Any, kind: type, chunks: tuple[Any, ...], data: Any,
                                          injected: bool, raw: bool) -> None:  # fmt: skip
    values = data.draw(st.lists(st.sampled_from(chunks) | st.sampled_from(chunks).flatmap(mutated), max_size=8))
    lean = _read_stream(surface, kind, values, injected, raw, lean=True)
    assert lean == _read_stream(surface, kind, values, injected, raw, lean=False)


def test_a_canonical_stream_folds_to_the_same_facts() -> None:
    for surface, kind, chunks in SURFACES:
        at = next(i for i, c in enumerate(chunks) if surface.read_plain_chunk(built(kind, c, False), True, False)
                  is not NOT_PLAIN)  # fmt: skip
        values = [*chunks[:at], *[chunks[at]] * 20, *chunks[at:]]
        lean = _read_stream(surface, kind, values, True, False, lean=True)
        assert lean == _read_stream(surface, kind, values, True, False, lean=False)
        assert lean[1] >= 20, surface.operation
        assert _loop_stream(surface, kind, values, True, False)[:3] == lean, surface.operation
        # without the usage chunk the texts are kept for the local count, and the loop keeps the same ones
        no_usage = [value for value in values if value.get("usage") is None]  # chat and completions: the last one
        if len(no_usage) < len(values):
            lean = _read_stream(surface, kind, no_usage, False, False, lean=False)
            assert lean[0].output_parts and _loop_stream(surface, kind, no_usage, False, False)[:3] == lean


def _loop_stream(surface: Any, kind: type, values: list[Any], injected: bool, raw: bool) -> Any:
    """A stream read as a ``for`` loop reads it: the proxy's generator, with the surface's plain-chunk note."""
    call = _Call(surface, injected)
    state = StreamState(call)  # type: ignore[arg-type]
    chunks = [built(kind, value, raw) for value in values]
    proxy = StreamProxy(chunks)
    proxy._self_state = state  # as results._wrap_stream makes it
    shown = list(proxy)
    hidden = [all(chunk is not seen for seen in shown) for chunk in chunks]
    return call.facts, call.arrivals, hidden, [fields_set(chunk) for chunk in chunks]


@pytest.mark.parametrize("surface,kind,chunks", SURFACES, ids=SURFACE_IDS)
@CHECKS
@given(data=st.data(), injected=st.booleans(), raw=st.booleans())
def test_a_for_loop_folds_to_the_same_facts_and_leaves_the_same_chunks(
    surface: Any, kind: type, chunks: tuple[Any, ...], data: Any, injected: bool, raw: bool
) -> None:
    """The generator's inner loop (``StreamState.note``: the first chunk, and any once the response id is known)
    against the full reader alone: same facts, chunk count, chunks hidden, and each chunk's fields-set as the full
    reader leaves it."""
    values = data.draw(st.lists(st.sampled_from(chunks) | st.sampled_from(chunks).flatmap(mutated), max_size=8))
    full = _read_stream(surface, kind, values, injected, raw, lean=False)
    loop = _loop_stream(surface, kind, values, injected, raw)
    assert loop[:3] == full
    call = _Call(surface, injected)
    state = StreamState(call)  # type: ignore[arg-type]
    state.read_plain = _never_plain
    alone = [built(kind, value, raw) for value in values]
    for chunk in alone:
        state.take(chunk)
    assert loop[3] == [fields_set(chunk) for chunk in alone]


def test_a_named_event_wrapped_by_an_old_sdk_is_read_and_shown_as_the_bare_sdk_shows_it() -> None:
    """openai 1.x before about 1.5x hands a named SSE event (``event: message``) over as
    ``ChatCompletionChunk(data={...}, event=...)``: it is read from its data, the ``"usage": null`` our
    ``include_usage`` made the API add is taken out of the caller's dict, and the usage-only event is hidden."""
    first, *_, usage_event = payloads.chat_chunks(pieces=("Hel", "lo"), include_usage=True)
    bare = {name: value for name, value in first.items() if name != "usage"}  # as the API sends it unasked
    first = {**bare, "usage": None}
    chunk = ChatCompletionChunk.construct(data=first, event="message")
    read = CHAT.read_chunk(chunk, True, True)
    assert chunk.data == bare and "usage" not in chunk.data  # what the bare SDK's caller gets
    assert read.facts.response_id == bare["id"] and not read.hide
    hidden = CHAT.read_chunk(ChatCompletionChunk.construct(data=usage_event, event="message"), True, False)
    assert hidden.hide and hidden.facts.usage.input_tokens == usage_event["usage"]["prompt_tokens"]
    asked_by_the_caller = {**bare, "usage": None}
    CHAT.read_chunk(ChatCompletionChunk.construct(data=asked_by_the_caller, event="message"), False, True)
    assert asked_by_the_caller["usage"] is None  # the caller's own stream_options: its chunks as sent


def _pydantic1_chunk(value: dict[str, Any]) -> Any:
    """A chat chunk as the SDK presents it in its pydantic-1 mode (``openai._compat.PYDANTIC_V2`` False): a
    pydantic 1 model (``pydantic.v1``, shipped inside pydantic 2), its fields in ``__dict__``, the set ones in
    ``__fields_set__``, no ``__pydantic_fields_set__``."""
    from pydantic import v1

    class Delta(v1.BaseModel):
        content: str | None = None
        role: str | None = None

    class Choice(v1.BaseModel):
        delta: Delta
        finish_reason: str | None = None
        index: int
        logprobs: Any = None

    class PromptDetails(v1.BaseModel):
        cached_tokens: int | None = None

    class Usage(v1.BaseModel):
        prompt_tokens: int
        completion_tokens: int
        total_tokens: int
        prompt_tokens_details: PromptDetails | None = None

    class ChunkV1(v1.BaseModel):
        id: str
        choices: list[Choice]
        created: int
        model: str
        object: str
        service_tier: str | None = None
        system_fingerprint: str | None = None
        usage: Usage | None = None

    for model in (Choice, Usage, ChunkV1):  # their annotations name this function's classes (pydantic 1 reads them)
        model.update_forward_refs(Delta=Delta, Choice=Choice, Usage=Usage, PromptDetails=PromptDetails)
    return ChunkV1.parse_obj(copy.deepcopy(value))


def test_the_first_chunk_and_the_rest_on_pydantic_1_read_as_on_pydantic_2() -> None:
    """The SDK's pydantic-1 mode keeps a chunk's set fields in ``__fields_set__``: the for loop's inline read of the
    first chunk (``streams.py``, ``StreamState.first``) and of the later ones find no ``__pydantic_fields_set__`` there
    and leave the chunk to the full read, which unsets the ``"usage": null`` our ``include_usage`` caused in
    ``__fields_set__`` (``sdk.forget_field``). The stream reads to the same facts and chunk count as the SDK's
    pydantic 2 chunks, the usage-only chunk is hidden, and every chunk the caller gets has ``usage`` unset, as the
    bare SDK's (no internal error: the tests raise them)."""
    values = payloads.chat_chunks(pieces=("Hel", "lo", " there", "!"), include_usage=True)
    assert values[0]["usage"] is None and values[-1]["choices"] == []  # the null we caused, and the usage chunk
    old = [_pydantic1_chunk(value) for value in values]
    assert all(not hasattr(chunk, "__pydantic_fields_set__") for chunk in old)
    assert all("usage" in chunk.__fields_set__ for chunk in old)
    for unset_usage in (True, False):  # the filter could not apply (the null reaches the chunks), or it did
        call = _Call(CHAT, True)
        state = StreamState(call)  # type: ignore[arg-type]
        state.unset_usage = unset_usage
        proxy = StreamProxy(list(old))
        proxy._self_state = state  # as results._wrap_stream makes it
        shown = list(proxy)
        assert shown == old[:-1], unset_usage  # the usage-only chunk hidden, the rest as they came
        if unset_usage:
            assert all("usage" not in chunk.__fields_set__ for chunk in shown)
        new = _loop_stream(CHAT, ChatCompletionChunk, values, True, False)
        assert (call.facts, call.arrivals) == new[:2]
        assert call.facts.response_id == values[0]["id"] and call.facts.usage is not None
        assert call.arrivals == 6 and call.facts.finish_reasons == ("stop",)
        old = [_pydantic1_chunk(value) for value in values]
