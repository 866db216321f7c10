"""The shipped Collector configuration (collector/*.yaml): structure, merging, names and switches.

No Collector binary is available from the registries this project uses, so these tests check the
files the way `otelcol-contrib validate` would check the graph, plus our own rules. When a binary
is on PATH (or OTEL_AICOST_COLLECTOR_BIN names one), the last test also runs the real validator.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.support.collector_config import (
    BASE,
    COLLECTOR_DIR,
    ENV_REFERENCE,
    OVERLAYS,
    component_type,
    env_names,
    env_problems,
    load,
    merge,
    merged,
    problems,
)
from otel_aicost import semconv
from otel_aicost.config.settings import DEFAULT_METRIC_TAGS

ALL_FILES = (BASE, *OVERLAYS)
README = COLLECTOR_DIR / "README.md"
KEEP_CONTENT_VAR = "OTEL_AICOST_COLLECTOR_KEEP_CONTENT"


def expand(value: str, environ: dict[str, str]) -> str:
    """Resolve `${env:NAME:-default}` the way the Collector's env provider does for a string."""

    def one(match: re.Match[str]) -> str:
        name = match.group(1)
        if name in environ:
            return environ[name]
        reference = match.group(0)
        return reference[reference.index(":-") + 2 : -1] if ":-" in reference else ""

    return ENV_REFERENCE.sub(one, value)


def leaf_paths(node, prefix=()):
    if isinstance(node, dict):
        for key, value in node.items():
            yield from leaf_paths(value, (*prefix, key))
    else:
        yield prefix, node


def get_path(node, path):
    for key in path:
        if not isinstance(node, dict) or key not in node:
            return None
        node = node[key]
    return node


# --- merge semantics -------------------------------------------------------------------------


def test_merge_merges_maps_deeply_and_replaces_lists():
    base = {"a": {"x": 1, "y": [1, 2]}, "b": [1], "c": "keep"}
    overlay = {"a": {"y": [3], "z": {"k": 1}}, "b": [2, 3]}
    assert merge(base, overlay) == {"a": {"x": 1, "y": [3], "z": {"k": 1}}, "b": [2, 3], "c": "keep"}
    assert base == {"a": {"x": 1, "y": [1, 2]}, "b": [1], "c": "keep"}  # inputs untouched


# --- the checker can fail ----------------------------------------------------------------------


def _minimal():
    return {
        "receivers": {"otlp": {}},
        "exporters": {"debug": {}},
        "service": {"pipelines": {"traces": {"receivers": ["otlp"], "exporters": ["debug"]}}},
    }


def test_checker_accepts_a_minimal_valid_config():
    assert problems(_minimal()) == []


@pytest.mark.parametrize(
    "change, expected",
    [
        (lambda c: c["service"]["pipelines"]["traces"]["exporters"].append("otlp_http"), "undefined exporter"),
        (lambda c: c["processors"].update({"batch": {}}) if "processors" in c else c.update(processors={"batch": {}}),
         "defined but no pipeline uses it"),
        (lambda c: c["exporters"].update({"otlphttp": {}}), "not a known exporter type"),
        (lambda c: (c.update(connectors={"forward/x": {}}),
                    c["service"]["pipelines"]["traces"]["exporters"].append("forward/x")), "exporter in one pipeline"),
        (lambda c: (c.update(connectors={"signaltometrics": {}}),
                    c["service"]["pipelines"]["traces"]["exporters"].append("signaltometrics"),
                    c["service"]["pipelines"].update({"logs/x": {"receivers": ["signaltometrics"],
                                                               "exporters": ["debug"]}})), "cannot carry"),
        (lambda c: c["service"]["pipelines"]["traces"].update(processors=["batch", "memory_limiter"]) or
         c.update(processors={"batch": {}, "memory_limiter": {}}), "memory_limiter must come first"),
    ],
    ids=["undefined", "unused", "deprecated-name", "connector-one-end", "connector-wrong-signal", "order"],
)
def test_checker_reports_broken_configs(change, expected):
    config = _minimal()
    change(config)
    assert any(expected in problem for problem in problems(config)), problems(config)


