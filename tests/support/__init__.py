"""Loopback test doubles used by the tests: OTLP receiver, fake Azure Monitor ingestion."""
