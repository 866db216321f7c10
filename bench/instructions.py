"""Instructions added per call (callgrind): the deterministic overhead figure, repeatable on a loaded machine.

For each case and mode, one fresh process runs under ``valgrind --tool=callgrind``: after a warm-up it makes
batches of ``--calls`` raw calls (the SDK's own ``create``, past every wrapper, as ``worker.py`` does) and of as many
instrumented calls, in the order raw, instrumented, instrumented, raw; callgrind's counters are zeroed before and
dumped after each batch (client requests from a
tiny C library built with ``cc``). Instructions are deterministic, so this is the figure to decide on when the
machine is loaded. Peers run in their own venvs (``bench/.venvs/``, ``setup_peers.sh``), on the same pipeline as
``overhead.py`` (``modes.Pipeline``). Prints, per case, a bare call's instructions and each mode's added ones.

    .venv/bin/python bench/instructions.py --cases stream stream_broken stream_usage --modes aicost openai-v2

A stream case takes about three minutes per mode with the default 20 calls a batch. ``--inner`` is the process that runs under valgrind.
"""

from __future__ import annotations

import argparse
import os
import pathlib
import re
import subprocess
import sys
import tempfile

HERE = pathlib.Path(__file__).resolve().parent
CASES = ("chat", "stream", "stream_usage", "stream_broken", "async_chat", "embeddings", "chat_wrapper_only")


def _python(mode: str) -> str:
    if mode in ("bare", "aicost"):
        return sys.executable
    import modes

    python = HERE / ".venvs" / modes.PEER_VENVS[mode] / "bin" / "python"
    if not python.exists():
        raise SystemExit(f"instructions: {python} missing (run bench/setup_peers.sh)")
    return str(python)


_CLIENT_REQUESTS = r"""
#include <valgrind/callgrind.h>
void aicost_zero(void) { CALLGRIND_ZERO_STATS; }
void aicost_dump(const char *name) { CALLGRIND_DUMP_STATS_AT(name); }
"""


def _client_requests(folder: str) -> str:
    """A tiny library issuing callgrind's client requests (zero, dump), for ctypes."""
    source, library = os.path.join(folder, "requests.c"), os.path.join(folder, "requests.so")
    with open(source, "w") as handle:
        handle.write(_CLIENT_REQUESTS)
    subprocess.run(["cc", "-shared", "-fPIC", "-O1", "-o", library, source], check=True)
    return library


def added_per_call(mode: str, case: str, calls: int, warmup: int) -> tuple[float, float]:
    """(raw, added): instructions of one bare SDK call of ``case``, and those the instrumentation adds to it, from
    one process: after the warm-up, ``calls`` raw calls then ``calls`` instrumented calls, each batch counted
    alone (callgrind's counters zeroed and dumped around it)."""
    with tempfile.TemporaryDirectory() as folder:
        library = _client_requests(folder)
        out = os.path.join(folder, "callgrind.out")
        command = [
            "valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", "--dump-instr=no",
            _python(mode), str(HERE / "instructions.py"), "--inner", library, "--modes", mode, "--cases", case,
            "--calls", str(calls), "--warmup", str(warmup),
        ]  # fmt: skip
        env = {**os.environ, "PYTHONHASHSEED": "0"}
        subprocess.run(command, check=True, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        totals = {}
        for name in os.listdir(folder):
            if not name.startswith("callgrind.out"):
                continue
            with open(os.path.join(folder, name)) as handle:
                text = handle.read()
            batch = re.search(r"^desc: Trigger: Client Request: (\w+)", text, re.M)
            total = re.search(r"^(?:summary|totals): (\d+)", text, re.M)
            if batch and total:
                totals[batch.group(1)] = totals.get(batch.group(1), 0) + int(total.group(1))
    if not {"raw", "instrumented"} <= set(totals):
        raise SystemExit(f"instructions: batches {sorted(totals)} in callgrind's output for {mode} {case}")
    return totals["raw"] / (2 * calls), (totals["instrumented"] - totals["raw"]) / (2 * calls)


def inner(library: str, mode: str, case: str, calls: int, warmup: int) -> None:
    import ctypes

    sys.path.insert(0, str(HERE))
    import modes
    from worker import Caller

    requests = ctypes.CDLL(library)
    pipe = modes.Pipeline()
    modes.instrument(mode, pipe)
    caller = Caller()
    caller.check(case)
    for instrumented in (True, False):
        caller.run(case, warmup, instrumented)
    pipe.flush()
    # The first batch after the warm-up costs more, whichever it is (a collection of the warm-up's garbage): it
    # is counted apart and left out. Then raw, instrumented, instrumented, raw.
    for instrumented, name in ((False, b"first"), (False, b"raw"), (True, b"instrumented"), (True, b"instrumented"),
                               (False, b"raw")):  # fmt: skip
        requests.aicost_zero()
        caller.run(case, calls, instrumented)
        pipe.flush()
        requests.aicost_dump(name)
    pipe.tracer_provider.shutdown()
    os._exit(0)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", nargs="+", choices=CASES, default=["stream", "stream_broken", "stream_usage"])
    parser.add_argument("--modes", nargs="+", default=["aicost", "openai-v2"])
    parser.add_argument("--calls", type=int, default=20, help="calls per counted batch (raw, then instrumented)")
    parser.add_argument("--warmup", type=int, default=30)
    parser.add_argument("--inner", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.inner:
        inner(args.inner, args.modes[0], args.cases[0], args.calls, args.warmup)
        return
    print("| case | bare SDK call | " + " | ".join(args.modes) + " |")
    print("| --- | ---: |" + " ---: |" * len(args.modes))
    for case in args.cases:
        results = [added_per_call(mode, case, args.calls, args.warmup) for mode in args.modes]
        cells = " | ".join(f"{added / 1000:+,.0f}k" for _raw, added in results)
        print(f"| {case} | {results[0][0] / 1000:,.0f}k | {cells} |", flush=True)


if __name__ == "__main__":
    main()
