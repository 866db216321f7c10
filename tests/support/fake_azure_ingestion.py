"""A fake Application Insights ingestion endpoint on 127.0.0.1 for the Azure Monitor exporter.

    with FakeAzureIngestion() as ingestion:
        exporter = AzureMonitorTraceExporter(connection_string=ingestion.connection_string,
                                             disable_offline_storage=True, retry_total=0)
        ...
        ingestion.wait_for(lambda i: i.dependencies())

Accepts ``POST /v2.1/track`` and ``/v2/track`` (``{IngestionEndpoint}/{api_version}/track``) with a JSON array of
envelopes (what the Python exporter sends, uncompressed) or JSON lines, gzip-encoded or not, and answers
``200 {"itemsReceived": n, "itemsAccepted": n, "errors": []}``. ``mode = "500"`` (or ``"429"``, ``"503"``)
answers every track request with that status and stores nothing. Any other request is answered 404 and kept in
``other_requests`` so a test can assert the exporter called nothing else here.
"""

from __future__ import annotations

import json
from typing import Any

from otel_aicost.demo.loopback import LoopbackHandler, LoopbackServer

TRACK_PATHS = ("/v2.1/track", "/v2/track")
INSTRUMENTATION_KEY = "00000000-0000-0000-0000-000000000001"
DEPENDENCY = "Microsoft.ApplicationInsights.RemoteDependency"
METRIC = "Microsoft.ApplicationInsights.Metric"
MESSAGE = "Microsoft.ApplicationInsights.Message"
EVENT = "Microsoft.ApplicationInsights.Event"
REQUEST = "Microsoft.ApplicationInsights.Request"


def parse_envelopes(body: bytes) -> list[dict[str, Any]]:
    """A JSON array of envelopes, a single envelope, or one envelope per line."""
    text = body.decode("utf-8").strip()
    if not text:
        return []
    try:
        parsed = json.loads(text)
    except ValueError:
        return [json.loads(line) for line in text.splitlines() if line.strip()]
    return parsed if isinstance(parsed, list) else [parsed]


class _IngestionHandler(LoopbackHandler):
    server_version = "fake-azure-ingestion"

    def do_POST(self) -> None:
        ingestion: FakeAzureIngestion = self.server.owner  # type: ignore[assignment]
        body = self.read_body()
        path = self.path.split("?", 1)[0]
        if path not in TRACK_PATHS:
            ingestion._other(self.command, self.path)
            self.send_json(404, {"error": "not found"})
            return
        if ingestion.mode != "ok":
            ingestion._reject()
            self.send_json(int(ingestion.mode), {"itemsReceived": 0, "itemsAccepted": 0, "errors": []})
            return
        try:
            envelopes = parse_envelopes(body)
        except ValueError as exc:
            self.send_json(400, {"itemsReceived": 0, "itemsAccepted": 0,
                                 "errors": [{"index": 0, "statusCode": 400, "message": str(exc)}]})
            return
        ingestion._store(envelopes, {k.lower(): v for k, v in self.headers.items()})
        count = len(envelopes)
        self.send_json(200, {"itemsReceived": count, "itemsAccepted": count, "errors": []})

    def do_GET(self) -> None:
        self.server.owner._other(self.command, self.path)  # type: ignore[attr-defined]
        self.send_json(404, {"error": "not found"})


class FakeAzureIngestion(LoopbackServer):
    """Fake Application Insights ingestion; ``mode`` is ``"ok"`` or an HTTP status such as ``"500"``."""

    handler_class = _IngestionHandler

    def __init__(self, port: int = 0, mode: str = "ok") -> None:
        super().__init__(port=port)
        self.mode = mode
        self.rejected = 0
        self.posts = 0
        self.other_requests: list[tuple[str, str]] = []
        self._envelopes: list[dict[str, Any]] = []
        self._headers: list[dict[str, str]] = []

    @property
    def connection_string(self) -> str:
        """``InstrumentationKey=<uuid>;IngestionEndpoint=http://127.0.0.1:PORT/`` for the exporter."""
        return f"InstrumentationKey={INSTRUMENTATION_KEY};IngestionEndpoint={self.url}/"

    def _store(self, envelopes: list[dict[str, Any]], headers: dict[str, str]) -> None:
        with self.lock:
            self.posts += 1
            self._envelopes.extend(envelopes)
            self._headers.append(headers)

    def _reject(self) -> None:
        with self.lock:
            self.rejected += 1

    def _other(self, method: str, path: str) -> None:
        with self.lock:
            self.other_requests.append((method, path))

    def envelopes(self, name: str | None = None) -> list[dict[str, Any]]:
        """Envelopes received, oldest first; ``name`` filters on the envelope name (e.g. ``DEPENDENCY``)."""
        with self.lock:
            return [e for e in self._envelopes if name is None or e.get("name") == name]

    def request_headers(self) -> list[dict[str, str]]:
        with self.lock:
            return list(self._headers)

    def dependencies(self) -> list[dict[str, Any]]:
        """The ``baseData`` of every dependency envelope (name, type, target, success, properties, ...)."""
        return [e["data"]["baseData"] for e in self.envelopes(DEPENDENCY)]

    def metrics(self) -> dict[str, list[dict[str, Any]]]:
        """Metric data points by metric name: ``{"value", "count", "min", "max", "properties"}``."""
        out: dict[str, list[dict[str, Any]]] = {}
        for envelope in self.envelopes(METRIC):
            base = envelope["data"]["baseData"]
            for point in base.get("metrics", []):
                out.setdefault(point["name"], []).append({**point, "properties": base.get("properties", {})})
        return out

    def clear(self) -> None:
        with self.lock:
            self._envelopes.clear()
            self._headers.clear()
            self.other_requests.clear()
            self.rejected = self.posts = 0

