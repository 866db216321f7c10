"""One month-of-September story told twice: by telemetry, and by the Azure bill (Cost Management FOCUS export).

Every gap class happens once or more, on purpose, and the expected class of every group is written down here
(``EXPECTED``), from the story, not from the code under test:

- 09-21 gpt-4o (global standard): billed at list price, tokens equal -> ``matched`` (input, cached input, output).
- 09-21 gpt-4o-mini: billed with a 20% negotiated discount -> ``price_difference``.
- 09-22 o3-mini: 60% of the input billed that day, the rest and all the output on 09-23 -> ``billed_later``.
- 09-22 gpt-4.1 regional deployment nobody instrumented -> ``not_instrumented`` (wholly unallocated).
- 09-22 gpt-4o input: the bill has 1.5x the tokens telemetry saw -> ``not_instrumented`` (a third unallocated).
- 09-21 gpt-4o on data zone, in telemetry only -> ``not_billed``.
- 09-22 a meter the shipped data does not know -> ``unmatched_meter``.
- 09-25 gpt-4o-mini matched again (so the export runs past the late-billing window of 09-21).
- Also: a storage charge, a purchase and a row otel-aicost itself wrote into the hub (all skipped, counted),
  and a call to api.openai.com (not on an Azure bill).
"""

from __future__ import annotations

from datetime import date, datetime, timezone
from decimal import Decimal

from tests.support.cost_exports import Charge, resource_id
from tests.support.otlp_lines import MILLION, PRICES, SyntheticCall

ACCOUNT = "contoso-aoai-swc"
HOST = f"{ACCOUNT}.openai.azure.com"
D1, D2, D3, D5 = date(2026, 9, 21), date(2026, 9, 22), date(2026, 9, 23), date(2026, 9, 25)
PER_1K = Decimal(1000) / MILLION  # PRICES are per 1M tokens; these meters bill per 1K


def _at(day: date, hour: int) -> int:
    return int(datetime(day.year, day.month, day.day, hour, tzinfo=timezone.utc).timestamp()) * 10**9


def _call(day, hour, model, inp, out, cached=0, team="search", dtype="global_standard", host=HOST):
    request = {"gpt-4o-2024-08-06": "gpt-4o", "gpt-4o-mini-2024-07-18": "gpt-4o-mini"}.get(model, "o3-mini")
    return SyntheticCall(
        start_ns=_at(day, hour),
        provider="azure.ai.openai" if host.endswith("azure.com") else "openai",
        request_model=request,
        response_model=model,
        input_tokens=inp,
        output_tokens=out,
        cache_read_tokens=cached,
        deployment_name=f"{request}-prod" if host.endswith("azure.com") else None,
        deployment_type=dtype if host.endswith("azure.com") else None,
        server_address=host,
        region="swedencentral",
        tags={"team": team},
    ).priced()


GPT4O, MINI, O3 = "gpt-4o-2024-08-06", "gpt-4o-mini-2024-07-18", "o3-mini-2025-01-31"
CALLS = [
    _call(D1, 9, GPT4O, 3000, 400, cached=1024, team="search"),
    _call(D1, 10, GPT4O, 1500, 200, cached=0, team="support"),
    _call(D1, 11, MINI, 8000, 900, team="search"),
    _call(D2, 22, O3, 5000, 2000, team="research"),
    _call(D2, 9, GPT4O, 1000, 0, team="search"),
    _call(D1, 12, GPT4O, 700, 70, team="support", dtype="data_zone_standard"),
    _call(D5, 8, MINI, 2000, 100, team="support"),
    _call(D1, 13, MINI, 999, 99, team="search", host="api.openai.com"),
]


def _price(model: str, direction: str) -> Decimal:
    price_in, price_cached, price_out = PRICES[model]
    return {"input": price_in, "cached_input": price_cached, "output": price_out}[direction] * PER_1K


def _charge(day, model, meter, direction, tokens, **kw) -> Charge:
    return Charge(day, ACCOUNT, meter, tokens, _price(model, direction), **kw)


