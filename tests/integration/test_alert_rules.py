"""Prometheus rules in collector/alerts/: promtool checks and unit tests, and the metric and label
names they use against what the OpenTelemetry Prometheus exporter really exposes for our metrics."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from otel_aicost import semconv

ALERTS = Path(__file__).resolve().parents[2] / "collector" / "alerts"
RULE_FILES = (ALERTS / "aicost-rules.yaml", ALERTS / "aicost-budgets.yaml")
RULE_TESTS = ALERTS / "aicost-rules.test.yaml"

PROMTOOL = shutil.which("promtool")
needs_promtool = pytest.mark.skipif(
    PROMTOOL is None, reason="promtool not installed (Debian package `prometheus`; see .ci/install-system-deps)"
)


@needs_promtool
def test_promtool_check_rules():
    result = subprocess.run([PROMTOOL, "check", "rules", *map(str, RULE_FILES)],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr


@needs_promtool
def test_promtool_unit_tests_pass():
    result = subprocess.run([PROMTOOL, "test", "rules", str(RULE_TESTS)],
                            capture_output=True, text=True, timeout=120, cwd=ALERTS)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS" in result.stdout


def _rules():
    for path in RULE_FILES:
        for group in yaml.safe_load(path.read_text(encoding="utf-8"))["groups"]:
            yield from group["rules"]


def test_every_alert_has_a_unit_test_that_fires_it_and_one_that_does_not():
    tests = yaml.safe_load(RULE_TESTS.read_text(encoding="utf-8"))["tests"]
    fired, quiet = set(), set()
    for test in tests:
        for case in test.get("alert_rule_test", []):
            (fired if case["exp_alerts"] else quiet).add(case["alertname"])
    alerts = {rule["alert"] for rule in _rules() if "alert" in rule}
    assert alerts - fired == set(), "alerts never shown firing"
    # The in-process budget alerts are shown quiet for a low budget inside their firing test
    # (promtool matches the exact list of alerts, so an extra alert would fail it).
    assert alerts - quiet - {"AICostProcessBudgetNearlySpent", "AICostProcessBudgetExceeded"} == set(), \
        "alerts never shown staying quiet"


# Identifiers in rule expressions that name our metrics or labels (not recording-rule names,
# which contain colons, and not PromQL keywords).
_NAME = re.compile(r"(?<![:\w])((?:gen_ai|aicost)_[A-Za-z0-9_]*)(?![:\w])")


def _names_used_by_rules() -> set[str]:
    names = set()
    for rule in _rules():
        names |= set(_NAME.findall(rule["expr"]))
        names |= {key for key in rule.get("labels", {}) if _NAME.fullmatch(key)}
    return names


def _exposition() -> str:
    """Our metrics, recorded through the OpenTelemetry SDK and read back from the real
    Python Prometheus exporter, with every attribute the rules group or filter by."""
    prometheus_client = pytest.importorskip("prometheus_client")
    exporter = pytest.importorskip("opentelemetry.exporter.prometheus")
    from opentelemetry.sdk.metrics import MeterProvider

    registry = prometheus_client.CollectorRegistry()
    try:
        reader = exporter.PrometheusMetricReader(registry=registry)
    except TypeError:  # older exporters always use the process-wide registry
        registry = prometheus_client.REGISTRY
        reader = exporter.PrometheusMetricReader()
    provider = MeterProvider(metric_readers=[reader])
    try:
        meter = provider.get_meter("otel_aicost")
        common = {semconv.REQUEST_MODEL: "gpt-4o", semconv.TAG_PREFIX + "team": "search"}
        meter.create_histogram(semconv.METRIC_COST, unit="USD").record(
            0.01, {**common, semconv.PRICING_STATUS: semconv.STATUS_PRICED})
        meter.create_histogram(semconv.METRIC_OPERATION_DURATION, unit="s").record(
            0.5, {**common, semconv.PRICING_STATUS: semconv.STATUS_PRICED, semconv.USAGE_SOURCE: "estimated",
                  semconv.ERROR_TYPE: "Timeout"})
        meter.create_gauge(semconv.BUDGET_UTILIZATION, unit="1").set(0.5, {semconv.BUDGET_NAME: "search-daily"})
        return prometheus_client.generate_latest(registry).decode()
    finally:
        provider.shutdown()


def test_rules_use_the_names_the_prometheus_exporter_produces():
    exposition = _exposition()
    metric_names = set(re.findall(r"^([A-Za-z_:][A-Za-z0-9_:]*)(?:\{| )", exposition, re.M))
    label_names = set(re.findall(r"[{,]([A-Za-z_][A-Za-z0-9_]*)=", exposition))
    assert "gen_ai_usage_cost_USD_sum" in metric_names  # the translation the rules rely on
    unknown = sorted(n for n in _names_used_by_rules() if n not in metric_names | label_names)
    # aicost_budget_utilization appears as the start of a name regex that also accepts the
    # Collector's `_ratio` spelling; the Python exporter exposes it without the suffix.
    assert unknown == []
