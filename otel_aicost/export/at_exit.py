"""A bounded exit: the last telemetry is flushed for at most a few seconds, then what was not sent is said once.

The SDK providers' own exit hooks wait for each signal in turn, and an OTLP exporter retries a dead backend until
its timeout: a 20-call script used to wait 12 s at exit. ``configure()`` creates its providers with
``shutdown_on_exit=False`` and registers ``ExitFlush`` instead: the providers shut down in threads (traces and
logs in parallel, then metrics), and the interpreter goes on exiting after ``OTEL_AICOST_EXIT_TIMEOUT`` seconds
(default 3, or the OTLP timeout when that is shorter: ``OTEL_EXPORTER_OTLP_TIMEOUT`` and its per-signal forms,
in milliseconds).
When something could not be sent, one WARNING line on the ``otel_aicost`` logger counts it per signal.
"""

from __future__ import annotations

import atexit
import logging
import threading
import time
from collections.abc import Iterable, Mapping
from typing import Any

from otel_aicost.config.settings import ConfigError
from otel_aicost.quoting import show

ENV_EXIT_TIMEOUT = "OTEL_AICOST_EXIT_TIMEOUT"
DEFAULT_EXIT_TIMEOUT = 3.0  # seconds
_logger = logging.getLogger("otel_aicost")


def exit_timeout(environ: Mapping[str, str], otlp_timeouts: Iterable[float] = ()) -> float:
    """Seconds the exit may wait: ``OTEL_AICOST_EXIT_TIMEOUT``, else 3 s or the longest OTLP timeout if shorter."""
    raw = (environ.get(ENV_EXIT_TIMEOUT) or "").strip()
    if raw:
        try:
            seconds = float(raw)
            if not 0 <= seconds < float("inf"):
                raise ValueError
        except ValueError:
            raise ConfigError(f"{ENV_EXIT_TIMEOUT}={show(raw)} is not a number of seconds") from None
        return seconds
    return min([DEFAULT_EXIT_TIMEOUT, max(otlp_timeouts, default=DEFAULT_EXIT_TIMEOUT)])


class ExitFlush:
    """Shut the given providers down within ``timeout`` seconds; report what was not sent.

    Traces and logs shut down in parallel; metrics start when both are done (their last exports record the SDK's
    own processor metrics), or at half the time at the latest, so a dead trace backend cannot starve them.
    """

    def __init__(self, providers: list[Any], timeout: float) -> None:
        self.providers = providers
        self.timeout = timeout
        self.waited = 0.0
        self.done = False

    def __call__(self) -> None:
        if self.done:
            return
        self.done = True
        start = time.monotonic()
        deadline = start + self.timeout
        first = [_started(p) for p in self.providers if not _is_meter_provider(p)]
        meters = [p for p in self.providers if _is_meter_provider(p)]
        if meters:
            for thread in first:
                thread.join(max(0.0, start + self.timeout / 2 - time.monotonic()))
        threads = first + [_started(p) for p in meters]
        for thread in threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        self.waited = time.monotonic() - start
        line = unsent_line(self.waited, self.timeout)
        if line:
            _logger.warning(line)


def _is_meter_provider(provider: Any) -> bool:
    return hasattr(provider, "get_meter")


def _started(provider: Any) -> threading.Thread:
    thread = threading.Thread(target=_shutdown, args=(provider,), name="otel-aicost-exit", daemon=True)
    thread.start()
    return thread


def _shutdown(provider: Any) -> None:
    try:
        provider.shutdown()
    except Exception:  # noqa: BLE001 - never raise at exit; the count says what was lost
        _logger.debug("otel-aicost: shutting down %r failed", provider, exc_info=True)


def unsent_line(waited: float, timeout: float) -> str:
    """One line counting the spans, metric points and log records not sent; empty when everything was."""
    from otel_aicost.export import health

    counts = [
        (sum(h.unsent for h in health.span_healths), "spans"),
        (health.metric_points.unsent, health.metric_points.unit),
        (health.log_records.unsent, health.log_records.unit),
    ]
    if not any(count for count, _ in counts):
        return ""
    what = ", ".join(f"{count} {unit}" for count, unit in counts)
    return (
        f"otel-aicost: not sent at exit: {what} (waited {waited:.1f} s of at most {timeout:g} s; "
        f"is the telemetry backend reachable? {ENV_EXIT_TIMEOUT} sets the wait)"
    )


_registered: list[ExitFlush] = []


def register(providers: list[Any], timeout: float) -> ExitFlush:
    flush = ExitFlush(providers, timeout)
    _registered.append(flush)
    atexit.register(flush)
    return flush
