"""``count_ordinary``: tiktoken's own count of a text (``len(encoding.encode_ordinary(text))``), an o200k_base ASCII
text of up to ``_SHORT`` characters counted without a call into tiktoken: its pieces split by the standard library's
``re`` with the encoding's pattern written over ASCII, the one-token pieces found in the encoding's own ranks. The
encodings themselves are ``tokens.py``'s (it hands o200k_base's over once built: ``learn_o200k``);
``tests/unit/test_token_pieces.py`` compares every count with tiktoken's."""

from __future__ import annotations

import re
from itertools import filterfalse
from typing import Any

# o200k_base's pattern over ASCII text as bytes, in the standard library's ``re`` (``count_ordinary``): the same
# pieces as tiktoken's Rust regex gives for every ASCII text (Unicode's letters, digits and White_Space within ASCII;
# Python's own ``\s`` would also take \x1c-\x1f, so the space class is spelled out). Both engines backtrack
# leftmost-first, so the same alternatives in the same order match the same pieces; tiktoken's first two (a letter
# run with an optional non-letter before it, lower case after upper, or upper case alone) are one here, as
# ``P?(?:X|Y)C?``: P is taken only on a non-letter and X and Y both start with a letter, so the two orders of trying
# them succeed alike (tests/unit/test_token_pieces.py compares the counts with tiktoken's on random and real texts).
_S = rb"\t\n\x0b\x0c\r "  # White_Space within ASCII
_O200K_ASCII = b"|".join(
    [
        rb"[^\r\nA-Za-z0-9]?(?:[A-Z]*[a-z]+|[A-Z]+[a-z]*)(?i:'s|'t|'re|'ve|'m|'ll|'d)?",
        rb"[0-9]{1,3}",
        rb" ?[^" + _S + rb"A-Za-z0-9]+[\r\n/]*",
        rb"[" + _S + rb"]*[\r\n]+",
        rb"[" + _S + rb"]+(?![^" + _S + rb"])",
        rb"[" + _S + rb"]+",
    ]
)
_PIECES_KEPT = 4096  # pieces of several tokens remembered with their count, per encoding (then started again)
# count_ordinary splits texts of up to this many characters itself: warm, its re and lookups cost ~1.2x tiktoken's
# Rust up to ~256 characters and about as much at 1,024 (timeit, bench/README.md round 21), while tiktoken's cold code
# and token table cost ~170 simulated L2 misses a call; a longer text is tiktoken's, as before
_SHORT = 1024
# o200k_base's Encoding as tokens._build made it, its ASCII pattern's findall and match, its ranks' __contains__ and the
# counts of the pieces of several tokens met lately (count_ordinary's; a module global: no lookup of its own a call)
_o200k_pieces: tuple[Any, Any, Any, Any, dict[bytes, int]] = (None, None, None, None, {})


def learn_o200k(encoding: Any, ranks: dict[bytes, int]) -> None:
    """Count o200k_base's short ASCII texts with ``encoding`` (just built from the shipped file) and its ``ranks``."""
    global _o200k_pieces
    pattern = re.compile(_O200K_ASCII)
    _o200k_pieces = (encoding, pattern.findall, pattern.match, ranks.__contains__, {})


def count_ordinary(encoding: Any, text: str) -> int:
    """``len(encoding.encode_ordinary(text))``, exactly. tiktoken splits a text into pieces by its pattern and
    counts a piece that is one of its tokens (a rank's bytes) as one, any other by byte-pair merges. For ASCII text
    of o200k_base (gpt-4o's and later models'; its ASCII pattern here: ``_O200K_ASCII``) the pieces come from the
    standard library's ``re``, the one-token pieces are found in the ranks (a dict lookup each, in C) and a piece of
    several tokens is counted by tiktoken alone (the same count: alone it splits as itself, else the whole text is
    tiktoken's) and remembered (a word comes back): a text of common words costs no call into tiktoken, whose Rust
    regex and token table are cold at every call (a broken-off stream's output count: ~170 simulated L2 misses a
    call, bench/README.md round 21)."""
    own, findall, match, single, several = _o200k_pieces
    if own is not encoding or text[_SHORT:] or not text.isascii():  # another encoding (cl100k_base), a long text
        # (its count's own work outweighs the cold start; a slice, not a len() call) or not ASCII: tiktoken's
        return len(encoding.encode_ordinary(text))
    pieces = findall(text.encode())
    count = len(pieces)
    for piece in filterfalse(single, pieces):  # none when every piece is one token
        counted = several.get(piece)
        if counted is None:
            if match(piece).end() != len(piece):  # alone it would not be one piece: tiktoken counts the whole text
                return len(encoding.encode_ordinary(text))
            counted = len(encoding.encode_ordinary(piece.decode()))
            if len(several) >= _PIECES_KEPT:
                several.clear()
            several[piece] = counted
        count += counted - 1
    return count
