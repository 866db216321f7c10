"""Embeddings bodies of the fake endpoint: a deterministic unit vector per input, float or base64 as asked."""

from __future__ import annotations

import base64
import hashlib
import json
import random
import struct
from typing import Any

from otel_aicost.demo.payloads.generation import prompt_tokens_of

DIMENSIONS = {"text-embedding-3-small": 1536, "text-embedding-3-large": 3072, "text-embedding-ada-002": 1536}


def _vector(value: Any, dimensions: int) -> list[float]:
    seed = hashlib.sha256(json.dumps(value).encode()).digest()
    rng = random.Random(seed)
    raw = [rng.uniform(-1.0, 1.0) for _ in range(dimensions)]
    norm = sum(x * x for x in raw) ** 0.5 or 1.0
    return [x / norm for x in raw]


def embeddings(body: dict[str, Any]) -> dict[str, Any]:
    model = str(body.get("model", ""))
    raw = body.get("input", "")
    inputs = raw if isinstance(raw, list) and raw and not all(isinstance(v, int) for v in raw) else [raw]
    dimensions = int(body.get("dimensions") or DIMENSIONS.get(model, 1536))
    as_base64 = body.get("encoding_format") == "base64"
    data = []
    for index, value in enumerate(inputs):
        vector: Any = _vector(value, dimensions)
        if as_base64:
            vector = base64.b64encode(struct.pack(f"<{dimensions}f", *vector)).decode()
        data.append({"object": "embedding", "index": index, "embedding": vector})
    tokens = int(body.get("fake_prompt_tokens") or prompt_tokens_of(inputs))
    payload: dict[str, Any] = {"object": "list", "data": data, "model": model}
    if body.get("fake_usage", True) is not False:
        payload["usage"] = {"prompt_tokens": tokens, "total_tokens": tokens}
    return payload
