"""Settings from defaults, the config file, ``OTEL_AICOST_*`` variables and ``configure()`` arguments: ``settings``
(merge and validate), ``files`` (read TOML/YAML/JSON), ``environment`` (variables as keys), ``tables`` and
``models`` (typed tables: pydantic, ``extra="forbid"``), ``errors`` (``ConfigError``; one line under zero-code).
Budget tables are typed by ``budgets.rules``, the one place their rules live.
"""
