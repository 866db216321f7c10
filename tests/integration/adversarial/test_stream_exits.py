"""Every way a caller leaves a chat stream, bare SDK against instrumented: the same chunks and exceptions for the
caller; exactly one span, ended at the right moment, with the right status; the call counted once in metrics."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from types import GeneratorType

import openai
import pytest
from opentelemetry.trace import StatusCode

from tests.integration.adversarial.shapes import (
    CHAT_COST,
    CHAT_TEXT,
    chat_helpers,
    chat_kwargs,
    chat_reply,
    exact,
    money,
)
from tests.support.scripted_openai import Recut, Reply, client


def one_call(telemetry, *, error=None, priced=True):
    """Exactly one span and one duration point of count 1; its status; with ``priced`` the exact cost."""
    span = telemetry.span()
    [point] = telemetry.points("gen_ai.client.operation.duration")
    assert point.count == 1
    if error is None:
        assert span.status.status_code == StatusCode.UNSET, (span.status, span.attributes.get("error.type"))
        assert "error.type" not in span.attributes
    else:
        assert span.status.status_code == StatusCode.ERROR
        assert span.attributes["error.type"] == error
    if priced:
        assert span.attributes["aicost.usage.source"] == "reported"
        assert money(span.attributes["gen_ai.usage.cost"]) == CHAT_COST
        [cost] = telemetry.points("gen_ai.usage.cost")
        assert cost.count == 1 and money(cost.sum) == CHAT_COST
        tokens = {p.attributes["gen_ai.token.type"]: p for p in telemetry.points("gen_ai.client.token.usage")}
        assert sorted(tokens) == ["input", "output"]
        assert (tokens["input"].count, tokens["input"].sum, tokens["output"].count) == (1, 19, 1)
    return span


def _text(chunks):
    return "".join(chunk.choices[0].delta.content or "" for chunk in chunks if chunk.choices)


# --- consumed while the caller handles an unrelated exception ------------------------------------------------------
# A fallback after a failed call (``except RateLimitError: stream = create(model=other, stream=True)``) is common; the
# exception being handled belongs to the earlier call, not to this stream.


def _in_except_block(work):
    try:
        raise KeyError("an earlier, unrelated failure")
    except KeyError:
        return work()


def test_stream_read_to_the_end_inside_an_except_block(server, oracle, telemetry):
    server.answer = chat_reply()

    def case(run):
        with client(server) as api:
            run.seen = _in_except_block(
                lambda: [exact(c) for c in api.chat.completions.create(**chat_kwargs(stream=True))]
            )

    oracle(case)
    one_call(telemetry)


def test_stream_closed_early_inside_an_except_block(server, oracle, telemetry):
    server.answer = chat_reply()

    def work(api):
        stream = api.chat.completions.create(**chat_kwargs(stream=True))
        first = exact(next(stream))
        stream.close()
        return first

    def case(run):
        with client(server) as api:
            run.seen = _in_except_block(lambda: work(api))

    oracle(case)
    one_call(telemetry, priced=False)


def test_streaming_response_read_by_lines_inside_an_except_block(server, oracle, telemetry):
    server.answer = chat_reply()

    def work(api):
        with api.chat.completions.with_streaming_response.create(**chat_kwargs(
                stream=True, stream_options={"include_usage": True})) as response:  # fmt: skip
            return list(response.iter_lines())

    def case(run):
        with client(server) as api:
            run.seen = _in_except_block(lambda: work(api))

    oracle(case)
    one_call(telemetry)


def test_helper_left_early_inside_an_except_block(server, oracle, telemetry):
    server.answer = chat_reply()

    def work(api):
        with chat_helpers(api).stream(**chat_kwargs()) as stream:
            for event in stream:
                return event.type

    def case(run):
        with client(server) as api:
            run.seen = _in_except_block(lambda: work(api))

    oracle(case)
    one_call(telemetry, priced=False)


def test_stream_made_before_closed_inside_an_except_block(server, oracle, telemetry):
    """The stream exists before the unrelated exception: ``close()`` in its handler is still no error of the
    stream's (no exception passes through ``close()``)."""
    server.answer = chat_reply()

    def case(run):
        with client(server) as api:
            stream = api.chat.completions.create(**chat_kwargs(stream=True))
            first = exact(next(stream))
            run.seen = (first, _in_except_block(stream.close))

    oracle(case)
    one_call(telemetry, priced=False)


def test_helper_raising_inside_an_except_block_is_its_error(server, oracle, telemetry):
    """An exception of the helper's own ``with`` block, raised while an earlier one is handled, is the stream's."""
    server.answer = chat_reply()

    def work(api):
        with pytest.raises(ValueError):
            with chat_helpers(api).stream(**chat_kwargs()) as stream:
                for _ in stream:
                    raise ValueError("user bug")
        return "raised"

    def case(run):
        with client(server) as api:
            run.seen = _in_except_block(lambda: work(api))

    oracle(case)
    one_call(telemetry, error="ValueError", priced=False)


# --- plain exits ----------------------------------------------------------------------------------------------------


