"""``token_pieces.count_ordinary``: tiktoken's own count (``len(encoding.encode_ordinary(text))``), with an ASCII
text of ``o200k_base`` split into tiktoken's pieces by the standard library's ``re`` and its one-token pieces found
in the ranks, without a call into tiktoken. Every count here is compared with tiktoken's."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from otel_aicost.cost import token_pieces, tokens
from otel_aicost.cost.estimate import estimated_usage
from otel_aicost.instrumentation.usual_stream_end import local_count

ROOT = Path(__file__).resolve().parents[2]
# every kind of ASCII character the pattern tells apart: letters of both cases, digits, the contractions' letters,
# apostrophes, the slash and newlines after punctuation, each White_Space character, the four Python calls space
# but Unicode does not (\x1c-\x1f), other controls and punctuation
ALPHABET = "aAzZbQ09 '''sStTdDmMlLvVeErR/.,!-_\t\n\r\x0b\x0c\x1c\x1d\x1e\x1f\x00\x7f    "
WORDS = ("The", " quick", " brown", " fox", "'s", "'T", "'Re", "'vE", "'LL", "'d", "'m", " HTML", "Parser", " iPhone",
         " McDonald", " 12345", " 3.14159", "...", " --", "\n\n", "  ", "\t", " \n", "//", "(x)", " don't", " I'M",
         " antidisestablishmentarianism", " zxqvj", "ABCdef", " 1st", "\r\n", " /path/to", "  \n  x", " a")  # fmt: skip


@pytest.fixture(scope="module")
def o200k():
    return tokens.get_encoding("o200k_base")


def tiktoken_count(encoding, text):
    return len(encoding.encode_ordinary(text))


def test_random_ascii_texts_count_as_tiktoken_counts_them(o200k):
    rng = random.Random(21)
    for _ in range(20_000):
        text = "".join(rng.choice(ALPHABET) for _ in range(rng.randint(0, 40)))
        assert token_pieces.count_ordinary(o200k, text) == tiktoken_count(o200k, text), repr(text)


def test_every_ascii_character_and_pair_counts_as_tiktoken_counts_them(o200k):
    for first in range(128):
        for second in range(128):
            for text in (chr(first) + chr(second), f" {chr(first)}{chr(second)}x", f"A{chr(first)}b{chr(second)} "):
                assert token_pieces.count_ordinary(o200k, text) == tiktoken_count(o200k, text), repr(text)


def test_texts_of_words_count_as_tiktoken_counts_them(o200k):
    rng = random.Random(12)
    for _ in range(5_000):
        text = "".join(rng.choice(WORDS) for _ in range(rng.randint(1, 30)))
        assert token_pieces.count_ordinary(o200k, text) == tiktoken_count(o200k, text), repr(text)


def test_real_texts_count_as_tiktoken_counts_them(o200k):
    """This repository's code and documents (ASCII or not), whole and cut at every 997th character."""
    paths = [*sorted((ROOT / "otel_aicost" / "cost").glob("*.py")), ROOT / "README.md", ROOT / "SECURITY.md"]
    for path in paths:
        text = path.read_text(encoding="utf-8")
        assert token_pieces.count_ordinary(o200k, text) == tiktoken_count(o200k, text), path
        for start in range(0, len(text), 997):
            part = text[start : start + 1500]
            assert token_pieces.count_ordinary(o200k, part) == tiktoken_count(o200k, part), (path, start)


def test_common_words_cost_no_call_into_tiktoken(o200k, monkeypatch):
    def refuse(text):
        raise AssertionError(f"tiktoken asked for {text!r}")

    monkeypatch.setattr(o200k, "encode_ordinary", refuse)
    assert token_pieces.count_ordinary(o200k, "The quick brown fox jumps over the lazy dog.") == 10


def test_a_text_longer_than_short_is_tiktokens(o200k, monkeypatch):
    asked = []
    encode = o200k.encode_ordinary
    monkeypatch.setattr(o200k, "encode_ordinary", lambda text: asked.append(text) or encode(text))
    short = ("The quick brown fox" * token_pieces._SHORT)[: token_pieces._SHORT]
    assert token_pieces.count_ordinary(o200k, short) == len(encode(short))
    longer = short + "x"
    assert token_pieces.count_ordinary(o200k, longer) == len(encode(longer))
    assert asked == [longer]


