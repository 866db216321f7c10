"""The instrumentation: wraps the OpenAI SDK methods and turns each call into a span and metrics with its cost.

``instrumentor`` (what is wrapped), ``wrapper`` (sync/async entry), ``call`` (one call from request to ended span),
``results`` and ``streams`` (what the caller gets back), ``surfaces`` (one module per API), ``content``
(opt-in message capture), ``endpoint`` (provider, server, Azure deployment), ``metrics`` (instruments, tag caps),
``allocation`` (``allocate()`` tags), ``safety`` (never raise into the caller), ``usage`` (token counts).
"""
