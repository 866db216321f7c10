"""``request_attributes`` skips a call that passes no generation parameter; the parameters it looks for are asked of
the full reader itself, so none it reads can be missed (oracle: the full reader on the same arguments)."""

from __future__ import annotations

import pytest

from otel_aicost.instrumentation.surfaces import all_patches, request_params

VALUES = {
    "temperature": 0.2, "top_p": 1, "frequency_penalty": 0.5, "presence_penalty": -0.5, "max_completion_tokens": 10,
    "max_tokens": 20, "max_output_tokens": 30, "seed": 7, "n": 2, "stop": ["a", "b"], "service_tier": "flex",
    "reasoning_effort": "low", "reasoning": {"effort": "high"}, "previous_response_id": "resp_1",
    "response_format": {"type": "json_schema"}, "text": {"format": {"type": "text"}}, "text_format": dict,
}  # fmt: skip


def test_every_parameter_read_is_known() -> None:
    assert request_params._PARAMETERS == set(VALUES)


@pytest.mark.parametrize("name", sorted(VALUES))
def test_one_parameter_gives_what_the_full_reader_gives(name: str) -> None:
    kwargs = {"model": "gpt-4o-mini", "messages": [], name: VALUES[name]}
    assert request_params.request_attributes(kwargs) == request_params._request_attributes(kwargs) != {}


def test_no_parameter_no_attributes() -> None:
    kwargs = {"model": "gpt-4o-mini", "messages": [], "stream": True, "extra_headers": {"x": "y"}, "user": "u"}
    assert request_params.request_attributes(kwargs) == request_params._request_attributes(kwargs) == {}


@pytest.mark.parametrize("value", [1, 1.0, True, 0.5, None, "x"], ids=repr)
def test_a_repeated_call_site_gets_what_the_full_reader_gives_each_time(value: object) -> None:
    """The attributes of plain parameter values are read once per names, values and value types: equal values of
    another type (1, 1.0, True) are distinct attribute values and must not share an entry."""
    for top_p in (1, 1.0, True, value):
        kwargs = {"model": "m", "messages": [], "top_p": top_p, "max_tokens": 64, "seed": value}
        for _ in range(2):
            got = request_params.request_attributes(kwargs)
            expected = request_params._request_attributes(kwargs)
            assert [(k, v, type(v)) for k, v in got.items()] == [(k, v, type(v)) for k, v in expected.items()]


def test_what_a_caller_adds_to_the_attributes_stays_its_own() -> None:
    kwargs = {"model": "m", "input": "x", "temperature": 0.3}
    request_params.request_attributes(kwargs)["gen_ai.request.encoding_formats"] = ("float",)
    assert request_params.request_attributes(kwargs) == request_params._request_attributes(kwargs) == {
        "gen_ai.request.temperature": 0.3
    }


def test_values_that_may_change_are_read_every_time() -> None:
    reasoning = {"effort": "low"}
    kwargs = {"model": "m", "input": "x", "reasoning": reasoning, "temperature": 0.3}
    assert request_params.request_attributes(kwargs)["gen_ai.request.reasoning.level"] == "low"
    reasoning["effort"] = "high"
    assert request_params.request_attributes(kwargs) == request_params._request_attributes(kwargs)
    assert request_params.request_attributes(kwargs)["gen_ai.request.reasoning.level"] == "high"


def test_no_surface_reads_the_stream_options_we_add() -> None:
    """A call's parameters (``Call.params``) leave out the ``stream_options`` we add to ask for a stream's usage
    (``stream_usage.py``): right only while no surface's request attributes read them, or the ``extra_body`` they
    travel in."""
    read = [patch.surface.request_names for patch in all_patches() if patch.surface.request_names is not None]
    assert read, "no surface names the parameters it reads"
    assert all(names.isdisjoint({"stream_options", "extra_body"}) for names in read)
