"""What the local usage estimate of a broken-off stream costs: µs and Python calls per estimate, for a short chat and
for one with an 8 KB system prompt, the first time a text is seen and when it comes back (the usual case: the same
system prompt and history on every call).

    .venv/bin/python bench/bench_estimate.py
"""

from __future__ import annotations

import cProfile
import pstats
import timeit
from pathlib import Path

from otel_aicost.cost import tokens
from otel_aicost.cost.estimate import estimated_usage

MODEL = "gpt-4o-mini-2024-07-18"
OUTPUT = (" The", " quick", " brown", " fox", " jumps")  # five chunks' text
SYSTEM = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")[:8000]
CHATS = {
    "short chat": [{"role": "system", "content": "You are a terse assistant."},
                   {"role": "user", "content": "Write one sentence about a fox and a dog."}],
    "8 KB system prompt": [{"role": "system", "content": SYSTEM}, {"role": "user", "content": "Summarise."}],
}  # fmt: skip


def main() -> None:
    tokens.get_encoding(tokens.encoding_name_for(MODEL))  # loaded once per process, not measured
    estimated_usage(MODEL, messages=[{"role": "user", "content": "warm-up"}], output=("!",))  # first-call paths
    print(f"{'case':20s} {'first time µs':>14s} {'repeated µs':>12s} {'Python calls':>13s}")
    for name, messages in CHATS.items():
        if hasattr(tokens, "_recent"):  # absent before request texts' counts were remembered (for A/B runs)
            tokens._recent.clear()
        first = timeit.timeit(lambda: estimated_usage(MODEL, messages=messages, output=OUTPUT), number=1)
        estimate = lambda: estimated_usage(MODEL, messages=messages, output=OUTPUT)  # noqa: E731
        number = 2000
        repeated = min(timeit.repeat(estimate, number=number, repeat=5)) / number
        profile = cProfile.Profile()
        profile.runcall(estimate)
        calls = pstats.Stats(profile).total_calls  # type: ignore[attr-defined]
        print(f"{name:20s} {first * 1e6:14.1f} {repeated * 1e6:12.1f} {calls:13d}")


if __name__ == "__main__":
    main()
