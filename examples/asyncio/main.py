"""asyncio: concurrent calls with AsyncOpenAI, each task tagged with its own team."""

import asyncio

import otel_aicost.auto  # noqa: F401
from openai import AsyncOpenAI

from otel_aicost import allocate
from otel_aicost.demo import fake_openai_unless_configured

QUESTIONS = {"search": "What is a vector index?", "support": "How do I reset a password?", "research": "What is RAG?"}


@allocate(feature="faq")  # a decorator works on coroutines too; tags nest (inner wins per key)
async def ask(client: AsyncOpenAI, team: str, question: str) -> str:
    with allocate(team=team):
        reply = await client.chat.completions.create(
            model="gpt-4.1-mini", messages=[{"role": "user", "content": question}]
        )
    return f"{team:>8}: {reply.usage.total_tokens} tokens"


async def main() -> None:
    client = AsyncOpenAI()
    for line in await asyncio.gather(*(ask(client, team, q) for team, q in QUESTIONS.items())):
        print(line)
    await client.close()


with fake_openai_unless_configured():  # offline unless OPENAI_BASE_URL is set; see README.md
    asyncio.run(main())
