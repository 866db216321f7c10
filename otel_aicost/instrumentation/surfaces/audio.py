"""Audio: ``audio.transcriptions.create``, ``audio.translations.create`` and ``audio.speech.create``.

Transcriptions and translations: token-priced models (``gpt-4o-*-transcribe``) from the usage the response or
the stream's ``transcript.text.done`` event reports; per-minute models (``whisper-1``) by the audio's duration:
the response's ``usage.seconds`` or ``duration`` where it says (``reported``), else the uploaded WAV file's header
(``file_header``), else the file's size at 128 kbit/s (``estimated``: flagged on the span).
Speech: per-character models (``tts-1``, ``tts-1-hd``) by the input's length; token-priced models
(``gpt-4o-mini-tts``) from the usage of the ``speech.audio.done`` event when ``stream_format="sse"``, else no usage.
"""

from __future__ import annotations

import io
import json
import os
import wave
from collections.abc import Mapping
from dataclasses import replace
from decimal import Decimal
from typing import Any

from otel_aicost import semconv
from otel_aicost.cost.fees import UNITS_ESTIMATED, UNITS_FILE_HEADER, UNITS_REPORTED, UNITS_REQUEST, Units
from otel_aicost.cost.unit_prices import UNIT_CHARACTERS
from otel_aicost.instrumentation.facts import Chunk, Facts
from otel_aicost.instrumentation.surfaces.shared import count, field, text, usage_of
from otel_aicost.instrumentation.surfaces.surface import Patch, Surface
from otel_aicost.instrumentation.usage import Usage

SECONDS = "seconds"
_ASSUMED_BYTES_PER_SECOND = 16_000  # 128 kbit/s, a common compressed-audio rate: the estimate's assumption
_MAX_SECONDS = 10 * 24 * 3600.0


def _audio_usage(usage: Any) -> Usage | None:
    """Token usage (``type: tokens``) of a transcription, with its audio input tokens where ``Usage`` has them."""
    if usage is None or field(usage, "type") == "duration":
        return None
    found = usage_of(usage, "input_tokens", "output_tokens", "input_token_details", "output_token_details")
    if found is None:
        return None
    audio = count(field(field(usage, "input_token_details"), "audio_tokens"))
    if audio:
        return replace(found, input_audio_tokens=min(audio, found.input_tokens))
    return found


def _seconds(value: Any) -> Units | None:
    kind = type(value)
    if (kind is float or kind is int) and 0 <= value <= _MAX_SECONDS:
        return Units(SECONDS, Decimal(repr(float(value))), UNITS_REPORTED)
    return None


def read_transcription(response: Any) -> Facts:
    """A transcription or translation: plain, verbose (``duration``), or a bare string (text, srt, vtt)."""
    if isinstance(response, str):
        return Facts()
    usage = field(response, "usage")
    units = None
    if field(usage, "type") == "duration":
        units = _seconds(field(usage, "seconds"))
    if units is None:
        units = _seconds(field(response, "duration"))
    return Facts(usage=_audio_usage(usage), units=units)


def read_transcription_chunk(event: Any, injected_usage: bool, need_common: bool) -> Chunk:
    kind = field(event, "type")
    if kind == "transcript.text.delta":
        delta = field(event, "delta")
        return Chunk(texts=(delta,)) if type(delta) is str else Chunk()
    if kind == "transcript.text.done":
        return Chunk(facts=Facts(usage=_audio_usage(field(event, "usage"))), counts=False)
    return Chunk(counts=False)


def _file_bytes(upload: Any) -> tuple[bytes | None, int | None]:
    """The first bytes of an upload (for its header) and its size, leaving a file object where it was."""
    if isinstance(upload, tuple) and len(upload) >= 2:
        upload = upload[1]
    if isinstance(upload, (bytes, bytearray)):
        return bytes(upload[:65536]), len(upload)
    if isinstance(upload, (str, os.PathLike)):
        try:
            with open(upload, "rb") as handle:
                return handle.read(65536), os.fstat(handle.fileno()).st_size
        except OSError:
            return None, None
    if isinstance(upload, io.IOBase) and upload.seekable():
        position = upload.tell()
        try:
            upload.seek(0, os.SEEK_END)
            size = upload.tell()
            upload.seek(0)
            head = upload.read(65536)
            return (head if isinstance(head, bytes) else None), size
        finally:
            upload.seek(position)
    return None, None


