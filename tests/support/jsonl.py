"""Read what the embedded default destination wrote: OTLP JSON lines (``traces.jsonl``) as plain spans."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def plain(value: dict[str, Any]) -> Any:
    """An OTLP JSON AnyValue as a Python value (intValue is a string in OTLP JSON)."""
    ((kind, inner),) = value.items()
    if kind == "intValue":
        return int(inner)
    if kind == "arrayValue":
        return tuple(plain(v) for v in inner.get("values", []))
    return inner


def spans_in(path: Path) -> list[dict[str, Any]]:
    """Every span in a traces.jsonl file: ``{"name", "kind", "traceId", "spanId", "parentSpanId", "attributes"}``."""
    spans = []
    for line in path.read_text().splitlines():
        for resource_spans in json.loads(line)["resourceSpans"]:
            for scope_spans in resource_spans["scopeSpans"]:
                for span in scope_spans["spans"]:
                    spans.append({**span, "attributes": {a["key"]: plain(a["value"]) for a in span["attributes"]}})
    return spans
