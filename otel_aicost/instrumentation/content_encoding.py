"""A raw body's bytes as the caller reads them: the byte tap sees them as the server sent them, before httpx undoes
their ``Content-Encoding``, so a compressed body is decompressed on the side (a copy: the caller's bytes are never
touched) before the tap's decoders read it for its usage.

httpx asks for ``gzip, deflate`` on every request (and ``br``/``zstd`` when their modules are installed), so a server
or a gateway is free to compress. ``gzip`` and ``deflate`` are decoded with ``zlib``, as httpx does (``deflate``
with or without its zlib header); ``br`` and ``zstd`` only when a module that decodes them imports. A body whose
encoding we cannot decode is not read at all (``decoding`` returns None): a stream then has only the local
estimate (``aicost.usage.source=estimated``), a plain body no usage (``no_usage``). An encoding name nobody knows
is skipped, as httpx skips it. A body that does not decompress stops the reading quietly (the caller gets httpx's
own error for it).
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Iterator
from typing import Any

_PIECE = 1 << 20  # at most this much decompressed output at a time, however small the input (as httpx)


class _Zlib:
    """``gzip`` or ``deflate`` (zlib-wrapped, or raw if the first bytes say so, as httpx tries)."""

    __slots__ = ("inflater", "raw_fallback")

    def __init__(self, wbits: int, raw_fallback: bool = False) -> None:
        self.inflater = zlib.decompressobj(wbits)
        self.raw_fallback = raw_fallback

    def decode(self, data: bytes) -> Iterator[bytes]:
        if self.raw_fallback:
            self.raw_fallback = False
            try:
                first = self.inflater.decompress(data, _PIECE)
            except zlib.error:
                self.inflater = zlib.decompressobj(-zlib.MAX_WBITS)
                first = self.inflater.decompress(data, _PIECE)
        else:
            first = self.inflater.decompress(data, _PIECE)
        piece = first
        while piece:
            yield piece
            piece = self.inflater.decompress(self.inflater.unconsumed_tail, _PIECE)

    def flush(self) -> bytes:
        return self.inflater.flush()


class _Whole:
    """A decompressor that takes any input at once (``br``, ``zstd``)."""

    __slots__ = ("step",)

    def __init__(self, step: Callable[[bytes], bytes]) -> None:
        self.step = step

    def decode(self, data: bytes) -> Iterator[bytes]:
        yield self.step(data)

    def flush(self) -> bytes:
        return b""


def _brotli() -> _Whole | None:
    try:
        import brotli  # type: ignore[import-not-found,unused-ignore]
    except ImportError:
        try:
            import brotlicffi as brotli  # type: ignore[import-not-found,unused-ignore]
        except ImportError:
            return None
    decompressor = brotli.Decompressor()
    step = getattr(decompressor, "process", None) or decompressor.decompress  # Brotli, brotlicffi
    return _Whole(step)


def _zstd() -> _Whole | None:
    try:
        from compression.zstd import ZstdDecompressor  # type: ignore[import-not-found,unused-ignore]
    except ImportError:
        try:
            from backports.zstd import ZstdDecompressor  # type: ignore[import-not-found,unused-ignore]
        except ImportError:
            try:
                import zstandard  # type: ignore[import-not-found,unused-ignore]
            except ImportError:
                return None
            return _Whole(zstandard.ZstdDecompressor().decompressobj().decompress)
    return _Whole(ZstdDecompressor().decompress)


_DECODERS: dict[str, Callable[[], Any]] = {
    "gzip": lambda: _Zlib(zlib.MAX_WBITS | 16),
    "deflate": lambda: _Zlib(zlib.MAX_WBITS, raw_fallback=True),
    "br": _brotli,
    "zstd": _zstd,
}


class Decoded:
    """Feeds ``inner`` (a tap decoder: ``feed``, ``flush``) the body with its encodings undone, last applied first."""

    __slots__ = ("inner", "steps", "broken")

    def __init__(self, inner: Any, steps: list[Any]) -> None:
        self.inner = inner
        self.steps = steps
        self.broken = False

    def feed(self, part: bytes) -> None:
        if part and not self.broken:  # httpx never hands its decoder an empty read either
            self._through(0, part)

    def _through(self, index: int, data: bytes) -> None:
        if index == len(self.steps):
            self.inner.feed(data)
            return
        pieces = self.steps[index].decode(data)
        while not self.broken:
            try:
                piece = next(pieces, None)
            except Exception:  # not what the header says (httpx raises DecodingError to the caller)
                self.broken = True
                return
            if piece is None:
                return
            if piece:
                self._through(index + 1, piece)

    def flush(self) -> None:
        if not self.broken:
            for index, step in enumerate(self.steps):
                try:
                    rest = step.flush()
                except Exception:
                    self.broken = True
                    break
                if rest:
                    self._through(index + 1, rest)
        self.inner.flush()


def decoding(content_encoding: str | None, inner: Any) -> Any:
    """``inner`` as it is for a body sent as it is; a ``Decoded`` for an encoded one; None (read nothing) when an
    encoding it names cannot be undone here."""
    if not content_encoding:
        return inner
    steps = []
    for name in reversed(content_encoding.lower().split(",")):
        name = name.strip()
        make = _DECODERS.get(name)
        if make is None:
            continue  # identity, or a name httpx skips too
        step = make()
        if step is None:
            return None
        steps.append(step)
    return Decoded(inner, steps) if steps else inner
