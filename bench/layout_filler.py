"""A heap laid out differently in every worker: imported by worker.py before openai, the SDK and the
instrumentation, so their modules, code objects and the objects a call makes land at other addresses.

The same code measured from two installs (the editable checkout, a copy on PYTHONPATH, an installed wheel) ran
10-15% apart a broken stream on round 21-22's machine with equal instruction counts: where objects sit decides
which of them share cache sets. One worker measures one such layout; with ``AICOST_BENCH_LAYOUT_SEED`` set (by
overhead.py, a new seed each worker) the heap gets a different number of blocks of every small size, half of them
freed again, so each round measures another layout and the median over rounds is not one layout's luck.
"""

from __future__ import annotations

import os
import random

SEED = os.environ.get("AICOST_BENCH_LAYOUT_SEED")
KEPT: list[bytes] = []  # alive for the process's life: the pools they hold stay as they were left

if SEED:
    _rng = random.Random(int(SEED))
    _blocks = [bytes(_rng.randrange(1, 512)) for _ in range(_rng.randrange(0, 20000))]
    KEPT = [block for block in _blocks if _rng.random() < 0.5]  # the rest freed: holes later objects fill
    KEPT.append(bytearray(_rng.randrange(0, 1 << 20)))  # and the malloc heap shifted by up to 1 MiB
    del _blocks
