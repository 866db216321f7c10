"""After ``fork()``, a child process counts only its own calls, under its own ``service.instance.id``.

Pre-fork servers (gunicorn, uWSGI, ``multiprocessing`` with the ``fork`` start method) copy the parent's memory:
without this, every worker would report the parent's cumulative metric points again (PromQL sums over instances
count them twice) and its span drop counters would see the parent's spans as dropped. In the child, before any
of its own work: the metric aggregation state is emptied, a new ``service.instance.id`` replaces the parent's on
the resource every provider shares, and the export counters start at zero. The SDK restarts its own export threads.
"""

from __future__ import annotations

import os
import uuid
import weakref
from typing import Any

from otel_aicost.export import health, sdk_internals

SERVICE_INSTANCE_ID = "service.instance.id"


def new_instance_id() -> str:
    return str(uuid.uuid4())


def register(resource: Any, meter_provider: Any | None) -> None:
    """Reset metric state, instance id and counters in every forked child of this process."""
    if not hasattr(os, "register_at_fork"):
        return
    resource_ref = weakref.ref(resource)
    meter_ref = weakref.ref(meter_provider) if meter_provider is not None else None

    def in_child() -> None:
        current = resource_ref()
        if current is not None:
            sdk_internals.set_resource_attribute(current, SERVICE_INSTANCE_ID, new_instance_id())
        provider = meter_ref() if meter_ref is not None else None
        if provider is not None:
            sdk_internals.reset_metric_state(provider)
        for span_health in health.span_healths:
            span_health.reset()
        health.metric_points.reset()
        health.log_records.reset()

    os.register_at_fork(after_in_child=in_child)