def test_a_piece_of_several_tokens_is_counted_by_tiktoken_alone_and_remembered(o200k, monkeypatch):
    token_pieces._o200k_pieces[4].clear()
    asked = []
    encode = o200k.encode_ordinary
    monkeypatch.setattr(o200k, "encode_ordinary", lambda text: asked.append(text) or encode(text))
    for _ in range(2):
        assert token_pieces.count_ordinary(o200k, "The antidisestablishmentarianism fox") == 1 + 6 + 1
    assert asked == [" antidisestablishmentarianism"]


def test_the_pieces_remembered_are_bounded(o200k, monkeypatch):
    several = token_pieces._o200k_pieces[4]
    several.clear()
    monkeypatch.setattr(token_pieces, "_PIECES_KEPT", 2)
    words = [" antidisestablishmentarianism", " zxqvjk", " floccinaucinihilipilification"]
    for word in words:
        assert token_pieces.count_ordinary(o200k, word) == tiktoken_count(o200k, word)
        assert len(several) <= 2
    assert list(several) == [words[2].encode()]
    several.clear()


@pytest.mark.parametrize(
    "text", ["résumé", "straße", "café au lait", "naïve “quotes” — and 𝔘nicode", "日本語のテキスト", "Ǆ ǅ ǆ ſ K"]
)
def test_other_texts_and_encodings_are_tiktokens(o200k, text):
    assert token_pieces.count_ordinary(o200k, text) == tiktoken_count(o200k, text)
    cl100k = tokens.get_encoding("cl100k_base")
    for sample in (text, "The quick brown fox", "  x\n\n 12345"):
        assert token_pieces.count_ordinary(cl100k, sample) == tiktoken_count(cl100k, sample)


def test_an_encoding_built_again_is_not_read_through_the_one_before(o200k, monkeypatch):
    """A second Encoding of the same name (the module's caches cleared) gets its own entry; an Encoding the module
    did not build of that name is tiktoken's."""
    import tiktoken

    other = tiktoken.Encoding(
        "o200k_base", pat_str=o200k._pat_str, mergeable_ranks={bytes([i]): i for i in range(256)}, special_tokens={}
    )
    assert token_pieces.count_ordinary(other, "The quick brown fox") == len("The quick brown fox")


def test_stream_estimates_use_it_and_keep_their_counts(o200k):
    parts = ["", "The", " quick", " brown", " fox", None]
    messages = [{"role": "system", "content": "You are terse."}, {"role": "user", "content": "Say it."}]

    class Request:
        kwargs = {"model": "gpt-4o-mini", "messages": messages, "stream": True}
        request_model = "gpt-4o-mini"

    expected_output = tiktoken_count(o200k, "The quick brown fox")
    assert local_count(Request(), "gpt-4o-mini-2024-07-18", parts) == (
        tokens.count_messages(messages, "gpt-4o-mini"),
        expected_output,
    )
    assert local_count(Request(), "gpt-4o-mini-2024-07-18", parts[:-1]) == (  # broken off: strings alone
        tokens.count_messages(messages, "gpt-4o-mini"),
        expected_output,
    )
    assert local_count(Request(), "gpt-4o-mini-2024-07-18", ["The", 7, " quick", [" x"], " brown", " fox"])[1] == (
        expected_output  # what the SDK's construct() left unchecked: only the strings count
    )
    usage = estimated_usage("gpt-4o-mini", messages=messages, output=("The", " quick", " brown", " fox"))
    assert usage.output_tokens == expected_output


def test_a_piece_that_would_split_alone_sends_the_whole_text_to_tiktoken(o200k, monkeypatch):
    """The pattern's pieces split alone as themselves (the tests above); were one not to, tiktoken counts the text."""
    encoding, findall, match, single, several = token_pieces._o200k_pieces
    short = type("Short", (), {"end": lambda self: 1})()
    monkeypatch.setattr(token_pieces, "_o200k_pieces", (encoding, findall, lambda piece: short, single, {}))
    asked = []
    encode = o200k.encode_ordinary
    monkeypatch.setattr(o200k, "encode_ordinary", lambda text: asked.append(text) or encode(text))
    text = "The antidisestablishmentarianism fox"
    assert token_pieces.count_ordinary(o200k, text) == len(encode(text))
    assert asked == [text]
