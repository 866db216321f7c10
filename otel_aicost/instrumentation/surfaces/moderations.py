"""Moderations: ``moderations.create``. The API does not bill them: status ``free``, cost 0, so that every call
is counted."""

from __future__ import annotations

from typing import Any

from otel_aicost import semconv
from otel_aicost.instrumentation.facts import Facts
from otel_aicost.instrumentation.surfaces.shared import field, text
from otel_aicost.instrumentation.surfaces.surface import Patch, Surface


def read(response: Any) -> Facts:
    return Facts(response_id=text(field(response, "id")), response_model=text(field(response, "model")))


def moderations_request(kwargs: Any) -> dict[str, Any]:
    return {}


MODERATIONS = Surface(
    semconv.OP_MODERATIONS, read, api_type=semconv.API_MODERATIONS, request=moderations_request, free=True
)

PATCHES = (Patch("openai.resources.moderations", "Moderations", "AsyncModerations", "create", MODERATIONS),)
