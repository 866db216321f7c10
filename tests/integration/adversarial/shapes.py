"""The chat stream shapes the adversarial tests send, built from the conformance recordings (the same field sets
the real API sends), and how a caller's object is compared with the bare SDK's: field for field and byte for byte."""

from __future__ import annotations

import asyncio
import json
from decimal import Decimal
from typing import Any

from tests.integration.conformance.recordings import STREAMS, expected_cost
from tests.support.scripted_openai import Reply, asked_usage, sse

CHAT = STREAMS["chat_stream"]  # 7 content pieces, usage (19, 7, 0) on the usage-only chunk
MESSAGES = [{"role": "user", "content": "What is the weather in Paris?"}]
CHAT_TEXT = CHAT.text
CHAT_COST = expected_cost("gpt-4o-mini", 19, 7)  # typed-in prices (recordings.PRICES), not the pricer's


def run_async(main: Any) -> None:
    """Run the coroutine function ``main`` on a loop of its own, its async generators (the SDK's too) finished."""
    loop = asyncio.new_event_loop()
    try:
        loop.run_until_complete(main())
    finally:
        loop.run_until_complete(loop.shutdown_asyncgens())
        loop.close()


def chat_kwargs(**extra: Any) -> dict[str, Any]:
    return {"model": "gpt-4o-mini", "messages": MESSAGES, **extra}


def chat_helpers(api: Any) -> Any:
    """Where this SDK keeps the chat helpers ``stream()`` and ``parse()``: ``chat.completions`` since openai 1.88,
    ``beta.chat.completions`` before (the oldest supported SDK, 1.40, has them only there)."""
    chat = api.chat.completions
    return chat if hasattr(chat, "stream") else api.beta.chat.completions


def chat_events(asked: bool) -> list[tuple[str | None, Any]]:
    """The recorded chat stream as the API sends it: ``"usage": null`` on every chunk and the usage-only chunk
    last when the request asked for usage."""
    events = [(name, {**data, "usage": None} if asked else data) for name, data in CHAT.events]
    if asked:
        events.append((None, CHAT.usage_event))
    return events


def chat_reply(newline: str = "\n", transform: Any = None, **reply: Any) -> Any:
    """An ``answer`` for ScriptedServer: the chat stream, framed with ``newline``, its bytes passed through
    ``transform(bytes, asked)`` when given."""

    def answer(body: dict[str, Any]) -> Reply:
        asked = asked_usage(body)
        data = sse(chat_events(asked), newline=newline)
        if transform is not None:
            data = transform(data, asked)
        return Reply(body=data, **reply)

    return answer


def exact(item: Any) -> Any:
    """Everything a caller can read of an SDK object: its type, repr, JSON with and without unset fields, the fields
    it says were set (nested too, through the JSON), its extra fields, its attribute names in order."""
    return (
        type(item).__module__, type(item).__qualname__, repr(item), item.model_dump_json(),
        item.model_dump_json(exclude_unset=True), sorted(item.model_fields_set), item.model_extra,
        list(vars(item)), item.to_dict(), json.dumps(item.to_dict(exclude_unset=False), sort_keys=True),
    )  # fmt: skip


def money(value: Any) -> Decimal:
    return Decimal(repr(value))
