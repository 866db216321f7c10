"""What we instrument: returned by ``OpenAICostInstrumentor.instrumentation_dependencies()``."""

_instruments = ("openai >= 1.40.0, < 4",)

_supports_metrics = True
