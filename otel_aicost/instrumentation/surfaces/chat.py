"""Chat Completions: ``chat.completions.create`` / ``parse`` (and ``beta.chat.completions.parse``)."""

from __future__ import annotations

from otel_aicost import semconv
from otel_aicost.instrumentation.surfaces.plain_chunks import plain_choices_chunk
from otel_aicost.instrumentation.surfaces.request_params import REQUEST_PARAMETERS
from otel_aicost.instrumentation.surfaces.shared import read_choices_chunk, read_choices_response
from otel_aicost.instrumentation.surfaces.surface import Patch, Surface
from otel_aicost.instrumentation.surfaces.usual_reply import choices_reply

CHAT = Surface(
    semconv.OP_CHAT, read_choices_response, read_choices_chunk, plain_choices_chunk,
    api_type=semconv.API_CHAT_COMPLETIONS, stream_usage=True, plain_text_field="content",
    read_usual=choices_reply, request_names=REQUEST_PARAMETERS,
)  # fmt: skip

# `chat.completions.stream()` calls `create`, and `.with_raw_response` / `.with_streaming_response` call the
# (wrapped) method too, so those are covered by these rows.
PATCHES = (
    Patch("openai.resources.chat.completions", "Completions", "AsyncCompletions", "create", CHAT),
    Patch("openai.resources.chat.completions", "Completions", "AsyncCompletions", "parse", CHAT),
    Patch("openai.resources.beta.chat.completions", "Completions", "AsyncCompletions", "parse", CHAT),
)
