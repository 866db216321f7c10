"""The ``report`` command's figures: ``build`` (read telemetry into a ``Report``), ``groups`` (what ``--by``
means), ``figures`` (each group's figures from its sums), ``stats`` (percentiles, correlation), ``output`` (table,
JSON, CSV), ``html`` (one self-contained page, its sections) drawn with ``svg`` (inline charts).
"""