def _wav_seconds(head: bytes, size: int) -> float | None:
    if not (head.startswith(b"RIFF") and head[8:12] == b"WAVE"):
        return None
    try:
        with wave.open(io.BytesIO(head)) as reader:
            rate, width, channels = reader.getframerate(), reader.getsampwidth(), reader.getnchannels()
    except (wave.Error, EOFError):
        return None
    data_at = head.find(b"data")
    if rate <= 0 or width <= 0 or channels <= 0 or data_at < 0:
        return None
    return max(0, size - data_at - 8) / (rate * width * channels)


def file_duration(upload: Any) -> Units | None:
    """The uploaded audio's duration: from a WAV header, else estimated from its size."""
    head, size = _file_bytes(upload)
    if head is None or size is None:
        return None
    seconds = _wav_seconds(head, size)
    if seconds is not None:
        return Units(SECONDS, Decimal(repr(round(seconds, 3))), UNITS_FILE_HEADER)
    return Units(SECONDS, Decimal(size) / _ASSUMED_BYTES_PER_SECOND, UNITS_ESTIMATED)


def complete_transcription(kwargs: Mapping[str, Any], facts: Facts) -> Facts:
    """With no token usage and no reported duration, the duration of the uploaded file."""
    if facts.usage is not None or facts.units is not None:
        return facts
    units = file_duration(kwargs.get("file"))
    return replace(facts, units=units) if units is not None else facts


def audio_request(kwargs: Mapping[str, Any]) -> dict[str, Any]:
    attributes: dict[str, Any] = {semconv.OUTPUT_TYPE: "text"}
    temperature = kwargs.get("temperature")
    if type(temperature) in (int, float):
        attributes[semconv.REQUEST_TEMPERATURE] = temperature
    return attributes


# --- speech -----------------------------------------------------------------------------------------------------


def _speech_usage(body: bytes) -> Usage | None:
    """The usage of a ``stream_format="sse"`` speech body's ``speech.audio.done`` event."""
    at = body.rfind(b"speech.audio.done")
    if at < 0:
        return None
    start = body.rfind(b"data:", 0, at)
    end = body.find(b"\n", at)
    try:
        event = json.loads(body[start + 5 : end if end >= 0 else None])
    except ValueError:
        return None
    usage = event.get("usage") if isinstance(event, dict) else None
    found = usage_of(usage, "input_tokens", "output_tokens", "input_token_details", "output_token_details")
    if found is not None and found.output_tokens:
        return replace(found, output_audio_tokens=found.output_tokens)  # speech output is all audio
    return found


def read_speech(response: Any) -> Facts:
    """Binary audio; only an already-read ``sse`` body is looked into (a streamed body is never read here)."""
    raw = getattr(response, "response", None)
    try:
        body = raw.content if raw is not None else None
    except Exception:  # noqa: BLE001 - httpx.ResponseNotRead: a streamed body is the caller's to read
        return Facts()
    if isinstance(body, bytes) and body[:6] in (b"data: ", b"event:"):
        return Facts(usage=_speech_usage(body))
    return Facts()


_TOKEN_SPEECH = ("gpt-",)  # token-priced speech models: their cost needs the usage, never the characters


def complete_speech(kwargs: Mapping[str, Any], facts: Facts) -> Facts:
    if facts.usage is not None:
        return facts
    model = text(kwargs.get("model")) or ""
    spoken = kwargs.get("input")
    if type(spoken) is not str or model.startswith(_TOKEN_SPEECH):
        return facts
    return replace(facts, units=Units(UNIT_CHARACTERS, Decimal(len(spoken)), UNITS_REQUEST))


def speech_request(kwargs: Mapping[str, Any]) -> dict[str, Any]:
    return {semconv.OUTPUT_TYPE: "speech"}


TRANSCRIPTIONS = Surface(
    semconv.OP_GENERATE_CONTENT, read_transcription, read_transcription_chunk, api_type=semconv.API_TRANSCRIPTIONS,
    request=audio_request, complete=complete_transcription,
)  # fmt: skip
TRANSLATIONS = Surface(
    semconv.OP_GENERATE_CONTENT, read_transcription, read_transcription_chunk, api_type=semconv.API_TRANSLATIONS,
    request=audio_request, complete=complete_transcription,
)  # fmt: skip
SPEECH = Surface(
    semconv.OP_GENERATE_CONTENT, read_speech, api_type=semconv.API_SPEECH, request=speech_request,
    complete=complete_speech,
)  # fmt: skip

PATCHES = (
    Patch("openai.resources.audio.transcriptions", "Transcriptions", "AsyncTranscriptions", "create", TRANSCRIPTIONS),
    Patch("openai.resources.audio.translations", "Translations", "AsyncTranslations", "create", TRANSLATIONS),
    Patch("openai.resources.audio.speech", "Speech", "AsyncSpeech", "create", SPEECH),
)