def test_never_iterated_then_released(server, oracle, telemetry):
    server.answer = chat_reply()

    def case(run):
        with client(server) as api:
            stream = api.chat.completions.create(**chat_kwargs(stream=True))
            run.checkpoint()
            del stream
            run.checkpoint()
            run.seen = "released"

    assert oracle(case).checkpoints == [0, 1, 1]
    one_call(telemetry, priced=False)


def test_never_iterated_then_closed_twice(server, oracle, telemetry):
    server.answer = chat_reply()

    def case(run):
        with client(server) as api:
            stream = api.chat.completions.create(**chat_kwargs(stream=True))
            stream.close()
            run.checkpoint()
            stream.close()
            run.seen = [type(e).__name__ for e in _raises(lambda: list(stream))]  # whatever the SDK does
            run.checkpoint()

    assert oracle(case).checkpoints == [1, 1, 1]
    one_call(telemetry, priced=False)


def test_next_after_the_end(server, oracle, telemetry):
    server.answer = chat_reply()

    def case(run):
        with client(server) as api:
            stream = api.chat.completions.create(**chat_kwargs(stream=True))
            chunks = list(stream)
            again = [type(error).__name__ for error in _raises(lambda: next(stream))]
            run.seen = ([exact(c) for c in chunks], again, list(stream))
            run.checkpoint()

    assert oracle(case).checkpoints == [1, 1]
    one_call(telemetry)


def _raises(action):
    try:
        action()
    except BaseException as error:  # noqa: BLE001 - any exception is what the caller would see
        return [error]
    return []


def test_two_loops_over_one_stream(server, oracle, telemetry):
    server.answer = chat_reply()

    def case(run):
        with client(server) as api:
            stream = api.chat.completions.create(**chat_kwargs(stream=True))
            first = []
            for chunk in stream:
                first.append(exact(chunk))
                if len(first) == 3:
                    break
            run.checkpoint()
            rest = [exact(chunk) for chunk in stream]
            run.seen = (first, rest)
            run.checkpoint()

    assert oracle(case).checkpoints == [0, 1, 1]
    one_call(telemetry)


def _first_event_then_the_rest(pause):
    """The chat stream in two writes: the first event, then (``pause`` seconds later) the rest."""

    def answer(body):
        data = chat_reply()(body).body
        end = data.index(b"\n\n") + 2
        return Reply(parts=[data[:end], data[end:]], pause=pause)

    return answer


@pytest.mark.parametrize("rest", ["still_on_the_way", "already_read"])
def test_http_response_closed_by_the_caller(server, oracle, telemetry, rest):
    """``stream.response.close()`` (the public httpx response) instead of ``stream.close()``. What iterating on
    does then depends on whether the rest of the body had reached the client: still on the way, the SDK's next read
    fails (openai 1.x: httpx ``ReadError``; later: ``APIConnectionError``); already read (a transport that reads
    the body whole), the stream goes on to its end. Both made certain here: with the rest only racing the close,
    bare and instrumented runs each go either way (finding F8 was that race, not a difference of ours)."""
    server.answer = _first_event_then_the_rest(0.3 if rest == "still_on_the_way" else 0.0)
    transport = Recut([1 << 20]) if rest == "already_read" else None

    def case(run):
        with client(server, transport=transport) as api:
            stream = api.chat.completions.create(**chat_kwargs(stream=True))
            first = exact(next(stream))
            stream.response.close()
            run.checkpoint()
            later = [type(error).__name__ for error in _raises(lambda: list(stream))]
            run.seen = (first, later)

    assert oracle(case).checkpoints[0] == 1
    one_call(telemetry, priced=False)


def test_abandoned_while_iterating_in_a_generator(server, oracle, telemetry):
    """A generator of the caller's that yields from the stream and is dropped half way."""
    server.answer = chat_reply()

    def texts(api):
        for chunk in api.chat.completions.create(**chat_kwargs(stream=True)):
            yield chunk.choices[0].delta.content if chunk.choices else None

    def case(run):
        with client(server) as api:
            gen = texts(api)
            run.seen = [next(gen), next(gen)]
            run.checkpoint()
            del gen
            gc.collect()
            run.checkpoint()

    assert oracle(case).checkpoints == [0, 1, 1]
    one_call(telemetry, priced=False)


def test_read_to_the_end_text_and_cost(server, oracle, telemetry):
    server.answer = chat_reply()

    def case(run):
        with client(server) as api:
            chunks = list(api.chat.completions.create(**chat_kwargs(stream=True)))
            run.seen = [exact(c) for c in chunks]
            assert _text(chunks) == CHAT_TEXT

    oracle(case)
    span = one_call(telemetry)
    assert span.attributes["gen_ai.usage.input_tokens"] == 19
    assert span.attributes["gen_ai.usage.output_tokens"] == 7


# --- the server fails mid-stream ------------------------------------------------------------------------------------