def test_env_checker_flags_other_substitution_syntaxes():
    assert env_problems('endpoint: "${env:HOST:-0.0.0.0}:4317"') == []
    assert env_problems("endpoint: $HOST") != []
    assert env_problems("endpoint: ${HOST}") != []
    assert env_problems("endpoint: ${env:HOST") != []


# --- the shipped files ---------------------------------------------------------------------------


@pytest.mark.parametrize("path", ALL_FILES, ids=lambda p: p.name)
def test_file_parses_and_has_only_collector_sections(path):
    config = load(path)
    assert set(config) <= {"receivers", "processors", "exporters", "connectors", "extensions", "service"}
    assert config.get("service", {}).get("pipelines"), f"{path.name} adds no pipeline"


@pytest.mark.parametrize("path", ALL_FILES, ids=lambda p: p.name)
def test_env_references_use_env_syntax(path):
    assert env_problems(path.read_text(encoding="utf-8")) == []


def test_base_alone_is_a_valid_config():
    assert problems(merged(BASE)) == []


@pytest.mark.parametrize("overlay", OVERLAYS, ids=lambda p: p.name)
def test_overlay_merges_with_base_into_valid_pipelines(overlay):
    config = merged(BASE, overlay)
    assert problems(config) == []
    pipelines = config["service"]["pipelines"]
    # The base pipelines survive unchanged and the overlay's own pipelines are there.
    for name, pipeline in load(BASE)["service"]["pipelines"].items():
        assert pipelines[name] == pipeline
    for name in load(overlay)["service"]["pipelines"]:
        assert name in pipelines and name not in load(BASE)["service"]["pipelines"]


def test_overlay_alone_is_not_enough():
    # Overlays hang off the base's forward connectors; on their own they do not form a config.
    for overlay in OVERLAYS:
        assert any("undefined receiver 'forward/" in p for p in problems(load(overlay))), overlay.name


def test_all_overlays_together_are_valid():
    assert problems(merged(BASE, *OVERLAYS)) == []


@pytest.mark.parametrize("overlay", OVERLAYS, ids=lambda p: p.name)
def test_overlay_never_replaces_a_base_list(overlay):
    # Lists are replaced on merge: an overlay touching one would silently drop base entries,
    # and two overlays touching the same one would undo each other.
    base = load(BASE)
    for path, value in leaf_paths(load(overlay)):
        assert get_path(base, path) is None, f"{overlay.name} overrides base value at {'.'.join(path)}"


def test_overlays_do_not_collide_with_each_other():
    seen: dict[tuple, str] = {}
    for overlay in OVERLAYS:
        for path, _ in leaf_paths(load(overlay)):
            assert path not in seen, f"{overlay.name} and {seen[path]} both set {'.'.join(path)}"
            seen[path] = overlay.name


def test_every_env_var_is_documented_in_the_readme():
    readme = README.read_text(encoding="utf-8")
    names = set().union(*(env_names(p.read_text(encoding="utf-8")) for p in ALL_FILES))
    assert names, "no env references found"
    missing = sorted(name for name in names if f"`{name}`" not in readme)
    assert missing == []


def test_readme_shows_the_command_for_each_overlay():
    readme = README.read_text(encoding="utf-8")
    for overlay in OVERLAYS:
        assert f"otelcol-contrib --config collector/base.yaml --config collector/{overlay.name}" in readme


def test_default_endpoints_and_ports():
    config = merged(BASE, *OVERLAYS)
    protocols = config["receivers"]["otlp"]["protocols"]
    assert expand(protocols["grpc"]["endpoint"], {}) == "0.0.0.0:4317"
    assert expand(protocols["http"]["endpoint"], {}) == "0.0.0.0:4318"
    assert expand(config["exporters"]["prometheus"]["endpoint"], {}) == "0.0.0.0:8889"
    env = {"OTEL_AICOST_COLLECTOR_HOST": "127.0.0.1", "OTEL_AICOST_COLLECTOR_GRPC_PORT": "5317"}
    assert expand(protocols["grpc"]["endpoint"], env) == "127.0.0.1:5317"


