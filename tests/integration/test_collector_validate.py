"""The real Collector (built by scripts/build-collector.sh from collector/builder-config.yaml) accepts every
configuration collector/run.sh can produce, has exactly the components those files use, and starts with them
without a warning.

Skipped, saying how to build it, when the binary is missing; in CI (CI=true) a missing binary fails, since
.ci/run builds it.
"""

from __future__ import annotations

import itertools
import subprocess

import pytest
import yaml

from tests.support.collector import COLLECTOR_DIR, RUN_SH, Collector, require_binary
from tests.support.fake_azure_ingestion import INSTRUMENTATION_KEY

pytestmark = pytest.mark.integration

KINDS = ("receivers", "processors", "exporters", "connectors", "extensions")
CONFIGS = sorted(COLLECTOR_DIR.glob("*.yaml"))
MANIFEST = COLLECTOR_DIR / "builder-config.yaml"
# Each switch of run.sh, as (variable, value that turns it on).
SWITCHES = {
    "otlp": ("OTEL_AICOST_COLLECTOR_OTLP_ENDPOINT", "http://127.0.0.1:4318"),
    "azuremonitor": ("APPLICATIONINSIGHTS_CONNECTION_STRING",
                     f"InstrumentationKey={INSTRUMENTATION_KEY};IngestionEndpoint=http://127.0.0.1:9/"),
    "prometheus": ("OTEL_AICOST_COLLECTOR_PROMETHEUS", "true"),
    "file": ("OTEL_AICOST_COLLECTOR_FILE", "true"),
}  # fmt: skip
COMBINATIONS = [combo for n in range(len(SWITCHES) + 1) for combo in itertools.combinations(SWITCHES, n)]


@pytest.fixture(scope="module")
def binary():
    return require_binary()


def run_sh(binary: str, tmp_path, switches, *args: str) -> subprocess.CompletedProcess:
    env = {variable: value for name, (variable, value) in SWITCHES.items() if name in switches}
    collector = Collector(binary, tmp_path, {**env, "OTEL_AICOST_COLLECTOR_FILE_PATH": str(tmp_path / "out.jsonl")})
    return subprocess.run(["bash", str(RUN_SH), *args], cwd=tmp_path, env=collector.env, capture_output=True,
                          text=True, timeout=60)  # fmt: skip


@pytest.mark.parametrize("switches", COMBINATIONS, ids=lambda c: "+".join(c) or "base")
def test_every_configuration_run_sh_can_produce_validates(binary, tmp_path, switches):
    result = run_sh(binary, tmp_path, switches, "validate")
    assert result.returncode == 0, result.stderr


def test_the_validator_rejects_a_pipeline_naming_an_undefined_component(binary, tmp_path):
    # The oracle can fail: the same run with one overlay more, whose pipeline names an exporter nobody defines.
    broken = tmp_path / "broken.yaml"
    broken.write_text("service:\n  pipelines:\n    traces/broken:\n      receivers: [forward/traces]\n"
                      "      exporters: [otlp_http/nowhere]\n")  # fmt: skip
    result = run_sh(binary, tmp_path, (), "validate", "--config", str(broken))
    assert result.returncode != 0
    assert "otlp_http/nowhere" in result.stderr


def test_azure_overlay_alone_does_not_start_without_its_connection_string(binary, tmp_path):
    # Why run.sh adds azuremonitor.yaml only when the variable is set: `validate` passes, but the exporter
    # refuses to start. (Were it to start instead, the timeout ends the test with a failure.)
    collector = Collector(binary, tmp_path)
    args = [binary, "--config", str(COLLECTOR_DIR / "base.yaml"), "--config", str(COLLECTOR_DIR / "azuremonitor.yaml")]
    result = subprocess.run(args, env=collector.env, capture_output=True, text=True, timeout=30)
    assert result.returncode != 0
    assert "ConnectionString and InstrumentationKey cannot be empty" in result.stderr


def _types_in_configs() -> dict[str, set[str]]:
    used: dict[str, set[str]] = {kind: set() for kind in KINDS}
    for path in CONFIGS:
        if path == MANIFEST:
            continue
        config = yaml.safe_load(path.read_text(encoding="utf-8"))
        for kind in KINDS:
            used[kind] |= {name.split("/", 1)[0] for name in (config.get(kind) or {})}
    return used


def test_the_binary_has_exactly_the_components_the_configs_use(binary):
    result = subprocess.run([binary, "components"], capture_output=True, text=True, timeout=60, check=True)
    components = yaml.safe_load(result.stdout)
    built = {kind: {component["name"] for component in components.get(kind) or []} for kind in KINDS}
    assert built == _types_in_configs()


def test_the_binary_is_the_release_the_manifest_names(binary):
    manifest = yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))
    version = manifest["dist"]["version"]
    modules = [m["gomod"] for kind in KINDS for m in manifest.get(kind, [])]
    # One release line throughout: every component module at v<version>.
    assert modules and all(m.endswith(f" v{version}") for m in modules), modules
    components = yaml.safe_load(subprocess.run([binary, "components"], capture_output=True, text=True, timeout=60,
                                               check=True).stdout)  # fmt: skip
    assert components["buildinfo"]["version"] == version


def test_starts_with_every_overlay_without_a_warning(binary, tmp_path):
    # Deprecated component names and OTTL paths without their context are accepted with a warning (or an
    # info line asking for a rewrite); the shipped files must use the current forms.
    env = {variable: value for variable, value in SWITCHES.values()}
    with Collector(binary, tmp_path, {**env, "OTEL_AICOST_COLLECTOR_FILE_PATH": str(tmp_path / "out.jsonl")}):
        pass
    log = (tmp_path / "collector.log").read_text()
    assert "Everything is ready" in log
    complaints = [line for line in log.splitlines()
                  if "\twarn\t" in line or "\terror\t" in line or "please rewrite" in line or "deprecated" in line]
    assert complaints == []
