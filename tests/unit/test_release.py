"""Release facts a user reads: `otel-aicost --version` (version and the date of the shipped price data) and the
CHANGELOG entry of this version. Oracles: the data files inside the package (read here as plain JSON), the
CHANGELOG in the checkout."""

from __future__ import annotations

import json
import re
from importlib import metadata, resources
from pathlib import Path

from click.testing import CliRunner

from otel_aicost.cli import main
from otel_aicost.version import __version__

ROOT = Path(__file__).resolve().parents[2]


def test_version_shows_the_release_and_the_price_data_date():
    result = CliRunner().invoke(main, ["--version"])
    assert result.exit_code == 0, result.output
    data = resources.files("otel_aicost.cost.pricing").joinpath("data")
    azure = json.loads(data.joinpath("azure.json").read_text())
    genai = json.loads(data.joinpath("genai_prices.json").read_text())
    lines = result.output.splitlines()
    assert lines[0] == f"otel-aicost, version {__version__}"
    assert f"Azure retail prices of {azure['snapshot_date']}" in lines[1]
    assert f"genai-prices {genai['version']} (latest price change {genai['latest_price_change']})" in lines[1]


def test_version_is_semantic_and_the_changelog_describes_it():
    assert re.fullmatch(r"\d+\.\d+\.\d+", __version__), __version__
    entries = re.findall(r"^## (\S+) - (\d{4}-\d{2}-\d{2})$", (ROOT / "CHANGELOG.md").read_text(), re.MULTILINE)
    assert entries and entries[0][0] == __version__, entries[:2]


def test_distribution_metadata_matches_the_package():
    dist = metadata.metadata("otel-aicost")
    assert dist["Version"] == __version__
    assert dist["License-Expression"] == "Apache-2.0"
    assert "Framework :: OpenTelemetry :: Instrumentations" in dist.get_all("Classifier")
