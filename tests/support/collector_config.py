"""Helpers for tests/integration/test_collector_config.py: load the shipped Collector files, merge them the
way the Collector merges several ``--config`` files, and check a merged configuration's graph.

The checks mirror what ``otelcol-contrib validate`` rejects (pipelines naming undefined
components, connectors without both ends) plus our own rules (no unused components).
"""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

import yaml

COLLECTOR_DIR = Path(__file__).resolve().parents[2] / "collector"
BASE = COLLECTOR_DIR / "base.yaml"
OVERLAYS = tuple(COLLECTOR_DIR / name for name in ("otlp.yaml", "azuremonitor.yaml", "prometheus.yaml", "file.yaml"))

KINDS = ("receivers", "processors", "exporters", "connectors", "extensions")
SIGNALS = ("traces", "metrics", "logs")

# Component types that exist in otelcol-contrib 0.150.0 under these exact names (checked against
# each component's metadata.yaml). A newer name (cumulative_to_delta) or a deprecated alias
# (otlphttp, otlp as exporter) is a mistake here.
KNOWN_TYPES = {
    "receivers": {"otlp"},
    "processors": {"memory_limiter", "batch", "transform", "cumulativetodelta", "deltatocumulative"},
    "exporters": {"debug", "otlp_http", "azuremonitor", "prometheus", "file"},
    "connectors": {"forward", "signaltometrics"},
    "extensions": {"health_check"},
}

# Connector type -> {signal of the pipeline it exports from: signals of pipelines it may feed}.
CONNECTOR_SIGNALS = {
    "forward": {"traces": {"traces"}, "metrics": {"metrics"}, "logs": {"logs"}},
    "signaltometrics": {"traces": {"metrics"}, "metrics": {"metrics"}, "logs": {"metrics"}},
}

# `${env:NAME}` or `${env:NAME:-default}`; the default may not contain `}`.
ENV_REFERENCE = re.compile(r"\$\{env:([A-Za-z_][A-Za-z0-9_]*)(?::-[^}]*)?\}")


def load(path: Path) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise AssertionError(f"{path.name}: top level is not a mapping")
    return data


def merge(base: Any, overlay: Any) -> Any:
    """The Collector's merge of several --config sources: maps merge key by key, recursively;
    anything else (scalars, lists) in a later source replaces the earlier value."""
    if isinstance(base, dict) and isinstance(overlay, dict):
        merged = dict(base)
        for key, value in overlay.items():
            merged[key] = merge(base[key], value) if key in base else copy.deepcopy(value)
        return merged
    return copy.deepcopy(overlay)


def merged(*paths: Path) -> dict[str, Any]:
    config: dict[str, Any] = {}
    for path in paths:
        config = merge(config, load(path))
    return config


def component_type(component_id: str) -> str:
    return component_id.split("/", 1)[0]


def pipeline_signal(pipeline_id: str) -> str:
    return component_type(pipeline_id)


def problems(config: dict[str, Any]) -> list[str]:
    """Everything wrong with a merged configuration's component graph; empty when valid."""
    found: list[str] = []
    defined = {kind: set((config.get(kind) or {}).keys()) for kind in KINDS}
    pipelines = (config.get("service") or {}).get("pipelines") or {}
    if not pipelines:
        return ["no pipelines"]

    for kind in KINDS:
        for component_id in defined[kind]:
            if component_type(component_id) not in KNOWN_TYPES[kind]:
                found.append(f"{kind[:-1]} {component_id!r} is not a known {kind[:-1]} type")
    for name in (config.get("service") or {}).get("extensions") or []:
        if name not in defined["extensions"]:
            found.append(f"service.extensions names undefined extension {name!r}")

    used_as: dict[str, set[str]] = {kind: set() for kind in ("receivers", "processors", "exporters")}
    connector_from: dict[str, set[str]] = {}
    connector_to: dict[str, set[str]] = {}
    for pipeline_id, pipeline in pipelines.items():
        signal = pipeline_signal(pipeline_id)
        if signal not in SIGNALS:
            found.append(f"pipeline {pipeline_id!r}: unknown signal {signal!r}")
            continue
        for field in ("receivers", "exporters"):
            if not pipeline.get(field):
                found.append(f"pipeline {pipeline_id!r} has no {field}")
        for field in ("receivers", "processors", "exporters"):
            names = pipeline.get(field) or []
            if len(set(names)) != len(names):
                found.append(f"pipeline {pipeline_id!r} lists a {field[:-1]} twice")
            for name in names:
                used_as[field].add(name)
                if field != "processors" and name in defined["connectors"]:
                    (connector_to if field == "receivers" else connector_from).setdefault(name, set()).add(signal)
                    continue
                if name not in defined[field]:
                    found.append(f"pipeline {pipeline_id!r} names undefined {field[:-1]} {name!r}")
        processors = pipeline.get("processors") or []
        if "memory_limiter" in processors and processors[0] != "memory_limiter":
            found.append(f"pipeline {pipeline_id!r}: memory_limiter must come first")
        if "batch" in processors and processors[-1] != "batch":
            found.append(f"pipeline {pipeline_id!r}: batch must come last")

    for kind in ("receivers", "processors", "exporters"):
        for name in sorted(defined[kind] - used_as[kind]):
            found.append(f"{kind[:-1]} {name!r} is defined but no pipeline uses it")
    for name in sorted(defined["connectors"]):
        sources, targets = connector_from.get(name, set()), connector_to.get(name, set())
        if not sources or not targets:
            found.append(f"connector {name!r} must be an exporter in one pipeline and a receiver in another")
            continue
        allowed = CONNECTOR_SIGNALS[component_type(name)]
        for source in sources:
            if source not in allowed or not targets & allowed[source]:
                found.append(f"connector {name!r} cannot carry {source} into {sorted(targets)}")
        for target in targets:
            if not any(target in allowed.get(source, set()) for source in sources):
                found.append(f"connector {name!r} feeds a {target} pipeline from nothing it supports")
    return found


def env_problems(text: str) -> list[str]:
    """Every `$` in a config must open `${env:NAME}` or `${env:NAME:-default}`."""
    found = []
    stripped = ENV_REFERENCE.sub("", text)
    for line_number, line in enumerate(stripped.splitlines(), start=1):
        if "$" in line and not line.lstrip().startswith("#"):
            found.append(f"line {line_number}: {line.strip()}")
    return found


def env_names(text: str) -> set[str]:
    return set(ENV_REFERENCE.findall(text))
