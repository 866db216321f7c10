"""Streams, async: the same consumption paths on ``AsyncOpenAI``, bare SDK against instrumented."""

from __future__ import annotations

import asyncio
import gc
import sys
import weakref

import pytest

from tests.integration.conformance.cases import check_span, dump, helper, request, resource
from tests.integration.conformance.recordings import STREAMS

STREAM_NAMES = sorted(STREAMS)
HELPER_NAMES = [name for name in STREAM_NAMES if not name.startswith("completion")]


def arun(case, left_early=False):
    """The async case as a sync one: run it, then close the client (its sockets) in the same event loop.

    What the caller saw gets one entry more: the async generators the case left for the loop to close (collected
    while suspended, or still open at the end), by name. The bare SDK leaves some of its own (the stream's
    ``__stream__``, ``_iter_events``, the SSE decoder's and httpx's ``aiter_bytes``: several a stream); the
    instrumented call must leave the loop the same ones. One known exception, ``left_early``: a stream the caller
    closes before its end (or leaves by an exception) leaves our events' generator too
    (``usage_events.UsageEvents.decoded_events``), suspended where the SDK's own are: closing it then would change
    what a caller who reads on after ``close()`` gets, where bare reads on (from a body already buffered). It is
    closed at once where the stream ends (``close_events``)."""

    async def run_and_close(client, run):
        firstiter, finalizer = sys.get_asyncgen_hooks()  # the loop's own, set as it started
        started, closing, left = weakref.WeakSet(), weakref.WeakSet(), []

        def noted(generator):
            started.add(generator)
            firstiter(generator)

        def closed_by_loop(generator):  # collected while suspended: the loop runs a task of its aclose()
            closing.add(generator)
            left.append(generator.ag_code.co_name)
            finalizer(generator)

        sys.set_asyncgen_hooks(firstiter=noted, finalizer=closed_by_loop)
        try:
            await case(client, run)
        finally:
            await client.close()
            gc.collect()
            left.extend(gen.ag_code.co_name for gen in started if gen.ag_frame is not None and gen not in closing)
            if left_early and "decoded_events" in left:
                left.remove("decoded_events")
            run.seen = [*run.seen, ("async generators left to the loop", sorted(left))]

    return lambda client, run: asyncio.run(run_and_close(client, run))


def _skip_without_responses(recording):
    import openai

    if recording.path == "/responses" and not hasattr(openai.AsyncOpenAI(api_key="x"), "responses"):
        pytest.skip("this openai version has no Responses API")


@pytest.mark.parametrize("name", STREAM_NAMES)
def test_iterate(conform, telemetry, name):
    recording = STREAMS[name]
    _skip_without_responses(recording)

    async def case(client, run):
        stream = await resource(client, recording).create(**request(recording, stream=True))
        run.seen = [dump(chunk) async for chunk in stream]
        run.checkpoint()

    assert conform(recording, arun(case), is_async=True).checkpoints == [1, 1]
    check_span(telemetry, recording)


@pytest.mark.parametrize("name", STREAM_NAMES)
def test_break_then_close(conform, telemetry, name):
    recording = STREAMS[name]
    _skip_without_responses(recording)

    async def case(client, run):
        stream = await resource(client, recording).create(**request(recording, stream=True))
        async for chunk in stream:
            run.seen.append(dump(chunk))
            break
        run.checkpoint()
        await stream.close()
        run.checkpoint()

    assert conform(recording, arun(case, left_early=True), is_async=True).checkpoints == [0, 1, 1]
    check_span(telemetry, recording, exact=False)


@pytest.mark.parametrize("name", STREAM_NAMES)
def test_exception_in_async_with_block(conform, telemetry, name):
    recording = STREAMS[name]
    _skip_without_responses(recording)

    async def case(client, run):
        with pytest.raises(ValueError, match="user bug"):
            async with await resource(client, recording).create(**request(recording, stream=True)) as stream:
                async for chunk in stream:
                    run.seen.append(dump(chunk))
                    raise ValueError("user bug")
        run.checkpoint()

    assert conform(recording, arun(case, left_early=True), is_async=True).checkpoints == [1, 1]
    check_span(telemetry, recording, error="ValueError", exact=False)


@pytest.mark.parametrize("name", HELPER_NAMES)
def test_helper_read_to_the_end(conform, telemetry, name):
    recording = STREAMS[name]
    _skip_without_responses(recording)

    async def case(client, run):
        async with helper(client, recording) as stream:
            run.seen = [event.type async for event in stream]
            run.checkpoint()

    assert conform(recording, arun(case), is_async=True).checkpoints == [1, 1]
    check_span(telemetry, recording)


@pytest.mark.parametrize("name", HELPER_NAMES)
def test_helper_left_early(conform, telemetry, name):
    recording = STREAMS[name]
    _skip_without_responses(recording)

    async def case(client, run):
        async with helper(client, recording) as stream:
            async for event in stream:
                run.seen.append(event.type)
                break
            run.checkpoint()
        run.checkpoint()

    assert conform(recording, arun(case, left_early=True), is_async=True).checkpoints == [0, 1, 1]
    check_span(telemetry, recording, exact=False)


@pytest.mark.parametrize("name", HELPER_NAMES)
def test_helper_exception_in_async_with_block(conform, telemetry, name):
    recording = STREAMS[name]
    _skip_without_responses(recording)

    async def case(client, run):
        with pytest.raises(ValueError, match="user bug"):
            async with helper(client, recording) as stream:
                async for event in stream:
                    run.seen.append(event.type)
                    raise ValueError("user bug")
        run.checkpoint()

    assert conform(recording, arun(case, left_early=True), is_async=True).checkpoints == [1, 1]
    check_span(telemetry, recording, error="ValueError", exact=False)


@pytest.mark.parametrize("name", STREAM_NAMES)
def test_streaming_response_read_by_lines(conform, telemetry, name):
    recording = STREAMS[name]
    _skip_without_responses(recording)
    options = {} if recording.usage_always else {"stream_options": {"include_usage": True}}

    async def case(client, run):
        kwargs = request(recording, stream=True, **options)
        async with resource(client, recording).with_streaming_response.create(**kwargs) as response:
            run.seen = [line async for line in response.iter_lines()]
            run.checkpoint()
        run.checkpoint()

    assert conform(recording, arun(case), is_async=True).checkpoints == [1, 1, 1]
    check_span(telemetry, recording)
