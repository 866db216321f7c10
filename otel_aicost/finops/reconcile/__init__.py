"""Reconcile GenAI telemetry with the Azure bill (SPEC section 11): ``reconcile(export_paths, telemetry_paths)``.

Modules: ``reconciliation`` (``reconcile()`` and its result), ``export_reader`` (Cost Management FOCUS exports:
``export_files`` which files, ``export_tables`` CSV or Parquet rows, ``cells`` one value each), ``meters`` (meter
names from the shipped price data), ``accounts`` (ARM ResourceId and endpoint host -> account), ``telemetry_side``
(our tokens and cost per group), ``match`` (groups, late billing, gap classes), ``allocate`` (showback),
``gateway`` (API Management token metrics against telemetry), ``output`` (table, JSON, CSV).
"""

from __future__ import annotations

from otel_aicost.finops.reconcile.cells import ExportError
from otel_aicost.finops.reconcile.export_reader import read_export
from otel_aicost.finops.reconcile.match import GAP_CLASSES
from otel_aicost.finops.reconcile.reconciliation import Reconciliation, days_window, reconcile
from otel_aicost.finops.reconcile.telemetry_side import read_telemetry

__all__ = ["GAP_CLASSES", "ExportError", "Reconciliation", "days_window", "read_export", "read_telemetry", "reconcile"]
