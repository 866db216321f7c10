"""Legacy text completions: ``completions.create``."""

from __future__ import annotations

from typing import Any

from otel_aicost import semconv
from otel_aicost.instrumentation.facts import Chunk
from otel_aicost.instrumentation.surfaces.plain_chunks import plain_choices_chunk
from otel_aicost.instrumentation.surfaces.request_params import REQUEST_PARAMETERS
from otel_aicost.instrumentation.surfaces.shared import read_choices_chunk, read_choices_response
from otel_aicost.instrumentation.surfaces.surface import Patch, Surface
from otel_aicost.instrumentation.surfaces.usual_reply import choices_reply


def read_chunk(chunk: Any, injected_usage: bool, need_common: bool) -> Chunk:
    return read_choices_chunk(chunk, injected_usage, need_common, "text")


def read_plain_chunk(chunk: Any, injected_usage: bool, need_common: bool) -> Any:
    return plain_choices_chunk(chunk, injected_usage, need_common, "text")


TEXT_COMPLETION = Surface(
    semconv.OP_TEXT_COMPLETION, read_choices_response, read_chunk, read_plain_chunk,
    stream_usage=True, plain_text_field="text", read_usual=choices_reply, request_names=REQUEST_PARAMETERS,
)  # fmt: skip

PATCHES = (Patch("openai.resources.completions", "Completions", "AsyncCompletions", "create", TEXT_COMPLETION),)
