"""apim/ policies: well-formed XML whose dimensions read exactly the headers the instrumentation sends."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from otel_aicost.config.settings import Settings
from otel_aicost.instrumentation.gateway_headers import header_name

APIM = Path(__file__).resolve().parents[2] / "apim"


@pytest.mark.parametrize(
    "name, element",
    [
        ("aicost-token-metrics.xml", "azure-openai-emit-token-metric"),
        ("llm-token-metrics.xml", "llm-emit-token-metric"),
    ],
)
def test_fragment_dimensions_are_the_metric_tags_read_from_our_headers(name, element):
    root = ET.parse(APIM / name).getroot()
    assert root.tag == "fragment"
    (emit,) = root.iter(element)
    custom = {d.get("name"): d.get("value") for d in emit.iter("dimension") if d.get("value")}
    assert set(custom) == set(Settings().metric_tags)  # the default allow-list, nothing more (cardinality)
    for key, expression in custom.items():
        (header,) = re.findall(r'GetValueOrDefault\("([^"]+)"', expression)
        assert header == header_name(key)
        assert "Substring(0, 64)" in expression and '"(none)"' in expression


def test_token_limit_example_counts_per_team_and_includes_the_fragment():
    root = ET.parse(APIM / "token-limit-example.xml").getroot()
    (limit,) = root.iter("azure-openai-token-limit")
    assert header_name("team") in limit.get("counter-key")
    assert {"tokens-per-minute", "token-quota", "token-quota-period", "estimate-prompt-tokens"} <= set(limit.attrib)
    assert [f.get("fragment-id") for f in root.iter("include-fragment")] == ["aicost-token-metrics"]
