"""What `import otel_aicost.auto` adds to an application's start-up (issue 17: target <= 150 ms).

Each case runs in a fresh interpreter and times only its own statements (interpreter start and exit excluded),
so the cases compare directly:

  openai           import openai                                        what the app pays without us
  openai+sdk       import openai + the SDK's own OTLP set-up            tracer, meter and logger providers,
                                                                        batch processors, OTLP/HTTP exporters
  auto(otlp)       import openai; import otel_aicost.auto               with OTEL_EXPORTER_OTLP_ENDPOINT set:
                                                                        the same exporters as openai+sdk
  auto(file)       import openai; import otel_aicost.auto               nothing configured: the embedded default
  price data load  estimate_cost(...) in a fresh process                what loading the shipped prices costs,
                                                                        whenever it happens (first priced call)

"added" = median(auto) - median(openai+sdk), in wall time and in CPU time (all threads of the process, so work
pushed to a background thread still counts). On a shared machine CPU time is the steadier figure. Cases are
interleaved round by round so that the load hits them alike; medians and spreads (p25-p75) side by side.

    python bench/startup.py --runs 15                   # the table
    python bench/startup.py --importtime                # plus the slowest otel_aicost imports (python -X importtime)

Run it with the interpreter of the environment under test (a venv with the wheel and `openai` installed).
Nothing is sent anywhere: the OTLP endpoint is a closed loopback port and the processes exit before any export.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile

SDK_SETUP = """
import openai
from opentelemetry import _logs, metrics, trace
from opentelemetry.exporter.otlp.proto.http._log_exporter import OTLPLogExporter
from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk._logs import LoggerProvider
from opentelemetry.sdk._logs.export import BatchLogRecordProcessor
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import PeriodicExportingMetricReader
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
resource = Resource.create()
tracer_provider = TracerProvider(resource=resource)
tracer_provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
trace.set_tracer_provider(tracer_provider)
metrics.set_meter_provider(MeterProvider(resource=resource,
                                         metric_readers=[PeriodicExportingMetricReader(OTLPMetricExporter())]))
logger_provider = LoggerProvider(resource=resource)
logger_provider.add_log_record_processor(BatchLogRecordProcessor(OTLPLogExporter()))
_logs.set_logger_provider(logger_provider)
"""

OTLP_ENV = {"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:9"}  # discard port: never reached, see above

CASES: dict[str, tuple[str, dict[str, str]]] = {
    "openai": ("import openai", {}),
    "openai+sdk": (SDK_SETUP, OTLP_ENV),
    "auto(otlp)": ("import openai\nimport otel_aicost.auto", OTLP_ENV),
    "auto(file)": ("import openai\nimport otel_aicost.auto", {}),
    # What the first priced call pays (or a background thread, where one loads it): the price data, cold.
    "price data load": ("from otel_aicost import estimate_cost\nestimate_cost('gpt-4o', input_tokens=1000)", {}),
}

TIMED = """
import os, sys, time
start, cpu = time.perf_counter(), time.process_time()
exec(compile(sys.argv[1], "<case>", "exec"))
sys.stdout.write(f"{time.perf_counter() - start:.6f} {time.process_time() - cpu:.6f}\\n")
sys.stdout.flush()
os._exit(0)  # start-up only: skip the exit-time flush of the providers
"""


def clean_env(extra: dict[str, str]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OTEL_", "APPLICATIONINSIGHTS_"))}
    env.update(extra)
    env["OTEL_METRIC_EXPORT_INTERVAL"] = "3600000"
    return env


def run_once(python: str, code: str, extra_env: dict[str, str], cwd: str) -> tuple[float, float]:
    """(wall seconds, CPU seconds of every thread of the process) spent in ``code`` in a fresh interpreter."""
    out = subprocess.run(
        [python, "-c", TIMED, code], env=clean_env(extra_env), cwd=cwd, capture_output=True, text=True, check=False
    )
    if out.returncode != 0:
        raise SystemExit(f"case failed:\n{code}\n{out.stderr}")
    wall, cpu = out.stdout.strip().splitlines()[-1].split()
    return float(wall), float(cpu)


def importtime(python: str, cwd: str, top: int) -> None:
    """The slowest imports under `import otel_aicost.auto` (cumulative µs, as `python -X importtime` prints)."""
    code, env = CASES["auto(file)"]
    out = subprocess.run([python, "-X", "importtime", "-c", code], env=clean_env(env), cwd=cwd,
                         capture_output=True, text=True, check=True)  # fmt: skip
    rows = []
    for line in out.stderr.splitlines():
        if not line.startswith("import time:") or "|" not in line or "cumulative" in line:
            continue
        _, self_us, cumulative_us, name = (part.strip() for part in line.replace("import time:", "|", 1).split("|"))
        rows.append((int(cumulative_us), int(self_us), name))
    ours = [row for row in rows if row[2].lstrip().startswith(("otel_aicost", "tiktoken", "genai_prices"))]
    print(f"\nslowest imports under `import otel_aicost.auto` (cumulative ms, self ms; {python} -X importtime):")
    for cumulative, self_us, name in sorted(ours, reverse=True)[:top]:
        print(f"  {cumulative / 1000:8.1f} {self_us / 1000:8.1f}  {name.strip()}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=15, help="fresh processes per case (interleaved)")
    parser.add_argument("--python", default=sys.executable, help="interpreter of the environment under test")
    parser.add_argument("--importtime", action="store_true", help="also list the slowest otel_aicost imports")
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as cwd:  # outside any checkout; the embedded default writes here
        for code, env in CASES.values():  # warm the file cache and the .pyc files
            run_once(args.python, code, env, cwd)
        samples: dict[str, list[tuple[float, float]]] = {name: [] for name in CASES}
        for _ in range(args.runs):
            for name, (code, env) in CASES.items():
                samples[name].append(run_once(args.python, code, env, cwd))

        def median_ms(name: str, column: int) -> float:
            return statistics.median(sample[column] for sample in samples[name]) * 1000

        def spread(name: str, column: int) -> str:
            values = [sample[column] * 1000 for sample in samples[name]]
            q = statistics.quantiles(values, n=4) if len(values) > 1 else [values[0]] * 3
            return f"{q[0]:.0f}-{q[2]:.0f}"

        print(f"{args.python}: {args.runs} fresh processes per case, load average {os.getloadavg()[0]:.1f}")
        print(f"{'case':<20} {'wall ms':>8} {'p25-p75':>11} {'CPU ms':>8} {'p25-p75':>11}")
        for name in CASES:
            print(f"{name:<20} {median_ms(name, 0):>8.0f} {spread(name, 0):>11} {median_ms(name, 1):>8.0f} "
                  f"{spread(name, 1):>11}")  # fmt: skip
        for name in ("auto(otlp)", "auto(file)"):
            wall = median_ms(name, 0) - median_ms("openai+sdk", 0)
            cpu = median_ms(name, 1) - median_ms("openai+sdk", 1)
            print(f"added by {name} over openai+sdk: {wall:+.0f} ms wall, {cpu:+.0f} ms CPU (target <= 150 ms)")
        if args.importtime:
            importtime(args.python, cwd, args.top)


if __name__ == "__main__":
    main()
