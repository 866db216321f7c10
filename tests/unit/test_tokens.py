"""Shipped tiktoken encodings: the real files, loaded without tiktoken's download path, and counts that match."""

from __future__ import annotations

import hashlib
from importlib import resources

import pytest

from otel_aicost.cost import tokens
from otel_aicost.cost.estimate import estimate_cost

# sha256 of OpenAI's published files, as tiktoken itself expects them (tiktoken_ext/openai_public.py).
KNOWN_SHA256 = {
    "o200k_base": "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d",
    "cl100k_base": "223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7",
}


@pytest.fixture(scope="module", autouse=True)
def no_download(request):
    """tiktoken's own loaders fail for the whole module: nothing may go through them."""
    import tiktoken.load

    def refuse(*args, **kwargs):
        raise AssertionError("tiktoken's download/cache path was used")

    saved = (tiktoken.load.read_file, tiktoken.load.read_file_cached)
    tiktoken.load.read_file = tiktoken.load.read_file_cached = refuse
    tokens._loaded.clear()
    tokens._by_model.clear()  # the encodings kept per model, built before: built again from the shipped files
    yield
    tiktoken.load.read_file, tiktoken.load.read_file_cached = saved


@pytest.mark.parametrize("name", sorted(KNOWN_SHA256))
def test_shipped_files_are_the_published_ones(name):
    data = resources.files("otel_aicost.cost.encodings").joinpath(f"{name}.tiktoken").read_bytes()
    assert hashlib.sha256(data).hexdigest() == KNOWN_SHA256[name]


@pytest.mark.parametrize(
    ("text", "o200k", "cl100k"),
    [
        ("hello world", 2, 2),
        ("tiktoken is great!", 6, 6),
        ("antidisestablishmentarianism", 6, 6),
        ("", 0, 0),
    ],
)
def test_known_token_counts(text, o200k, cl100k):
    assert tokens.count_text(text, "gpt-4o") == o200k
    assert tokens.count_text(text, "gpt-4") == cl100k


def test_encodings_have_their_published_vocabulary_sizes():
    assert tokens.get_encoding("o200k_base").n_vocab == 200019
    assert tokens.get_encoding("cl100k_base").n_vocab == 100277


@pytest.mark.parametrize(
    ("model", "encoding"),
    [
        ("gpt-4o", "o200k_base"),
        ("gpt-4o-mini-2024-07-18", "o200k_base"),
        ("gpt-4.1-nano", "o200k_base"),
        ("gpt-5", "o200k_base"),
        ("o1", "o200k_base"),
        ("o3-mini", "o200k_base"),
        ("o4-mini", "o200k_base"),
        ("ft:gpt-4o-mini-2024-07-18:org::x", "o200k_base"),
        ("some-future-model", "o200k_base"),
        ("gpt-4", "cl100k_base"),
        ("gpt-4-turbo", "cl100k_base"),
        ("gpt-3.5-turbo", "cl100k_base"),
        ("gpt-35-turbo", "cl100k_base"),
        ("text-embedding-3-small", "cl100k_base"),
        ("ft:gpt-3.5-turbo-0125:org::x", "cl100k_base"),
    ],
)
def test_model_to_encoding(model, encoding):
    assert tokens.encoding_name_for(model) == encoding


# The example of OpenAI's cookbook "How to count tokens with tiktoken": the API reports 129 prompt tokens on
# gpt-3.5-turbo-0613 / gpt-4 (cl100k_base) and 124 on gpt-4o (o200k_base) for these messages.
COOKBOOK = [
    {
        "role": "system",
        "content": "You are a helpful, pattern-following assistant that translates corporate jargon "
        "into plain English.",
    },
    {"role": "system", "name": "example_user", "content": "New synergies will help drive top-line growth."},
    {"role": "system", "name": "example_assistant", "content": "Things working well together will increase revenue."},
    {
        "role": "system",
        "name": "example_user",
        "content": "Let's circle back when we have more bandwidth to touch "
        "base on opportunities for increased leverage.",
    },
    {
        "role": "system",
        "name": "example_assistant",
        "content": "Let's talk later when we're less busy about how to do better.",
    },
    {
        "role": "user",
        "content": "This late pivot means we don't have time to boil the ocean for the client deliverable.",
    },
]


