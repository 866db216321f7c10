"""What a surface module declares: its ``Surface`` (how to read it) and its ``Patch`` rows (which SDK methods)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple

from otel_aicost.instrumentation.facts import Chunk, Facts
from otel_aicost.instrumentation.surfaces.request_params import request_attributes


@dataclass(frozen=True)
class Surface:
    """One instrumented SDK method family: what operation it is and how to read its requests and responses."""

    operation: str
    read: Callable[[Any], Facts]  # a parsed response -> its facts
    # a stream chunk -> what it tells (chunk, injected_usage, need_common); None for surfaces that never stream
    read_chunk: Callable[[Any, bool, bool], Chunk] | None = None
    # the same arguments -> the text of a plain chunk (one that only adds output; the text of whatever type the
    # chunk gave), or NOT_PLAIN for any other chunk, which read_chunk reads; None: every chunk is read in full
    read_plain_chunk: Callable[[Any, bool, bool], Any] | None = None
    # a chat or legacy-completion stream's plain chunks: the field of their one choice holding the text (``content``
    # of its delta, or ``text``), for the stream generators' inline read (``streams.py``: ``read_plain_chunk`` and the
    # stream's appends, no call per chunk); None: the generators hand every chunk to ``StreamState.take``
    plain_text_field: str | None = None
    api_type: str | None = None
    request: Callable[[Mapping[str, Any]], dict[str, Any]] = request_attributes  # kwargs -> gen_ai.request.*
    # every parameter ``request`` reads (with ``.get``), if its answer depends on their plain values alone: a profile
    # then makes a call's start attributes once per distinct values (request.Profile.start_attributes); None: per call
    request_names: frozenset[str] | None = None
    # parameters ``request`` reads whose values are new on most calls (a Responses API turn's previous response id):
    # (name, attribute, value -> the attribute's value or None), each read per call into a copy of the prepared start,
    # which is keyed by which of them are present (not in ``request_names``); None: there are none
    per_call_values: tuple[tuple[str, str, Callable[[Any], Any]], ...] | None = None
    stream_usage: bool = False  # its streams take ``stream_options.include_usage``
    # (kwargs, facts) -> facts completed from the request: units billed (images asked for, characters of speech
    # input, an uploaded file's duration); None for token-only surfaces
    complete: Callable[[Mapping[str, Any], Facts], Facts] | None = None
    # ``complete`` changes nothing but the facts' tool calls: a reply without any (every one ``read_usual`` reads)
    # needs no completion, and takes the usual end (``usual_end._prepare``)
    complete_changes_tool_calls_only: bool = False
    free: bool = False  # the API does not bill these calls: status ``free``, cost 0
    # (pricer, request, facts, usage) -> Cost, for surfaces priced otherwise than one call of one model
    price: Callable[..., Any] | None = None
    # a parsed response of the usual shape -> its ``usual_reply.Reply`` (else None), for the usual call's end
    # (``usual_end.py``); None: every response is read by ``read``
    read_usual: Callable[[Any], tuple[Any, ...] | None] | None = None


class Patch(NamedTuple):
    """One SDK method to wrap, sync and async. Rows whose module or method the installed SDK lacks are skipped."""

    module: str
    sync_class: str
    async_class: str
    method: str
    surface: Surface
    # (telemetry, surface, switch, is_async) -> a wrapt wrapper, for methods that are not one call (realtime
    # sessions); None: the standard call wrapper
    wrapper: Callable[..., Any] | None = None
