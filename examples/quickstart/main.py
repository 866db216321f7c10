"""Quickstart: one import, and every OpenAI call of this program is traced, measured and priced."""

import otel_aicost.auto  # noqa: F401  (the one line)
from openai import OpenAI

from otel_aicost import allocate
from otel_aicost.demo import fake_openai_unless_configured

with fake_openai_unless_configured():  # offline unless OPENAI_BASE_URL is set; see README.md
    client = OpenAI()
    with allocate(team="search", feature="quickstart"):  # optional: who pays for the calls inside
        reply = client.chat.completions.create(
            model="gpt-4o-mini",
            messages=[{"role": "user", "content": "In one sentence: what is a token?"}],
        )
    print(reply.choices[0].message.content)
    print(f"model {reply.model}: {reply.usage.prompt_tokens} input + {reply.usage.completion_tokens} output tokens")
