"""KQL queries and the Azure Monitor alert example in collector/. They cannot run here (no Azure),
so these tests hold them to the names we emit and to both ways the cost reaches Application
Insights: customMeasurements (numbers, through the Collector) and customDimensions (text, from the
Python Azure Monitor exporter)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from otel_aicost import semconv

COLLECTOR = Path(__file__).resolve().parents[2] / "collector"
QUERIES = sorted((COLLECTOR / "kql").glob("*.kql"))
ALERT = COLLECTOR / "azure-alert-example.json"
EMITTED = {v for n, v in vars(semconv).items() if n.isupper() and isinstance(v, str)}
NUMERIC = {semconv.USAGE_COST, semconv.USAGE_INPUT_TOKENS, semconv.USAGE_OUTPUT_TOKENS}
LOOKUP = re.compile(r'(customDimensions|customMeasurements)\["([^"]+)"\]')


def test_there_are_queries_for_each_question():
    names = {path.stem for path in QUERIES}
    assert {"cost-per-request", "spend-by-team-and-model", "latency-vs-tokens", "budget-burn"} <= names


@pytest.mark.parametrize("path", QUERIES, ids=lambda p: p.name)
def test_query_reads_only_names_we_emit(path):
    lookups = LOOKUP.findall(path.read_text(encoding="utf-8"))
    assert lookups, "query reads no attribute"
    for _, key in lookups:
        assert key in EMITTED or key.startswith(semconv.TAG_PREFIX), key


@pytest.mark.parametrize("path", QUERIES, ids=lambda p: p.name)
def test_numbers_are_read_from_both_routes(path):
    text = path.read_text(encoding="utf-8")
    for key in NUMERIC:
        if key not in text:
            continue
        both = (f'coalesce(todouble(customMeasurements["{key}"]), todouble(customDimensions["{key}"]))')
        assert both in text, f"{key} must be read from customMeasurements and customDimensions"
        stray = text.replace(both, "")
        assert f'["{key}"]' not in stray, f"{key} read from one route only somewhere"


def test_gauge_query_uses_the_metric_and_attribute_names():
    text = (COLLECTOR / "kql" / "budget-gauge.kql").read_text(encoding="utf-8")
    assert f'name == "{semconv.BUDGET_UTILIZATION}"' in text
    assert f'customDimensions["{semconv.BUDGET_NAME}"]' in text


def test_alert_example_is_a_log_alert_running_the_shipped_query():
    template = json.loads(ALERT.read_text(encoding="utf-8"))
    (rule,) = template["resources"]
    assert rule["type"] == "Microsoft.Insights/scheduledQueryRules" and rule["kind"] == "LogAlert"
    properties = rule["properties"]
    (condition,) = properties["criteria"]["allOf"]
    shipped = "\n".join(line for line in (COLLECTOR / "kql" / "hourly-spend-alert.kql").read_text(
        encoding="utf-8").splitlines() if not line.startswith("//"))
    assert condition["query"] == shipped
    # The measured column and the dimension exist in the query's output.
    assert f"summarize {condition['metricMeasureColumn']} = " in shipped
    assert all(f"by {d['name']}" in shipped for d in condition["dimensions"])
    # Every parameter the template references is declared.
    referenced = set(re.findall(r"parameters\('([^']+)'\)", ALERT.read_text(encoding="utf-8")))
    assert referenced == set(template["parameters"])