# --- content scrubbing ---------------------------------------------------------------------------

CONTENT_ATTRIBUTES = (
    semconv.INPUT_MESSAGES,
    semconv.OUTPUT_MESSAGES,
    semconv.SYSTEM_INSTRUCTIONS,
    semconv.TOOL_DEFINITIONS,
    semconv.TOOL_CALL_ARGUMENTS,
    semconv.TOOL_CALL_RESULT,
)
DELETE_KEY = re.compile(r'^delete_key\(attributes, "([^"]+)"\) where (.+)$')
DELETE_MATCHING = re.compile(r'^delete_matching_keys\(attributes, "((?:[^"\\]|\\.)+)"\) where (.+)$')


def _scrub_groups():
    scrub = load(BASE)["processors"]["transform/scrub_content"]
    return {group["context"]: group["statements"] for key in ("trace_statements", "log_statements")
            for group in scrub[key]}


def _parse_statements(statements):
    keys, patterns, conditions = set(), [], set()
    for statement in statements:
        if match := DELETE_KEY.match(statement):
            keys.add(match.group(1))
        elif match := DELETE_MATCHING.match(statement):
            # YAML already unescaped one level; OTTL unescapes `\\` to `\`; RE2 `\z` is Python `\Z`.
            patterns.append(re.compile(match.group(1).replace("\\\\", "\\").replace("\\z", "\\Z")))
        else:
            raise AssertionError(f"unexpected scrub statement: {statement}")
        conditions.add(match.group(2))
    return keys, patterns, conditions


def test_scrub_deletes_content_in_spans_span_events_and_logs():
    groups = _scrub_groups()
    assert set(groups) == {"span", "spanevent", "log"}
    for context, statements in groups.items():
        keys, patterns, _ = _parse_statements(statements)
        assert set(CONTENT_ATTRIBUTES) <= keys, context
        for legacy in ("gen_ai.prompt", "gen_ai.prompt.0.content", "gen_ai.completion.1.content", "gen_ai.completion"):
            assert any(p.match(legacy) for p in patterns), (context, legacy)


def test_scrub_keeps_every_attribute_we_emit_except_content():
    emitted = {value for name, value in vars(semconv).items()
               if name.isupper() and isinstance(value, str) and re.match(r"^(gen_ai|aicost|openai|server|error)\.", value)}
    emitted |= {semconv.TAG_PREFIX + tag for tag in DEFAULT_METRIC_TAGS}
    emitted -= set(CONTENT_ATTRIBUTES)
    assert semconv.USAGE_COST in emitted and semconv.USAGE_INPUT_TOKENS in emitted
    for context, statements in _scrub_groups().items():
        keys, patterns, _ = _parse_statements(statements)
        wrongly_deleted = sorted(a for a in emitted if a in keys or any(p.match(a) for p in patterns))
        assert wrongly_deleted == [], context


def test_scrub_is_switched_off_only_by_the_keep_content_variable():
    for statements in _scrub_groups().values():
        _, _, conditions = _parse_statements(statements)
        assert conditions == {f'"${{env:{KEEP_CONTENT_VAR}:-false}}" != "true"'}
    # Default (unset) -> the condition compares "false" with "true": content is deleted.
    condition = next(iter(_parse_statements(_scrub_groups()["span"])[2]))
    assert expand(condition, {}) == '"false" != "true"'
    assert expand(condition, {KEEP_CONTENT_VAR: "true"}) == '"true" != "true"'


def test_scrub_runs_before_any_destination():
    pipelines = load(BASE)["service"]["pipelines"]
    for name in ("traces", "logs"):
        assert "transform/scrub_content" in pipelines[name]["processors"]
    # Spans reach destinations only through the scrubbed ingest pipeline.
    config = merged(BASE, *OVERLAYS)
    for name, pipeline in config["service"]["pipelines"].items():
        if name.startswith(("traces", "logs")) and "otlp" in pipeline["receivers"]:
            assert "transform/scrub_content" in pipeline["processors"], name


