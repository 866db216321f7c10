"""Precision and recall of ``otel_aicost.finops.anomalies`` per cause, over many synthetic months.

    python bench/anomaly_recall.py [--seeds 20]

Each seed: 28 days of hourly usage (``tests/support/synthetic_usage.py``: daily rhythm, quiet weekends, a nightly
batch job, noisy volume and tokens) with four injected hours per cause class in the last 14 days. Recall per
class: injected hours found *with that cause*; precision: found hours that were injected. A new model is new
only once per seed, so it counts one injection per seed.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.support.synthetic_usage import INJECTED, precision_recall  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=20)
    args = parser.parse_args()
    recalls: dict[str, list[float]] = {cause: [] for cause in INJECTED}
    precisions = []
    for seed in range(1, args.seeds + 1):
        recall, precision, _ = precision_recall(seed)
        for cause, value in recall.items():
            recalls[cause].append(value)
        precisions.append(precision)
    print(f"{args.seeds} synthetic months, hourly detection")
    print(f"{'injected cause':16} {'recall':>7}")
    for cause, values in recalls.items():
        print(f"{cause:16} {sum(values) / len(values):7.1%}")
    print(f"{'precision':16} {sum(precisions) / len(precisions):7.1%}  (found hours that were injected)")


if __name__ == "__main__":
    main()
