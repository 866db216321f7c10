"""A FinOps command run where its extra is not installed says the exact install command (exit 2, no traceback),
and `otel-aicost --help` still lists it. msgspec (the telemetry reader) is made unimportable in a fresh interpreter,
as where the core comes without it (a core dependency on CPython only, or an install without dependencies);
`.ci/wheel-smoke` checks the same on the real wheel, msgspec uninstalled."""

from __future__ import annotations

import subprocess
import sys

import pytest

WITHOUT_MSGSPEC = "import sys; sys.modules['msgspec'] = None; from otel_aicost.cli import main; main()"


def cli_without_msgspec(*args: str, cwd) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", WITHOUT_MSGSPEC, *args], capture_output=True, text=True, cwd=cwd, timeout=60, check=False
    )


@pytest.mark.parametrize(
    "args", [["report"], ["report", "--html", "r.html"], ["focus", "-o", "f.csv"], ["reconcile", "--export", "x.csv"],
             ["forecast"], ["anomalies"], ["report", "--help"]],  # fmt: skip
)
def test_finops_commands_without_msgspec_say_what_to_install(args, tmp_path):
    result = cli_without_msgspec(*args, cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    assert f"otel-aicost {args[0]} needs msgspec: pip install 'otel-aicost[finops]'" in result.stderr
    assert "Traceback" not in result.stderr


def test_help_still_lists_every_command_and_the_core_commands_work(tmp_path):
    result = cli_without_msgspec("--help", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    for command in ("prices", "estimate", "report", "focus", "reconcile", "forecast", "anomalies", "demo"):
        assert f"  {command} " in result.stdout
    assert "needs the 'finops' extra: pip install 'otel-aicost[finops]'" in result.stdout
    assert cli_without_msgspec("prices", "gpt-4o", cwd=tmp_path).returncode == 0