# --- cost counters ---------------------------------------------------------------------------------


def _span_metrics():
    return {m["name"]: m for m in load(BASE)["connectors"]["signaltometrics"]["spans"]}


def test_cost_counter_sums_the_cost_attribute_by_model_deployment_provider_and_tags():
    metrics = _span_metrics()
    cost = metrics[semconv.COLLECTOR_METRIC_COST]
    assert cost["sum"]["value"] == f'Double(attributes["{semconv.USAGE_COST}"])'
    assert cost["conditions"] == [f'attributes["{semconv.USAGE_COST}"] != nil']
    keys = [a["key"] for a in cost["attributes"]]
    for key in (semconv.REQUEST_MODEL, semconv.RESPONSE_MODEL, semconv.PROVIDER_NAME, semconv.DEPLOYMENT_TYPE):
        assert key in keys
    tags = {k for k in keys if k.startswith(semconv.TAG_PREFIX)}
    assert tags == {semconv.TAG_PREFIX + tag for tag in DEFAULT_METRIC_TAGS}


def test_request_counter_counts_every_genai_span_by_pricing_status_and_usage_source():
    requests = _span_metrics()[semconv.COLLECTOR_METRIC_REQUESTS]
    assert requests["sum"]["value"] == "1"
    assert requests["conditions"] == [f'attributes["{semconv.OPERATION_NAME}"] != nil']
    keys = [a["key"] for a in requests["attributes"]]
    assert semconv.PRICING_STATUS in keys and semconv.USAGE_SOURCE in keys and semconv.ERROR_TYPE in keys


def test_counters_are_monotonic_so_backends_see_counters():
    # Without `monotonic: true` signaltometrics emits non-monotonic sums, which Prometheus
    # exposes as gauges (no `_total`) and rate() would treat wrongly.
    for metric in _span_metrics().values():
        assert metric["sum"].get("monotonic") is True, metric["name"]


def test_counter_attributes_never_drop_a_span():
    # signaltometrics skips a span missing an attribute that has neither default_value nor optional.
    for metric in _span_metrics().values():
        for attribute in metric["attributes"]:
            assert ("default_value" in attribute) != bool(attribute.get("optional")), attribute


def test_counter_attribute_keys_are_names_we_emit():
    emitted = {v for n, v in vars(semconv).items() if n.isupper() and isinstance(v, str)}
    for metric in _span_metrics().values():
        for attribute in metric["attributes"]:
            key = attribute["key"]
            assert key in emitted or key.startswith(semconv.TAG_PREFIX), key


# --- destinations --------------------------------------------------------------------------------


def test_azure_overlay_reads_the_connection_string_and_converts_metrics_to_delta():
    config = merged(BASE, COLLECTOR_DIR / "azuremonitor.yaml")
    assert config["exporters"]["azuremonitor"]["connection_string"] == "${env:APPLICATIONINSIGHTS_CONNECTION_STRING}"
    pipelines = config["service"]["pipelines"]
    assert pipelines["metrics/azuremonitor"]["processors"] == ["cumulativetodelta"]
    assert {"traces/azuremonitor", "logs/azuremonitor"} <= set(pipelines)
    assert component_type(pipelines["metrics/azuremonitor"]["receivers"][0]) == "forward"


def test_prometheus_overlay_turns_delta_counters_cumulative():
    config = merged(BASE, COLLECTOR_DIR / "prometheus.yaml")
    pipeline = config["service"]["pipelines"]["metrics/prometheus"]
    assert pipeline["processors"] == ["deltatocumulative"] and pipeline["exporters"] == ["prometheus"]


