"""Helpers for tests/integration/test_collector_config.py: load the shipped Collector files, merge them the way
the Collector merges several ``--config`` files, and read their ``${env:...}`` references. (The component graph
is checked by the real Collector: tests/integration/test_collector_validate.py.)
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
