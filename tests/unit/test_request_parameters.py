"""``request_attributes`` skips a call that passes no generation parameter; the parameters it looks for are asked of
the full reader itself, so none it reads can be missed (oracle: the full reader on the same arguments)."""

from __future__ import annotations

import pytest

from otel_aicost.instrumentation.surfaces import shared

VALUES = {
    "temperature": 0.2, "top_p": 1, "frequency_penalty": 0.5, "presence_penalty": -0.5, "max_completion_tokens": 10,
    "max_tokens": 20, "max_output_tokens": 30, "seed": 7, "n": 2, "stop": ["a", "b"], "service_tier": "flex",
    "reasoning_effort": "low", "reasoning": {"effort": "high"}, "previous_response_id": "resp_1",
    "response_format": {"type": "json_schema"}, "text": {"format": {"type": "text"}}, "text_format": dict,
}  # fmt: skip


def test_every_parameter_read_is_known() -> None:
    assert shared._PARAMETERS == set(VALUES)


@pytest.mark.parametrize("name", sorted(VALUES))
def test_one_parameter_gives_what_the_full_reader_gives(name: str) -> None:
    kwargs = {"model": "gpt-4o-mini", "messages": [], name: VALUES[name]}
    assert shared.request_attributes(kwargs) == shared._request_attributes(kwargs) != {}


def test_no_parameter_no_attributes() -> None:
    kwargs = {"model": "gpt-4o-mini", "messages": [], "stream": True, "extra_headers": {"x": "y"}, "user": "u"}
    assert shared.request_attributes(kwargs) == shared._request_attributes(kwargs) == {}
