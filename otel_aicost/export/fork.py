"""After ``fork()``, a child process counts only its own calls, under its own ``service.instance.id``.

Pre-fork servers (gunicorn, uWSGI, ``multiprocessing`` with the ``fork`` start method) copy the parent's memory:
without this, every worker would report the parent's cumulative metric points again (PromQL sums over instances
count them twice) and its span drop counters would see the parent's spans as dropped. In the child, before any
of its own work: the metric aggregation state is emptied, the export counters start at zero, and a new
``service.instance.id`` replaces the parent's (SDK 1.45+ does that itself; for older ones we change it on the
resource every provider shares). The SDK restarts its own export threads.
"""

from __future__ import annotations

import os
import uuid
import weakref
from collections.abc import Callable
from typing import Any

from otel_aicost.export import health, sdk_internals

SERVICE_INSTANCE_ID = "service.instance.id"


def new_instance_id() -> str:
    return str(uuid.uuid4())


def register(resource: Any, meter_provider: Any | None, flush: Callable[[], None] | None = None) -> None:
    """Reset metric state, instance id and counters in every forked child of this process.

    ``flush`` (the bounded exit flush) also runs when a ``multiprocessing`` child ends: those leave by
    ``os._exit`` and never run ``atexit`` handlers, so their telemetry would be lost.
    """
    if not hasattr(os, "register_at_fork"):
        return
    if flush is not None:
        _flush_multiprocessing_children(flush)
    resource_ref = weakref.ref(resource)
    meter_ref = weakref.ref(meter_provider) if meter_provider is not None else None

    renews_instance_id = _sdk_renews_instance_id()

    def in_child() -> None:
        current = resource_ref()
        if current is not None and not renews_instance_id:
            sdk_internals.set_resource_attribute(current, SERVICE_INSTANCE_ID, new_instance_id())
        provider = meter_ref() if meter_ref is not None else None
        if provider is not None:
            sdk_internals.reset_metric_state(provider)
        for span_health in health.span_healths:
            span_health.reset()
        health.metric_points.reset()
        health.log_records.reset()

    os.register_at_fork(after_in_child=in_child)


def _sdk_renews_instance_id() -> bool:
    """SDK 1.45+ detects ``service.instance.id`` per process and its providers renew it after a fork."""
    from opentelemetry.sdk.resources import ResourceDetector

    return hasattr(ResourceDetector, "is_process_dependent")


def _flush_multiprocessing_children(flush: Callable[[], None]) -> None:
    from multiprocessing import util  # light: the package's helpers, no process is started

    def in_child(_: Any) -> None:  # runs in each new child, after multiprocessing cleared its finalizers
        util.Finalize(None, flush, exitpriority=0)

    util.register_after_fork(flush, in_child)
