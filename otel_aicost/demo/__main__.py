"""``python -m otel_aicost.demo [--port PORT]``: serve the fake OpenAI endpoint until interrupted."""

from __future__ import annotations

from otel_aicost.demo.fake_openai import main

main()
