"""Instructions and simulated cache and branch misses per call (callgrind), every case of a mode in one process.

    .venv/bin/python bench/cache_misses.py --modes aicost openai-v2 genai-openai --cases chat async_chat embeddings \
        chat_wrapper_only stream stream_usage stream_broken --calls 200 --warmup 50
    .venv/bin/python bench/cache_misses.py --modes aicost --cases chat --cache-sim     # + cache and branch misses

Every case of ``overhead.py`` (``worker.CASES``, the streams included, and ``chat_wrapper_only``), from the shared
mock (``mock_openai.py``); each is checked first (``Caller.check``: the caller sees the chunks and usage the API
sent). The streams take longer: use ``--calls 50`` for them on a loaded machine. ``bench/instructions.py`` counts
instructions the same way (one process per mode and case, zeroing and dumping through callgrind client requests
from a small C library); this one needs no compiler, runs every case of a mode in one process, and adds
``--cache-sim``.

For each mode and case, one process runs under ``valgrind --tool=callgrind`` with collection off, warms up (every
lazy import, cache and first-call cost is paid outside the count), then runs ``--calls`` raw SDK calls (the SDK's
own method past every wrapper, as ``worker.py`` does) and ``--calls`` instrumented ones, each batch followed by a
span flush (the batch processor exports on the calling thread, so the export is counted). Each batch runs inside a
C call (libc ``qsort`` calling back into Python through ctypes), and callgrind collects only inside that function
(``--toggle-collect``) and dumps after it (``--dump-after``): one dump per batch, nothing else counted. The added
instructions per call are (instrumented - raw) / calls. The worker thread of the batch span processor never runs
in the count (no batch reaches its size); a gen-2 collection is forced before each batch so both start alike.

``--sse-layout api`` serves the stream events in the API's own byte layout (compact JSON, ``"usage"`` last but
``"obfuscation"``); the default is the demo's. ``--cache-sim`` adds callgrind's cache and branch simulation
(I1/D1/LL misses, mispredicted branches per call) with valgrind's default cache sizes (its LL is the host's last
level, e.g. a 32 MB L3); ``--l2-geometry`` (implies ``--cache-sim``) sets this machine's L1s and its 1 MB L2 as
the last level (``l2_misses.CACHE``: ``--I1=32768,8,64 --D1=49152,12,64 --LL=1048576,16,64``), and also prints the
L2 misses per call (ILmr + DLmr + DLmw); ``--last-level KIB`` the same with a larger (or smaller) last level, to see
how much of a call's misses is a working set just over the L2's size (round 25, ``bench/README.md``: a broken
stream's added misses, ours and openai-v2's alike, ~4,200 at 1 MB, ~1,000 at 1.5 MB, ~190 at 2 MB).
Our own code's share of the added work is counted by ``bench/own_share.py`` (callgrind cannot tell Python frames
apart). Each mode runs in its own venv's Python (``bench/.venvs/``, as ``overhead.py``); under load a mode takes
a few minutes.
"""

from __future__ import annotations

import argparse
import ctypes
import gc
import glob
import json
import os
import pathlib
import re
import subprocess
import sys
import tempfile

HERE = pathlib.Path(__file__).resolve().parent
_OTHER_SORTS = 100_000  # instructions: the interpreter's own qsort calls cost a few thousand, a batch millions
sys.path.insert(0, str(HERE))
from worker import CASES as _TIMED_CASES, ISOLATED_CASES  # noqa: E402 - the shared bench cases (mock_openai.py)

CASES = (*_TIMED_CASES, *ISOLATED_CASES)  # every case of overhead.py, the streams included
L2_GEOMETRY = ["--I1=32768,8,64", "--D1=49152,12,64", "--LL=1048576,16,64"]  # this machine's (l2_misses.CACHE)


def last_level(kib: int) -> list[str]:
    """This machine's L1s with a last level of ``kib`` KiB in place of its 1 MB L2 (``--last-level``): where a
    call's misses come from a working set over the L2's size, a larger one shows it (callgrind needs a power of two
    of sets: 16 ways, else 12)."""
    for ways in (16, 12):
        sets = kib * 1024 // (64 * ways)
        if sets * 64 * ways == kib * 1024 and sets & (sets - 1) == 0:
            return [*L2_GEOMETRY[:2], f"--LL={kib * 1024},{ways},64"]
    raise SystemExit(f"--last-level {kib}: no 16- or 12-way geometry with a power of two of 64-byte sets")


