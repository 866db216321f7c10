"""Meter names -> model, deployment type and direction, checked against the shipped price data itself."""

from __future__ import annotations

import pytest

from otel_aicost.finops.reconcile.accounts import account_of_host, account_of_resource
from otel_aicost.finops.reconcile.meters import DIRECTIONS, Meter, parse_meter, price_rows


def test_every_price_row_has_exactly_the_directions_of_its_meters():
    """The oracle is the data: a row listing input, cached and output prices must have one meter of each."""
    rows = price_rows()
    assert len(rows) > 100
    for (model, key), row in rows.items():
        if "derived" in row or "litellm_key" in row:
            continue  # rows without meters of their own: a derived batch price, a model newer than the snapshot
        priced = {d for d in DIRECTIONS if d in row}
        meters = [parse_meter(name) for name in row["meters"]]
        assert all(m is not None for m in meters), (model, key)
        assert {m.direction for m in meters} == priced, (model, key, row["meters"])
        deployment_type, tier, context = key.split("/")
        assert {(m.model, m.deployment_type, m.service_tier, m.context) for m in meters} == {
            (model, deployment_type, tier, context)
        }


@pytest.mark.parametrize(
    "name, expected",
    [
        # spellings from Cost Management and the Retail Prices API (reference/azure-focus.md section 4)
        ("gpt-4o-0806-Inp-glbl Tokens", Meter("gpt-4o-2024-08-06", "global_standard", "default", "short", "input")),
        ("GPT-4O-0806-INP-GLBL", Meter("gpt-4o-2024-08-06", "global_standard", "default", "short", "input")),
        ("gpt 4o 0513 Input global Tokens", Meter("gpt-4o-2024-05-13", "global_standard", "default", "short", "input")),
        ("gpt 4.1 cached Inp Data Zone Tokens",
         Meter("gpt-4.1-2025-04-14", "data_zone_standard", "default", "short", "cached_input")),
        ("5.4 pp cd inp Gl 1M Tokens", Meter("gpt-5.4", "global_standard", "priority", "short", "cached_input")),
        ("gpt 4.1 Batch Outp glbl Tokens", Meter("gpt-4.1-2025-04-14", "global_batch", "default", "short", "output")),
        ("text-embedding-3-small-glbl Tokens",
         Meter("text-embedding-3-small", "global_standard", "default", "short", "input")),
    ],
)  # fmt: skip
def test_known_spellings(name, expected):
    assert parse_meter(name) == expected


@pytest.mark.parametrize("name", ["", None, "Provisioned Managed Unit", "gpt-9 preview Inp glbl Tokens", "Hot LRS"])
def test_unknown_meters(name):
    assert parse_meter(name) is None


def test_accounts_from_resource_ids_and_hosts():
    rid = "/subscriptions/1/resourceGroups/RG/providers/Microsoft.CognitiveServices/accounts/Contoso-AOAI"
    assert account_of_resource(rid) == "contoso-aoai"
    assert account_of_resource(rid + "/projects/p1") == "contoso-aoai"
    assert account_of_resource("/subscriptions/1/providers/microsoft.storage/storageaccounts/x") is None
    assert account_of_host("contoso-aoai.openai.azure.com") == "contoso-aoai"
    assert account_of_host("Contoso-AOAI.cognitiveservices.azure.com.") == "contoso-aoai"
    assert account_of_host("contoso.services.ai.azure.com") == "contoso"
    assert account_of_host("api.openai.com") is None
    assert account_of_host("apim-contoso.azure-api.net") is None
    assert (
        account_of_host("apim-contoso.azure-api.net", {"apim-contoso.azure-api.net": "Contoso-AOAI"}) == "contoso-aoai"
    )
