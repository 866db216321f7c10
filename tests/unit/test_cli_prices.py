"""``otel-aicost prices`` and ``otel-aicost estimate``: output, machine formats, exit code 2 on bad input."""

from __future__ import annotations

import csv
import io
import json

import click
import pytest
from click.testing import CliRunner

from otel_aicost.cli import estimate
from otel_aicost.cli import prices

CLI = click.Group("otel-aicost", commands=[prices.command, estimate.command])


@pytest.fixture()
def run(monkeypatch, tmp_path):
    monkeypatch.delenv("OTEL_AICOST_CONFIG", raising=False)
    monkeypatch.delenv("OTEL_AICOST_CURRENCY", raising=False)

    def invoke(*args: str, env: dict[str, str] | None = None):
        return CliRunner().invoke(CLI, list(args), env=env, catch_exceptions=False)

    return invoke


def test_prices_for_one_model_as_json(run):
    result = run("prices", "gpt-4o-mini", "--json")
    assert result.exit_code == 0, result.output
    (row,) = json.loads(result.output)
    assert (row["input"], row["cached_input"], row["output"]) == ("0.15", "0.075", "0.6")
    assert row["source"].startswith("genai-prices ")


def test_prices_for_an_azure_deployment_type_show_source_and_date(run):
    result = run("prices", "gpt-4o", "--deployment-type", "data_zone_standard", "--format", "json")
    (row,) = json.loads(result.output)
    assert (row["input"], row["cached_input"], row["output"]) == ("2.75", "1.375", "11")
    assert row["source"] == "azure-retail-prices 2026-08 (data_zone_standard)"
    assert row["effective_from"]


def test_prices_table_for_one_model(run):
    result = run("prices", "o3", "--service-tier", "flex")
    assert result.exit_code == 0
    lines = dict(line.split(None, 1) for line in result.output.splitlines())
    assert lines["input"] == "1" and lines["output"] == "4"


def test_prices_list_as_csv_and_json(run):
    result = run("prices", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(result.output)))
    by_model = {row["model"]: row for row in rows}
    assert by_model["gpt-4.1"]["input"] == "2" and by_model["text-embedding-3-small"]["input"] == "0.02"
    azure = json.loads(run("prices", "--deployment-type", "global_batch", "--json").output)
    assert {"gpt-4o-2024-08-06", "o3-2025-04-16"} <= {row["model"] for row in azure}
    assert all("global_batch" in row["source"] for row in azure)


def test_prices_in_the_configured_currency(run, tmp_path):
    config = tmp_path / "aicost.toml"
    config.write_text('currency = "EUR"\nusd_rate = 0.5\n')
    result = run("prices", "gpt-4o", "--json", env={"OTEL_AICOST_CONFIG": str(config)})
    (row,) = json.loads(result.output)
    assert (row["currency"], row["input"], row["output"]) == ("EUR", "1.25", "5")


@pytest.mark.parametrize(
    "args",
    [
        ("prices", "no-such-model"),
        ("prices", "gpt-4o", "--deployment-type", "provisioned"),
        ("prices", "gpt-4o", "--deployment-type", "galactic"),
        ("estimate", "--model", "gpt-4o"),
        ("estimate", "--model", "gpt-4o", "--text", "a", "--file", "x.txt"),
        ("estimate", "--model", "no-such-model", "--text", "hello"),
        ("estimate", "--model", "gpt-4o", "--text", "hello", "--max-output", "-3"),
    ],
)
def test_bad_input_exits_2_with_a_message_and_no_traceback(run, args):
    result = run(*args)
    assert result.exit_code == 2
    assert "Error" in result.output and "Traceback" not in result.output


def test_bad_config_file_exits_2_naming_the_file(run, tmp_path):
    config = tmp_path / "aicost.toml"
    config.write_text("nonsense = 1\n")
    result = run("prices", "gpt-4o", env={"OTEL_AICOST_CONFIG": str(config)})
    assert result.exit_code == 2 and "aicost.toml" in result.output


def test_estimate_text_json(run):
    result = run("estimate", "--model", "gpt-4o-mini", "--text", "hello world", "--max-output", "1000", "--json")
    assert result.exit_code == 0, result.output
    (row,) = json.loads(result.output)
    assert row["input_tokens"] == 3 + 1 + 2 + 3  # message overhead, "user", "hello world", reply priming
    assert row["max_output_cost"] == "0.0006" and row["status"] == "priced"


def test_estimate_from_a_messages_file(run, tmp_path):
    file = tmp_path / "request.json"
    file.write_text(json.dumps({"messages": [{"role": "user", "content": "hello world"}]}))
    result = run("estimate", "-m", "gpt-4o", "-f", str(file), "--deployment-type", "data_zone_standard", "--json")
    (row,) = json.loads(result.output)
    assert row["input_tokens"] == 9 and "data_zone_standard" in row["source"]
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    assert run("estimate", "-m", "gpt-4o", "-f", str(bad)).exit_code == 2


# --- answers that used to mislead (issue 16) ------------------------------------------------------------------------


@pytest.mark.parametrize(("typo", "meant"), [("gpt4o", "gpt-4o"), ("o3mini", "o3-mini"), ("text-embeding-3-small", "text-embedding-3-small")])
def test_an_unknown_model_offers_the_closest_names(run, typo, meant):
    for args in (("prices", typo), ("estimate", "-m", typo, "-t", "hi")):
        result = run(*args)
        assert result.exit_code == 2 and f"did you mean {meant}" in result.output, result.output


def test_the_listing_shows_catalog_prefixes_as_globs_and_no_invented_cache_write_rate(run):
    rows = json.loads(run("prices", "--json").output)
    names = [row["model"] for row in rows]
    assert not [name for name in names if name[-1] in "-:."]
    assert "ft:gpt-3.5-turbo-*" in names
    by_model = {row["model"]: row for row in rows}
    assert by_model["gpt-4o"]["cache_write"] is None  # OpenAI bills no cache writes: no rate, not the input's


def test_estimate_for_embeddings_counts_the_raw_input(run):
    (row,) = json.loads(run("estimate", "-m", "text-embedding-3-small", "-t", "hello world", "--json").output)
    assert row["input_tokens"] == 2 and row["input_cost"] == "0.00000004"  # 2 x 0.02 / 1M
    assert row["excludes"] is None and row["max_output_cost"] is None


def test_estimate_without_max_output_says_the_output_is_not_counted(run):
    result = run("estimate", "-m", "gpt-4o", "-t", "hello world")
    assert result.exit_code == 0
    lines = dict(line.split(None, 1) for line in result.output.splitlines())
    assert lines["excludes"].startswith("output tokens: not counted; pass --max-output N")
    assert "max_output_cost" not in lines and lines["total"] == lines["input_cost"]