CHARGES = [
    # 09-21 gpt-4o global standard: (3000 - 1024) + 1500 input, 1024 cached, 600 output
    _charge(D1, GPT4O, "gpt-4o-0806-Inp-glbl Tokens", "input", 3476),
    _charge(D1, GPT4O, "gpt 4o 0806 cached Inp glbl Tokens", "cached_input", 1024),
    _charge(D1, GPT4O, "gpt-4o-0806-Outp-glbl Tokens", "output", 600),
    # 09-21 gpt-4o-mini with a 20% negotiated discount
    _charge(D1, MINI, "gpt-4o-mini-0718-Inp-glbl Tokens", "input", 8000, discount=Decimal("0.2")),
    _charge(D1, MINI, "gpt-4o-mini-0718-Outp-glbl Tokens", "output", 900, discount=Decimal("0.2")),
    # o3-mini used late on 09-22: 3000 input tokens billed that day, 2000 input and 2000 output on 09-23
    _charge(D2, O3, "o3 mini 0131 input glbl Tokens", "input", 3000),
    _charge(D3, O3, "o3 mini 0131 input glbl Tokens", "input", 2000),
    _charge(D3, O3, "o3 mini 0131 output glbl Tokens", "output", 2000),
    # 09-22 a regional gpt-4.1 deployment telemetry never saw (list price 2 / 8 USD per 1M)
    Charge(D2, ACCOUNT, "gpt 4.1 Inp regnl Tokens", 12000, Decimal("0.0022")),
    Charge(D2, ACCOUNT, "gpt 4.1 Outp regnl Tokens", 3000, Decimal("0.0088")),
    # 09-22 gpt-4o: 1000 input tokens in telemetry, 1500 billed
    _charge(D2, GPT4O, "gpt-4o-0806-Inp-glbl Tokens", "input", 1500),
    # 09-22 a meter the shipped price data does not know
    Charge(D2, ACCOUNT, "gpt-9 preview Inp glbl Tokens", 4000, Decimal("0.01")),
    # 09-25 gpt-4o-mini at list price
    _charge(D5, MINI, "gpt-4o-mini-0718-Inp-glbl Tokens", "input", 2000),
    _charge(D5, MINI, "gpt-4o-mini-0718-Outp-glbl Tokens", "output", 100),
]
SKIPPED = [
    Charge(
        D1, ACCOUNT, "Hot LRS Data Stored", 10, Decimal("0.0184"), unit="1K", service_name="Storage",
        meter_category="Storage",
        resource="/subscriptions/00000000-0000-0000-0000-0000000000a1/resourcegroups/rg-genai/providers/"
        "microsoft.storage/storageaccounts/contosologs",
    ),
    Charge(D1, ACCOUNT, "Provisioned Managed Unit", 1000, Decimal(1), category="Purchase"),
    Charge(D1, ACCOUNT, "gpt-4o-0806-Inp-glbl Tokens", 3476, _price(GPT4O, "input"),
           extra={"x_SourceName": "otel-aicost", "x_SourceType": "telemetry"}),
]  # fmt: skip

# (day, model, deployment type, direction) -> gap class; unmatched meters keyed by their name
EXPECTED = {
    (D1, GPT4O, "global_standard", "input"): "matched",
    (D1, GPT4O, "global_standard", "cached_input"): "matched",
    (D1, GPT4O, "global_standard", "output"): "matched",
    (D1, MINI, "global_standard", "input"): "price_difference",
    (D1, MINI, "global_standard", "output"): "price_difference",
    (D2, O3, "global_standard", "input"): "billed_later",
    (D2, O3, "global_standard", "output"): "billed_later",
    (D3, O3, "global_standard", "input"): "billed_later",
    (D3, O3, "global_standard", "output"): "billed_later",
    (D2, "gpt-4.1-2025-04-14", "regional_standard", "input"): "not_instrumented",
    (D2, "gpt-4.1-2025-04-14", "regional_standard", "output"): "not_instrumented",
    (D2, GPT4O, "global_standard", "input"): "not_instrumented",
    (D1, GPT4O, "data_zone_standard", "input"): "not_billed",
    (D1, GPT4O, "data_zone_standard", "output"): "not_billed",
    (D2, "gpt-9 preview Inp glbl Tokens", "", ""): "unmatched_meter",
    (D5, MINI, "global_standard", "input"): "matched",
    (D5, MINI, "global_standard", "output"): "matched",
}


def billed_total() -> Decimal:
    return sum((c.cost for c in CHARGES), Decimal(0))


__all__ = ["ACCOUNT", "CALLS", "CHARGES", "EXPECTED", "HOST", "SKIPPED", "billed_total", "resource_id"]
