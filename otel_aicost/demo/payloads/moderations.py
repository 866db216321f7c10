"""Moderations bodies of the fake endpoint: nothing flagged, the model's dated snapshot."""

from __future__ import annotations

from typing import Any

from otel_aicost.demo.payloads.generation import snapshot


def moderation(model: str = "omni-moderation-latest", ident: str = "modr-1") -> dict[str, Any]:
    categories = ["harassment", "hate", "self-harm", "sexual", "violence"]
    return {"id": ident, "model": snapshot(model),
            "results": [{"flagged": False, "categories": {c: False for c in categories},
                         "category_scores": {c: 0.001 for c in categories}}]}  # fmt: skip
