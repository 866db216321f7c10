"""The FinOps Foundation's focus-validator on our FOCUS output: no failing rule beyond its known false positives.

It runs in a venv of its own (scripts/focus_validator.py: it needs Python >= 3.12 and conflicting pins), made on
first use; skipped where the machine has no Python >= 3.12.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

from otel_aicost.finops.focus.build import build_focus
from otel_aicost.finops.focus.write import write_csv, write_parquet
from tests.support.otlp_lines import random_calls, write_lines
from tests.support.reconcile_scenario import CALLS

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "focus_validator.py"


@pytest.mark.slow  # installs the validator in its own venv once; nothing here depends on the openai version
def test_focus_validator_passes_our_csv_and_parquet(tmp_path):
    write_lines(tmp_path / "t.jsonl", random_calls(300, seed=5) + CALLS)
    result = build_focus([str(tmp_path / "t.jsonl")], workers=1)
    files = [tmp_path / "focus.csv"]
    write_csv(result.rows, files[0])
    if importlib.util.find_spec("pyarrow") is not None:
        files.append(tmp_path / "focus.parquet")
        write_parquet(result.rows, files[1])
    done = subprocess.run(
        [sys.executable, str(SCRIPT), *map(str, files)], capture_output=True, text=True, timeout=1800, check=False
    )
    if done.returncode == 3:
        pytest.skip(done.stdout.strip())
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.count("known validator false positive") == len(files)  # InvoiceId-C-005-C only
