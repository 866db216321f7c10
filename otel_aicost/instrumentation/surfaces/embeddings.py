"""Embeddings: ``embeddings.create``."""

from __future__ import annotations

from collections.abc import Mapping
from operator import itemgetter
from typing import Any

from otel_aicost import semconv
from otel_aicost.instrumentation.facts import Facts
from otel_aicost.instrumentation.surfaces.request_params import REQUEST_PARAMETERS, request_attributes
from otel_aicost.instrumentation.surfaces.shared import count, text
from otel_aicost.instrumentation.surfaces.surface import Patch, Surface
from otel_aicost.instrumentation.surfaces.usual_reply import Reply
from otel_aicost.instrumentation.surfaces.usual_usage import MAX_TOKENS
from otel_aicost.instrumentation.usage import Usage


def embeddings_request(kwargs: Mapping[str, Any]) -> dict[str, Any]:
    attributes = request_attributes(kwargs)
    encoding = text(kwargs.get("encoding_format"))
    if encoding is not None:
        attributes[semconv.REQUEST_ENCODING_FORMATS] = (encoding,)
    return attributes


def read(response: Any) -> Facts:
    model, prompt, dimensions = _fields(response)
    return Facts(
        response_model=model,
        usage=Usage(input_tokens=prompt) if prompt is not None else None,
        dimension_count=dimensions,
    )


def read_usual(response: Any) -> Reply | None:
    """``read`` as a ``usual_reply.Reply`` (None without usage: no usual end), read from the pydantic 2 models'
    ``__dict__`` in place of ``_fields``' five getattr with a default (6.7k -> 5.0k instructions per call,
    own_instructions.py --by-file); anything else (extra fields, a missing field, a pydantic 1 model) is None: the
    general end reads it with ``read``."""
    try:  # openai's own classes by attribute (a declared field's read costs about 80 instructions, a model's __dict__
        # about 520; callgrind), another model from its __dict__
        if response.__pydantic_extra__:
            return None
        if type(response) is _RESPONSE:
            model, usage, data = response.model, response.usage, response.data
        else:
            model, usage, data = _REPLY_FIELDS(response.__dict__)
        if usage.__pydantic_extra__:
            return None
        prompt = usage.prompt_tokens if type(usage) is _USAGE else usage.__dict__["prompt_tokens"]
        dimensions = None
        if isinstance(data, list) and data:
            vector = data[0].embedding
            if isinstance(vector, list):
                dimensions = len(vector)
    except (AttributeError, KeyError):
        return None
    if not (type(prompt) is int and 0 <= prompt <= MAX_TOKENS):  # shared.count and text, inline
        return None
    return (None, model if type(model) is str and model else None, (), None, None, dimensions, prompt, 0, None, None, 0)


_REPLY_FIELDS = itemgetter("model", "usage", "data")


def _own_classes() -> tuple[type | None, type | None]:
    """openai's CreateEmbeddingResponse and its Usage, each if it declares the fields ``read_usual`` reads."""
    try:
        from openai.types import CreateEmbeddingResponse
        from openai.types.create_embedding_response import Usage as EmbeddingsUsage
    except ImportError:  # pragma: no cover - openai missing: nothing is ever wrapped
        return None, None
    response_fields = getattr(CreateEmbeddingResponse, "model_fields", None)
    usage_fields = getattr(EmbeddingsUsage, "model_fields", None)
    response_usable = isinstance(response_fields, dict) and {"model", "usage", "data"} <= response_fields.keys()
    usage_usable = isinstance(usage_fields, dict) and "prompt_tokens" in usage_fields
    return (CreateEmbeddingResponse if response_usable else None), (EmbeddingsUsage if usage_usable else None)


_RESPONSE, _USAGE = _own_classes()


def _fields(response: Any) -> tuple[str | None, int | None, int | None]:
    """The response model, the prompt tokens and the vector length of an embeddings reply."""
    usage = getattr(response, "usage", None)
    prompt = count(getattr(usage, "prompt_tokens", None)) if usage is not None else None
    dimensions = None
    data = getattr(response, "data", None)
    if isinstance(data, list) and data:
        vector = getattr(data[0], "embedding", None)
        if isinstance(vector, list):
            dimensions = len(vector)
    return text(getattr(response, "model", None)), prompt, dimensions


EMBEDDINGS = Surface(
    semconv.OP_EMBEDDINGS, read, request=embeddings_request, read_usual=read_usual,
    request_names=REQUEST_PARAMETERS | {"encoding_format"},  # what embeddings_request reads
)  # fmt: skip

PATCHES = (Patch("openai.resources.embeddings", "Embeddings", "AsyncEmbeddings", "create", EMBEDDINGS),)
