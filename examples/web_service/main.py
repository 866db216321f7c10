"""Web service: each HTTP request's AI cost, allocated to the team named in its X-Team header.

Every request gets a server span; the OpenAI calls it makes are child spans carrying their own cost, and the
request span gets the total as `aicost.request.cost` (also returned in the `X-AI-Cost` response header).

    python examples/web_service/main.py            # serves http://127.0.0.1:5000 (PORT to change)
    curl -H 'X-Team: search' 'http://127.0.0.1:5000/ask?q=what+is+a+token'
"""

import functools
import os
import re
import signal
import sys
import threading
from decimal import Decimal

import otel_aicost.auto  # noqa: F401
from flask import Flask, jsonify, make_response, request
from openai import OpenAI
from opentelemetry import propagate, trace
from opentelemetry.sdk.trace import SpanProcessor
from opentelemetry.trace import SpanKind

from otel_aicost import allocate
from otel_aicost.demo import fake_openai_unless_configured

REQUEST_COST = "aicost.request.cost"  # this example's attribute: the GenAI cost of the whole request
TEAM = re.compile(r"^[a-z0-9][a-z0-9_-]{0,31}$")  # a header is user input: keep tag values short and plain


class RequestCost(SpanProcessor):
    """Adds the cost of every GenAI span to the request (SERVER) span of its trace while that span is open."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._open: dict[int, tuple[trace.Span, list[Decimal]]] = {}

    def on_start(self, span, parent_context=None) -> None:
        if span.kind is SpanKind.SERVER:
            with self._lock:
                self._open[span.context.trace_id] = (span, [Decimal(0)])

    def on_end(self, span) -> None:
        with self._lock:
            if span.kind is SpanKind.SERVER:
                self._open.pop(span.context.trace_id, None)
                return
            cost = (span.attributes or {}).get("gen_ai.usage.cost")
            request_span, total = self._open.get(span.context.trace_id, (None, None))
            if cost is None or request_span is None:
                return
            total[0] += Decimal(repr(cost))  # exact sum; float only on telemetry
            request_span.set_attribute(REQUEST_COST, float(total[0]))

    def cost_of(self, span: trace.Span) -> Decimal:
        with self._lock:
            return self._open.get(span.get_span_context().trace_id, (None, [Decimal(0)]))[1][0]


request_cost = RequestCost()
trace.get_tracer_provider().add_span_processor(request_cost)  # the SDK provider otel_aicost.auto installed
tracer = trace.get_tracer("examples.web_service")
app = Flask(__name__)


def traced_request(view):
    """A server span per request (opentelemetry-instrumentation-flask would make it too), tagged by X-Team."""

    @functools.wraps(view)
    def handle(*args, **kwargs):
        header = request.headers.get("X-Team", "").strip().lower()
        team = header if TEAM.match(header) else "unassigned"
        with (
            tracer.start_as_current_span(
                f"{request.method} {request.url_rule.rule}",
                context=propagate.extract(request.headers),
                kind=SpanKind.SERVER,
                attributes={"http.request.method": request.method, "url.path": request.path, "aicost.tag.team": team},
            ) as span,
            allocate(team=team),
        ):
            response = make_response(view(*args, **kwargs))
            response.headers["X-AI-Cost"] = f"{request_cost.cost_of(span)} USD"
            span.set_attribute("http.response.status_code", response.status_code)
            return response

    return handle


@app.get("/ask")
@traced_request
def ask():
    client = app.config["OPENAI"]
    question = request.args.get("q", "What is a token?")
    # Two calls, two GenAI spans under this request's span; the request span gets their total.
    search = client.embeddings.create(model="text-embedding-3-small", input=[question])
    reply = client.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": question}])
    return jsonify(answer=reply.choices[0].message.content,
                   tokens=search.usage.total_tokens + reply.usage.total_tokens)  # fmt: skip


@app.get("/healthz")
def healthz():
    return "ok"


if __name__ == "__main__":
    with fake_openai_unless_configured():  # offline unless OPENAI_BASE_URL is set; see README.md
        app.config["OPENAI"] = OpenAI()
        port = int(os.environ.get("PORT", "5000"))
        # Stop cleanly on Ctrl-C and on SIGTERM (docker stop, kill) so telemetry is flushed at exit.
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
        print(f"serving on http://127.0.0.1:{port}  (Ctrl-C stops; telemetry is flushed on exit)", flush=True)
        try:
            app.run(host="127.0.0.1", port=port)
        except KeyboardInterrupt:
            pass
