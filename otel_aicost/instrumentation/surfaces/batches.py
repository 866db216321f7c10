"""The Batch API: ``batches.create`` and ``batches.retrieve`` (not billed: status ``free``), and
``files.content``: when the file read is a batch's output (JSON lines with ``custom_id`` and ``response``), the
usage of its lines is priced at batch rates and recorded on the read's span (total tokens, cost, the batch id
when this process saw the batch retrieved), so that batch spend appears in the same reports. Any other file read
is a ``free`` span. ``files.with_streaming_response.content`` leaves the body unread: counted, never priced.
"""

from __future__ import annotations

import json
import re
from collections import OrderedDict
from collections.abc import Mapping
from typing import Any

from otel_aicost import semconv
from otel_aicost.cost import fees
from otel_aicost.cost.call_cost import Cost, PricingRequest
from otel_aicost.instrumentation.facts import Facts
from otel_aicost.instrumentation.surfaces.shared import chat_usage, count, field, text, usage_of
from otel_aicost.instrumentation.surfaces.surface import Patch, Surface
from otel_aicost.instrumentation.usage import Usage

_OUTPUT_FILES: OrderedDict[str, str] = OrderedDict()  # output file id -> batch id, the most recent 1024 seen
_MAX_REMEMBERED = 1024
_FILE_URL = re.compile(r"/files/([^/]+)/content")
_MAX_LINES = 1_000_000
_BATCH_OUTPUT = "openai.batch.output"  # false on a file read that is not a batch's output


def _remember(batch: Any) -> None:
    batch_id = text(field(batch, "id"))
    for name in ("output_file_id", "error_file_id"):
        file_id = text(field(batch, name))
        if batch_id and file_id:
            _OUTPUT_FILES[file_id] = batch_id
            _OUTPUT_FILES.move_to_end(file_id)
    while len(_OUTPUT_FILES) > _MAX_REMEMBERED:
        _OUTPUT_FILES.popitem(last=False)


def read_batch(batch: Any) -> Facts:
    _remember(batch)
    batch_id = text(field(batch, "id"))
    return Facts(response_id=batch_id, extra=((semconv.BATCH_ID, batch_id),) if batch_id else ())


def batch_request(kwargs: Mapping[str, Any]) -> dict[str, Any]:
    endpoint = text(kwargs.get("endpoint"))
    return {"openai.batch.endpoint": endpoint} if endpoint else {}


# --- the output file ---------------------------------------------------------------------------------------------


def _line_call(line: Any) -> tuple[str | None, str, Usage] | None:
    """(model, operation, usage) of one batch output line that succeeded with usage."""
    body = field(field(line, "response"), "body")
    if not isinstance(body, dict):
        return None
    usage = body.get("usage")
    kind = body.get("object")
    if kind == "response":
        found = usage_of(usage, "input_tokens", "output_tokens", "input_tokens_details", "output_tokens_details")
        operation = semconv.OP_CHAT
    elif kind == "list":  # embeddings
        prompt = count(field(usage, "prompt_tokens"))
        found, operation = (Usage(input_tokens=prompt) if prompt is not None else None), semconv.OP_EMBEDDINGS
    else:
        found = chat_usage(usage)
        operation = semconv.OP_TEXT_COMPLETION if kind == "text_completion" else semconv.OP_CHAT
    if found is None:
        return None
    return text(body.get("model")), operation, found


def _batch_calls(content: bytes) -> tuple[tuple[str | None, str, Usage], ...] | None:
    """The calls of a batch output file, or None when the content is not one."""
    first = content[:4096].split(b"\n", 1)[0]
    if b'"custom_id"' not in first or b'"response"' not in first:
        return None
    calls = []
    for number, raw in enumerate(content.splitlines()):
        if number >= _MAX_LINES:
            break
        if not raw.strip():
            continue
        try:
            line = json.loads(raw)
        except ValueError:
            continue
        call = _line_call(line)
        if call is not None:
            calls.append(call)
    return tuple(calls)


def _sum(usages: list[Usage]) -> Usage:
    return Usage(
        input_tokens=sum(u.input_tokens for u in usages),
        output_tokens=sum(u.output_tokens for u in usages),
        cache_read_tokens=sum(u.cache_read_tokens for u in usages),
        reasoning_tokens=sum(u.reasoning_tokens for u in usages),
    )


def read_file_content(response: Any) -> Facts:
    raw = getattr(response, "response", None)
    try:
        content = raw.content if raw is not None else None
    except Exception:  # noqa: BLE001 - httpx.ResponseNotRead: a streamed body is the caller's to read
        return Facts()
    url = str(getattr(raw, "url", ""))
    match = _FILE_URL.search(url)
    file_id = match.group(1) if match else None
    extra: list[tuple[str, Any]] = [("openai.file.id", file_id)] if file_id else []
    calls = _batch_calls(content) if isinstance(content, bytes) else None
    if calls is None:
        return Facts(extra=(*extra, (_BATCH_OUTPUT, False)))
    batch_id = _OUTPUT_FILES.get(file_id or "")
    if batch_id:
        extra.append((semconv.BATCH_ID, batch_id))
    extra.append(("openai.batch.request_count", len(calls)))
    models = {model for model, _, _ in calls if model}
    return Facts(
        response_model=models.pop() if len(models) == 1 else None,
        usage=_sum([usage for _, _, usage in calls]) if calls else None,
        extra=tuple(extra),
        batch_calls=calls,
    )


def price_file_content(pricer: Any, request: Any, facts: Facts, usage: Usage | None) -> Cost:
    """A batch output file: each model's calls at its batch rates, summed; a file read that is not one: free; a
    body never read here (``with_streaming_response``): ``no_usage``, since it may have been a batch's output."""
    if not facts.batch_calls:
        if (_BATCH_OUTPUT, False) in facts.extra:
            return fees.free(Cost, pricer.currency)
        return Cost(semconv.STATUS_NO_USAGE, pricer.currency)
    # One price per call: a model's limits (implausible usage) hold per call, never for a file's sum.
    costs = [
        pricer.price(
            PricingRequest(
                operation=operation, usage=call_usage, response_model=model, batch=True,
                provider=request.endpoint.provider, deployment=request.deployment,
            )  # fmt: skip
        )
        for model, operation, call_usage in facts.batch_calls
    ]
    return fees.sum_costs(costs, pricer.currency)


BATCHES = Surface(semconv.OP_CREATE_BATCH, read_batch, api_type=semconv.API_BATCHES, request=batch_request, free=True)
RETRIEVE = Surface(
    semconv.OP_RETRIEVE_BATCH, read_batch, api_type=semconv.API_BATCHES, request=batch_request, free=True
)
FILE_CONTENT = Surface(
    semconv.OP_FILE_CONTENT, read_file_content, api_type=semconv.API_FILES, request=batch_request,
    price=price_file_content,
)  # fmt: skip

PATCHES = (
    Patch("openai.resources.batches", "Batches", "AsyncBatches", "create", BATCHES),
    Patch("openai.resources.batches", "Batches", "AsyncBatches", "retrieve", RETRIEVE),
    Patch("openai.resources.files", "Files", "AsyncFiles", "content", FILE_CONTENT),
)
