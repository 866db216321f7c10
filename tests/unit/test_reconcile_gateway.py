"""API Management token metrics against telemetry: the gateway exports, per tag dimension, bypass flagged."""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from datetime import datetime, timezone
from functools import partial

import pytest

from otel_aicost.finops.call_table import CallTable, Plan
from otel_aicost.finops.reconcile import ExportError
from otel_aicost.finops.reconcile.gateway import compare, read_gateway, tag_keys
from otel_aicost.finops.scan import scan
from tests.support.otlp_lines import write_lines
from tests.support.reconcile_scenario import CALLS


def truth(calls):
    """(day, team) -> [prompt, completion] tokens, straight from the synthetic calls."""
    out = defaultdict(lambda: [0, 0])
    for c in calls:
        day = datetime.fromtimestamp(c.start_ns // 10**9, timezone.utc).date()
        out[(day, c.tags.get("team", "(none)"))][0] += c.input_tokens or 0
        out[(day, c.tags.get("team", "(none)"))][1] += c.output_tokens or 0
    return out


@pytest.fixture(scope="module")
def telemetry_rows(tmp_path_factory):
    folder = tmp_path_factory.mktemp("gw")
    write_lines(folder / "t.jsonl", CALLS)
    table, _ = scan([str(folder)], partial(CallTable, Plan(report=False, focus="day")))
    return list(table.focus_sums().items())


def custom_metrics_csv(path, tokens, extra=(), portal_dates=False):
    """Application Insights customMetrics as the portal exports a query result (Prompt/Completion/Total)."""
    with open(path, "w", newline="", encoding="utf-8-sig") as out:
        writer = csv.writer(out)
        writer.writerow(["timestamp [UTC]", "name", "value", "valueCount", "valueSum", "customDimensions"])
        for (day, team), (prompt, completion) in list(tokens.items()) + list(extra):
            dims = json.dumps({"API ID": "azure-openai", "team": team, "feature": "(none)"})
            stamp = f"{day.month}/{day.day}/{day.year}, 10:00:00.000 AM" if portal_dates else f"{day}T10:00:00.000Z"
            for name, value in (("Prompt Tokens", prompt), ("Completion Tokens", completion),
                                ("Total Tokens", prompt + completion)):  # fmt: skip
                writer.writerow([stamp, name, value, 1, value, dims])
    return path


@pytest.mark.parametrize("portal_dates", [False, True])
def test_matching_gateway_is_ok_and_bypass_is_flagged(tmp_path, telemetry_rows, portal_dates):
    tokens = truth(CALLS)
    (day, team) = next(k for k in tokens if k[1] == "support")
    through_gateway = {k: v for k, v in tokens.items() if k != (day, team)}  # support's calls went around it
    extra = [((day, "mobile"), (500, 50))]  # an app without otel-aicost, through the gateway
    points = read_gateway(str(custom_metrics_csv(tmp_path / "m.csv", through_gateway, extra, portal_dates)))
    keys = tag_keys(points, {"team", "feature"})
    assert keys == ["feature", "team"]
    groups = {(g.day, g.label): g for g in compare(points, telemetry_rows, keys)}
    flags = {k: g.flag for k, g in groups.items()}
    assert flags[(day, f"feature=(none);team={team}")] == "bypassed_gateway"
    assert flags[(day, "feature=(none);team=mobile")] == "bypassed_instrumentation"
    assert {f for k, f in flags.items() if k[1].endswith(("=search", "=research"))} == {"ok"}
    search = groups[(day, "feature=(none);team=search")]
    assert (search.gateway["prompt"], search.gateway["completion"]) == tuple(tokens[(day, "search")])
    assert (search.telemetry["prompt"], search.telemetry["completion"]) == tuple(tokens[(day, "search")])


def test_azure_monitor_metrics_json(tmp_path, telemetry_rows):
    tokens = truth(CALLS)
    series = defaultdict(list)
    for (day, team), (prompt, completion) in tokens.items():
        series[("Prompt Tokens", team)].append({"timeStamp": f"{day}T00:00:00Z", "total": float(prompt)})
        series[("Completion Tokens", team)].append({"timeStamp": f"{day}T00:00:00Z", "total": float(completion)})
    document = {"value": [
        {"name": {"value": name, "localizedValue": name}, "unit": "Count", "timeseries": [
            {"metadatavalues": [{"name": {"value": "team"}, "value": team}], "data": data}]}
        for (name, team), data in series.items()
    ]}  # fmt: skip
    (tmp_path / "metrics.json").write_text(json.dumps(document))
    points = read_gateway(str(tmp_path / "metrics.json"))
    groups = compare(points, telemetry_rows, ["team"])
    assert {g.flag for g in groups} == {"ok"}
    assert sum(sum(g.gateway.values()) for g in groups) == sum(p + c for p, c in tokens.values())


def test_query_api_tables_json_with_dimension_columns(tmp_path, telemetry_rows):
    tokens = truth(CALLS)
    rows = [[f"{day}T12:00:00Z", "Total Tokens", p + c, team] for (day, team), (p, c) in tokens.items()]
    document = {"tables": [{"name": "PrimaryResult", "columns": [
        {"name": "timestamp", "type": "datetime"}, {"name": "name", "type": "string"},
        {"name": "valueSum", "type": "real"}, {"name": "team", "type": "string"}], "rows": rows}]}  # fmt: skip
    (tmp_path / "q.json").write_text(json.dumps(document))
    groups = compare(read_gateway(str(tmp_path / "q.json")), telemetry_rows, ["team"])
    assert {g.flag for g in groups} == {"ok"}


@pytest.mark.parametrize(
    "content, message",
    [
        ("timestamp,name,valueSum\n2026-09-21T00:00:00Z,Total Tokens,many\n", r"m.csv:2: column valueSum: 'many'"),
        ("timestamp,name,valueSum\nlater,Total Tokens,5\n", r"m.csv:2: column timestamp: 'later' is not a date"),
        ("when,name,valueSum\n", r"m.csv: no time column"),
        ('{"foo": 1}', r"not an Application Insights query result"),
    ],
)
def test_malformed_gateway_exports(tmp_path, content, message):
    (tmp_path / "m.csv").write_text(content)
    with pytest.raises(ExportError, match=message):
        read_gateway(str(tmp_path / "m.csv"))
