"""The frozen facts of a call's request: where it goes, which model and deployment, its tags and arguments.

Built once when the call starts; the only later change is the explicit ``without_injected_usage`` copy. What every
call of one surface to one endpoint with one request model shares (deployment, span name, the attributes that
depend on nothing else) is its ``Profile``, built at the first such call and kept.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from otel_aicost.config.settings import Deployment
from otel_aicost.instrumentation.allocation import current_tags, inbound_tags, propagation
from otel_aicost.instrumentation.attributes import profile_attributes
from otel_aicost.instrumentation.endpoint import Endpoint, endpoint_at
from otel_aicost.instrumentation.sdk import client_and_base_url
from otel_aicost.instrumentation.span_writes import all_plain
from otel_aicost.instrumentation.surfaces import Surface


class Profile:
    """What every call of one surface to one endpoint with one request model, streamed or not, shares."""

    __slots__ = ("surface", "endpoint", "request_model", "stream", "deployment", "span_name", "span_attributes",
                 "metric_attributes", "plain_span_attributes", "usual_ends", "_starts")  # fmt: skip

    def __init__(self, pricer: Any, surface: Surface, endpoint: Endpoint, request_model: str | None,
                 stream: bool) -> None:  # fmt: skip
        self.surface = surface
        self.endpoint = endpoint
        self.request_model = request_model
        self.stream = stream
        self.deployment = _deployment(pricer, endpoint, request_model)
        self.span_name = f"{surface.operation} {request_model}" if request_model else surface.operation
        self.span_attributes, self.metric_attributes = profile_attributes(self)
        self.plain_span_attributes = all_plain(self.span_attributes)  # what every call's span start would check
        self.usual_ends: dict[tuple[Any, ...], Any] = {}  # usual_end.UsualEnd by response model and tiers
        self._starts: dict[tuple[Any, ...], tuple[dict[str, Any], bool]] = {}

    def start_attributes(self, params: Mapping[str, Any]) -> tuple[dict[str, Any], bool] | None:
        """The span start attributes of a call sending ``params`` (the profile's, then its surface's request
        attributes) and whether they are all plain, made once per distinct plain values of the parameters the surface
        reads (``Surface.request_names``: names, values and value types; 1, 1.0 and True are equal but distinct
        attribute values). Never to be changed: copy to add to it. None: a surface without ``request_names``, or a
        value of another type (made per call)."""
        names = self.surface.request_names
        if names is None:
            return None
        key: tuple[Any, ...] = ()  # name, value, value type of each parameter read, in the caller's order (one flat
        for name, value in params.items():  # tuple: fewer objects to make and hash than a tuple of triples)
            if name in names:
                kind = type(value)
                if kind not in _IMMUTABLE:
                    return None
                key += (name, value, kind)
        known = self._starts.get(key)
        if known is None:
            parameters = self.surface.request(params)
            known = ({**self.span_attributes, **parameters}, self.plain_span_attributes and all_plain(parameters))
            if len(self._starts) >= _MAX_STARTS:
                self._starts.clear()
            self._starts[key] = known
        return known


_IMMUTABLE = frozenset((str, int, float, bool, type(None)))
_MAX_STARTS = 256


class Profiles:
    """The profiles of one instrumentation, by (surface, endpoint, request model, stream). Keyed by the identity of
    the surface and endpoint objects, which each profile holds (so an identity is never reused while its entry
    lives); at most ``limit`` entries, then they start again."""

    def __init__(self, pricer: Any, limit: int = 4096) -> None:
        self.pricer = pricer
        self.limit = limit
        # by (id(surface), id(endpoint), request model, stream): build_request looks a known one up here first
        self.known: dict[tuple[int, int, str | None, bool], Profile] = {}

    def get(self, surface: Surface, endpoint: Endpoint, request_model: str | None, stream: bool) -> Profile:
        key = (id(surface), id(endpoint), request_model, stream)
        profile = self.known.get(key)
        if profile is None:
            profile = Profile(self.pricer, surface, endpoint, request_model, stream)
            if len(self.known) >= self.limit:
                self.known = {}
            self.known[key] = profile
        return profile


@dataclass(slots=True)
class Request:
    """A plain slots dataclass, made once per call (a frozen one costs about twice as many instructions to make: its
    ``__init__`` cannot store a field plainly); treated as frozen: changed only by ``dataclasses.replace`` copies."""

    profile: Profile
    surface: Surface
    endpoint: Endpoint
    kwargs: Mapping[str, Any]  # what is sent: the caller's arguments, plus our stream_options (in extra_body)
    params: Mapping[str, Any]  # the parameters the API receives: ``kwargs`` with ``extra_body`` merged over them
    request_model: str | None
    deployment: Deployment | None
    tags: Mapping[str, str]
    stream: bool
    injected_usage: bool


def build_request(telemetry: Any, surface: Surface, instance: Any, kwargs: dict[str, Any]) -> Request:
    endpoint = endpoint_at(*client_and_base_url(instance))
    model = kwargs.get("model")
    request_model = model if type(model) is str and model else None
    stream = kwargs.get("stream") is True
    profiles = telemetry.profiles
    profile = profiles.known.get((id(surface), id(endpoint), request_model, stream))  # Profiles.get, a frame less
    if profile is None:
        profile = profiles.get(surface, endpoint, request_model, stream)
    asks = stream and surface.stream_usage and telemetry.inject_usage
    sent = telemetry.stream_usage.ask(endpoint, kwargs) if asks else None
    sent_kwargs = sent if sent is not None else kwargs
    tags = current_tags()  # defaults (config file, resource) < allow-listed inbound baggage < ``allocate()``
    if propagation.inbound_keys:
        inbound = inbound_tags()
        if inbound:
            tags = {**inbound, **tags}
    default_tags = telemetry.default_tags
    if default_tags:
        tags = {**default_tags, **tags} if tags else default_tags
    return Request(
        profile,
        surface,
        endpoint,
        sent_kwargs,
        sent_kwargs if "extra_body" not in sent_kwargs else _params(sent_kwargs),  # (the usual call: no frame)
        request_model,
        profile.deployment,
        tags,
        stream,
        sent is not None,
    )


def without_injected_usage(request: Request, given: Mapping[str, Any]) -> Request:
    """The request with the caller's own ``stream_options`` (``given``: the caller's kwargs), for an endpoint that
    refused ours."""
    kwargs = dict(request.kwargs)
    for name in ("stream_options", "extra_body"):  # where stream_usage.ask may have put ours
        if name in given:
            kwargs[name] = given[name]
        else:
            kwargs.pop(name, None)
    return replace(request, kwargs=kwargs, params=_params(kwargs), injected_usage=False)


def _params(kwargs: Mapping[str, Any]) -> Mapping[str, Any]:
    """What the API receives: the SDK merges ``extra_body`` over the named parameters."""
    extra = kwargs.get("extra_body")
    return {**kwargs, **extra} if extra is not None and isinstance(extra, Mapping) and extra else kwargs


def _deployment(pricer: Any, endpoint: Endpoint, request_model: str | None) -> Deployment | None:
    if not endpoint.is_azure:
        return None
    name = endpoint.deployment or request_model
    return pricer.deployment(name) or (Deployment(name=name) if name else None)
