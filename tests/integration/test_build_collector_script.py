"""scripts/build-collector.sh: where it caches the Collector, when it reuses it, and how it refuses a bad manifest.

Run on a copy of the script and manifest in a temporary folder with its own cache, so nothing is built here
(a cached binary is a stand-in script); the real build is exercised by .ci/run and the Collector tests.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(shutil.which("go") is None, reason="needs Go (the script hashes `go env GOVERSION`)")


def _copy(tmp_path: Path, manifest: str | None = None) -> Path:
    (tmp_path / "scripts").mkdir(parents=True)
    (tmp_path / "collector").mkdir()
    shutil.copy(REPO / "scripts" / "build-collector.sh", tmp_path / "scripts")
    text = manifest if manifest is not None else (REPO / "collector" / "builder-config.yaml").read_text()
    (tmp_path / "collector" / "builder-config.yaml").write_text(text)
    return tmp_path / "scripts" / "build-collector.sh"


def _run(script: Path, cache: Path, *args: str) -> subprocess.CompletedProcess:
    # GOPROXY=off: were the script to build after all, it would fail at once instead of downloading.
    env = {**os.environ, "XDG_CACHE_HOME": str(cache), "GOPROXY": "off"}
    return subprocess.run(["bash", str(script), *args], env=env, capture_output=True, text=True, timeout=60)


def test_path_names_version_and_manifest_and_changes_with_the_manifest(tmp_path):
    script = _copy(tmp_path / "a")
    first = _run(script, tmp_path / "cache", "--path").stdout.strip()
    assert first == _run(script, tmp_path / "cache", "--path").stdout.strip()
    assert first.startswith(str(tmp_path / "cache" / "otel-aicost" / "otelcol-0.161.0-"))
    assert first.endswith("/otelcol-aicost")
    manifest = (REPO / "collector" / "builder-config.yaml").read_text()
    other = _copy(tmp_path / "b", manifest.replace("otlpreceiver v0.161.0", "otlpreceiver v0.161.0  # changed"))
    assert _run(other, tmp_path / "cache", "--path").stdout.strip() != first


def test_a_cached_binary_is_reused_without_building(tmp_path):
    script = _copy(tmp_path / "repo")
    binary = Path(_run(script, tmp_path / "cache", "--path").stdout.strip())
    binary.parent.mkdir(parents=True)
    binary.write_text("#!/bin/sh\necho 'stand-in version 0.161.0'\n")
    binary.chmod(0o755)
    result = _run(script, tmp_path / "cache")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == str(binary)
    assert "cached" in result.stderr
    assert not (tmp_path / "cache" / "otel-aicost" / "go").exists()  # no Go cache: nothing was built


def test_a_manifest_without_a_version_is_refused(tmp_path):
    script = _copy(tmp_path / "repo", "dist:\n  name: otelcol-aicost\n")
    result = _run(script, tmp_path / "cache")
    assert result.returncode == 2
    assert "no 'dist: version:'" in result.stderr
