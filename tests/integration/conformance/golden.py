"""Golden telemetry: what every conformance case exports, compared with committed JSON, so that a change made for
speed (or anything else) cannot change a span or a metric data point unnoticed.

``conform`` (conftest.py) calls ``check`` after the instrumented run of each case. What is compared (``snapshot``):
every finished span (name, kind, status, attributes, events with their attributes, scope name and attributes; not
ids, timestamps or durations) and every metric data point (metric name, unit, description, scope; point
attributes, count, bucket bounds and counts, sum/min/max). Histograms in seconds measure time: only their point
count and attribute sets are compared, and time-valued span attributes are written ``<seconds>``. The replay server's
random port is written ``<port>``; an exception event's stack trace is reduced to its last line (the exception).

The golden files are ``golden/<test module>.json``, one entry per test id, made at the newest ends. Older openai
releases export a few cases differently, through no change of ours, and those cases' entries are in an override
folder per difference, ``golden/<folder>/<test module>.json``, used where a probe of the installed SDK finds the
older behaviour (``VARIANTS``; not by the major version: a sweep of openai releases found both changes inside a
major, bench/README.md round 31):

- ``openai-before-1.74``: the chat stream helper hands out an event for Azure's filter-only first chunk
  (``"object": ""``); 1.74 and later skip it (``_is_valid_chat_completion_chunk_weak``) and read the next chunk,
  which carries the response id and model, before the caller's first event: a caller breaking off after that
  event has had one chunk more read on 1.74 and later.
- ``openai-before-3.38``: a status error's message quotes the whole decoded error body; 3.38 and later quote only
  its ``message``.

The cases an older openai lacks (Responses API) skip. To accept a deliberate change, run the conformance suite with
``AICOST_UPDATE_GOLDEN=1`` at both ends (``.ci/run`` makes both venvs): the files are rewritten (where an override
applies, only the override files, and only with the entries that differ from the base: an entry goes to the
folder that held it, else the first that applies) and the diff of each changed case is printed at the end of the
run.
"""

from __future__ import annotations

import difflib
import json
import os
import threading
from pathlib import Path
from typing import Any

import pytest

GOLDEN = Path(__file__).parent / "golden"


def _helper_yields_azure_filter_chunk() -> bool:
    """openai before 1.74: its chat stream helper does not skip Azure's filter-only chunk."""
    try:
        from openai.lib.streaming.chat import _completions
    except ImportError:  # no chat stream helper at all: its cases skip
        return False
    return not hasattr(_completions, "_is_valid_chat_completion_chunk_weak")


def _error_message_quotes_body() -> bool:
    """openai before 3.38: a status error's message is ``Error code: 400 - {'error': {...}}``, not the body's message
    alone (the SDK's own message made of a response built here; nothing is sent)."""
    import openai
    from openai import _base_client

    httpx = getattr(_base_client, "httpx2", None) or _base_client.httpx  # the HTTP library of this openai
    request = httpx.Request("POST", "http://127.0.0.1:9/v1/chat/completions")
    response = httpx.Response(400, json={"error": {"message": "probe"}}, request=request)
    client = openai.OpenAI(api_key="probe", base_url="http://127.0.0.1:9/v1")
    return "{" in str(client._make_status_error_from_response(response))


# override folder -> whether it applies to the openai installed (the module docstring)
VARIANTS = {"openai-before-1.74": _helper_yields_azure_filter_chunk, "openai-before-3.38": _error_message_quotes_body}
ACTIVE = tuple(folder for folder, applies in VARIANTS.items() if applies())  # the override folders used here
UPDATE = os.environ.get("AICOST_UPDATE_GOLDEN") == "1"
REGENERATE = "AICOST_UPDATE_GOLDEN=1 python -m pytest -q tests/integration/conformance"
TIME_UNIT = "s"  # histograms in this unit measure time: count and attribute sets only


def _plain(value: Any, port: str) -> Any:
    """An attribute value as JSON, with the replay server's port written ``<port>``."""
    if isinstance(value, (tuple, list)):
        return [_plain(item, port) for item in value]
    if isinstance(value, str):
        return value.replace(port, "<port>")
    return value


def _attributes(attributes: Any, port: str) -> dict[str, Any]:
    plain = {key: _plain(value, port) for key, value in sorted((attributes or {}).items())}
    if plain.get("server.port") == int(port.lstrip(":")):
        plain["server.port"] = "<port>"
    for key, value in plain.items():
        if isinstance(value, float) and ("time" in key or "duration" in key):
            plain[key] = "<seconds>"  # e.g. gen_ai.response.time_to_first_chunk
    if "exception.stacktrace" in plain:  # file paths and line numbers: only its last line, the exception itself
        plain["exception.stacktrace"] = plain["exception.stacktrace"].rstrip().rsplit("\n", 1)[-1]
    return plain


def _scope(scope: Any, port: str) -> dict[str, Any]:
    # not the version: it is ours (changes with every release) or the SDK's
    return {"name": scope.name, "attributes": _attributes(getattr(scope, "attributes", None), port)}


def _span(span: Any, port: str) -> dict[str, Any]:
    return {
        "name": span.name,
        "kind": span.kind.name,
        "status": [span.status.status_code.name, span.status.description],
        "attributes": _attributes(span.attributes, port),
        "events": [{"name": event.name, "attributes": _attributes(event.attributes, port)} for event in span.events],
        "scope": _scope(span.instrumentation_scope, port),
    }


