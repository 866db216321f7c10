"""Streaming: the cost of a streamed answer, from the usage the API reports in its last chunk.

otel-aicost asks for that usage chunk (stream_options.include_usage) when you did not, and hides it from your
loop; the span ends, with tokens and cost, when the stream is consumed or closed.
"""

import otel_aicost.auto  # noqa: F401
from openai import OpenAI

from otel_aicost import allocate
from otel_aicost.demo import fake_openai_unless_configured

with fake_openai_unless_configured():  # offline unless OPENAI_BASE_URL is set; see README.md
    client = OpenAI()
    with allocate(team="support", feature="live-chat"):
        stream = client.chat.completions.create(
            model="gpt-4o",
            messages=[{"role": "user", "content": "Write a haiku about invoices."}],
            stream=True,
        )
        pieces = 0
        for chunk in stream:
            if chunk.choices and chunk.choices[0].delta.content:
                print(chunk.choices[0].delta.content, end="", flush=True)
                pieces += 1
    print(f"\n({pieces} chunks; every chunk your loop saw had choices: the usage chunk was not passed on)")
