"""The usage-only chunk we asked for, taken out of a stream's server-sent events before the SDK builds it.

When the caller did not ask for a stream's usage, we do (``stream_usage.py``, SPEC 3). The API then sends one event
more, the usage-only chunk (``"choices": []`` and a ``"usage"`` object), and a ``"usage": null`` in every other
chunk; bare, the caller gets neither. The SDK would build a model object of the usage-only chunk (~350k instructions
under callgrind, ``bench/README.md``) only for the stream proxy to read and hide it, and for each null it takes the
path of a set field (a keyword call of ``_construct_field`` and the field marked set, which the proxy then unset).
So the events are read where the SDK decodes them, in the stream's SSE decoder (``sdk.swap_sse_decoder``): each
event whose text starts a JSON object is decoded here, once, in place of the SDK's own ``json()`` (the event is
handed on with ``json`` answering that document; msgspec's JSON decoder, which gives json's own document in under
half its time, and where msgspec refuses the text json's C scanner, ``JSONDecoder.scan_once``, when the object ends the
text, else ``json.loads``); a top-level ``"usage": null`` is deleted from it (the chunk the
SDK builds is then the bare call's: no usage among its set fields), and the usage-only chunk goes to the stream state's
``take_usage_event``, which reads it from its dict and never reaches the SDK. Anything else passes as it came
(``[DONE]``, text that does not decode: the SDK's own ``json()`` raises as it would bare), and where the filter
cannot apply the proxy reads and hides the usage-only chunk and unsets the null on the built chunk as before
(``surfaces/shared.read_choices_chunk``).

Text nested too deep for the scanner (a ``RecursionError``) passes as it came too: the SDK's ``json()`` raises it as
bare, and it is not our internal error. Not matched: on Python 3.11 the scanner here runs a few frames shallower than
the SDK's ``json()`` would, so a document nested within a level or two of the recursion limit (~950 levels, where
exactly depends on the caller's own stack depth, which any wrapper's frame shifts) decodes here where bare raises
(round 14, ``tests/integration/adversarial/test_other_streams.py`` tests far past the limit). The SDK reads each
event's ``json()`` once (``Stream.__stream__``, 1.40.0 .. 3.60.0; tested there too), so the one dict handed out is
what bare decodes for that call.

Measured (round 8, ``bench/README.md``): a 50-chunk stream runs ~1,400 fewer bytecodes than with the text filter
of round 7 (the SDK's ``json()`` and ``data`` frames and its null-usage path in ``construct`` gone). Round 7's lead
prototype deleting the null in a ``json()`` override on a re-classed event measured worse: openai's ``construct``
takes a null value and a missing key to the same ``field_get_default``, so the delete saves only the set field and
one call, less than a class assignment and a Python ``json()`` a chunk cost.

Round 20 (``bench/README.md``): the null popped leaves a hole in the document, so the SDK's ``construct(**value)``
merges it key by key where it would clone a clean dict (~2k instructions a chunk): every way of handing the SDK a
clean document measured costs as much or more (the null kept and unset, the last members popped and put back, the
text cut). ``pop`` is one lookup where a ``get`` and a ``del`` were two; a usage that is not null is put back, and a
document not taken is decoded again from its text so the SDK gets its keys in their own order.

When we did not ask for the usage (the caller asked for it itself, or no usage is asked), the events are only
decoded (the same loop, its deletes and takes behind one test of a local per event): nothing deleted, nothing
taken, the caller gets the usage-only chunk and every ``"usage": null`` exactly as bare; the SDK's ``json()`` frames
are gone all the same (round 14, ``bench/README.md``).

Feature-detected and version-gated (``sdk.swap_sse_decoder``: the SDK's own decoder class, an event whose text is its
``_data`` and that takes an attribute); never raising into the stream (a failure is reported and the event passes
as it came).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from operator import itemgetter
from types import MethodType
from typing import Any

from otel_aicost.instrumentation.safety import report_internal_error

_loads = json.loads
_FIRST = itemgetter(0)
# The C scanner json.loads ends in (JSONDecoder.scan_once, with json.loads's own defaults), for a text that starts "{":
# the same document without json.loads's three Python frames, two whitespace matches and their end() calls per
# event: a 50-chunk stream's instrumented batch -374k instructions a call, broken -39k (callgrind, bench/README.md).
# Since round 27 what _decode falls back to, below.
_scan = json.JSONDecoder().scan_once


def _json_document(data: str) -> Any:
    """json's document of an event's text, as the SDK's ``json()`` (``json.loads``) decodes it: its C scanner when the
    object ends the text (whitespace or more after it: ``json.loads`` decides, raising as the SDK's would)."""
    document, end = _scan(data, 0)
    return document if end == len(data) else _loads(data)


try:  # msgspec's JSON decoder: the same document as json's scanner, ~11k instructions fewer an event (a 50-chunk
    # stream -540k a call, callgrind, bench/README.md round 27). A dependency on CPython (pyproject.toml). Where it
    # decodes, it gives what json.loads gives: values, types, key order (float rounding, -0, ints past 64 bits,
    # duplicate keys, nesting depth: tests/unit/test_event_documents.py, json.loads the oracle); what it refuses (a
    # lone surrogate escape, a number past a float's range, NaN) json decides. 0.19 at least: 0.18 wrapped ints of 20
    # digits round silently (that test finds it).
    from msgspec.json import Decoder as _Decoder
except ImportError:  # no msgspec (another Python implementation, or installed without dependencies): json's own
    _decode = _json_document
else:
    _decode = _Decoder().decode


class UsageEvents:
    """The SDK's SSE decoder, its events filtered (see the module): a base of the stream's state
    (``stream_state.StreamState``), which ``sdk.swap_sse_decoder`` puts in the decoder's place (no object or
    frame of its own per stream); ``take_usage_event(document)`` (the state's) takes the usage-only chunk's dict:
    True when taken (the SDK never sees it), False to let it pass."""

    __slots__ = ("decoder", "last_document", "event_json", "open_events")
    injected: bool  # the state's: we asked for the usage (else the events are only decoded, none taken out)

    def take_usage_event(self, document: dict[str, Any]) -> bool:
        raise NotImplementedError

    # The SDK's events pass through ``keep_event`` (in C: ``filter``, not a generator of ours: a broken-off stream
    # leaves the SDK's suspended generators to the cyclic collector, which closes each by throwing GeneratorExit into
    # it, ~1.3 µs a generator; a filter object is only freed). The event's JSON is decoded there, once, in place of the
    # SDK's ``json()`` (a method and a property in Python around the same ``json.loads``): the event's ``json`` becomes
    # a C callable handing the SDK that document, ``event_json``, one per stream: the stream's ``last_document[0]``, the
    # document of the event decoded last (the SDK calls an event's ``json()`` before it asks for the next event,
    # ``Stream.__stream__``; the event has a ``__dict__``, an instance attribute wins over the method). Not a callable
    # per event (``repeat(document).__next__`` until round 29: two objects made and freed an event); not one holding the
    # state (a bound method of it: a reference cycle that would leave every stream's state to the collector). Text that
    # does not start a JSON object (``[DONE]``), or does not decode, passes as it came: the SDK decides.

    def iter_bytes(self, iterator: Iterator[bytes]) -> Iterator[Any]:
        self.last_document = last = [None]
        self.event_json = MethodType(_FIRST, last)  # last[0], in C: no frame, no arguments' tuple
        return filter(self.keep_event, self.decoder.iter_bytes(iterator))

    def aiter_bytes(self, iterator: AsyncIterator[bytes]) -> AsyncIterator[Any]:
        self.open_events = events = self.decoded_events(iterator)  # closed by close_events at the stream's end
        return events

    def close_events(self) -> None:
        """Close the async generator of ``aiter_bytes`` once the SDK's stream has ended (its ``StopAsyncIteration``:
        its ``__stream__`` broke off at ``[DONE]`` and is done, so nothing resumes the generator). Left suspended, it
        would be closed as the SDK's own generators are: collected, handed to the loop's finalizer hook, which wakes
        the loop (``call_soon_threadsafe``: a write to its self-pipe) and runs a task of its ``aclose()`` (96 profiled
        calls a stream, ``test_call_budget.py``). Here that is one throw into it, at once, in C: so a stream read to
        its end leaves the loop exactly the generators the bare SDK leaves (``conformance/test_async_streams.py``).
        Only a generator suspended at its ``yield`` (not awaiting, not running) is closed: its close awaits nothing;
        one already finished (openai 1.40's stream reads its events to their end) is left as it is. Not on a stream
        the caller closes early: a caller reading on after ``close()`` reads on, as bare, from a body already read."""
        events = self.open_events
        self.open_events = None
        if events is not None and events.ag_frame is not None and events.ag_await is None and not events.ag_running:
            try:
                events.aclose().send(None)
            except StopIteration:  # closed
                pass
            except Exception:
                report_internal_error("stream events close")

    async def decoded_events(self, iterator: AsyncIterator[bytes]) -> AsyncIterator[Any]:
        # ``keep_event`` inline, twice over (no C filter of async iterators; a call of it per event costs a frame): so
        # an async stream broken off still leaves this generator of ours to the collector, as a sync one did before
        # round 29
        self.last_document = last = [None]
        self.event_json = event_json = MethodType(_FIRST, last)
        injected = self.injected
        async for event in self.decoder.aiter_bytes(iterator):
            try:
                data = event._data
                if data and data[0] == "{":  # as keep_event
                    try:
                        document = _decode(data)
                    except Exception:
                        document = _json_document(data)
                    if injected:
                        usage = document.pop("usage", None)
                        if usage is not None:
                            document["usage"] = usage
                            if type(usage) is dict and document.get("choices") == [] and self.take_usage_event(
                                document
                            ):
                                continue
                            document = _loads(data)
                    last[0] = document
                    event.json = event_json
            except (ValueError, StopIteration, RecursionError):
                pass
            except Exception:
                report_internal_error("stream event")
            yield event

    def keep_event(self, event: Any) -> bool:
        """Decode ``event``'s JSON object for the SDK, its ``"usage": null`` gone when we asked for the usage; False:
        the usage-only event we asked for, taken (``take_usage_event``), which the SDK never sees."""
        try:
            data = event._data
            if data and data[0] == "{":  # (not data[:1]: a slice object made per event on Python 3.11)
                try:
                    document = _decode(data)
                except Exception:  # msgspec refused it: json decides, as the SDK's json() would
                    document = _json_document(data)
                if self.injected:  # the null every chunk gets because we asked: gone as if never sent (one lookup:
                    # pop, not a get and a del; an absent key: nothing to do)
                    usage = document.pop("usage", None)
                    if usage is not None:  # not the null: put back for the usage-only chunk's read, then taken
                        document["usage"] = usage
                        if type(usage) is dict and document.get("choices") == [] and self.take_usage_event(document):
                            return False
                        document = _loads(data)  # else its document in the text's own key order, as bare
                self.last_document[0] = document
                event.json = self.event_json
        except (ValueError, StopIteration, RecursionError):  # not JSON (the scanner's StopIteration: a value
            # missing), or nested too deep: the SDK's own json() raises as it would bare
            pass
        except Exception:
            report_internal_error("stream event")
        return True

    def __getattr__(self, name: str) -> Any:  # anything else the SDK may ask of its decoder
        if name == "decoder":  # not swapped in (the slot unset): no decoder to ask
            raise AttributeError(name)
        return getattr(self.decoder, name)
