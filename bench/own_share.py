"""Our own code's share of what an instrumented call adds, counted in Python bytecodes (deterministic).

    .venv/bin/python bench/own_share.py --cases chat async_chat embeddings chat_wrapper_only --calls 50
    .venv-312/bin/python bench/own_share.py --instructions --cases chat --calls 40   # in instructions instead

``--instructions`` hands over to ``own_instructions.py``: the same split counted in machine instructions under
callgrind (a sys.monitoring hook flipping callgrind's collection, Python 3.12+), the measure to decide with;
bytecodes stay useful to see which of our functions run the most (``--functions N``).

Callgrind counts machine instructions but cannot tell one Python frame from another (CPython 3.11 runs every
Python function in the same C loop), so the split is counted one level up: every bytecode executed on the calling
thread is traced (``sys.settrace`` with ``f_trace_opcodes``) and charged to the file of the frame that executes it.
The added bytecodes per call are those of the instrumented calls minus those of the raw ones (the SDK's own method
past every wrapper, as in ``worker.py``); ours are the ones executed in ``otel_aicost`` frames (anything they call
in opentelemetry, openai, pydantic, httpx or the standard library is charged to that code, not to ours; the SDK's
own work that our fast paths do in ``export/sdk_internals/``, storing span attributes and adding to histogram
aggregations, is counted apart). A C
builtin called from our code (a dict copy, ``isinstance``) counts as the one bytecode that calls it. Code we generate
is ours too: ``frozen.fast_init`` compiles its ``__init__`` under ``frozen.py``'s name (until round 7 it was
``<string>``, counted as "other"). Run in the
project venv (mode ``aicost``); every lazy import and first-call cost is paid in a warm-up first.
"""

from __future__ import annotations

import argparse
import collections
import pathlib
import sys
import threading

HERE = pathlib.Path(__file__).resolve().parent


def _kind(filename: str) -> str:
    if "/otel_aicost/export/sdk_internals/" in filename:  # the SDK's own work, done by our fast paths
        return "sdk_internals"
    if "/otel_aicost/" in filename:
        return "otel_aicost"
    if "/opentelemetry/" in filename:
        return "opentelemetry"
    if "/bench/" in filename:
        return "bench"
    return "other"


def count(run, functions: collections.Counter | None = None) -> collections.Counter:  # noqa: ANN001
    """Bytecodes executed by ``run()`` on this thread, by the kind of file their frame belongs to (and, into
    ``functions`` if given, our own ones by function)."""
    counts: collections.Counter = collections.Counter()
    kinds: dict[str, str] = {}

    def tracer(frame, event, _arg):  # noqa: ANN001, ANN202
        frame.f_trace_opcodes = True
        if event == "opcode":
            code = frame.f_code
            filename = code.co_filename
            kind = kinds.get(filename)
            if kind is None:
                kind = kinds[filename] = _kind(filename)
            counts[kind] += 1
            if functions is not None and kind == "otel_aicost":
                functions[(filename.rsplit("/otel_aicost/", 1)[1], code.co_qualname)] += 1
        return tracer

    sys.settrace(tracer)
    try:
        run()
    finally:
        sys.settrace(None)
    return counts


def main() -> None:
    if "--instructions" in sys.argv[1:]:
        sys.path.insert(0, str(HERE))
        import own_instructions

        own_instructions.main([arg for arg in sys.argv[1:] if arg != "--instructions"])
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", nargs="+", default=["chat", "async_chat", "embeddings", "chat_wrapper_only"])
    parser.add_argument("--calls", type=int, default=50)
    parser.add_argument(
        "--functions",
        type=int,
        default=0,
        metavar="N",
        help="also list our N functions that execute the most bytecodes per call",
    )
    args = parser.parse_args()
    sys.path.insert(0, str(HERE))
    import modes
    from worker import Caller

    assert threading.active_count() >= 1
    pipe = modes.Pipeline()
    modes.instrument("aicost", pipe)
    caller = Caller()
    for case in args.cases:
        caller.run(case, 50, True)
        caller.run(case, 50, False)
        pipe.flush()
        raw = count(lambda: (caller.run(case, args.calls, False), pipe.flush()))
        functions: collections.Counter = collections.Counter()
        ours = count(lambda: (caller.run(case, args.calls, True), pipe.flush()), functions)
        added = {kind: (ours[kind] - raw[kind]) / args.calls for kind in set(ours) | set(raw)}
        total = sum(added.values())
        ours, fast, sdk = added.get("otel_aicost", 0), added.get("sdk_internals", 0), added.get("opentelemetry", 0)
        print(
            f"{case:18} bytecodes added per call {total:7.0f}: otel_aicost {ours:6.0f} ({ours / total:.0%}), "
            f"its SDK fast paths (sdk_internals) {fast:5.0f} ({fast / total:.0%}), opentelemetry {sdk:6.0f} "
            f"({sdk / total:.0%}), other {added.get('other', 0) + added.get('bench', 0):5.0f}"
        )
        for (filename, name), executed in functions.most_common(args.functions):
            print(f"    {executed / args.calls:6.0f}  {filename}:{name}")


if __name__ == "__main__":
    main()
