"""One stream's state: its call and what its chunks said so far (``StreamState``), shared by the chunk proxy
(``streams.py``) and the byte tap on its HTTP response (``taps.py``); the stream ends its call once, through here.

A plain chunk (most of them: it only adds output) leaves its text and arrival time in two lists; the others are
read in full (a ``Chunk``, folded into the facts so far at once); the usage-only chunk we asked for arrives as its
decoded dict (``usage_events.py``) or as a chunk the caller must not see. The texts and the chunk timings are folded
once, when the stream ends. One object per stream holds all of it (no separate fold object: a stream's working set
is what it touches, ``bench/README.md`` "L2 misses by code").
"""

from __future__ import annotations

import sys
from collections import deque
from dataclasses import replace
from operator import sub
from time import perf_counter
from typing import Any
from weakref import ref

from otel_aicost.instrumentation.call import Call
from otel_aicost.instrumentation.content import StreamOutput
from otel_aicost.instrumentation.ending import OPEN, forget
from otel_aicost.instrumentation.facts import NO_FACTS, NOT_PLAIN, Chunk, Facts, merge
from otel_aicost.instrumentation.safety import report_internal_error
from otel_aicost.instrumentation.surfaces.shared import (
    facts_of,
    read_usage_event,
    read_usage_event_usage,
    usage_event_values,
)
from otel_aicost.instrumentation.usage import Usage
from otel_aicost.instrumentation.usage_events import UsageEvents
from otel_aicost.instrumentation.usual_stream_end import end_usual_stream, output_texts

NOT_ERRORS = (GeneratorExit, StopIteration, StopAsyncIteration)  # the ends of an iteration, never a failure
_MAX_CHOICES = 128  # a larger choice index is garbage, not a choice


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


class _Ended:
    """A stream state's ``call`` once its call has ended: all that is asked of it then is ``ended`` (the proxy's
    ``__del__``, ``end``). The SDK's stream is a reference cycle (its ``_iterator`` generator's frame holds it), which
    holds the state (its SSE decoder) and the tap on its response until the cyclic collector runs; let go of at the
    end, the call, its span and its request are freed at once instead of with that cycle (bench/README.md, round 16)."""

    __slots__ = ()
    ended = True


_ENDED = _Ended()
_DISCARD: deque[Any] = deque(maxlen=0)  # an ended stream's parts and arrivals: append and extend keep nothing


