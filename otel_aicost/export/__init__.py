"""Where telemetry goes: ``configure`` (providers from the environment), ``routing`` (which exporter per signal,
SPEC section 14), ``exporters`` (built from entry points), ``at_exit`` (a bounded exit), ``fork`` (a child counts
its own calls), ``health`` (what was dropped or not sent), ``summary`` and ``console_lines`` (readable cost for
people), the embedded default (``file``, ``jsonl_writer``, ``otlp_json*``), ``prometheus`` (set-up errors of the
exporter package's reader) and ``sdk_internals`` (every private SDK read, in one place).

The names below load on first use, so importing a submodule stays light.
"""

from __future__ import annotations

import importlib
from typing import Any

_WHERE = {
    "DEFAULT_DIRECTORY": "file",
    "JsonLinesFileLogExporter": "file",
    "JsonLinesFileMetricExporter": "file",
    "JsonLinesFileSpanExporter": "file",
    "encode_logs": "otlp_json",
    "encode_metrics": "otlp_json",
    "encode_spans": "otlp_json",
}
__all__ = sorted(_WHERE)


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        return getattr(importlib.import_module(f"{__name__}.{_WHERE[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
