"""``otel-aicost demo``'s table (issue 16): rows say what kind of call they are, and many rounds are summed."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from otel_aicost.cli.demo import command

pytestmark = pytest.mark.integration


def _table(output: str) -> list[list[str]]:
    lines = output.split("\n\n", 1)[0].splitlines()
    return [[cell.strip() for cell in line.strip().split("  ") if cell.strip()] for line in lines[2:]]


def _run(tmp_path, rounds: int) -> str:
    result = CliRunner().invoke(command, ["--data-dir", str(tmp_path / "data"), "--rounds", str(rounds)])
    assert result.exit_code == 0, result.output
    return result.stdout


def test_each_row_names_the_kind_of_call(tmp_path):
    output = _run(tmp_path, 1)
    kinds = [row[0] for row in _table(output)]
    assert {"chat", "chat stream", "embeddings", "azure chat", "chat cached", "responses"} <= set(kinds), kinds
    assert "8 requests" in output


def test_rounds_beyond_a_screenful_are_summed_per_kind_with_one_note(tmp_path):
    output = _run(tmp_path, 5)  # 40 calls
    rows = _table(output)
    assert len(rows) == 8 and all(row[0] == "5" for row in rows)  # the calls column
    assert "40 requests" in output and "one row per kind of call, summed" in output
    assert output.count("note: rate limited on purpose") == 1 and "(x5)" in output
