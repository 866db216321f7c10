"""One stream's state: its call and what its chunks said so far (``StreamState``), shared by the chunk proxy
(``streams.py``) and the byte tap on its HTTP response (``taps.py``); the stream ends its call once, through here.

A plain chunk (most of them: it only adds output) leaves its text and arrival time in two lists; the others are
read in full; the usage-only chunk we asked for arrives as its decoded dict (``usage_events.py``) or as a chunk the
caller must not see. The facts and the chunk timings are folded once, when the stream ends.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import replace
from time import perf_counter
from typing import Any

from otel_aicost.instrumentation.call import Call
from otel_aicost.instrumentation.content import StreamOutput
from otel_aicost.instrumentation.ending import still_open
from otel_aicost.instrumentation.facts import NOT_PLAIN, Chunk, StreamFacts
from otel_aicost.instrumentation.safety import report_internal_error
from otel_aicost.instrumentation.surfaces.shared import read_usage_event

NOT_ERRORS = (GeneratorExit, StopIteration, StopAsyncIteration)  # the ends of an iteration, never a failure


def error_in_flight(handled_before: BaseException | None) -> BaseException | None:
    """The exception being raised through the caller's code right now (a stream helper's ``with`` exit, which
    closes the HTTP response), if any; never ``handled_before``, the one the caller was already handling when the
    stream was made (a fallback ``create()`` inside an ``except`` block): that one belongs to an earlier call."""
    error = sys.exc_info()[1]
    if error is None or error is handled_before or isinstance(error, NOT_ERRORS):
        return None
    return error


def _never_plain(chunk: Any, injected_usage: bool, need_common: bool) -> Any:
    return NOT_PLAIN


class StreamState:
    """One stream's call and what its chunks said so far.

    A chunk costs little: a plain one (most of them: it only adds output) leaves its text and arrival time in two
    lists; the few others (the first, the last of each choice, the usage chunk) are read in full. The facts and the
    chunk timings are folded once, when the stream ends."""

    __slots__ = (
        "call", "read", "read_plain", "injected", "nulls_gone", "seen", "arrivals", "output", "in_next",
        "handled_before", "__weakref__",
    )  # fmt: skip

    def __init__(self, call: Call) -> None:
        self.call = call
        surface = call.request.surface
        self.read = surface.read_chunk
        self.read_plain = surface.read_plain_chunk or _never_plain
        self.injected = call.request.injected_usage
        self.nulls_gone = False  # the events' "usage": null taken out before the SDK builds chunks (usage_events.py)
        self.seen = StreamFacts()
        self.arrivals: list[float] = []  # perf_counter() of each output chunk
        self.output = StreamOutput() if call.telemetry.content.enabled else None
        self.in_next = False  # inside the proxy's next or close: the proxy ends the call itself
        self.handled_before = sys.exc_info()[1]  # an exception the caller is handling as the stream starts
        still_open(self)

    def take(self, chunk: Any) -> bool:
        """Note a chunk; True if it is the usage chunk we asked for, which the caller must not see."""
        try:
            seen = self.seen
            need_common = seen.facts.response_id is None
            text = self.read_plain(chunk, self.injected, need_common)
            if text is not NOT_PLAIN:
                seen.parts.append(text)
                self.arrivals.append(perf_counter())
            else:
                read: Chunk = self.read(chunk, self.injected, need_common)
                seen.add(read)
                if read.hide:
                    return True
                if read.counts:
                    self.arrivals.append(perf_counter())
            if self.output is not None:
                self.output.add(chunk)
        except Exception:
            report_internal_error("stream chunk")
        return False

    def take_usage_event(self, document: dict[str, Any]) -> bool:
        """Note the usage-only chunk we asked for, taken as its decoded dict before the SDK builds it
        (``usage_events.py``); True: taken (the caller never sees it)."""
        try:
            self.seen.add(read_usage_event(document))
            return True
        except Exception:
            report_internal_error("stream usage event")
            return False

    def plain_note(self) -> tuple[Callable[[Any], bool] | None, bool]:
        """``(note, gated)``: a function noting a chunk if it is plain (True), for the stream generators' inner
        loop (``take`` without its calls for the common case), and whether it may be used only once the response
        id is known (the surface's ``plain_noter``; before, chunks are read in full). None when every chunk is
        read in full (content capture on, no plain reader)."""
        if self.output is not None or self.read_plain is _never_plain:
            return None, False
        seen = self.seen
        make = self.call.request.surface.plain_noter
        if make is not None:
            # Its chunks' null usage to unset, unless the events' filter took it out before the SDK built them.
            unset_usage = self.injected and not self.nulls_gone
            return make(unset_usage, seen.parts.append, self.arrivals.append), True
        read_plain, injected = self.read_plain, self.injected
        add_part, arrived = seen.parts.append, self.arrivals.append

        def note(chunk: Any) -> bool:
            try:
                text = read_plain(chunk, injected, seen.facts.response_id is None)
                if text is NOT_PLAIN:
                    return False
                add_part(text)
                arrived(perf_counter())
            except Exception:
                report_internal_error("stream chunk")
            return True

        return note, False

    def known(self) -> bool:
        """The response id is known (a chunk read in full said it): a gated plain note may be used from now on."""
        return self.seen.facts.response_id is not None

    def end(self, error: BaseException | None = None) -> None:
        call = self.call
        if call.ended:
            return
        try:
            call.chunks_arrived(self.arrivals)
            facts = self.seen.result()
            if self.output is not None:
                facts = replace(facts, output_messages=tuple(self.output.messages(facts.finish_reasons)))
            if error is None:
                call.succeed(facts)
            else:
                call.fail(error, facts)
        except Exception:
            report_internal_error("stream end")

    def response_closed(self) -> None:
        """The HTTP response was closed (a helper's ``close()`` or ``with`` exit, or the body read to its end). A
        helper's ``with`` exit is the one way an exception leaving the caller's block reaches us here; a plain
        ``close()`` looks the same from here, so an exception already handled when the stream started never
        counts (it may still be ``sys.exc_info()`` in the caller's ``except`` block)."""
        if not self.in_next:
            self.end(error_in_flight(self.handled_before))

    def end_at_exit(self) -> None:
        self.end(None)