@pytest.mark.parametrize("cut", [0, 1, 150, 600])
def test_connection_drops_mid_stream(server, oracle, telemetry, cut):
    server.answer = chat_reply(drop_after=cut)

    def case(run):
        with client(server) as api:
            seen = []
            stream = api.chat.completions.create(**chat_kwargs(stream=True))
            try:
                for chunk in stream:
                    seen.append(exact(chunk))
            except Exception as error:  # noqa: BLE001 - what the caller sees
                seen.append((type(error).__module__, type(error).__qualname__))
            run.seen = seen
            run.checkpoint()

    ours = oracle(case)
    assert ours.checkpoints == [1, 1]
    kind = ours.seen[-1]
    one_call(telemetry, error=f"{kind[0].replace('openai._exceptions', 'openai')}.{kind[1]}", priced=False)


def test_error_event_mid_stream(server, oracle, telemetry):
    """The API reports a failure after some chunks as ``data: {"error": {...}}``; the SDK raises ``APIError``."""
    error_event = b'data: {"error": {"message": "The server had an error", "type": "server_error"}}\n\n'

    def transform(data, asked):
        frames = data.split(b"\n\n")
        return b"\n\n".join(frames[:3]) + b"\n\n" + error_event

    server.answer = chat_reply(transform=transform)

    def case(run):
        with client(server) as api:
            seen = []
            try:
                for chunk in api.chat.completions.create(**chat_kwargs(stream=True)):
                    seen.append(exact(chunk))
            except openai.APIError as error:
                seen.append((type(error).__name__, error.message, error.body))
            run.seen = seen
            run.checkpoint()

    assert oracle(case).checkpoints == [1, 1]
    one_call(telemetry, error="openai.APIError", priced=False)


def test_body_ends_without_done(server, oracle, telemetry):
    """No ``data: [DONE]``: the stream ends with the body; usage (sent before) still prices it."""
    server.answer = chat_reply(transform=lambda data, asked: data.replace(b"data: [DONE]\n\n", b""))

    def case(run):
        with client(server) as api:
            run.seen = [exact(c) for c in api.chat.completions.create(**chat_kwargs(stream=True))]
            run.checkpoint()

    assert oracle(case).checkpoints == [1, 1]
    one_call(telemetry)


@contextmanager
def only_reference_counts() -> Iterator[None]:
    """The cyclic collector collected once, then off: only reference counts free anything in the block."""
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def test_a_stream_broken_off_lets_go_of_its_texts_and_times_when_it_ends(server, telemetry, instrument):
    """The stream's state rides the SDK's reference cycle to the collector (see the test below); its lists of chunk
    texts and arrival times do not: they are let go of when the call ends, and a chunk the caller reads after that
    is noted nowhere (the call's record is made). The caller's chunks are the bare SDK's all the same."""
    server.answer = chat_reply()
    instrument()
    with only_reference_counts(), client(server) as api:
        stream = api.chat.completions.create(**chat_kwargs(stream=True))
        state = stream._self_state

        def lists() -> int:  # (the box of the last event's document aside: usage_events.py)
            return sum(type(thing) is list and thing is not state.last_document for thing in gc.get_referents(state))

        first = exact(next(stream))
        assert lists() == 2  # the texts and the arrival times so far
        stream.close()
        assert lists() == 0
        state.take(first)  # a late note: kept nowhere, no error
        assert lists() == 0 and not list(state.parts)
    one_call(telemetry, priced=False)


def test_a_stream_broken_off_leaves_no_generator_of_ours_to_the_collector(server, telemetry, instrument):
    """The SDK's stream cycle (below) holds what decodes its events until the cyclic collector runs, which closes
    each suspended generator in it by throwing GeneratorExit into it (~1.3 µs a generator, bench/README.md round
    29): the events pass through a C ``filter`` of ours, not a generator (usage_events.py)."""
    server.answer = chat_reply()
    instrument()
    with only_reference_counts(), client(server) as api:
        stream = api.chat.completions.create(**chat_kwargs(stream=True))
        state = stream._self_state
        for _chunk in stream:
            break
        stream.close()
        assert stream.response.is_closed
        holders = [type(holder).__name__ for holder in gc.get_referrers(state) if type(holder) is GeneratorType]
        assert holders == []  # the SDK's own generators hold its Stream, which holds the state as its decoder
        assert any(type(holder) is filter for holder in gc.get_referrers(*gc.get_referrers(state)))
    one_call(telemetry, priced=False)


def test_a_stream_broken_off_lets_go_of_its_ended_call(server, telemetry, instrument):
    """The SDK's stream is a reference cycle (its iterator's frame holds it), and it holds the stream's state (its SSE
    decoder) and the tap on its response until the cyclic collector runs. Once the call has ended, the state holds
    it no more: the call, its span and its request are freed then, not left to the collector."""
    from otel_aicost.instrumentation.call import Call

    def calls() -> int:
        return sum(type(thing) is Call for thing in gc.get_objects())

    server.answer = chat_reply()
    instrument()
    with only_reference_counts(), client(server) as api:
        before = calls()
        stream = api.chat.completions.create(**chat_kwargs(stream=True))
        for _chunk in stream:
            break
        stream.close()
        assert calls() == before  # ended and freed, though the stream is still the caller's
        del stream, _chunk
        assert calls() == before  # the SDK's stream, left to the collector, holds no call either
    one_call(telemetry, priced=False)
