"""``ConfigError`` and how zero-code start-up reports one: a single line on stderr, and the app still runs.

In code (``configure()``, ``instrument()``) a bad config raises ``ConfigError`` at setup, naming the file, the
key and the problem. Under ``opentelemetry-instrument`` nothing can catch it: the OpenTelemetry loader would
print two tracebacks and go on. There ``say_once`` prints one line instead and the process runs uninstrumented.
"""

from __future__ import annotations

import sys


class ConfigError(ValueError):
    """Configuration that cannot work. The message names where it came from, the key and the problem."""


_said: set[str] = set()


def say_once(error: ConfigError) -> None:
    """Tell the user, once per message, that this process runs without otel-aicost because of ``error``."""
    message = str(error)
    if message in _said:
        return
    _said.add(message)
    sys.stderr.write(
        f"otel-aicost: not instrumenting this process: {message}. Fix the config file (or unset "
        "OTEL_AICOST_CONFIG); the application runs without cost telemetry.\n"
    )
