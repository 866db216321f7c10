"""Offline FinOps analytics over exported telemetry: ``records`` / ``records_fast`` (read cost records from OTLP JSON
lines), ``scan`` (all cores), ``telemetry_input`` (what the commands share), ``report/`` (unit economics), ``focus/``
(FOCUS cost rows).
"""
