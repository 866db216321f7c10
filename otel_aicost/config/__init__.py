"""Settings from defaults, the config file, ``OTEL_AICOST_*`` variables and ``configure()`` arguments: ``settings``
(merge and validate), ``files`` (read TOML/YAML/JSON), ``errors`` (``ConfigError``; one line under zero-code).
Budget tables are validated by ``budgets.rules``, the one place their rules live.
"""
