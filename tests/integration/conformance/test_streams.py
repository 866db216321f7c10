"""Streams, sync: every way a caller can consume one, bare SDK against instrumented, on every recorded surface.

Each case runs twice against the same recorded bytes: the caller must see the same objects, exactly one span must
end, at the moment the stream ends (checkpoints), with the right status, ``error.type`` and cost.
"""

from __future__ import annotations

import gc

import pytest

from tests.integration.conformance.cases import check_span, dump, helper, request, resource
from tests.integration.conformance.recordings import STREAMS

STREAM_NAMES = sorted(STREAMS)
HELPER_NAMES = [name for name in STREAM_NAMES if not name.startswith("completion")]


def _needs(client, recording):
    if recording.path == "/responses" and not hasattr(client, "responses"):
        pytest.skip("this openai version has no Responses API")


@pytest.mark.parametrize("name", STREAM_NAMES)
def test_iterate(conform, telemetry, name):
    recording = STREAMS[name]

    def case(client, run):
        _needs(client, recording)
        stream = resource(client, recording).create(**request(recording, stream=True))
        run.seen = [dump(chunk) for chunk in stream]
        run.checkpoint()

    assert conform(recording, case).checkpoints == [1, 1]
    check_span(telemetry, recording)


@pytest.mark.parametrize("name", STREAM_NAMES)
def test_break_then_release(conform, telemetry, name):
    recording = STREAMS[name]

    def case(client, run):
        _needs(client, recording)
        stream = resource(client, recording).create(**request(recording, stream=True))
        for chunk in stream:
            run.seen.append(dump(chunk))
            break
        run.checkpoint()
        del stream  # the last reference: the stream is released at once
        run.checkpoint()

    assert conform(recording, case).checkpoints == [0, 1, 1]
    check_span(telemetry, recording, exact=False)


@pytest.mark.parametrize("name", STREAM_NAMES)
def test_close(conform, telemetry, name):
    recording = STREAMS[name]

    def case(client, run):
        _needs(client, recording)
        stream = resource(client, recording).create(**request(recording, stream=True))
        run.seen.append(dump(next(iter(stream))))
        run.checkpoint()
        stream.close()
        run.checkpoint()

    assert conform(recording, case).checkpoints == [0, 1, 1]
    check_span(telemetry, recording, exact=False)


@pytest.mark.parametrize("name", STREAM_NAMES)
def test_with_block_left_early(conform, telemetry, name):
    recording = STREAMS[name]

    def case(client, run):
        _needs(client, recording)
        with resource(client, recording).create(**request(recording, stream=True)) as stream:
            for chunk in stream:
                run.seen.append(dump(chunk))
                break
            run.checkpoint()
        run.checkpoint()

    assert conform(recording, case).checkpoints == [0, 1, 1]
    check_span(telemetry, recording, exact=False)


@pytest.mark.parametrize("name", STREAM_NAMES)
def test_exception_in_with_block(conform, telemetry, name):
    recording = STREAMS[name]

    def case(client, run):
        _needs(client, recording)
        with pytest.raises(ValueError, match="user bug"):
            with resource(client, recording).create(**request(recording, stream=True)) as stream:
                for chunk in stream:
                    run.seen.append(dump(chunk))
                    raise ValueError("user bug")
        run.checkpoint()

    assert conform(recording, case).checkpoints == [1, 1]
    check_span(telemetry, recording, error="ValueError", exact=False)


@pytest.mark.parametrize("name", STREAM_NAMES)
def test_exception_in_bare_loop(conform, telemetry, name):
    """No ``with``, no ``close()``: nothing can see the exception; the span ends, without error, when the stream is
    released (as the official instrumentation does)."""
    recording = STREAMS[name]

    def case(client, run):
        _needs(client, recording)
        stream = resource(client, recording).create(**request(recording, stream=True))
        with pytest.raises(ValueError):
            for chunk in stream:
                run.seen.append(dump(chunk))
                raise ValueError("user bug")
        run.checkpoint()
        del stream
        run.checkpoint()

    assert conform(recording, case).checkpoints == [0, 1, 1]
    check_span(telemetry, recording, exact=False)


@pytest.mark.parametrize("name", STREAM_NAMES)
def test_abandoned_in_a_reference_cycle(conform, telemetry, name):
    recording = STREAMS[name]

    def case(client, run):
        _needs(client, recording)
        holder = {"stream": resource(client, recording).create(**request(recording, stream=True))}
        holder["self"] = holder  # a cycle: only the garbage collector frees it
        run.seen.append(dump(next(iter(holder["stream"]))))
        del holder
        run.checkpoint()
        gc.collect()
        run.checkpoint()

    checkpoints = conform(recording, case).checkpoints
    assert checkpoints[1:] == [1, 1]
    check_span(telemetry, recording, exact=False)


@pytest.mark.parametrize("name", STREAM_NAMES)
def test_caller_asks_for_usage(conform, telemetry, name):
    """The caller's own ``stream_options`` go out exactly as given, and the caller sees the usage chunk."""
    recording = STREAMS[name]
    if recording.usage_always:
        pytest.skip("Responses streams always report usage; there is no stream_options")

    def case(client, run):
        stream = resource(client, recording).create(**request(recording, stream=True,
                                                              stream_options={"include_usage": True}))
        run.seen = [dump(chunk) for chunk in stream]

    conform(recording, case)
    check_span(telemetry, recording)


# --- the SDK's stream helpers -------------------------------------------------------------------------------------


def _final(stream):
    final = stream.get_final_response() if hasattr(stream, "get_final_response") else stream.get_final_completion()
    return final.model_dump()


@pytest.mark.parametrize("name", HELPER_NAMES)
def test_helper_read_to_the_end(conform, telemetry, name):
    recording = STREAMS[name]

    def case(client, run):
        _needs(client, recording)
        with helper(client, recording) as stream:
            run.seen = [event.type for event in stream]
            run.seen.append(_final(stream))
            run.checkpoint()

    assert conform(recording, case).checkpoints == [1, 1]
    check_span(telemetry, recording)


@pytest.mark.parametrize("name", HELPER_NAMES)
def test_helper_left_early(conform, telemetry, name):
    recording = STREAMS[name]

    def case(client, run):
        _needs(client, recording)
        with helper(client, recording) as stream:
            for event in stream:
                run.seen.append(event.type)
                break
            run.checkpoint()
        run.checkpoint()  # the end of the with block closed the stream: the span has ended, not at GC

    assert conform(recording, case).checkpoints == [0, 1, 1]
    check_span(telemetry, recording, exact=False)


@pytest.mark.parametrize("name", HELPER_NAMES)
def test_helper_closed(conform, telemetry, name):
    recording = STREAMS[name]

    def case(client, run):
        _needs(client, recording)
        manager = helper(client, recording)
        stream = manager.__enter__()
        run.seen.append(next(iter(stream)).type)
        run.checkpoint()
        stream.close()
        run.checkpoint()
        manager.__exit__(None, None, None)

    assert conform(recording, case).checkpoints == [0, 1, 1]
    check_span(telemetry, recording, exact=False)


@pytest.mark.parametrize("name", HELPER_NAMES)
def test_helper_exception_in_with_block(conform, telemetry, name):
    recording = STREAMS[name]

    def case(client, run):
        _needs(client, recording)
        with pytest.raises(ValueError, match="user bug"):
            with helper(client, recording) as stream:
                for event in stream:
                    run.seen.append(event.type)
                    raise ValueError("user bug")
        run.checkpoint()

    assert conform(recording, case).checkpoints == [1, 1]
    check_span(telemetry, recording, error="ValueError", exact=False)