def _in_c(body) -> None:  # noqa: ANN001
    """Run ``body()`` inside libc's ``qsort_r`` (``qsort`` jumps there): the function callgrind collects in."""
    libc = ctypes.CDLL(None)
    compare_type = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_void_p)
    done = []

    def compare(_a, _b) -> int:  # noqa: ANN001
        if not done:
            done.append(True)
            body()
        return 0

    array = (ctypes.c_int * 2)(1, 2)
    libc.qsort(array, 2, ctypes.sizeof(ctypes.c_int), compare_type(compare))


def measure_in_process(mode: str, cases: list[str], calls: int, warmup: int) -> None:
    """The part that runs under valgrind, in the mode's own Python."""
    sys.path.insert(0, str(HERE))
    import modes
    from worker import Caller

    pipe = modes.Pipeline()
    modes.instrument(mode, pipe)
    caller = Caller()
    for case in cases:
        caller.check(case)  # the caller sees what the API sent (chunk counts, usage)
        caller.run(case, warmup, instrumented=True)
        caller.run(case, warmup, instrumented=False)
        pipe.flush()
        for instrumented in (False, True):
            gc.collect()
            _in_c(lambda: (caller.run(case, calls, instrumented), pipe.flush()))


def _python_of(mode: str) -> str:
    if mode in ("bare", "aicost"):
        return sys.executable
    import modes

    return str(HERE / ".venvs" / modes.PEER_VENVS[mode] / "bin" / "python")


def _events(path: str) -> dict[str, int]:
    """A dump's totals by event (Ir: instructions; with --cache-sim=yes also I1mr, D1mr, D1mw, ILmr, DLmr, DLmw...)."""
    names: list[str] = []
    with open(path) as handle:
        for line in handle:
            if line.startswith("events:"):
                names = line.split()[1:]
            elif line.startswith("totals:") or line.startswith("summary:"):
                return dict(zip(names, map(int, line.split()[1:])))
    raise SystemExit(f"no totals in {path}")


def _l2(events: dict[str, float]) -> float:
    """L2 misses (callgrind's last level set to the L2 by --l2-geometry): instruction reads, data reads and writes."""
    return events["ILmr"] + events["DLmr"] + events["DLmw"]


def _total(path: str) -> int:
    return _events(path)["Ir"]


