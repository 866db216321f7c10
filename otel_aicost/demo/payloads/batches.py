"""Batch API bodies of the fake endpoint: a batch object, and a batch output file of JSON lines."""

from __future__ import annotations

import json
from typing import Any


def batch(ident: str = "batch_1", status: str = "completed", endpoint: str = "/v1/chat/completions",
          output_file_id: str | None = "file-out-1") -> dict[str, Any]:  # fmt: skip
    return {"id": ident, "object": "batch", "endpoint": endpoint, "input_file_id": "file-in-1",
            "completion_window": "24h", "status": status, "created_at": 1700000000,
            "output_file_id": output_file_id if status == "completed" else None, "error_file_id": None,
            "request_counts": {"total": 2, "completed": 2, "failed": 0}}  # fmt: skip


def batch_output(calls: list[tuple[str, int, int]], kind: str = "chat.completion") -> bytes:
    """A batch output file: one JSON line per (model, prompt tokens, completion tokens) call, the way the Batch
    API writes them (``custom_id``, ``response.status_code``, ``response.body``)."""
    lines = []
    for index, (model, prompt, completion) in enumerate(calls):
        if kind == "response":
            body: dict[str, Any] = {"id": f"resp_{index}", "object": "response", "model": model, "status": "completed",
                                    "output": [], "usage": {"input_tokens": prompt, "output_tokens": completion,
                                                            "total_tokens": prompt + completion}}  # fmt: skip
        else:
            body = {"id": f"chatcmpl-{index}", "object": "chat.completion", "created": 1700000000, "model": model,
                    "choices": [{"index": 0, "message": {"role": "assistant", "content": "ok"},
                                 "finish_reason": "stop"}],
                    "usage": {"prompt_tokens": prompt, "completion_tokens": completion,
                              "total_tokens": prompt + completion}}  # fmt: skip
        line = {"id": f"batch_req_{index}", "custom_id": f"request-{index}",
                "response": {"status_code": 200, "request_id": f"req_{index}", "body": body}, "error": None}
        lines.append(json.dumps(line))
    return ("\n".join(lines) + "\n").encode()
