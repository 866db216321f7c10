"""``OTEL_AICOST_OPENINFERENCE=true``: spans also carry the OpenInference names Arize Phoenix prices by.

Phoenix (checked: 20.26.1) turns GenAI semconv attributes into OpenInference ones when it receives a span,
never overriding an attribute the span already has, and prices the span itself from ``llm.model_name`` and the
token counts (it never reads ``gen_ai.usage.cost``). It takes ``llm.model_name`` from ``gen_ai.request.model``:
for Azure OpenAI that is the deployment name (``chat-prod``), which matches no price, so Azure calls show $0.
With the switch on, each exported GenAI span also carries

* ``llm.model_name``: the model we priced (``aicost.pricing.model``), else the response model, else the request
  model; for embeddings ``embedding.model_name`` too;
* ``llm.token_count.total``: for embeddings, which have no output tokens (Phoenix only adds input and output).

These are not semconv names, hence the switch (off by default). The spans are copied with the public
``ReadableSpan`` constructor at export, so nothing changes on the call path. ``bench/phoenix_check.py`` runs a
real Phoenix and checks its API.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export import SpanExporter, SpanExportResult

from otel_aicost import semconv

LLM_MODEL_NAME = "llm.model_name"
EMBEDDING_MODEL_NAME = "embedding.model_name"
LLM_TOKEN_COUNT_TOTAL = "llm.token_count.total"


def openinference_attributes(attributes: Any) -> dict[str, Any]:
    """The OpenInference attributes to add to a span with these attributes (empty for other spans)."""
    operation = attributes.get(semconv.OPERATION_NAME)
    model = (
        attributes.get(semconv.PRICING_MODEL)
        or attributes.get(semconv.RESPONSE_MODEL)
        or attributes.get(semconv.REQUEST_MODEL)
    )
    if not operation or not model:
        return {}
    added = {LLM_MODEL_NAME: model}
    if operation == semconv.OP_EMBEDDINGS:
        added[EMBEDDING_MODEL_NAME] = model
        tokens = attributes.get(semconv.USAGE_INPUT_TOKENS)
        if tokens is not None:
            added[LLM_TOKEN_COUNT_TOTAL] = tokens
    return added


def with_openinference(span: ReadableSpan) -> ReadableSpan:
    added = openinference_attributes(span.attributes or {})
    if not added:
        return span
    return ReadableSpan(
        name=span.name,
        context=span.context,
        parent=span.parent,
        resource=span.resource,
        attributes={**span.attributes, **added},
        events=span.events,
        links=span.links,
        kind=span.kind,
        status=span.status,
        start_time=span.start_time,
        end_time=span.end_time,
        instrumentation_scope=span.instrumentation_scope,
    )


class OpenInferenceSpanExporter(SpanExporter):
    """Delegates to ``exporter`` with ``with_openinference`` applied to every span."""

    def __init__(self, exporter: SpanExporter) -> None:
        self.exporter = exporter

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        return self.exporter.export([with_openinference(span) for span in spans])

    def shutdown(self) -> None:
        self.exporter.shutdown()

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        return self.exporter.force_flush(timeout_millis)