def test_message_overhead_matches_what_the_api_reports():
    assert tokens.count_messages(COOKBOOK, "gpt-4") == 129
    assert tokens.count_messages(COOKBOOK, "gpt-4o") == 124


def test_message_parts_names_and_tools_are_counted():
    encoding = tokens.get_encoding("o200k_base")
    parts = [
        {
            "role": "user",
            "content": [
                {"type": "text", "text": "hello world"},
                {"type": "image_url", "image_url": {"url": "data:..."}},
            ],
        }
    ]
    assert tokens.count_messages(parts, "gpt-4o") == 3 + 3 + len(encoding.encode("user")) + 2 + tokens.IMAGE_TOKENS
    tool = {
        "type": "function",
        "function": {
            "name": "get_weather",
            "description": "Weather for a city",
            "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
        },
    }
    with_tools = tokens.count_messages([{"role": "user", "content": "hi"}], "gpt-4o", tools=[tool])
    without = tokens.count_messages([{"role": "user", "content": "hi"}], "gpt-4o")
    assert with_tools - without == tokens.count_tools([tool], "gpt-4o") > tokens.TOOL_OVERHEAD + tokens.TOOLS_OVERHEAD


def test_prompts_and_streamed_output():
    assert tokens.count_prompt(["hello world", "hello world"], "gpt-4") == 4
    assert tokens.count_prompt([15339, 1917], "gpt-4") == 2  # token ids count as themselves
    assert tokens.count_prompt([[1, 2, 3], [4]], "gpt-4") == 4
    chunks = ["The qu", "ick brown", " fox jumps over the lazy dog."]
    assert tokens.count_output(chunks, "gpt-4") == tokens.count_text("".join(chunks), "gpt-4") == 10


LONG_TEXT = " ".join(
    f"Paragraph {n}: the quarterly FinOps review found that cached prompts cut input spend by {n % 7 + 3}0%, "
    f"while reasoning-heavy workloads on o-series models doubled output tokens; the team will re-run the "
    f"benchmark with priority processing and compare Data Zone against Global Standard deployments."
    for n in range(200)
)


@pytest.mark.parametrize("model", ["gpt-4o", "gpt-4", "o3"])
def test_estimate_is_within_ten_percent_of_the_true_count_for_long_texts(model):
    true_count = len(tokens.encoding_for_model(model).encode(LONG_TEXT))
    assert true_count > 5_000
    estimate = estimate_cost(
        model,
        messages=[{"role": "system", "content": "Summarise."}, {"role": "user", "content": LONG_TEXT}],
        max_output_tokens=500,
    )
    assert abs(estimate.input_tokens - true_count) <= true_count / 10
    assert estimate.status == "priced"
    assert estimate.total == estimate.input_cost + estimate.max_output_cost


def test_estimate_cost_prices_the_worst_case():
    from decimal import Decimal

    estimate = estimate_cost("gpt-4o-mini", input_tokens=10_000, max_output_tokens=2_000)
    assert estimate.input_cost == 10_000 * Decimal("0.15") / 1_000_000  # no cache discount assumed
    assert estimate.max_output_cost == 2_000 * Decimal("0.60") / 1_000_000
    assert estimate.total == estimate.input_cost + estimate.max_output_cost
    azure = estimate_cost("gpt-4o-mini", input_tokens=10_000, deployment_type="data_zone_standard")
    assert azure.input_cost == 10_000 * Decimal("0.165") / 1_000_000 and azure.max_output_cost == 0
    assert estimate_cost("gpt-4o", prompt="hello world").input_tokens == 2


def test_estimate_cost_reports_unknown_and_provisioned_without_money():
    unknown = estimate_cost("not-a-model", input_tokens=5)
    assert unknown.status == "unknown_model" and unknown.total is None
    ptu = estimate_cost("gpt-4o", input_tokens=5, deployment_type="provisioned")
    assert ptu.status == "provisioned" and ptu.total is None


@pytest.mark.parametrize(
    "kwargs",
    [
        {"input_tokens": -1},
        {"max_output_tokens": 1.5},
        {"deployment_type": "global"},
        {"input_tokens": 3, "prompt": "x"},
    ],
)
def test_estimate_cost_rejects_impossible_arguments(kwargs):
    with pytest.raises(ValueError, match="estimate_cost"):
        estimate_cost("gpt-4o", **kwargs)