def run(mode: str, cases: list[str], calls: int, warmup: int, keep: str | None, extra: list[str] = (),
        stream_chunks: int | None = None) -> dict[str, dict[str, float]]:  # fmt: skip
    out_dir = keep or tempfile.mkdtemp(prefix="callgrind-")
    os.makedirs(out_dir, exist_ok=True)
    prefix = os.path.join(out_dir, f"{mode}")
    for old in glob.glob(prefix + ".out*"):
        os.unlink(old)
    command = [
        "valgrind", "--tool=callgrind", "--collect-atstart=no", "--toggle-collect=qsort_r",
        "--dump-after=qsort_r", f"--callgrind-out-file={prefix}.out", "--dump-instr=no", *extra,
        _python_of(mode), __file__, "--in-process", "--modes", mode, "--cases", *cases,
        "--calls", str(calls), "--warmup", str(warmup),
    ]  # fmt: skip
    env = {**os.environ, "PYTHONHASHSEED": "0"}  # the same dict and set layouts on every run
    if stream_chunks is not None:
        env["AICOST_BENCH_STREAM_CHUNKS"] = str(stream_chunks)
    done = subprocess.run(command, capture_output=True, text=True, cwd=HERE.parent, env=env)
    if done.returncode != 0:
        raise SystemExit(f"{mode}: valgrind exit {done.returncode}\n{done.stderr[-3000:]}")
    dumps = sorted(
        (p for p in glob.glob(prefix + ".out.*") if re.search(r"\.out\.\d+$", p)),
        key=lambda p: int(p.rsplit(".", 1)[1]),
    )
    dumps = [p for p in dumps if _total(p) > _OTHER_SORTS]  # the interpreter's own few sorts at start and exit
    if len(dumps) != 2 * len(cases):
        raise SystemExit(f"{mode}: expected {2 * len(cases)} dumps, found {len(dumps)} in {out_dir}")
    results = {}
    for index, case in enumerate(cases):
        raw, instrumented = _total(dumps[2 * index]), _total(dumps[2 * index + 1])
        raw_events, instrumented_events = _events(dumps[2 * index]), _events(dumps[2 * index + 1])
        results[case] = {
            "added_events_per_call": {name: (instrumented_events[name] - raw_events[name]) / calls
                                      for name in instrumented_events},
            "raw_events_per_call": {name: raw_events[name] / calls for name in raw_events},
            "raw_per_call": raw / calls,
            "instrumented_per_call": instrumented / calls,
            "added_per_call": (instrumented - raw) / calls,
            "instrumented_dump": dumps[2 * index + 1],
            "raw_dump": dumps[2 * index],
        }
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--modes", nargs="+", default=["aicost"])
    parser.add_argument("--cases", nargs="+", default=["chat", "async_chat", "embeddings", "chat_wrapper_only"],
                        choices=CASES)  # fmt: skip
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=50)
    parser.add_argument("--keep", help="keep the callgrind dumps in this folder (for callgrind_annotate)")
    parser.add_argument("--json", help="write the results here")
    parser.add_argument("--cache-sim", action="store_true",
                        help="also simulate caches and branches (--cache-sim=yes --branch-sim=yes): misses per call")
    parser.add_argument("--l2-geometry", action="store_true",
                        help="--cache-sim with this machine's L1s and 1 MB L2 as callgrind's last level "
                             "(l2_misses.CACHE); also prints L2 misses per call")
    parser.add_argument("--last-level", type=int, metavar="KIB",
                        help="as --l2-geometry with a last level of KIB KiB (1536, 2048, 4096...) in place of the 1 MB "
                             "L2: how a call's added misses depend on the cache's size")
    parser.add_argument("--stream-chunks", type=int, metavar="N",
                        help="chunks of a streamed reply (default 50): two runs split a stream's cost per chunk")
    parser.add_argument("--sse-layout", choices=("demo", "api"),
                        help="stream events as the demo writes them (default) or as the API does (mock_openai.py)")
    parser.add_argument("--temporality", choices=("cumulative", "delta"),
                        help="the metric reader's temporality for counters and histograms in every mode (modes.py; "
                             "default cumulative, delta as the Azure Monitor exporter asks)")
    parser.add_argument("--in-process", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.sse_layout:  # read by mock_openai.py in every mode's process
        os.environ["AICOST_BENCH_SSE_LAYOUT"] = args.sse_layout
    if args.temporality:  # read by modes.py in every mode's process
        os.environ["AICOST_BENCH_TEMPORALITY"] = args.temporality
    if args.in_process:
        measure_in_process(args.modes[0], args.cases, args.calls, args.warmup)
        return
    everything = {}
    for mode in args.modes:
        extra = ["--cache-sim=yes", "--branch-sim=yes"] if args.cache_sim or args.l2_geometry else []
        if args.last_level:
            extra = ["--cache-sim=yes", "--branch-sim=yes", *last_level(args.last_level)]
        elif args.l2_geometry:
            extra += L2_GEOMETRY
        everything[mode] = run(mode, args.cases, args.calls, args.warmup, args.keep, extra, args.stream_chunks)
        for case, result in everything[mode].items():
            print(f"{mode:13} {case:18} raw {result['raw_per_call'] / 1e3:8.0f}k  "
                  f"instrumented {result['instrumented_per_call'] / 1e3:8.0f}k  "
                  f"added {result['added_per_call'] / 1e3:7.0f}k instructions per call", flush=True)
            if args.cache_sim or args.l2_geometry or args.last_level:
                added, raw = result["added_events_per_call"], result["raw_events_per_call"]
                print("    added per call: " + ", ".join(f"{name} {added[name]:.0f}" for name in added if name != "Ir"))
                print("    raw per call:   " + ", ".join(f"{name} {raw[name]:.0f}" for name in raw if name != "Ir"))
                if args.l2_geometry or args.last_level:
                    level = f"last level ({args.last_level} KiB)" if args.last_level else "L2"
                    print(f"    {level} misses per call: added {_l2(added):.0f}, raw {_l2(raw):.0f}")
    if args.json:
        pathlib.Path(args.json).write_text(json.dumps(everything, indent=1))


if __name__ == "__main__":
    main()
