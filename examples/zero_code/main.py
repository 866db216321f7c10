"""Zero-code: a plain OpenAI program, no otel_aicost import for telemetry.

Run it with ``opentelemetry-instrument python examples/zero_code/main.py``.
"""

import os

from openai import OpenAI


def ask(client: OpenAI) -> None:
    reply = client.chat.completions.create(
        model="gpt-4o-mini", messages=[{"role": "user", "content": "Name one use of OpenTelemetry."}]
    )
    print(reply.choices[0].message.content)
    print(f"{reply.usage.total_tokens} tokens; the span with its cost was made by opentelemetry-instrument")


if os.environ.get("OPENAI_BASE_URL"):
    ask(OpenAI())
else:  # offline stand-in only (see README.md); the telemetry comes from opentelemetry-instrument
    from otel_aicost.demo import fake_openai_unless_configured

    with fake_openai_unless_configured():
        ask(OpenAI())
