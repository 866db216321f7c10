"""A profile's prepared start attributes (``request.Profile.start_attributes``) are what the general start builds
(oracle: the profile's attributes updated with the surface's own ``request`` of the call's parameters, and
``span_writes.all_plain`` of the result), for every surface that declares ``request_names``, on many parameter sets
(repeated, so that the prepared answer is the one compared), and declines values that are not plain immutables."""

from __future__ import annotations

import pytest

from otel_aicost.instrumentation.endpoint import Endpoint
from otel_aicost.instrumentation.request import Profile
from otel_aicost.instrumentation.span_writes import all_plain
from otel_aicost.instrumentation.surfaces.chat import CHAT
from otel_aicost.instrumentation.surfaces.completions import TEXT_COMPLETION
from otel_aicost.instrumentation.surfaces.embeddings import EMBEDDINGS

PARAMETERS = [
    {},
    {"model": "gpt-4o-mini", "messages": []},
    {"temperature": 0.2, "max_tokens": 64},
    {"temperature": 1, "max_tokens": 64},
    {"temperature": True, "max_tokens": 64.0},
    {"max_tokens": 64, "temperature": 0.2},
    {"top_p": 0.5, "seed": 3, "n": 2, "stop": "END", "service_tier": "flex"},
    {"service_tier": "auto", "reasoning_effort": "low", "frequency_penalty": -0.5, "presence_penalty": None},
    {"max_completion_tokens": 10, "max_tokens": 20, "encoding_format": "base64"},
    {"encoding_format": "float", "dimensions": 8},
    {"previous_response_id": "resp_1", "max_output_tokens": 2**60},
    {"seed": "7", "n": 1, "stop": ""},
]
DECLINED = [
    {"stop": ["a", "b"]},
    {"response_format": {"type": "json_object"}},
    {"reasoning": {"effort": "high"}},
    {"temperature": 0.2, "text": {"format": {"type": "text"}}},
]


def _profiles() -> list[Profile]:
    endpoint = Endpoint("openai", "openai", "api.openai.com", 443, False, None, None)
    return [Profile(None, surface, endpoint, "gpt-4o-mini", False) for surface in (CHAT, TEXT_COMPLETION, EMBEDDINGS)]


@pytest.mark.parametrize("index", range(len(PARAMETERS)))
def test_prepared_start_attributes_are_the_general_ones(index: int) -> None:
    params = PARAMETERS[index]
    for profile in _profiles():
        expected = {**profile.span_attributes, **profile.surface.request(params)}
        for _ in range(2):
            attributes, plain = profile.start_attributes(params)
            assert list(attributes.items()) == list(expected.items())
            assert plain == (profile.plain_span_attributes and all_plain(expected))


# one name read, values equal but of other types, names in another order: in one profile
ONE_NAME_READ = [
    {"temperature": 1}, {"temperature": 1.0}, {"temperature": True}, {"model": "m", "temperature": 1},
    {"temperature": 1, "model": "m"}, {"model": "m", "messages": [], "temperature": 0.0}, {"temperature": -0.5},
    {"messages": [{"role": "user", "content": "hi"}]}, {"seed": 1}, {"seed": True}, {"stop": None},
]


def test_one_profile_tells_every_parameter_set_apart() -> None:
    """Every set through the same profiles, twice over: what one set prepared is never the answer for another
    (equal values of other types, other names, the same names in another order)."""
    profiles = _profiles()
    for _ in range(2):
        for params in PARAMETERS + ONE_NAME_READ:
            for profile in profiles:
                expected = {**profile.span_attributes, **profile.surface.request(params)}
                attributes, plain = profile.start_attributes(params)
                assert [(key, value, type(value)) for key, value in attributes.items()] == [
                    (key, value, type(value)) for key, value in expected.items()
                ], params
                assert plain == (profile.plain_span_attributes and all_plain(expected))
        for params in DECLINED + [{"temperature": [1]}, {"model": "m", "seed": {"a": 1}}]:
            for profile in profiles:
                assert profile.start_attributes(params) is None, params


@pytest.mark.parametrize("index", range(len(DECLINED)))
def test_values_that_are_not_plain_immutables_are_built_per_call(index: int) -> None:
    for profile in _profiles():
        assert profile.start_attributes(DECLINED[index]) is None
