"""The loopback pieces behind ``otel-aicost demo``: a fake OpenAI-compatible endpoint, no API key needed."""

from __future__ import annotations

from otel_aicost.demo.fake_openai import FakeOpenAI, RecordedRequest
from otel_aicost.demo.stand_in import fake_openai_unless_configured

__all__ = ["FakeOpenAI", "RecordedRequest", "fake_openai_unless_configured"]
