"""The frozen facts of a call's request: where it goes, which model and deployment, its tags and arguments.

Read when the call starts (``call.Call``, which holds them); the only later change is ``without_injected_usage``.
What every call of one surface to one endpoint with one request model shares (deployment, span name, the attributes
that depend on nothing else) is its ``Profile``, built at the first such call and kept.
"""

from __future__ import annotations

import weakref
from collections.abc import Mapping
from typing import Any, Protocol

from otel_aicost.config.settings import Deployment
from otel_aicost.instrumentation.attributes import add_tags, profile_attributes
from otel_aicost.instrumentation.endpoint import Endpoint, endpoint_at
from otel_aicost.instrumentation.sdk import client_and_base_url, stored_base_url
from otel_aicost.instrumentation.span_writes import all_plain
from otel_aicost.instrumentation.surfaces import Surface
from otel_aicost.instrumentation.surfaces.request_params import REQUEST_DIGESTS


class Profile:
    """What every call of one surface to one endpoint with one request model, streamed or not, shares."""

    __slots__ = ("surface", "endpoint", "request_model", "stream", "deployment", "span_name", "span_attributes",
                 "metric_attributes", "plain_span_attributes", "usual_ends", "own_ends", "_starts",
                 "_tagged_starts")  # fmt: skip

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
        self.own_ends: dict[tuple[Any, ...], Any] = {}  # usual_own_*_end's (plan, layout, records) by reply kind
        self._starts: dict[tuple[Any, ...], tuple[dict[str, Any], bool]] = {}
        # by the key of a prepared start: (the tags, the start's attributes with them, plain), for start_attributes
        # asked with the process's default tags
        self._tagged_starts: dict[tuple[Any, ...], tuple[Any, dict[str, Any], bool]] = {}

    def start_attributes(self, params: Mapping[str, Any], tags: Mapping[str, Any] | None = None
                         ) -> tuple[dict[str, Any], bool] | None:  # fmt: skip
        """The span start attributes of a call sending ``params`` (the profile's, then its surface's request
        attributes) and whether they are all plain, made once per distinct plain values of the parameters the surface
        reads (``Surface.request_names``: names, values and value types; 1, 1.0 and True are equal but distinct
        attribute values; a structure, such as a ``response_format``, by what the attributes take of it: its
        ``REQUEST_DIGESTS`` function's answer). Never to be changed: copy to add to it. None: a surface without
        ``request_names``, or a value of another type (made per call).

        ``tags``: the process's default tags (``Telemetry.default_tags``: the resource's service name and
        environment, the config file's tags), the same object on every call, which never changes: added after the
        start's own attributes, as ``attributes.start_attributes`` adds them, made once per prepared start. A service
        with a name (as nearly every one has) tags every call with it: made per call, that cost about 120 bytecodes
        of ours a chat call (round 35); asked here, not by a method of its own around this one, a frame less on each
        call (round 37)."""
        names = self.surface.request_names
        if names is None:
            return None
        key: tuple[Any, ...] = ()  # name, value, value type of each parameter read, in the caller's order (one flat
        for name in params:  # tuple: fewer objects to make and hash than a tuple of triples; the names alone, each
            if name in names:  # value read when used: about 350 instructions less a chat call than items(), callgrind)
                value = params[name]
                kind = type(value)
                if kind not in _IMMUTABLE:  # a structure: keyed by its digest's answer and the digest itself
                    digest = REQUEST_DIGESTS.get(name)  # (in the type's place: never a value's type)
                    if digest is None:
                        return None
                    try:
                        value = digest(value)
                    except Exception:  # a structure that fails to read: the general start reads it
                        return None
                    kind = digest
                key += (name, value, kind)
        per_call = self.surface.per_call_values
        filled = None
        if per_call is not None:  # values new on most calls: the key says which are present, a copy holds them
            try:
                for name, attribute, read in per_call:
                    if name in params:  # (not get(): a Python call a name, test_call_budget.py)
                        value = read(params[name])
                        if value is not None:
                            filled = ((attribute, value),) if filled is None else (*filled, (attribute, value))
                            key += (attribute,)
            except Exception:  # a value that fails to read: the general start reads it
                return None
        known = self._starts.get(key)
        if known is None:
            parameters = self.surface.request(params)
            known = ({**self.span_attributes, **parameters}, self.plain_span_attributes and all_plain(parameters))
            if len(self._starts) >= _MAX_STARTS:
                self._starts.clear()
            self._starts[key] = known
        if tags is None:
            return known if filled is None else _with_values(known, filled)
        tagged = self._tagged_starts.get(key)  # (the key's start is the same attributes whenever it is made)
        if tagged is None or tagged[0] is not tags:
            attributes, plain = known
            attributes = dict(attributes)
            tagged = (tags, attributes, add_tags(attributes, tags, plain))
            if len(self._tagged_starts) >= _MAX_STARTS:
                self._tagged_starts.clear()
            self._tagged_starts[key] = tagged
        if filled is not None:
            return _with_values(tagged[1:], filled)
        return tagged[1], tagged[2]


