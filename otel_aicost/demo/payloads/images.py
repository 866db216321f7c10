"""Images bodies of the fake endpoint: ``generate`` / ``edit`` / ``create_variation`` and GPT Image streams.

Shapes recorded from the API reference (openai-python 3.57 types): GPT Image models report token usage
(``input_tokens_details`` text/image, ``output_tokens_details``), DALL-E models none.
"""

from __future__ import annotations

import base64
from typing import Any

TINY_PNG = base64.b64encode(b"\x89PNG\r\n\x1a\n" + b"\x00" * 16).decode()
IMAGE_TOKENS = {"low": 272, "medium": 1056, "high": 4160}  # output tokens of a square GPT Image image, by quality


def image_response(model: str, n: int = 1, size: str | None = None, quality: str | None = None,
                   prompt_tokens: int = 10, image_input_tokens: int = 0,
                   created: int = 1700000000) -> dict[str, Any]:  # fmt: skip
    """``images.generate`` / ``edit`` / ``create_variation``: ``n`` images; GPT Image models add usage."""
    body: dict[str, Any] = {"created": created, "data": [{"b64_json": TINY_PNG} for _ in range(n)]}
    if model.startswith("gpt-image"):
        quality = quality if quality in IMAGE_TOKENS else "medium"
        output = IMAGE_TOKENS[quality] * n
        body.update({
            "background": "opaque", "output_format": "png", "quality": quality, "size": size or "1024x1024",
            "usage": {"input_tokens": prompt_tokens + image_input_tokens, "output_tokens": output,
                      "total_tokens": prompt_tokens + image_input_tokens + output,
                      "input_tokens_details": {"text_tokens": prompt_tokens, "image_tokens": image_input_tokens},
                      "output_tokens_details": {"text_tokens": 0, "image_tokens": output}},
        })  # fmt: skip
    else:
        body["data"] = [{"url": f"https://images.example/{i}.png", "revised_prompt": "a cat"} for i in range(n)]
    return body


def image_events(model: str, size: str = "1024x1024", quality: str = "low", prompt_tokens: int = 10,
                 edit: bool = False) -> list[dict[str, Any]]:  # fmt: skip
    """A GPT Image stream: one partial image, then the completed image with its usage."""
    prefix = "image_edit" if edit else "image_generation"
    output = IMAGE_TOKENS.get(quality, IMAGE_TOKENS["medium"])
    common = {"b64_json": TINY_PNG, "background": "opaque", "created_at": 1700000000, "output_format": "png",
              "quality": quality, "size": size}  # fmt: skip
    return [
        {**common, "type": f"{prefix}.partial_image", "partial_image_index": 0},
        {**common, "type": f"{prefix}.completed",
         "usage": {"input_tokens": prompt_tokens, "output_tokens": output, "total_tokens": prompt_tokens + output,
                   "input_tokens_details": {"text_tokens": prompt_tokens, "image_tokens": 0}}},
    ]  # fmt: skip