class StreamState(UsageEvents):
    """One stream's call and what its chunks said so far.

    A chunk costs little: a plain one (most of them: it only adds output) leaves its text and arrival time in two
    lists; the few others (the first, the last of each choice, the usage chunk) are read in full. The facts and the
    chunk timings are folded once, when the stream ends. The state is also the stream's SSE decoder, its events
    decoded once and, when we asked for the usage, filtered (``UsageEvents``: no object of its own)."""

    __slots__ = (
        "call", "read", "read_plain", "text_field", "injected", "unset_usage", "facts", "first", "usage", "parts",
        "reasons", "arrivals", "output", "in_next", "handled_before", "__weakref__",
    )  # fmt: skip

    def __init__(self, call: Call) -> None:
        self.call = call
        surface = call.profile.surface
        self.read = surface.read_chunk
        self.read_plain = surface.read_plain_chunk or _never_plain
        self.injected = injected = call.injected_usage
        # the chunks' "usage": null to unset; False once the events' filter takes it out before the SDK builds them
        # (usage_events.py, results._wrap_stream)
        self.unset_usage = injected
        self.facts = NO_FACTS  # what the chunks read in full said, folded as they come
        # the first chunk's id, model, tier and fingerprint when the stream generators noted it (streams.py; facts then
        # still NO_FACTS):
        # a Facts of them made only when another chunk's facts fold in (add) or the general end needs one (result)
        self.first: tuple[str | None, str | None, str | None, str | None] | None = None
        # the usage-only event's usage while ``first`` stands for the facts (take_usage_event: no Facts made for it)
        self.usage: Usage | None = None
        self.parts: list[Any] = []  # texts as the chunks gave them, of whatever type: only non-empty strings count
        self.reasons: list[str] | None = None  # finish reason per choice index (a list once a chunk gives one)
        self.arrivals: list[float] = []  # perf_counter() of each output chunk
        self.output = StreamOutput() if call.telemetry.content.enabled else None
        # the stream generators read a plain choices chunk's text from this field (streams.py); None: ``take``
        self.text_field = surface.plain_text_field if self.output is None else None
        self.in_next = False  # inside the proxy's next or close: the proxy ends the call itself
        self.open_events = None  # the async events' generator (UsageEvents.aiter_bytes), closed at the stream's end
        self.handled_before = sys.exc_info()[1]  # an exception the caller is handling as the stream starts
        OPEN.add(ref(self, forget))  # ending.py: ended at interpreter exit if still open

    def take(self, chunk: Any, try_plain: bool = True) -> bool:
        """Note a chunk; True if it is the usage chunk we asked for, which the caller must not see. ``try_plain``
        False: read it in full at once (the stream generators' plain note said it is not plain, or the response id
        is not known yet, when the plain reader says so too)."""
        try:
            first = self.first
            need_common = (self.facts.response_id if first is None else first[0]) is None
            text = self.read_plain(chunk, self.injected, need_common) if try_plain else NOT_PLAIN
            if text is not NOT_PLAIN:
                self.parts.append(text)
                self.arrivals.append(perf_counter())
            else:
                read: Chunk = self.read(chunk, self.injected, need_common)
                self.add(read)
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
        (``usage_events.py``); True: taken (the caller never sees it). While the first chunk's values stand for the
        facts (``first``), the event's own values win where it has them, as ``merge`` folds them, and its usage is
        kept beside them (``usage``): no Facts made of it, of the first chunk's values, or of the two merged."""
        try:
            first = self.first
            if first is None:
                self.add(read_usage_event(document))
                return True
            self.fold_beside_first(first, usage_event_values(document), read_usage_event_usage(document))
            return True
        except Exception:
            report_internal_error("stream usage event")
            return False

    def add(self, chunk: Chunk) -> None:
        """Fold a chunk read in full into the facts so far."""
        new = chunk.facts
        if new is not None:
            first = self.first
            if first is not None and not (
                new.finish_reasons or new.output_parts or new.output_messages is not None or new.units
                or new.tool_calls or new.extra or new.batch_calls or new.dimension_count is not None
            ):  # fmt: skip
                # the four values and a usage only (the usage chunk the caller asked for): as the usage-only event's
                values = (new.response_id, new.response_model, new.service_tier, new.system_fingerprint)
                self.fold_beside_first(first, values, new.usage)
            else:  # the first chunk's facts as they are (merge would copy them)
                facts = self.facts
                if first is not None:  # the first chunk's values (streams.py) and a usage's, folded in now as Facts
                    facts, self.first, self.usage = facts_of(first, self.usage), None, None
                self.facts = new if facts is NO_FACTS else merge(facts, new)
        if chunk.texts:
            self.parts.extend(chunk.texts)
        for index, reason in chunk.finish:
            self.note_finish(index, reason)

    def fold_beside_first(self, first: tuple[str | None, ...], values: tuple[str | None, ...], usage: Usage | None
                          ) -> None:  # fmt: skip
        """A later chunk's four values (``common_values``' order) and usage, kept beside the first chunk's values as
        ``merge`` folds facts: each value it knows wins, the others stay."""
        response_id, model, tier, fingerprint = values
        self.first = (response_id or first[0], model or first[1], tier or first[2], fingerprint or first[3])
        self.usage = usage or self.usage

    def note_finish(self, index: int, reason: str) -> None:
        """Note choice ``index``'s finish reason (a chunk read in full, or the stream generators' last chunk)."""
        index = index if type(index) is int and 0 <= index < _MAX_CHOICES else 0
        reasons = self.reasons
        if reasons is None:
            reasons = self.reasons = []
        while len(reasons) <= index:
            reasons.append("")
        reasons[index] = reason

    def finish_reasons(self) -> tuple[str, ...]:
        """The finish reason of each choice; one that never finished reads ``error``."""
        noted = self.reasons or self.facts.finish_reasons
        return tuple([reason or "error" for reason in noted]) if noted else ()

    def result(self) -> Facts:
        """The stream's facts; a choice that never finished reads ``error``."""
        facts = self.facts if self.first is None else facts_of(self.first, self.usage)
        reasons = self.finish_reasons()
        # The texts serve a local count only (outcome.usage_of): not gone through when the stream reported usage.
        parts = () if facts.usage is not None else output_texts(self.parts)
        return Facts(
            response_id=facts.response_id,
            response_model=facts.response_model,
            finish_reasons=reasons,
            usage=facts.usage,
            service_tier=facts.service_tier,
            system_fingerprint=facts.system_fingerprint,
            dimension_count=facts.dimension_count,
            output_parts=facts.output_parts + parts,
            output_messages=facts.output_messages,
            units=facts.units,
            tool_calls=facts.tool_calls,
            extra=facts.extra,
            batch_calls=facts.batch_calls,
        )

    def end(self, error: BaseException | None = None) -> None:
        call = self.call
        if call.ended:
            return
        try:
            times = self.arrivals  # the output chunks' arrival times: the first, and the gaps (later - earlier)
            if times:
                call.first_chunk_at = times[0]
                call.chunk_gaps = list(map(sub, times[1:], times)) or None  # map stops with times[1:]
            if error is None and self.output is None and end_usual_stream(self):
                return  # ended in one step (usual_stream_end.py)
            facts = self.result()
            if self.output is not None:
                facts = replace(facts, output_messages=tuple(self.output.messages(facts.finish_reasons)))
            if error is None:
                call.succeed(facts)
            else:
                call.fail(error, facts)
        except Exception:
            report_internal_error("stream end")
        finally:
            if call.ended:  # let go of the call (and of an exception the caller was handling): see _Ended
                self.call, self.handled_before = _ENDED, None  # type: ignore[assignment]
                # and of the texts and times, freed now rather than with the SDK's cycle (_Ended); a chunk read after
                # the end (the call's record is made) is noted nowhere
                self.parts = self.arrivals = _DISCARD  # type: ignore[assignment]

    def response_closed(self) -> None:
        """The HTTP response was closed (a helper's ``close()`` or ``with`` exit, or the body read to its end). A
        helper's ``with`` exit is the one way an exception leaving the caller's block reaches us here; a plain
        ``close()`` looks the same from here, so an exception already handled when the stream started never
        counts (it may still be ``sys.exc_info()`` in the caller's ``except`` block)."""
        if not self.in_next:
            self.end(error_in_flight(self.handled_before))

    def end_at_exit(self) -> None:
        self.end(None)
