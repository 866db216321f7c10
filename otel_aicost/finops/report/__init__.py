"""The ``report`` command's figures: ``build`` (aggregate records), ``output`` (table, JSON, CSV), ``html`` (one
self-contained page), ``stats`` (percentiles, correlation).
"""
