"""Settings from defaults, the config file, ``OTEL_AICOST_*`` variables and ``configure()`` arguments (``settings``)."""
