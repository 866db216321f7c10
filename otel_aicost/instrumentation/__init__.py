"""The instrumentation: wraps the OpenAI SDK methods and turns each call into a span and metrics with its cost.

``instrumentor`` (what is wrapped), ``wrapper`` (sync/async entry), ``call`` (one call from request to ended span),
``results``, ``streams``, ``taps`` and ``ending`` (what the caller gets back, and every way it ends), ``surfaces``
(one module per API), ``facts`` / ``request`` (frozen facts), ``attributes`` / ``outcome`` / ``scrub`` (plain
functions from facts to telemetry), ``stream_usage`` (asking streams for usage), ``sdk`` (private SDK reads),
``content`` (opt-in message capture), ``endpoint`` (provider, server, Azure deployment), ``metrics`` (instruments,
tag caps), ``allocation`` (``allocate()`` tags), ``safety`` (never raise into the caller), ``usage`` (token counts).
"""
