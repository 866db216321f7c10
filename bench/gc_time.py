"""CPU time per call spent in the cyclic garbage collector (``gc.callbacks``), raw and instrumented, for one mode in
its own venv: how much of a mode's added time is collections its allocations trigger. Rounds alternate raw and
instrumented batches after a warm-up; the medians are printed. Timing, so run it on a quiet machine.

    bench/.venvs/aicost/bin/python bench/gc_time.py aicost --cases stream_broken chat
    bench/.venvs/openai-v2/bin/python bench/gc_time.py openai-v2 --cases stream_broken chat

Round 24 (``bench/README.md``, 600 calls a batch, 5 rounds): a broken stream's collections cost ours +7.9 µs a call
over raw, openai-v2's +4.5; a chat call +2.4 against +3.3 (the same number of gen-0 collections a call within ±0.01,
round 23).
"""

from __future__ import annotations

import argparse
import gc
import pathlib
import sys
import time
from statistics import median

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import modes  # noqa: E402 - the bench's pipeline and instrumentation
import worker  # noqa: E402 - the bench's calls, raw and instrumented


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("mode", help="the mode to instrument with (this venv's: aicost, openai-v2, ...)")
    parser.add_argument("--cases", nargs="+", default=["stream_broken", "chat"], choices=worker.CASES)
    parser.add_argument("--calls", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--warmup", type=int, default=200)
    args = parser.parse_args()

    pipe = modes.Pipeline()
    modes.instrument(args.mode, pipe)
    caller = worker.Caller()
    in_gc = [0.0, 0.0]  # CPU seconds in collections so far; when the current one started

    def on_collection(phase: str, _info: dict) -> None:
        if phase == "start":
            in_gc[1] = time.process_time()
        else:
            in_gc[0] += time.process_time() - in_gc[1]

    gc.callbacks.append(on_collection)
    for case in args.cases:
        caller.check(case)
        for instrumented in (True, False):
            caller.run(case, args.warmup, instrumented)
        pipe.flush()
        rounds: dict[bool, list[tuple[float, float]]] = {False: [], True: []}
        for _ in range(args.rounds):
            for instrumented in (False, True):
                gc.collect()
                in_gc[0] = 0.0
                start = time.process_time()
                caller.run(case, args.calls, instrumented)
                spent = time.process_time() - start
                pipe.flush()
                rounds[instrumented].append((spent / args.calls * 1e6, in_gc[0] / args.calls * 1e6))
        raw, ours = (median(total for total, _ in rounds[side]) for side in (False, True))
        raw_gc, ours_gc = (median(collecting for _, collecting in rounds[side]) for side in (False, True))
        print(f"{args.mode:12} {case:14} raw {raw:7.0f} µs (collections {raw_gc:5.1f}), instrumented {ours:7.0f} µs "
              f"(collections {ours_gc:5.1f}): added {ours - raw:+6.0f} µs, of it collections {ours_gc - raw_gc:+5.1f}")


if __name__ == "__main__":
    main()
