"""The real Collector for tests: find the binary scripts/build-collector.sh built, run collector/run.sh with it.

    binary = collector_binary()                    # None when scripts/build-collector.sh has not built it
    with Collector(binary, tmp_path, {"OTEL_AICOST_COLLECTOR_OTLP_ENDPOINT": receiver.url}) as collector:
        app_env = {"OTEL_EXPORTER_OTLP_ENDPOINT": collector.otlp_endpoint}
        ...
        collector.telemetry("otelcol_exporter_sent_spans")   # the Collector's own counters, summed

Every listener is on 127.0.0.1 on a free port; every wait is bounded; the process is stopped (killed if it must
be) when the block ends, and its log is kept in ``directory / "collector.log"``.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.support.apps import environment
from tests.support.prometheus_server import free_port

REPO = Path(__file__).resolve().parents[2]
COLLECTOR_DIR = REPO / "collector"
RUN_SH = COLLECTOR_DIR / "run.sh"
BUILD_SCRIPT = REPO / "scripts" / "build-collector.sh"
# What the build script says when the binary is missing; the test of that script checks the words.
HOW_TO_BUILD = "build it with scripts/build-collector.sh (Go 1.26+ and the Go module proxy; cold 9-16 minutes on 2 cores)"


def collector_binary() -> str | None:
    """The binary scripts/build-collector.sh built (its cache path for the current manifest), if it exists.

    (Not OTEL_AICOST_COLLECTOR_BIN: tests/conftest.py clears every OTEL_AICOST_* variable before the tests run.)
    """
    try:
        path = subprocess.run(["bash", str(BUILD_SCRIPT), "--path"], capture_output=True, text=True, timeout=30,
                              check=True).stdout.strip()  # fmt: skip
    except (OSError, subprocess.SubprocessError):
        return None
    return path if path and os.access(path, os.X_OK) else None


def require_binary() -> str:
    """The binary, or skip saying how to build it; in CI (``CI=true``) a missing binary fails instead:
    .ci/run builds it, so its absence there is a broken build, not a missing optional tool."""
    binary = collector_binary()
    if binary is None:
        message = f"the Collector binary is not built: {HOW_TO_BUILD}"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{message}; .ci/run should have built it", pytrace=False)
        pytest.skip(message)
    return binary


class Collector:
    """collector/run.sh with the given environment (it picks the overlays), every port free on 127.0.0.1."""

    def __init__(self, binary: str, directory: Path, env: dict[str, str] | None = None) -> None:
        self.directory = directory
        self.binary = binary
        self.extra_env = env or {}
        self.log = directory / "collector.log"
        self.process: subprocess.Popen[bytes] | None = None
        self._pick_ports()

    def _pick_ports(self) -> None:
        self.ports = {name: free_port() for name in ("GRPC", "HTTP", "HEALTH", "PROMETHEUS", "TELEMETRY")}
        self.env = environment({
            "OTEL_AICOST_COLLECTOR_BIN": self.binary,
            "OTEL_AICOST_COLLECTOR_HOST": "127.0.0.1",
            **{f"OTEL_AICOST_COLLECTOR_{name}_PORT": str(port) for name, port in self.ports.items()},
            **self.extra_env,
        })  # fmt: skip

    @property
    def otlp_endpoint(self) -> str:
        """The app's ``OTEL_EXPORTER_OTLP_ENDPOINT`` (OTLP/HTTP)."""
        return f"http://127.0.0.1:{self.ports['HTTP']}"

    @property
    def prometheus_target(self) -> str:
        return f"127.0.0.1:{self.ports['PROMETHEUS']}"

    def __enter__(self) -> Collector:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self, timeout: float = 30) -> None:
        for attempt in range(3):
            with self.log.open("ab") as log:
                # run.sh execs the binary: this process is the Collector itself.
                self.process = subprocess.Popen(["bash", str(RUN_SH)], cwd=self.directory, env=self.env,
                                                stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)  # fmt: skip
            try:
                self._wait_healthy(timeout)
                return
            except BaseException:
                self.stop()
                # A free port another process took between our probe and the Collector's bind: new ports, again.
                if attempt == 2 or "address already in use" not in self.log_text():
                    raise
                self.log.write_text("")
                self._pick_ports()

    def stop(self, timeout: float = 20) -> int | None:
        """SIGTERM (the Collector flushes its pipelines and exporters), then SIGKILL after ``timeout``."""
        process = self.process
        if process is None:
            return None
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)
        return process.returncode

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")

    def _wait_healthy(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        url = f"http://127.0.0.1:{self.ports['HEALTH']}/"
        while time.monotonic() < deadline:
            assert self.process is not None
            if self.process.poll() is not None:
                raise AssertionError(f"the Collector exited {self.process.returncode}: {self.log_text()[-3000:]}")
            try:
                with urllib.request.urlopen(url, timeout=1) as reply:
                    if reply.status == 200:
                        return
            except OSError:
                pass
            time.sleep(0.05)
        raise AssertionError(f"the Collector was not healthy within {timeout}s: {self.log_text()[-3000:]}")

    def telemetry(self, metric: str, **labels: str) -> float:
        """A counter or gauge of the Collector's own metrics (``:TELEMETRY_PORT/metrics``), summed over the
        series whose labels include ``labels``; 0 when no series matches."""
        url = f"http://127.0.0.1:{self.ports['TELEMETRY']}/metrics"
        with urllib.request.urlopen(url, timeout=5) as reply:
            text = reply.read().decode()
        total = 0.0
        for match in re.finditer(rf"^{re.escape(metric)}(?:\{{([^}}]*)\}})? (\S+)$", text, re.M):
            series = dict(re.findall(r'(\w+)="([^"]*)"', match.group(1) or ""))
            if all(series.get(k) == v for k, v in labels.items()):
                total += float(match.group(2))
        return total

    def wait_for(self, predicate: Callable[[Collector], Any], timeout: float = 30, what: str = "condition") -> Any:
        deadline = time.monotonic() + timeout
        while True:
            result = predicate(self)
            if result:
                return result
            if time.monotonic() > deadline:
                raise AssertionError(f"Collector: {what} not met within {timeout}s; log: {self.log_text()[-3000:]}")
            time.sleep(0.1)
