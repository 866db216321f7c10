"""The Azure account a charge or a call belongs to: the Cognitive Services account name.

On the bill it is the last segment of the ARM ResourceId
(``/subscriptions/…/resourceGroups/…/providers/Microsoft.CognitiveServices/accounts/NAME``, any case; Cost
Management writes it lower-cased). In telemetry it is the first label of the endpoint host
(``NAME.openai.azure.com``, ``NAME.cognitiveservices.azure.com``, ``NAME.services.ai.azure.com``), which is
the account's custom subdomain: the same name unless it was chosen differently at creation. For such accounts,
and for calls through a gateway (API Management host), ``aliases`` maps a host (or subdomain) to the account.
"""

from __future__ import annotations

from collections.abc import Mapping

_ACCOUNTS_SEGMENT = "/providers/microsoft.cognitiveservices/accounts/"
AZURE_HOST_SUFFIXES = (".openai.azure.com", ".cognitiveservices.azure.com", ".services.ai.azure.com")


def account_of_resource(resource_id: str | None) -> str | None:
    """``NAME`` of a Cognitive Services account ResourceId (or of a resource below it), else ``None``."""
    if not resource_id:
        return None
    lowered = resource_id.strip().lower()
    at = lowered.find(_ACCOUNTS_SEGMENT)
    if at < 0:
        return None
    name = lowered[at + len(_ACCOUNTS_SEGMENT) :].split("/", 1)[0]
    return name or None


def is_cognitive_services(resource_id: str | None) -> bool:
    return account_of_resource(resource_id) is not None


def account_of_host(host: str | None, aliases: Mapping[str, str] | None = None) -> str | None:
    """The account behind an endpoint host, or ``None`` when the host is not an Azure OpenAI endpoint."""
    if not host:
        return None
    host = host.strip().lower().rstrip(".")
    if aliases:
        mapped = aliases.get(host)
        if mapped is None:
            mapped = aliases.get(host.split(".", 1)[0])
        if mapped is not None:
            return mapped.strip().lower()
    if host.endswith(AZURE_HOST_SUFFIXES):
        return host.split(".", 1)[0]
    return None
