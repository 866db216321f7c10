"""Audio bodies of the fake endpoint: transcriptions (and translations), their streams, and speech (WAV bytes
or server-sent events with usage). Shapes as in openai-python 3.57 types.
"""

from __future__ import annotations

import json
import struct
from typing import Any

from otel_aicost.demo.payloads.images import TINY_PNG


def transcription(model: str, text: str = "Hello from the fake endpoint.", seconds: float | None = None,
                  audio_tokens: int = 50, verbose: bool = False) -> dict[str, Any]:  # fmt: skip
    """``audio.transcriptions.create`` (and translations): ``gpt-4o-*-transcribe`` report token usage; ``whisper-1``
    reports ``usage.type=duration`` when ``seconds`` is given (``verbose``: ``duration`` instead)."""
    body: dict[str, Any] = {"text": text}
    if "transcribe" in model or model.startswith("gpt-"):
        output = len(text.split())
        body["usage"] = {"type": "tokens", "input_tokens": audio_tokens + 3, "output_tokens": output,
                         "total_tokens": audio_tokens + 3 + output,
                         "input_token_details": {"audio_tokens": audio_tokens, "text_tokens": 3}}  # fmt: skip
    elif verbose:
        body.update({"task": "transcribe", "language": "english", "duration": seconds or 0.0, "segments": []})
    elif seconds is not None:
        body["usage"] = {"type": "duration", "seconds": seconds}
    return body


def transcription_events(text: str = "Hello there", audio_tokens: int = 50) -> list[dict[str, Any]]:
    """A ``stream=True`` transcription: one delta per word, then ``transcript.text.done`` with usage."""
    words_ = text.split()
    events: list[dict[str, Any]] = [{"type": "transcript.text.delta", "delta": w + " "} for w in words_]
    events.append({"type": "transcript.text.done", "text": text,
                   "usage": {"type": "tokens", "input_tokens": audio_tokens + 3, "output_tokens": len(words_),
                             "total_tokens": audio_tokens + 3 + len(words_),
                             "input_token_details": {"audio_tokens": audio_tokens, "text_tokens": 3}}})  # fmt: skip
    return events


def speech_audio(characters: int) -> bytes:
    """``audio.speech.create``: binary audio (a WAV of silence, 1 ms per character)."""
    rate, frames = 8000, 8 * characters
    data = b"\x00\x00" * frames
    header = b"RIFF" + struct.pack("<I", 36 + len(data)) + b"WAVEfmt " + struct.pack(
        "<IHHIIHH", 16, 1, 1, rate, rate * 2, 2, 16) + b"data" + struct.pack("<I", len(data))  # fmt: skip
    return header + data


def speech_events(input_tokens: int, audio_tokens: int = 120) -> bytes:
    """``stream_format="sse"`` speech: audio deltas, then ``speech.audio.done`` with token usage."""
    events = [{"type": "speech.audio.delta", "audio": TINY_PNG},
              {"type": "speech.audio.done", "usage": {"input_tokens": input_tokens, "output_tokens": audio_tokens,
                                                      "total_tokens": input_tokens + audio_tokens}}]  # fmt: skip
    return "".join(f"data: {json.dumps(e)}\n\n" for e in events).encode()
