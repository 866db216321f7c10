"""A profile's prepared start attributes (``request.Profile.start_attributes``) are what the general start builds
(oracle: the profile's attributes updated with the surface's own ``request`` of the call's parameters, and
``span_writes.all_plain`` of the result), for every surface that declares ``request_names``, on many parameter sets
(repeated, so that the prepared answer is the one compared), and declines values that are not plain immutables."""

from __future__ import annotations

import pytest
from pydantic import BaseModel

from otel_aicost.instrumentation.attributes import start_attributes
from otel_aicost.instrumentation.endpoint import Endpoint
from otel_aicost.instrumentation.metrics import MetricTags
from otel_aicost.instrumentation.request import Profile
from otel_aicost.instrumentation.span_writes import all_plain
from otel_aicost.instrumentation.surfaces.chat import CHAT
from otel_aicost.instrumentation.surfaces.completions import TEXT_COMPLETION
from otel_aicost.instrumentation.surfaces.embeddings import EMBEDDINGS
from otel_aicost.instrumentation.surfaces.responses import RESPONSES

PARAMETERS = [
    {},
    {"model": "gpt-4o-mini", "messages": []},
    {"temperature": 0.2, "max_tokens": 64},
    {"temperature": 1, "max_tokens": 64},
    {"temperature": True, "max_tokens": 64.0},
    {"max_tokens": 64, "temperature": 0.2},
    {"top_p": 0.5, "seed": 3, "n": 2, "stop": "END", "service_tier": "flex"},
    {"service_tier": "auto", "reasoning_effort": "low", "frequency_penalty": -0.5, "presence_penalty": None},
    {"stop": "END"},  # a string (immutable): its own key, the same attribute as ["END"]
    {"stop": ["END"]},
    {"response_format": "json_object"},  # a string: not a format
    {"max_completion_tokens": 10, "max_tokens": 20, "encoding_format": "base64"},
    {"encoding_format": "float", "dimensions": 8},
    {"previous_response_id": "resp_1", "max_output_tokens": 2**60},
    {"seed": "7", "n": 1, "stop": ""},
]

# structures, prepared by what the attributes take of them (request_params.REQUEST_DIGESTS)
class Answer(BaseModel):
    text: str


SCHEMA = {"type": "json_schema", "json_schema": {"name": "answer", "schema": {"type": "object", "properties": {
    "text": {"type": "string"}}, "required": ["text"]}, "strict": True}}  # fmt: skip
STRUCTURED = [
    {"stop": ["a", "b"]},
    {"stop": ("a", "b")},
    {"stop": ["a", "b", "c"]},
    {"stop": ["a", 1]},  # not all strings: no stop sequences
    {"stop": []},
    {"stop": [["a"]]},
    {"response_format": {"type": "json_object"}},
    {"response_format": SCHEMA},
    {"response_format": {"type": "text"}},
    {"response_format": {"type": "xml"}},
    {"response_format": {"type": ["json_object"]}},  # an unhashable type: compared, not hashed
    {"response_format": {}},
    {"response_format": Answer},  # parse()
    {"response_format": [1], "text": {"format": {"type": "json_schema"}}},  # not a format: text decides
    {"response_format": {"type": "text"}, "text": {"format": {"type": "json_schema"}}},  # the format decides
    {"reasoning": {"effort": "high"}},
    {"reasoning": {"effort": "high"}, "reasoning_effort": "low"},
    {"reasoning": {"summary": "auto"}},
    {"reasoning": {"effort": 3}},
    {"reasoning": ["high"]},
    {"temperature": 0.2, "text": {"format": {"type": "text"}}},
    {"temperature": 0.2, "text": {"format": {"type": "json_schema", "name": "answer"}, "verbosity": "low"}},
    {"text": {"format": "json"}},
    {"text": {"verbosity": "low"}, "text_format": Answer},
    {"text_format": Answer, "max_output_tokens": 100},
    {"text_format": "Answer"},
    {"model": "m", "stop": ["END"], "response_format": SCHEMA, "temperature": 0.0, "seed": 1},
]
DECLINED = [
    {"temperature": [0.2]},
    {"max_tokens": {"value": 64}},
    {"seed": 1, "service_tier": ["flex"]},
]


class Unreadable(list):
    """A stop list that fails when read: declined (the general start reads it, and reports what it raises)."""

    def __iter__(self):  # noqa: ANN204
        raise RuntimeError("unreadable")


def _profiles() -> list[Profile]:
    endpoint = Endpoint("openai", "openai", "api.openai.com", 443, False, None, None)
    return [Profile(None, surface, endpoint, "gpt-4o-mini", False)
            for surface in (CHAT, TEXT_COMPLETION, EMBEDDINGS, RESPONSES)]  # fmt: skip


@pytest.mark.parametrize("index", range(len(PARAMETERS + STRUCTURED)))
def test_prepared_start_attributes_are_the_general_ones(index: int) -> None:
    params = (PARAMETERS + STRUCTURED)[index]
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
        for params in PARAMETERS + ONE_NAME_READ + STRUCTURED:
            for profile in profiles:
                expected = {**profile.span_attributes, **profile.surface.request(params)}
                attributes, plain = profile.start_attributes(params)
                assert [(key, value, type(value)) for key, value in attributes.items()] == [
                    (key, value, type(value)) for key, value in expected.items()
                ], params
                assert plain == (profile.plain_span_attributes and all_plain(expected))
        for params in DECLINED + [{"temperature": [1]}, {"model": "m", "seed": {"a": 1}}, {"stop": Unreadable()}]:
            for profile in profiles:
                assert profile.start_attributes(params) is None, params


