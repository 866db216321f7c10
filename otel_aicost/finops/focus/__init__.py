"""FOCUS 1.2 cost rows from telemetry: ``build`` (read telemetry into rows per charge period), ``columns`` (the
columns and their fixed values), ``sums`` (the rows' sums), ``rows`` (each column's value, a row at a time),
``write`` (CSV, Parquet, FinOps hubs)."""