def _point(point: Any, timed: bool, port: str) -> dict[str, Any]:
    shown: dict[str, Any] = {"attributes": _attributes(point.attributes, port)}
    if hasattr(point, "bucket_counts"):  # a histogram
        shown["count"] = point.count
        if not timed:
            shown.update(sum=point.sum, min=point.min, max=point.max, bucket_counts=list(point.bucket_counts))
    else:  # a sum or a gauge
        shown["value"] = point.value
    return shown


def _metric(metric: Any, scope: Any, port: str) -> dict[str, Any]:
    data = metric.data
    timed = metric.unit == TIME_UNIT
    points = sorted((_point(point, timed, port) for point in data.data_points), key=_key)
    shown: dict[str, Any] = {"name": metric.name, "unit": metric.unit, "description": metric.description,
                             "type": type(data).__name__, "scope": _scope(scope, port)}  # fmt: skip
    bounds = {tuple(point.explicit_bounds) for point in data.data_points if hasattr(point, "explicit_bounds")}
    if bounds:
        shown["explicit_bounds"] = [list(each) for each in sorted(bounds)]
    if hasattr(data, "is_monotonic"):
        shown["is_monotonic"] = data.is_monotonic
    shown["points"] = points
    return shown


def _key(item: Any) -> str:
    return json.dumps(item, sort_keys=True)


def snapshot(telemetry: Any, port: int) -> dict[str, Any]:
    """Everything the case exported, normalised: the same JSON for the same telemetry, whatever the order."""
    marker = f":{port}"
    spans = sorted((_span(span, marker) for span in telemetry.spans()), key=_key)
    metrics = []
    data = telemetry.reader.get_metrics_data()
    for resource_metrics in data.resource_metrics if data is not None else ():
        for scope_metrics in resource_metrics.scope_metrics:
            metrics.extend(_metric(metric, scope_metrics.scope, marker) for metric in scope_metrics.metrics)
    return {"spans": spans, "metrics": sorted(metrics, key=_key)}


class _Store:
    """The golden files, read once; in update mode, the changed ones written at the end of the session."""

    def __init__(self) -> None:
        self._base: dict[str, dict[str, Any]] = {}
        self._overrides: dict[str, dict[str, dict[str, Any]]] = {}  # module -> active folder -> entries
        self.changed: dict[str, list[str]] = {}  # module -> diffs
        self._lock = threading.Lock()

    def golden(self, module: str, name: str) -> Any:
        base, overrides = self._load(module)
        for entries in overrides.values():
            if name in entries:
                return entries[name]
        return base.get(name)

    def replace(self, module: str, name: str, exported: Any, diff: str) -> None:
        base, overrides = self._load(module)
        if not overrides:
            base[name] = exported
        elif base.get(name) == exported:
            for entries in overrides.values():
                entries.pop(name, None)
        else:
            held = [entries for entries in overrides.values() if name in entries]
            (held or list(overrides.values()))[0][name] = exported
        self.changed.setdefault(module, []).append(diff)

    def _load(self, module: str) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
        with self._lock:
            if module not in self._base:
                self._base[module] = _read(GOLDEN / f"{module}.json")
                self._overrides[module] = {folder: _read(GOLDEN / folder / f"{module}.json") for folder in ACTIVE}
            return self._base[module], self._overrides[module]

    def write(self) -> list[Path]:
        written = []
        for module in self.changed:
            overrides = self._overrides[module]
            targets = [(GOLDEN / folder, entries) for folder, entries in overrides.items()] or [
                (GOLDEN, self._base[module])
            ]
            for folder, entries in targets:
                path = folder / f"{module}.json"
                if entries or path.exists():
                    folder.mkdir(parents=True, exist_ok=True)
                    text = json.dumps(dict(sorted(entries.items())), indent=1, sort_keys=True)
                    path.write_text(text + "\n", encoding="utf-8")
                    written.append(path)
        return written


def _read(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


STORE = _Store()


def _diff(name: str, before: Any, after: Any) -> str:
    lines = difflib.unified_diff(
        json.dumps(before, indent=1, sort_keys=True).splitlines(),
        json.dumps(after, indent=1, sort_keys=True).splitlines(),
        f"golden {name}", f"exported {name}", lineterm="", n=4,
    )  # fmt: skip
    return "\n".join(lines)


def check(request: pytest.FixtureRequest, telemetry: Any, port: int) -> None:
    """Compare what this case exported with its golden entry (or, with ``AICOST_UPDATE_GOLDEN=1``, replace it)."""
    __tracebackhide__ = True
    module = Path(request.node.path).stem
    name = request.node.name
    exported = snapshot(telemetry, port)
    golden = STORE.golden(module, name)
    if golden == exported:
        return
    if UPDATE:
        STORE.replace(module, name, exported, _diff(f"{module}::{name}", golden, exported))
        return
    if golden is None:
        pytest.fail(f"no golden telemetry for {module}::{name}; to record it run: {REGENERATE}", pytrace=False)
    pytest.fail(
        f"the exported telemetry changed ({module}::{name}). If the change is intended, regenerate the golden files "
        f"with `{REGENERATE}` and commit them with the change.\n{_diff(f'{module}::{name}', golden, exported)}",
        pytrace=False,
    )


@pytest.fixture(scope="session")
def golden_store(request: pytest.FixtureRequest):
    """Writes the changed golden files at the end of an update run and prints each changed case's diff."""
    yield STORE
    if not (UPDATE and STORE.changed):
        return
    written = STORE.write()
    capture = request.config.pluginmanager.getplugin("capturemanager")
    with capture.global_and_fixture_disabled():  # printed as the run ends, not captured with the last test
        print(f"\n== golden telemetry rewritten: {', '.join(map(str, written))}")
        for module, diffs in STORE.changed.items():
            print(f"== {module}: {len(diffs)} changed cases")
            for diff in diffs:
                print(diff)