@pytest.mark.parametrize("index", range(len(DECLINED)))
def test_values_that_are_not_plain_immutables_are_built_per_call(index: int) -> None:
    for profile in _profiles():
        assert profile.start_attributes(DECLINED[index]) is None


# a Responses API conversation's turns: values new on most calls (RESPONSES.per_call_values), read per call into a copy
# of the start prepared for which of them are present
TURNS = [
    {"previous_response_id": "resp_1", "temperature": 0.2},
    {"previous_response_id": "resp_2", "temperature": 0.2},
    {"temperature": 0.2, "previous_response_id": "resp_3"},
    {"previous_response_id": "", "temperature": 0.2},  # not a text: no attribute
    {"previous_response_id": 7, "temperature": 0.2},
    {"previous_response_id": None, "temperature": 0.2},
    {"conversation": "conv_1"},
    {"conversation": {"id": "conv_2"}},  # an object: its id
    {"conversation": {"id": "conv_3"}, "previous_response_id": "resp_4", "max_output_tokens": 64},
    {"conversation": {"topic": "no id"}},
    {"conversation": {"id": 5}},
    {"conversation": ["conv_4"]},
    {"conversation": "conv_5", "previous_response_id": "resp_5", "text": {"format": {"type": "json_schema"}}},
]


def test_a_conversations_turns_are_the_general_start_each_with_its_own_values() -> None:
    """Each turn's start is the general one, in order with its types, with the process's default tags too; the
    prepared starts are kept by which per-call values are present, not by the values (a new id each turn would make
    a new one every call)."""
    responses = _profiles()[-1]
    for round_ in range(3):
        for number, params in enumerate(TURNS):
            params = {key: (f"{value}-{round_}" if type(value) is str and value and key != "text" else value)
                      for key, value in params.items()}  # fmt: skip  (new ids each round)
            for tags in (None, *TAG_SETS):
                expected = start_attributes(_Request(responses, params, tags or {}), _NoContent())
                got = responses.start_attributes(params, tags)
                assert got is not None, params
                assert [(key, value, type(value)) for key, value in got[0].items()] == [
                    (key, value, type(value)) for key, value in expected[0].items()
                ], (params, tags)
                assert got[1] == expected[1]
    assert len(responses._starts) <= len(TURNS)


def test_a_per_call_value_that_fails_to_read_is_built_per_call() -> None:
    class Unreadable(dict):
        def get(self, key, default=None):  # noqa: ANN001, ANN202
            raise RuntimeError("unreadable")

    assert _profiles()[-1].start_attributes({"conversation": Unreadable(id="conv_1")}) is None


class _Request:
    """What attributes.start_attributes reads of a call."""

    def __init__(self, profile: Profile, params: dict, tags: dict) -> None:
        self.profile, self.params, self.tags, self.surface = profile, params, tags, profile.surface


class _NoContent:
    on_span = False


TAG_SETS = [
    {"application": "checkout"},
    {"environment": "prod", "application": "checkout"},
    {"application": "checkout", "cost_center": 7},  # not a str (a config file's number): not plain
]


def test_start_attributes_with_the_default_tags_are_the_general_ones() -> None:
    """``Profile.start_attributes`` with the process's default tags (the same object every call) against the
    general start (``attributes.start_attributes``), on one profile for every parameter and tag set, twice over."""
    profiles = _profiles()
    for _ in range(2):
        for tags in TAG_SETS:
            for params in PARAMETERS + STRUCTURED:
                for profile in profiles:
                    expected = start_attributes(_Request(profile, params, tags), _NoContent())
                    got = profile.start_attributes(params, tags)
                    assert [(key, value, type(value)) for key, value in got[0].items()] == [
                        (key, value, type(value)) for key, value in expected[0].items()
                    ], (params, tags)
                    assert got[1] == expected[1]
                    assert profile.start_attributes(params)[0] == {**profile.span_attributes,
                                                                   **profile.surface.request(params)}  # untouched
            for profile in profiles:
                assert profile.start_attributes(DECLINED[0], tags) is None


def test_the_default_tags_are_admitted_to_metrics_once_with_the_same_answer() -> None:
    """MetricTags answers for its fixed tags once: what admitted() answers for an equal dict each time."""
    fixed = {"application": "checkout", "team": "t" * 300, "other": "x"}
    tags = MetricTags(("application", "team", "environment"), 2, fixed)
    first = tags.admitted(fixed)
    assert first == (("aicost.tag.application", "checkout"), ("aicost.tag.team", "_other"))
    assert tags.admitted(fixed) is first
    assert tags.admitted(dict(fixed)) == first  # an equal dict: computed, the same
    assert tags.admitted({"environment": "a"}) == (("aicost.tag.environment", "a"),)
    assert tags.admitted({"environment": "b"}) == (("aicost.tag.environment", "b"),)
    assert tags.admitted({"environment": "c"}) == (("aicost.tag.environment", "_other"),)  # the cap: 2 values a key
    assert tags.admitted(fixed) is first
