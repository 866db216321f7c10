"""Offline FinOps analytics over exported telemetry: ``records`` (find and read OTLP JSON lines files),
``otlp_decode`` (the one decoder: lines to ``cost_record.CostRecord``), ``plausible`` (bounds a span must be
within), ``scan`` (all cores), ``telemetry_input`` (what the commands share), ``report/`` (unit economics),
``focus/`` (FOCUS cost rows).
"""
