"""The frozen facts of a call's request: where it goes, which model and deployment, its tags and arguments.

Built once when the call starts; the only later change is the explicit ``without_injected_usage`` copy.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from otel_aicost.config.settings import Deployment
from otel_aicost.instrumentation.allocation import current_tags, inbound_tags, propagation
from otel_aicost.instrumentation.endpoint import Endpoint, endpoint_of
from otel_aicost.instrumentation.sdk import client_of
from otel_aicost.instrumentation.surfaces import Surface


@dataclass(frozen=True, slots=True)
class Request:
    surface: Surface
    endpoint: Endpoint
    kwargs: Mapping[str, Any]  # what is sent: the caller's arguments, plus stream_options when we asked for usage
    request_model: str | None
    deployment: Deployment | None
    tags: Mapping[str, str]
    stream: bool
    injected_usage: bool


def build_request(telemetry: Any, surface: Surface, instance: Any, kwargs: dict[str, Any]) -> Request:
    endpoint = endpoint_of(client_of(instance))
    model = kwargs.get("model")
    request_model = model if type(model) is str and model else None
    stream = kwargs.get("stream") is True
    sent = _with_stream_usage(surface, endpoint, kwargs) if stream and telemetry.inject_usage else None
    return Request(
        surface=surface,
        endpoint=endpoint,
        kwargs=sent if sent is not None else kwargs,
        request_model=request_model,
        deployment=_deployment(telemetry.pricer, endpoint, request_model),
        tags=_tags(telemetry.default_tags),
        stream=stream,
        injected_usage=sent is not None,
    )


def without_injected_usage(request: Request, kwargs: Mapping[str, Any]) -> Request:
    """The request as the caller gave it (``kwargs``), for an endpoint that refused our ``stream_options``."""
    return replace(request, kwargs=kwargs, injected_usage=False)


def _deployment(pricer: Any, endpoint: Endpoint, request_model: str | None) -> Deployment | None:
    if not endpoint.is_azure:
        return None
    name = endpoint.deployment or request_model
    return pricer.deployment(name) or (Deployment(name=name) if name else None)


def _with_stream_usage(surface: Surface, endpoint: Endpoint, kwargs: dict[str, Any]) -> dict[str, Any] | None:
    """The kwargs asking a chat/completion stream for its usage chunk when the caller did not (SPEC section 5),
    or None when we leave the request as it is."""
    if not surface.stream_usage:
        return None
    options = kwargs.get("stream_options")
    if isinstance(options, Mapping):
        if "include_usage" in options:
            return None
        new_options = {**options, "include_usage": True}
    elif options is None or not options:  # absent, None, or the SDK's NOT_GIVEN/omit sentinel
        new_options = {"include_usage": True}
    else:
        return None
    api_version = endpoint.api_version
    if api_version is not None and api_version[:10] < "2024-09-01":  # older Azure API versions reject it
        return None
    return {**kwargs, "stream_options": new_options}


def _tags(default_tags: Mapping[str, str]) -> Mapping[str, str]:
    """Defaults (config file, resource) < allow-listed inbound baggage < ``allocate()``."""
    tags = current_tags()
    if propagation.inbound_keys:
        inbound = inbound_tags()
        if inbound:
            tags = {**inbound, **tags}
    if default_tags:
        return {**default_tags, **tags} if tags else default_tags
    return tags
