"""Opt-in request headers for an API gateway (SPEC section 12): allocation tags and the W3C trace context.

With ``gateway_headers = true`` every OpenAI request carries ``x-aicost-<key>: <value>`` for each allocation tag
whose key is on the metric allow-list (``metric_tags``: the keys a gateway may turn into metric dimensions; never
a user id by default), plus ``traceparent``/``tracestate`` of the call's span, so API Management can meter tokens
per tag (``apim/``) and its request joins the application's trace. Header names: the key lower-cased, ``_`` and
``.`` as ``-`` (proxies such as nginx drop names with underscores). Values: at most ``MAX_VALUE`` characters, each
character outside ``A-Z a-z 0-9 . _ ~ : / @ + -`` replaced by ``_``: nothing a caller puts in a tag can break or
smuggle a header. Headers the caller passes in ``extra_headers`` win over ours.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from opentelemetry import trace
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

PREFIX = "x-aicost-"
MAX_VALUE = 64
_UNSAFE = re.compile(r"[^A-Za-z0-9._~:/@+\-]")
_TRACE_CONTEXT = TraceContextTextMapPropagator()


def header_name(key: str) -> str:
    return PREFIX + key.lower().replace("_", "-").replace(".", "-")


def header_value(value: str) -> str:
    return _UNSAFE.sub("_", value[:MAX_VALUE])


class GatewayHeaders:
    def __init__(self, keys: Iterable[str]) -> None:
        self.names = {key: header_name(key) for key in keys}

    def headers(self, tags: Mapping[str, str], span: trace.Span | None) -> dict[str, str]:
        out = {name: header_value(tags[key]) for key, name in self.names.items() if tags.get(key)}
        if span is not None and span.get_span_context().is_valid:
            _TRACE_CONTEXT.inject(out, context=trace.set_span_in_context(span))
        return out

    def add(self, kwargs: dict[str, Any], tags: Mapping[str, str], span: trace.Span | None) -> dict[str, Any]:
        """``kwargs`` with our headers merged into ``extra_headers`` (the caller's own headers win)."""
        given = kwargs.get("extra_headers")
        if given is not None and not isinstance(given, Mapping) and given:  # a value the SDK would reject anyway
            return kwargs
        ours = self.headers(tags, span)
        if not ours:
            return kwargs
        return {**kwargs, "extra_headers": {**ours, **given} if isinstance(given, Mapping) else ours}
