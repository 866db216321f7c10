"""``taps.JsonView``: decoded JSON read as the surfaces read SDK objects, every attribute the dict's value of that
name (None when absent), without raising: the oracle is the dict itself."""

from __future__ import annotations

import json
import sys

from otel_aicost.instrumentation.taps import JsonView, json_of, view

EVENT = json.loads(
    '{"id":"chatcmpl-1","model":"gpt-4o-mini","choices":[{"index":0,"delta":{"content":"Hi"},"finish_reason":null}],'
    '"usage":{"prompt_tokens":3,"completion_tokens":1,"prompt_tokens_details":{"cached_tokens":0}},'
    '"__dict__":7,"_data":"mine","get":1}'
)


def test_every_attribute_is_the_dicts_value_and_absent_is_none() -> None:
    event = view(EVENT)
    assert event.id == "chatcmpl-1" and event.model == "gpt-4o-mini"
    assert event.service_tier is None and event.system_fingerprint is None
    assert event.usage.prompt_tokens == 3 and event.usage.prompt_tokens_details.cached_tokens == 0
    assert event.usage.completion_tokens_details is None
    [choice] = event.choices
    assert choice.delta.content == "Hi" and choice.finish_reason is None and choice.index == 0
    # dunder and private names are keys too: nothing of the view's own shadows the JSON, nothing is invented
    assert event.__dict__ == 7 and event._data == "mine" and event.get == 1
    assert event.__pydantic_extra__ is None and event.__pydantic_fields_set__ is None
    assert getattr(event, "missing", "default") is None and hasattr(event, "anything")


def test_the_view_reads_the_dict_itself() -> None:
    data = {"a": {"b": [1, {"c": 2}]}}
    assert json_of(view(data)) is data
    assert json_of(view(data).a) is data["a"]
    assert view(data).a.b[0] == 1 and view(data).a.b[1].c == 2
    assert view([{"x": 1}, 2])[0].x == 1 and view(5) == 5 and isinstance(view(data), JsonView)


def test_no_exception_is_raised_and_dropped_on_a_read() -> None:
    """A ``__getattr__`` answers only after the normal lookup raised an AttributeError (7,350 instructions a read,
    bench/README.md): the view answers in ``__getattribute__``, so no exception is ever made for a read."""
    made = []

    def profile(frame, event, arg):  # noqa: ANN001, ANN202
        if event == "c_exception" or (event == "call" and frame.f_code.co_name == "__getattr__"):
            made.append(event)

    event = view(EVENT)
    old = sys.getprofile()
    sys.setprofile(profile)
    try:
        for name in ("id", "missing", "usage", "choices", "__pydantic_extra__"):
            getattr(event, name)
    finally:
        sys.setprofile(old)
    assert made == []
