"""The private SDK attributes ``instrumentation/sdk.py`` reads still exist: fail loudly the day one disappears."""

from __future__ import annotations

import wrapt

from otel_aicost.instrumentation import sdk
from otel_aicost.instrumentation.endpoint import endpoint_of
from tests.support import payloads
from tests.support.mock_openai import client, json_response, sse, sse_response


def test_resources_know_their_client():
    api = client(lambda request: None)
    assert sdk.client_of(api.chat.completions) is api
    assert sdk.client_of(api.embeddings) is api


def test_the_base_url_is_the_public_one():
    for azure in (False, True):
        api = client(lambda request: None, azure=azure)
        assert sdk.base_url_of(api) is api.base_url
        assert sdk.stored_base_url(api) is api.base_url
        # stored on the client, not computed by a property (openai 3.63 made ``_base_url`` one: 5 calls a read)
        assert sdk.BASE_URL_FIELD in vars(api)
        api.base_url = "https://other.example.com/v1"
        assert sdk.base_url_of(api) is api.base_url and api.base_url.host == "other.example.com"
        assert sdk.stored_base_url(api) is api.base_url


def test_raw_responses_are_the_legacy_class():
    api = client(lambda request: json_response(payloads.chat_completion()))
    raw = api.chat.completions.with_raw_response.create(model="gpt-4o-mini", messages=[])
    assert isinstance(sdk.LegacyAPIResponse, type) and isinstance(raw, sdk.LegacyAPIResponse)


def test_wrapt_keeps_the_wrapper_function():
    def wrapper(wrapped, instance, args, kwargs):
        return wrapped(*args, **kwargs)

    assert sdk.inner_wrapper(wrapt.FunctionWrapper(len, wrapper)) is wrapper
    assert sdk.inner_wrapper(len) is None


def test_forget_field_makes_a_field_look_unset():
    api = client(lambda request: sse_response(sse(payloads.chat_chunks(include_usage=False))))
    chunk = next(iter(api.chat.completions.create(model="gpt-4o-mini", messages=[], stream=True)))
    chunk_with_usage = chunk.model_copy(update={"usage": None})
    assert chunk_with_usage.__pydantic_fields_set__ is chunk_with_usage.model_fields_set
    sdk.forget_field(chunk_with_usage, "usage")
    assert "usage" not in chunk_with_usage.model_fields_set


def test_public_reads_give_the_endpoint():
    endpoint = endpoint_of(client(lambda request: None, azure=True, api_version="2024-10-21"))
    assert endpoint.is_azure and endpoint.api_version == "2024-10-21"
    assert endpoint.server_address == "contoso.openai.azure.com"


def test_a_stream_hands_out_its_own_iterator():
    """``sdk.chunk_iterator``: the SDK's ``Stream.__iter__`` / ``AsyncStream.__aiter__`` read nothing but the
    stream's ``_iterator`` (and yield its items on), so the stream proxies loop over that one directly; a stream
    class with its own ``__iter__`` is iterated through it."""
    from openai import AsyncStream, Stream

    assert Stream.__iter__.__code__.co_names == ("_iterator",)
    assert AsyncStream.__aiter__.__code__.co_names == ("_iterator",)
    chunks = payloads.chat_chunks(include_usage=False)
    api = client(lambda request: sse_response(sse(chunks)))

    def stream() -> Stream:
        return api.chat.completions.create(model="gpt-4o-mini", messages=[], stream=True)

    own = stream()
    assert sdk.chunk_iterator(own) is own._iterator
    shortcut = [chunk.model_dump() for chunk in sdk.chunk_iterator(stream())]
    assert shortcut == [chunk.model_dump() for chunk in stream()] and len(shortcut) == len(chunks)

    class Counting(Stream):
        def __iter__(self):
            yield from super().__iter__()

    counting = stream()
    counting.__class__ = Counting
    assert sdk.chunk_iterator(counting) is not counting._iterator
    assert len(list(sdk.chunk_iterator(counting))) == len(chunks)
    assert sdk.chunk_iterator([1, 2]).__next__() == 1
