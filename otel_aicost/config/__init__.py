"""Settings from defaults, the config file, ``OTEL_AICOST_*`` variables and ``configure()`` arguments: ``settings``
(merge, then validate, then ``Settings``), ``keys`` (the top-level keys: one pydantic model, ``extra="forbid"``),
``models`` (the ``[[prices]]`` and ``[deployments.X]`` tables), ``rules`` (one value's rule, shared by every model),
``tables`` (``validate`` and ``TableError``: error paths like ``prices[0].input``), ``files`` (read TOML/YAML/JSON),
``environment`` (variables as keys), ``errors`` (``ConfigError``; one line under zero-code).
Budget tables are typed by ``budgets.rules``, the one place their rules live.
"""
