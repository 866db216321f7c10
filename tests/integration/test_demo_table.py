"""``otel-aicost demo``'s table (issue 16): rows say what kind of call they are, and many rounds are summed."""

from __future__ import annotations

import openai
import pytest
from click.testing import CliRunner

from otel_aicost.cli.demo import command

pytestmark = pytest.mark.integration

# openai 1.40 (the oldest supported) has no Responses API: the demo then skips its two Responses calls.
RESPONSES = {"responses", "responses + web search"} if hasattr(openai.OpenAI, "responses") else set()
CALLS = 15 + len(RESPONSES)


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
    assert {"chat", "chat stream", "embeddings", "azure chat", "chat cached", *RESPONSES} <= set(kinds), kinds
    # issue 18: one call of each newer kind (the batch's life is three calls: create, retrieve, read its output)
    assert {"images", "audio.transcriptions", "audio.speech", "moderations", "batches", "files"} <= set(kinds), kinds
    assert f"{CALLS} requests" in output


def test_rounds_beyond_a_screenful_are_summed_per_kind_with_one_note(tmp_path):
    output = _run(tmp_path, 5)  # 85 calls (75 without the Responses API)
    rows = _table(output)
    calls = {row[1]: row[0] for row in rows}
    assert len(rows) == 14 + len(RESPONSES) and calls.pop("batches") == "10"  # create and retrieve
    assert set(calls.values()) == {"5"}  # the calls column
    assert f"{5 * CALLS} requests" in output and "one row per kind of call, summed" in output
    assert output.count("note: rate limited on purpose") == 1 and "(x5)" in output
