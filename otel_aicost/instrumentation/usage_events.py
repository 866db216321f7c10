"""The usage-only chunk we asked for, taken out of a stream's server-sent events before the SDK builds it.

When the caller did not ask for a stream's usage, we do (``stream_usage.py``, SPEC 3). The API then sends one event
more, the usage-only chunk (``"choices": []`` and a ``"usage"`` object); bare, the caller never gets it. The SDK
would build a model object of it (~350k instructions under callgrind, ``bench/README.md``) only for the stream proxy
to read and hide it. So the events are filtered where the SDK decodes them, in the stream's SSE decoder
(``sdk.swap_sse_decoder``): an event that may be it (by its last characters, one slice: a chunk whose last member is
a non-empty list, or a null usage, is not) and whose text holds ``[]`` and ``"usage"`` is decoded; when it is the
usage-only chunk it goes to ``on_usage`` (the stream state's, which reads it from its dict) and never reaches the
SDK. Anything else passes unchanged, and where the filter cannot apply the proxy reads and hides the usage-only
chunk as before (``surfaces/shared.read_choices_chunk``).

The ``"usage": null`` the API then writes into every chunk stays: cutting it out of the text where it is provably the
top-level member (``,"usage":null}`` or ``,"usage":null,"obfuscation":"…"}`` ending the text, no other usage key)
takes 4-11k instructions of ``str`` work a chunk, about what the SDK spends on the null (4.3k): measured no gain,
so the proxy unsets it on the built chunk as before.

Used only when we asked for the usage; feature-detected and version-gated (``sdk.swap_sse_decoder``: the SDK's own
decoder class, an event whose text is its ``_data``); never raising into the stream (a failure is reported and the
event passes as it came).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

from otel_aicost.instrumentation.safety import report_internal_error
from otel_aicost.instrumentation.sdk import swap_sse_decoder

_KEY = '"usage"'


def usage_only(data: str) -> dict[str, Any] | None:
    """The decoded usage-only chunk (``"choices": []`` and a ``"usage"`` object), else None. Decoded only when its
    text has an empty list and a usage key (one chunk a stream, and Azure's prompt-filter chunk)."""
    if type(data) is not str or "[]" not in data or _KEY not in data:
        return None
    try:
        document = json.loads(data)
    except ValueError:
        return None
    if type(document) is dict and document.get("choices") == [] and type(document.get("usage")) is dict:
        return document
    return None


class UsageEvents:
    """The SDK's SSE decoder, its events filtered (see the module). ``on_usage(document)`` takes the usage-only
    chunk's dict: True when taken (the SDK never sees it), False to let it pass."""

    __slots__ = ("decoder", "on_usage")

    def __init__(self, decoder: Any, on_usage: Callable[[dict[str, Any]], bool]) -> None:
        self.decoder = decoder
        self.on_usage = on_usage

    # The per-event path, inlined (a call, a ``str`` method, even a slice cost several hundred instructions each):
    # the text's last two characters set the usual chunk apart (``]}`` not after ``[``: its choices last and not
    # empty; ``l}``: its null usage last); any other event is looked at by ``_taken``.

    def iter_bytes(self, iterator: Iterator[bytes]) -> Iterator[Any]:
        taken = self._taken
        for event in self.decoder.iter_bytes(iterator):
            try:
                data = event._data
                tail = data[-2:]
                if tail != "l}" and (tail != "]}" or data[-3:-2] == "[") and taken(data):
                    continue
            except Exception:
                report_internal_error("stream event")
            yield event

    async def aiter_bytes(self, iterator: AsyncIterator[bytes]) -> AsyncIterator[Any]:
        taken = self._taken
        async for event in self.decoder.aiter_bytes(iterator):
            try:
                data = event._data
                tail = data[-2:]
                if tail != "l}" and (tail != "]}" or data[-3:-2] == "[") and taken(data):
                    continue
            except Exception:
                report_internal_error("stream event")
            yield event

    def _taken(self, data: str) -> bool:
        """True when the event is the usage-only chunk, taken (the SDK never sees it)."""
        document = usage_only(data)
        return document is not None and self.on_usage(document)

    def __getattr__(self, name: str) -> Any:  # anything else the SDK may ask of its decoder
        return getattr(self.decoder, name)


def filter_usage_events(stream: Any, on_usage: Callable[[dict[str, Any]], bool]) -> bool:
    """Filter ``stream``'s events (an ``openai.Stream``/``AsyncStream`` not yet iterated) as the module says; False
    when this SDK or stream is not of the checked shape (nothing changed)."""
    try:
        return swap_sse_decoder(stream, lambda decoder: UsageEvents(decoder, on_usage))
    except Exception:
        report_internal_error("stream events")
        return False