def test_estimated_usage_for_a_stream_without_usage():
    from otel_aicost.cost.estimate import estimated_usage

    usage = estimated_usage("gpt-4", messages=COOKBOOK, output=["Things ", "working well", " together."])
    assert usage.source == "estimated"
    assert usage.input_tokens == 129
    assert usage.output_tokens == tokens.count_text("Things working well together.", "gpt-4")
    assert estimated_usage("gpt-4o", prompt=["hello world"]).input_tokens == 2
    assert estimated_usage("gpt-4o", messages=[object()]) is not None  # odd input counts, never raises
    assert estimated_usage("gpt-4o", messages=5) is None  # type: ignore[arg-type]


def test_remembered_counts_are_tiktokens_own_per_encoding(monkeypatch):
    """A request text is encoded once; later counts come from memory, equal to the reference encoder's, and never
    mix up encodings (the same text counts differently in o200k and cl100k)."""
    monkeypatch.setattr(tokens, "_recent", tokens._RecentCounts(limit=1_000_000))
    encodings = {name: tokens.get_encoding(name) for name in ("o200k_base", "cl100k_base")}
    reference = {name: len(encoding.encode_ordinary(LONG_TEXT)) for name, encoding in encodings.items()}
    assert reference["o200k_base"] != reference["cl100k_base"]
    others = sum(len(encodings["o200k_base"].encode_ordinary(text)) for text in ("system", "user", "Summarise."))
    encoded = []  # every count made (count_ordinary: tiktoken's count, its common words without a call into it)
    monkeypatch.setattr(tokens, "count_ordinary", lambda encoding, text, real=tokens.count_ordinary: encoded.append(
        text) or real(encoding, text))  # fmt: skip
    messages = [{"role": "system", "content": LONG_TEXT}, {"role": "user", "content": "Summarise."}]
    for _ in range(3):  # as three calls with the same system prompt would
        assert tokens.count_messages(messages, "gpt-4o") == tokens.REPLY_PRIMING + 2 * tokens.TOKENS_PER_MESSAGE + (
            reference["o200k_base"] + others)  # fmt: skip
        assert tokens.count_text(LONG_TEXT, "gpt-4") == reference["cl100k_base"]
    assert encoded.count(LONG_TEXT) == 2  # once per encoding


def test_remembered_counts_keep_a_bounded_amount_of_text():
    counts = tokens._RecentCounts(limit=400)
    encoding = tokens.get_encoding("o200k_base")
    texts = [f"message {n}: " + "word " * (n % 12) for n in range(80)]
    for _ in range(2):
        for text in texts:
            assert counts.count(encoding, text) == len(encoding.encode_ordinary(text))
            kept = [text for texts in counts.by_name.values() for text in texts]
            assert counts._chars <= 400 and sum(map(len, kept)) == counts._chars and len(kept) == counts._kept
    too_long = "many words " * 10  # longer than a quarter of the limit: counted, not kept
    assert counts.count(encoding, too_long) == len(encoding.encode_ordinary(too_long))
    assert too_long not in counts.of(encoding)


def test_streamed_output_from_an_iterator_with_a_stray_part_keeps_every_text_part():
    # A part that is not text (a refusal object, None) must not make the one-pass iterator lose the text parts:
    # "The quick brown fox jumps over the lazy dog." is 10 tokens in cl100k_base (the case above).
    parts = iter(["The qu", None, "ick brown", " fox jumps over the lazy dog."])
    assert tokens.count_output(parts, "gpt-4") == 10


def test_remembered_counts_of_many_short_texts_stay_within_a_few_megabytes():
    """The docstring's promise (about 1 MB of text, 4 MB at worst) measured with tracemalloc: short distinct texts
    (ids, numbers, one-word messages) cost far more in keys and dict slots than in characters, so the number of
    entries must be bounded too. Each text is made for its call, so only the cache keeps it alive."""
    import tracemalloc

    encoding = tokens.get_encoding("o200k_base")
    counts = tokens._RecentCounts(limit=1_000_000)
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        peak = 0
        for n in range(40_000):
            counts.count(encoding, "%07d" % n)
            if n % 200 == 0:
                peak = max(peak, tracemalloc.get_traced_memory()[0] - base)
    finally:
        tracemalloc.stop()
    assert peak < 4_000_000, f"{peak / 1e6:.1f} MB"
