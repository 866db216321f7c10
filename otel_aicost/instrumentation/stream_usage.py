"""Asking chat and legacy-completion streams for their usage chunk (SPEC section 5), and when not to.

We add ``stream_options={"include_usage": true}`` to the request body (through ``extra_body``) only when the caller
passed no ``stream_options`` at all (nor one in their own ``extra_body``): a caller's own is sent exactly as given. Never for raw responses (``.with_raw_response`` /
``.with_streaming_response``: the caller reads the body's bytes, which must be what the bare SDK gives), nor for
Azure API versions older than 2024-09-01, which reject it.

An endpoint that still refuses it (HTTP 400 naming ``stream_options``) gets the caller's original request once
more: that second request is recorded as the span event ``aicost.stream_options.refused`` and counted in
``StreamUsage.refusals``, and the endpoint is remembered for the life of the instrumentation (until
``uninstrument()``), so it is never asked again.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any

from otel_aicost.instrumentation.endpoint import Endpoint

# Sent as ``extra_body`` (merged into the JSON body as it is), not as the ``stream_options`` argument, which the
# SDK runs through its type-driven transform: the same bytes on the wire for about 130k fewer instructions a call.
_ASK = {"stream_options": {"include_usage": True}}

RAW_RESPONSE_HEADER = "x-stainless-raw-response"  # set by the SDK's .with_raw_response / .with_streaming_response


def _key(endpoint: Endpoint) -> tuple[Any, ...]:
    return (endpoint.provider, endpoint.server_address, endpoint.server_port, endpoint.deployment,
            endpoint.api_version)  # fmt: skip


class StreamUsage:
    """When to ask for the usage chunk; the endpoints that refused it (for the life of the instrumentation)."""

    def __init__(self) -> None:
        self.refused: set[tuple[Any, ...]] = set()
        self.refusals = 0  # requests sent again without stream_options
        self._lock = threading.Lock()

    def ask(self, endpoint: Endpoint, kwargs: Mapping[str, Any]) -> dict[str, Any] | None:
        """The kwargs asking for the usage chunk, or None when the request goes as the caller gave it."""
        options = kwargs.get("stream_options")
        if options is not None and (isinstance(options, Mapping) or options):  # given (NOT_GIVEN/omit are falsy)
            return None
        headers = kwargs.get("extra_headers")  # a raw response's (the SDK marks it in a header); None (the usual
        # call) asks no ABC: isinstance against Mapping runs ABCMeta.__instancecheck__, a Python frame
        if headers is not None and isinstance(headers, Mapping) and any(
            isinstance(name, str) and name.lower() == RAW_RESPONSE_HEADER for name in headers
        ):
            return None
        api_version = endpoint.api_version
        if api_version is not None and api_version[:10] < "2024-09-01":  # older Azure API versions reject it
            return None
        if self.refused and _key(endpoint) in self.refused:
            return None
        extra = kwargs.get("extra_body")
        if extra is None:
            return {**kwargs, "extra_body": _ASK}
        if isinstance(extra, Mapping):
            return None if "stream_options" in extra else {**kwargs, "extra_body": {**extra, **_ASK}}
        return {**kwargs, "stream_options": {"include_usage": True}}

    def refused_by(self, endpoint: Endpoint, error: BaseException) -> bool:
        """Did ``endpoint`` refuse our ``stream_options``? If so, remember it and count the second request."""
        if getattr(error, "status_code", None) != 400 or "stream_options" not in str(error):
            return False
        with self._lock:
            self.refused.add(_key(endpoint))
            self.refusals += 1
        return True

