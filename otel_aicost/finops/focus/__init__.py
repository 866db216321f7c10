"""FOCUS 1.2 cost rows from telemetry: ``build`` (rows per charge period), ``write`` (CSV, Parquet, FinOps hubs)."""
