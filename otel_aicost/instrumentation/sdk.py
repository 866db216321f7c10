"""Every read of a private attribute of ``openai`` or ``wrapt`` in one place, each with the versions it was checked
against. Public APIs are used everywhere else (``client.default_query``, ``openai.Stream``,
``openai.APIResponse``). ``tests/unit/test_sdk_adapter.py`` fails loudly the day one of these disappears.

Checked against openai 1.40.0, 3.57.0 and 3.63.0, wrapt 2.5.2, pydantic 2.14.4. The SSE decoder swap
(``swap_sse_decoder``) is version-gated to openai 1.40 .. 3.x.
"""

from __future__ import annotations

from itertools import repeat
from operator import attrgetter
from typing import Any

try:  # `.with_raw_response` returns this class; openai exports no public name for it (1.40.0 .. 3.57.0)
    from openai._legacy_response import LegacyAPIResponse
except ImportError:  # pragma: no cover - openai missing: nothing is ever wrapped
    LegacyAPIResponse = ()  # type: ignore[assignment,misc]


def client_of(resource: Any) -> Any:
    """The client a resource (``client.chat.completions``) belongs to: ``resource._client`` (1.40.0 .. 3.57.0)."""
    return getattr(resource, "_client", None)


def _base_url_field() -> str:
    """The instance attribute an openai client keeps its base URL in: ``_base_url`` (1.40.0 .. 3.60.0), then
    ``_configured_base_url`` (3.63.0), where ``_base_url`` became a property over the public ``base_url``, which
    there imports a module and calls a function on every read (five profiled calls a call, test_call_budget.py)."""
    try:
        from openai._base_client import BaseClient
    except ImportError:  # pragma: no cover - openai missing: nothing is ever wrapped
        return "_base_url"
    return "_configured_base_url" if isinstance(BaseClient.__dict__.get("_base_url"), property) else "_base_url"


BASE_URL_FIELD = _base_url_field()
# A client's stored base URL, what the public ``base_url`` property returns, read without running Python code (an
# AttributeError for anything that is not an openai client)
stored_base_url = attrgetter(BASE_URL_FIELD)


def base_url_of(client: Any) -> Any:
    """A client's base URL: its ``stored_base_url``, else (not an openai client) the public ``base_url`` property,
    which imports a module on every read in 3.x (about a microsecond on every call)."""
    url = getattr(client, BASE_URL_FIELD, None)
    return url if url is not None else getattr(client, "base_url", None)


def client_and_base_url(resource: Any) -> tuple[Any, Any]:
    """``client_of(resource)`` and its ``base_url_of``, read directly on the usual resource (an attribute read with a
    default costs about 500 instructions more; callgrind), else through those two."""
    try:
        client = resource._client
        url = stored_base_url(client)
    except AttributeError:
        client = client_of(resource)
        return client, base_url_of(client)
    return client, url if url is not None else base_url_of(client)


def inner_wrapper(wrapped: Any) -> Any:
    """The wrapper function of a ``wrapt`` function wrapper (``_self_wrapper``, wrapt 2.5.2), else None."""
    return getattr(wrapped, "_self_wrapper", None)


def forget_field(model: Any, name: str) -> None:
    """Make a field look unset on a pydantic model: its ``__pydantic_fields_set__`` (pydantic 2.0 .. 2.14: the set
    the public ``model_fields_set`` returns, read here without the property call, once per stream chunk), or the
    ``__fields_set__`` of the SDK's pydantic-1 mode."""
    try:
        fields_set = model.__pydantic_fields_set__
    except AttributeError:
        fields_set = getattr(model, "__fields_set__", None)
    if type(fields_set) is set:
        fields_set.discard(name)


def _events_checked() -> tuple[type, ...]:
    """The SSE decoder classes whose events ``swap_sse_decoder`` may filter: the SDK's own ``SSEDecoder``
    (``openai._streaming``, 1.40.0 .. 3.57.0), when its ``ServerSentEvent`` keeps the text in ``_data`` and both
    ``data`` and ``json()`` read it there, and a ``json`` set on the event answers in place of the method (probed
    once); none on an unchecked major version."""
    try:
        import openai
        from openai._streaming import ServerSentEvent, SSEDecoder

        major, minor = (int(part) for part in openai.__version__.split(".")[:2])
        if not (1, 40) <= (major, minor) < (4, 0):
            return ()
        probe = ServerSentEvent(data='{"a":1}')
        probe._data = '{"b":2}'
        if probe.data != '{"b":2}' or probe.json() != {"b": 2}:
            return ()
        probe.json = repeat({"c": 3}).__next__  # an event takes its JSON handed in (usage_events.py)
        if probe.json() != {"c": 3}:
            return ()
        return (SSEDecoder,)
    except Exception:  # an SDK of another shape: no filter
        return ()


_FILTERABLE_DECODERS = _events_checked()


def swap_sse_decoder(stream: Any, events: Any) -> bool:
    """Put ``events`` (a ``usage_events.UsageEvents``: the stream's state) in place of a not yet iterated
    ``openai.Stream``'s SSE decoder (``stream._decoder``, read when the iteration starts, 1.40.0 .. 3.57.0) if it is
    the SDK's own (``_events_checked``), the decoder kept as ``events.decoder``; False if not."""
    decoder = getattr(stream, "_decoder", None)
    if type(decoder) not in _FILTERABLE_DECODERS:
        return False
    events.decoder = decoder
    stream._decoder = events
    return True


def _own_stream_iterations() -> tuple[Any, Any]:
    """``openai.Stream.__iter__`` and ``openai.AsyncStream.__aiter__`` on a checked version (1.40.0 .. 3.60.0), where
    each is ``for item in self._iterator: yield item`` (``async for`` for the async one): the stream's
    ``_iterator`` (its ``__stream__`` generator) handed out item by item, unchanged; none on an unchecked major."""
    try:
        import openai
        from openai import AsyncStream, Stream

        major, minor = (int(part) for part in openai.__version__.split(".")[:2])
        if not (1, 40) <= (major, minor) < (4, 0):
            return None, None
        return Stream.__iter__, AsyncStream.__aiter__
    except Exception:  # an SDK of another shape: iter() as always
        return None, None


_STREAM_ITER, _ASYNC_STREAM_AITER = _own_stream_iterations()


def chunk_iterator(stream: Any) -> Any:
    """What ``iter(stream)`` hands out, one generator fewer: a stream whose ``__iter__`` is the SDK's own gives its
    ``_iterator`` (the same items, the same exceptions; the SDK's ``__iter__`` only yields them on), else
    ``iter(stream)``."""
    if getattr(type(stream), "__iter__", None) is _STREAM_ITER:
        iterator = getattr(stream, "_iterator", None)
        if iterator is not None:
            return iterator
    return iter(stream)


def chunk_async_iterator(stream: Any) -> Any:
    """``chunk_iterator`` of an ``openai.AsyncStream``: its ``_iterator`` where its ``__aiter__`` is the SDK's own,
    else ``stream.__aiter__()``."""
    if getattr(type(stream), "__aiter__", None) is _ASYNC_STREAM_AITER:
        iterator = getattr(stream, "_iterator", None)
        if iterator is not None:
            return iterator
    return stream.__aiter__()
