"""Where a client sends its calls: provider, server address and port, Azure deployment. Computed once per client."""

from __future__ import annotations

import weakref
from dataclasses import dataclass
from typing import Any

from otel_aicost import semconv
from otel_aicost.instrumentation.sdk import base_url_of

_AZURE_HOST_SUFFIXES = (".openai.azure.com", ".cognitiveservices.azure.com")
# id(client) -> (a weak reference to the client, its base URL, its endpoint); an entry leaves with its client
_cache: dict[int, tuple[weakref.ref[Any], Any, Endpoint]] = {}


@dataclass(frozen=True, slots=True)
class Endpoint:
    provider: str
    system: str
    server_address: str | None
    server_port: int | None
    is_azure: bool
    deployment: str | None  # from the URL path (``.../deployments/NAME``), Azure only
    api_version: str | None


def endpoint_of(client: Any) -> Endpoint:
    """The endpoint of an ``openai`` client (cached; recomputed if its base URL changes)."""
    return endpoint_at(client, base_url_of(client))


def endpoint_at(client: Any, base_url: Any) -> Endpoint:
    """``endpoint_of(client)``, its base URL (an httpx URL, ``sdk.base_url_of``) already read."""
    key = id(client)
    cached = _cache.get(key)
    if cached is not None and cached[1] is base_url and cached[0]() is client:
        return cached[2]
    endpoint = _compute(client, base_url)
    try:
        reference = weakref.ref(client, lambda _, key=key: _forget(key))
    except TypeError:  # not weak-referenceable: compute every time
        return endpoint
    _cache[key] = (reference, base_url, endpoint)
    return endpoint


def _forget(key: int) -> None:
    _cache.pop(key, None)


def _compute(client: Any, base_url: Any) -> Endpoint:
    host = getattr(base_url, "host", None) or None
    scheme = getattr(base_url, "scheme", "https")
    port = getattr(base_url, "port", None) or (443 if scheme == "https" else 80)
    path = str(getattr(base_url, "path", "") or "")
    is_azure = _is_azure_client(client) or (
        isinstance(host, str) and host.lower().endswith(_AZURE_HOST_SUFFIXES)
    )
    deployment = None
    if is_azure and "/deployments/" in path:
        deployment = path.split("/deployments/", 1)[1].split("/", 1)[0] or None
    api_version = _api_version(client)
    return Endpoint(
        provider=semconv.PROVIDER_AZURE if is_azure else semconv.PROVIDER_OPENAI,
        system=semconv.SYSTEM_AZURE if is_azure else semconv.SYSTEM_OPENAI,
        server_address=host if isinstance(host, str) else None,
        server_port=port if isinstance(port, int) else None,
        is_azure=is_azure,
        deployment=deployment,
        api_version=api_version if isinstance(api_version, str) else None,
    )


def _api_version(client: Any) -> Any:
    """The Azure ``api-version`` query parameter every request carries (the public ``default_query``)."""
    try:
        query = client.default_query
    except Exception:  # noqa: BLE001 - not an openai client
        return None
    return query.get("api-version") if isinstance(query, dict) else None


def _is_azure_client(client: Any) -> bool:
    try:
        from openai.lib.azure import AsyncAzureOpenAI, AzureOpenAI
    except ImportError:  # pragma: no cover - every supported openai has it
        return False
    return isinstance(client, (AzureOpenAI, AsyncAzureOpenAI))