def test_file_overlay_writes_rotated_otlp_json_lines_for_the_cli():
    exporter = load(COLLECTOR_DIR / "file.yaml")["exporters"]["file"]
    assert exporter["format"] == "json"
    assert exporter["rotation"] and not exporter.get("append")  # the exporter rejects append + rotation
    assert expand(exporter["path"], {}).startswith("./otel-aicost-data/")


# --- switching destinations by environment variable ----------------------------------------------


def _run_sh(env_overrides: dict[str, str], *args: str) -> list[str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("OTEL_AICOST_COLLECTOR_", "APPLICATIONINSIGHTS_"))}
    env.update(env_overrides, OTEL_AICOST_COLLECTOR_DRY_RUN="true")
    out = subprocess.run(["bash", str(COLLECTOR_DIR / "run.sh"), *args], env=env, check=True,
                         capture_output=True, text=True, timeout=30).stdout
    return out.split()


@pytest.mark.parametrize(
    "env, overlays",
    [
        ({}, []),
        ({"OTEL_AICOST_COLLECTOR_OTLP_ENDPOINT": "http://127.0.0.1:4318"}, ["otlp.yaml"]),
        ({"APPLICATIONINSIGHTS_CONNECTION_STRING": "InstrumentationKey=x"}, ["azuremonitor.yaml"]),
        ({"OTEL_AICOST_COLLECTOR_PROMETHEUS": "true", "OTEL_AICOST_COLLECTOR_FILE": "1"},
         ["prometheus.yaml", "file.yaml"]),
        ({"OTEL_AICOST_COLLECTOR_PROMETHEUS": "false"}, []),
    ],
    ids=["none", "otlp", "azure", "prometheus+file", "off"],
)
def test_run_script_adds_the_overlays_the_environment_asks_for(env, overlays):
    words = _run_sh(env)
    assert words[0] == "otelcol-contrib"
    configs = [Path(words[i + 1]).name for i, word in enumerate(words) if word == "--config"]
    assert configs == ["base.yaml", *overlays]


def test_run_script_puts_validate_before_the_flags():
    words = _run_sh({"OTEL_AICOST_COLLECTOR_BIN": "/opt/otelcol"}, "validate")
    assert words[:3] == ["/opt/otelcol", "validate", "--config"]


# --- the real validator, where one exists ------------------------------------------------------


@pytest.mark.parametrize("overlays", [(), *((o,) for o in OVERLAYS), OVERLAYS],
                         ids=["base", *(o.stem for o in OVERLAYS), "all"])
def test_otelcol_contrib_validate(overlays, tmp_path):
    binary = os.environ.get("OTEL_AICOST_COLLECTOR_BIN") or shutil.which("otelcol-contrib")
    if not binary:
        pytest.skip("otelcol-contrib is not installed (no registry package ships it); "
                    "set OTEL_AICOST_COLLECTOR_BIN to run the real validator")
    args = [binary, "validate"]
    for path in (BASE, *overlays):
        args += ["--config", str(path)]
    env = dict(os.environ, APPLICATIONINSIGHTS_CONNECTION_STRING="InstrumentationKey=00000000-0000-0000-0000-000000000001",
               OTEL_AICOST_COLLECTOR_OTLP_ENDPOINT="http://127.0.0.1:4318",
               OTEL_AICOST_COLLECTOR_FILE_PATH=str(tmp_path / "collector.jsonl"))
    result = subprocess.run(args, env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr


def test_readme_defaults_match_the_files():
    readme = README.read_text(encoding="utf-8")
    documented = dict(re.findall(r"^\| `([A-Z0-9_]+)` \| ([^|]+?) \|", readme, re.M))
    for path in ALL_FILES:
        for match in ENV_REFERENCE.finditer(path.read_text(encoding="utf-8")):
            name, reference = match.group(1), match.group(0)
            default = reference[reference.index(":-") + 2 : -1] if ":-" in reference else None
            assert name in documented, name
            if default is None:
                assert documented[name].startswith("none"), (name, documented[name])
            else:
                assert documented[name] == f"`{default}`", (name, documented[name], default)