def _with_values(start: tuple[dict[str, Any], bool], values: tuple[tuple[str, str], ...]) -> tuple[dict[str, Any],
                                                                                                    bool]:  # fmt: skip
    """A prepared ``start`` with this call's per-call ``values`` (attribute, text) put in, in a copy: the keys keep
    their places (the key says which are present), and a text is plain."""
    attributes = dict(start[0])
    for attribute, value in values:
        attributes[attribute] = value
    return attributes, start[1]


_IMMUTABLE = frozenset((str, int, float, bool, type(None)))
_MAX_STARTS = 256


class Profiles:
    """The profiles of one instrumentation, by (surface, endpoint, request model, stream). Keyed by the identity of
    the surface and endpoint objects, which each profile holds (so an identity is never reused while its entry
    lives); at most ``limit`` entries, then they start again."""

    def __init__(self, pricer: Any, limit: int = 4096) -> None:
        self.pricer = pricer
        self.limit = limit
        # by (id(surface), id(endpoint), request model, stream): Call looks a known one up here first
        self.known: dict[tuple[int, int, str | None, bool], Profile] = {}
        # by (id(client), id(surface), request model, stream): (a weak reference to the client, its base URL, the
        # profile); Call looks a call site up here first (``at``)
        self.sites: dict[tuple[int, int, str | None, bool], tuple[weakref.ref[Any], Any, Profile]] = {}

    def at(self, surface: Surface, instance: Any, request_model: str | None, stream: bool) -> Profile:
        """The profile of a call of ``surface`` on the SDK resource ``instance`` (its client's endpoint), kept by the
        call site (client, surface, request model, stream) when the client is the usual one, weak-referenceable,
        with a base URL: ``call.Call`` looks it up there first, with no endpoint looked up on the way (its two
        frames and their lookups cost about 1.5k instructions a call, own_instructions.py). An entry holds its base
        URL, checked by identity (a client given another base URL has another endpoint), and a weak reference to
        its client (an id reused by another client is told apart)."""
        client, url = client_and_base_url(instance)
        profile = self.get(surface, endpoint_at(client, url), request_model, stream)
        try:
            usual = instance._client is client and stored_base_url(client) is url and url is not None
            reference = weakref.ref(client) if usual else None
        except (AttributeError, TypeError):  # not the usual resource, or a client without weak references
            reference = None
        if reference is not None:
            if len(self.sites) >= self.limit:
                self.sites = {}
            self.sites[(id(client), id(surface), request_model, stream)] = (reference, url, profile)
        return profile

    def get(self, surface: Surface, endpoint: Endpoint, request_model: str | None, stream: bool) -> Profile:
        key = (id(surface), id(endpoint), request_model, stream)
        profile = self.known.get(key)
        if profile is None:
            profile = Profile(self.pricer, surface, endpoint, request_model, stream)
            if len(self.known) >= self.limit:
                self.known, self.sites = {}, {}
            self.known[key] = profile
        return profile


class Request(Protocol):
    """The facts of a call's request, as the functions that read them (attributes, outcome, budgets, content) see them:
    ``call.Call`` holds them as its own fields (one object per call) and its profile's as properties. Treated as
    frozen: changed only by ``without_injected_usage``."""

    profile: Profile
    kwargs: Mapping[str, Any]  # what is sent: the caller's arguments, plus our stream_options (in extra_body)
    params: Mapping[str, Any]  # the parameters the API receives: the caller's arguments with their ``extra_body``
    # merged over them (our stream_options left out: ``Surface.request_names`` never names them)
    tags: Mapping[str, str]
    injected_usage: bool

    @property
    def surface(self) -> Surface: ...
    @property
    def endpoint(self) -> Endpoint: ...
    @property
    def request_model(self) -> str | None: ...
    @property
    def deployment(self) -> Deployment | None: ...
    @property
    def stream(self) -> bool: ...


def without_injected_usage(request: Request, given: Mapping[str, Any]) -> None:
    """Give the request the caller's own ``stream_options`` again (``given``: the caller's kwargs), for an endpoint
    that refused ours."""
    kwargs = dict(request.kwargs)
    for name in ("stream_options", "extra_body"):  # where stream_usage.ask may have put ours
        if name in given:
            kwargs[name] = given[name]
        else:
            kwargs.pop(name, None)
    request.kwargs, request.params, request.injected_usage = kwargs, request_params(kwargs), False


def request_params(kwargs: Mapping[str, Any]) -> Mapping[str, Any]:
    """What the API receives: the SDK merges ``extra_body`` over the named parameters."""
    extra = kwargs.get("extra_body")
    return {**kwargs, **extra} if extra is not None and isinstance(extra, Mapping) and extra else kwargs


def _deployment(pricer: Any, endpoint: Endpoint, request_model: str | None) -> Deployment | None:
    if not endpoint.is_azure:
        return None
    name = endpoint.deployment or request_model
    return pricer.deployment(name) or (Deployment(name=name) if name else None)
