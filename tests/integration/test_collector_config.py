"""What the real Collector cannot check in collector/*.yaml: how the files combine, their documentation, their
defaults, the cost counters' tag list and run.sh's choice of overlays.

The real Collector (tests/integration/test_collector_validate.py, test_collector_scrub.py,
test_collector_end_to_end.py) checks everything else: that each combination loads, the component graph, the
content scrubbing, the counters' values, every destination.
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest

from tests.support.collector_config import (
    BASE,
    COLLECTOR_DIR,
    ENV_REFERENCE,
    OVERLAYS,
    env_names,
    env_problems,
    load,
    merged,
)
from otel_aicost import semconv
from otel_aicost.config.settings import DEFAULT_METRIC_TAGS

ALL_FILES = (BASE, *OVERLAYS)
README = COLLECTOR_DIR / "README.md"


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


# --- the shipped files ---------------------------------------------------------------------------


@pytest.mark.parametrize("path", ALL_FILES, ids=lambda p: p.name)
def test_env_references_use_env_syntax(path):
    assert env_problems(path.read_text(encoding="utf-8")) == []


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
    assert expand(config["extensions"]["health_check"]["endpoint"], {}) == "0.0.0.0:13133"
    telemetry = config["service"]["telemetry"]["metrics"]["readers"][0]["pull"]["exporter"]["prometheus"]
    assert (expand(telemetry["host"], {}), expand(str(telemetry["port"]), {})) == ("0.0.0.0", "8888")
    env = {"OTEL_AICOST_COLLECTOR_HOST": "127.0.0.1", "OTEL_AICOST_COLLECTOR_GRPC_PORT": "5317"}
    assert expand(protocols["grpc"]["endpoint"], env) == "127.0.0.1:5317"


# --- cost counters ---------------------------------------------------------------------------------


def _span_metrics():
    return {m["name"]: m for m in load(BASE)["connectors"]["signal_to_metrics"]["spans"]}


def test_cost_counters_carry_the_whole_metric_tag_allow_list():
    # The end-to-end test sees one tag (team) arrive; this checks the list is the app's whole default list.
    for metric in _span_metrics().values():
        keys = [a["key"] for a in metric["attributes"]]
        tags = {k for k in keys if k.startswith(semconv.TAG_PREFIX)}
        assert tags == {semconv.TAG_PREFIX + tag for tag in DEFAULT_METRIC_TAGS}, metric["name"]
    cost_keys = [a["key"] for a in _span_metrics()[semconv.COLLECTOR_METRIC_COST]["attributes"]]
    for key in (semconv.REQUEST_MODEL, semconv.RESPONSE_MODEL, semconv.PROVIDER_NAME, semconv.DEPLOYMENT_TYPE):
        assert key in cost_keys


def test_counter_attribute_keys_are_names_we_emit():
    emitted = {v for n, v in vars(semconv).items() if n.isupper() and isinstance(v, str)}
    for metric in _span_metrics().values():
        for attribute in metric["attributes"]:
            key = attribute["key"]
            assert key in emitted or key.startswith(semconv.TAG_PREFIX), key


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
