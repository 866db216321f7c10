"""Measurements in one fresh process for one mode: timing of the given cases, or a memory run.

Started by overhead.py with the Python of the mode's virtual environment; writes one JSON object to --out.
Can be run by hand to profile a mode:

    .venv/bin/python bench/worker.py --mode aicost --case chat --calls 2000 --profile /tmp/aicost-chat.prof
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import gc
import importlib.util
import json
import os
import pathlib
import platform
import statistics
import sys
import time
import tracemalloc
from importlib.metadata import PackageNotFoundError, version
from typing import Callable

import layout_filler  # first: a heap laid out by this worker's seed (see the module)
import mock_openai
import modes
from openai.types.chat import ChatCompletion
from opentelemetry import trace

CASES = ("chat", "stream", "stream_usage", "stream_broken", "async_chat", "async_stream", "embeddings", "chat_in_span",
         "stream_in_span", "responses", "responses_stream", "chat_cached", "chat_azure", "chat_json",
         "chat_cache_write")
# Not in CASES (the memory run's cycle): the instrumentation's own cost with the SDK's work taken out. The
# wrapper installed on ``Completions.create`` is called around a stub that returns one pre-parsed ChatCompletion,
# so there is no HTTP, no parsing, and the machine's noise is far smaller than over a real 1.5 ms call.
ISOLATED_CASES = ("chat_wrapper_only",)
# spans a case's own code makes around each call (the application's), raw and instrumented alike: not counted as
# the instrumentation's, nor as a raw call's (which must make none of its own)
APP_SPANS_PER_CALL = {"chat_in_span": 1, "stream_in_span": 1}


def _versions(mode: str) -> dict[str, str]:
    found = {"python": platform.python_version()}
    for dist in ("openai", "opentelemetry-sdk", "wrapt", modes.PEER_PACKAGES.get(mode)):
        if dist:
            try:
                found[dist] = version(dist)
            except PackageNotFoundError:
                found[dist] = "not installed"
    if layout_filler.SEED:
        found["layout seed"] = layout_filler.SEED
    if mode in modes.OURS_MODES:  # which copy ran: the installed wheel's or the checkout's
        spec = importlib.util.find_spec("otel_aicost")
        found["otel_aicost from"] = str(pathlib.Path(spec.origin).parent) if spec and spec.origin else "?"
        revision = pathlib.Path(sys.prefix, ".bench-revision")  # setup_before.sh's
        if revision.is_file():
            found["revision"] = revision.read_text(encoding="utf-8").strip()[:12]
    return found


def original_create(resource: object) -> Callable:
    """The SDK's own ``create`` of ``resource``, past every wrapt wrapper an instrumentation put on the class."""
    function = type(resource).__dict__["create"]
    while hasattr(function, "_self_wrapper"):  # a wrapt FunctionWrapper (all five modes patch with wrapt)
        function = function.__wrapped__
    return functools.partial(function, resource)


# the cases that call one function of mock_openai n times on one client's create: (its key in Caller.creates, the
# function)
_ONE_CALL_CASES = {
    "chat": ("chat", mock_openai.chat),
    "chat_cached": ("chat", mock_openai.chat_cached),
    "chat_cache_write": ("chat", mock_openai.chat_cache_write),
    "chat_azure": ("azure", mock_openai.chat),  # the chat call through the AzureOpenAI client, to a deployment so named
    "chat_json": ("chat", mock_openai.chat_json),
    "stream": ("chat", mock_openai.stream),
    "stream_usage": ("chat", mock_openai.stream_usage),
    "stream_broken": ("chat", mock_openai.stream_broken),
    "embeddings": ("embeddings", mock_openai.embeddings),
}


class Caller:
    """Makes calls of a case, instrumented or raw; the async case runs on one event loop kept for the process."""

    def __init__(self) -> None:
        client = mock_openai.sync_client()
        aclient = mock_openai.async_client()
        azure = mock_openai.azure_client()
        self.loop = asyncio.new_event_loop()
        self.parsed_chat = ChatCompletion.model_validate(json.loads(mock_openai.CHAT_BODY))
        self.chat_resource = client.chat.completions
        self.creates = {
            True: {"chat": client.chat.completions.create, "async": aclient.chat.completions.create,
                   "embeddings": client.embeddings.create, "azure": azure.chat.completions.create},
            False: {"chat": original_create(client.chat.completions),
                    "async": original_create(aclient.chat.completions),
                    "embeddings": original_create(client.embeddings),
                    "azure": original_create(azure.chat.completions)},
        }
        if hasattr(client, "responses"):  # openai before 1.66 has no Responses API (its cases then refuse to run)
            self.creates[True]["responses"] = client.responses.create
            self.creates[False]["responses"] = original_create(client.responses)

    def run(self, case: str, n: int, instrumented: bool = True) -> None:
        creates = self.creates[instrumented]
        one_call = _ONE_CALL_CASES.get(case)
        if one_call is not None:
            create, call = creates[one_call[0]], one_call[1]
            for _ in range(n):
                call(create)
        elif case in ("responses", "responses_stream"):  # the Responses API (openai-v2 makes no span of it, nor
            # OpenLLMetry 0.62.4 of a plain call: left out of those comparisons, report.py)
            if "responses" not in creates:
                raise SystemExit(f"{case}: this openai ({version('openai')}) has no Responses API")
            create, call = creates["responses"], getattr(mock_openai, case)
            for _ in range(n):
                call(create)
        elif case in APP_SPANS_PER_CALL:  # the usual call in production (chat, or a stream read to its end):
            # inside an application's sampled span (a web request's), so every record, a stream's chunk gaps too, is
            # offered to the exemplar reservoirs; the span is the bench's, raw too
            create, tracer = creates["chat"], trace.get_tracer("bench")
            call = mock_openai.chat if case == "chat_in_span" else mock_openai.stream
            for _ in range(n):
                with tracer.start_as_current_span("request"):
                    call(create)
        elif case == "async_chat":
            self.loop.run_until_complete(self._async_calls(mock_openai.async_chat, creates["async"], n))
        elif case == "async_stream":
            self.loop.run_until_complete(self._async_calls(mock_openai.async_stream, creates["async"], n))
        elif case == "chat_wrapper_only":
            parsed = self.parsed_chat

            def stub(*_args: object, **_kwargs: object) -> ChatCompletion:
                return parsed

            create = stub
            if instrumented:
                wrapper = getattr(type(self.chat_resource).__dict__["create"], "_self_wrapper", None)
                if wrapper is not None:  # bare has none: then both sides call the stub
                    resource = self.chat_resource

                    def create(**kwargs: object) -> object:
                        return wrapper(stub, resource, (), kwargs)

            for _ in range(n):
                mock_openai.chat(create)
        else:
            raise SystemExit(f"unknown case {case!r}; known: {', '.join(CASES)}")

    def settle(self) -> None:
        """Run the tasks closing what a collection handed the event loop (async generators found in cycles), so
        they run before a timed batch, not in it."""
        self.loop.run_until_complete(self._closed())

    @staticmethod
    async def _async_calls(call: Callable, create: Callable, n: int) -> None:
        for _ in range(n):
            await call(create)
        await Caller._closed()

    @staticmethod
    async def _closed() -> None:
        # the tasks closing the async generators the calls left (a stream's: the SDK's, bare too, and an
        # instrumentation's) run in this batch, not in the next, which may be the other mode's: the finalizer hook's
        # callbacks first (no task yet), then until no task but this one is left two steps running (each closed
        # generator frees the next of its chain, whose task comes a step later: openai 2.54 leaves chains of ~8)
        idle = 0
        for _ in range(100):
            idle = idle + 1 if len(asyncio.all_tasks()) == 1 else 0
            if idle == 3:
                break
            await asyncio.sleep(0)

    def check(self, case: str) -> None:
        """The caller sees what the API sent: no instrumentation may add, drop or change chunks."""
        create = self.creates[True]["chat"]
        if case in ("stream", "stream_in_span"):
            got = mock_openai.stream(create)
            if got != mock_openai.STREAM_CHUNKS:
                raise SystemExit(f"stream: caller saw {got} chunks, expected {mock_openai.STREAM_CHUNKS}")
        elif case == "async_stream":
            got = self.loop.run_until_complete(mock_openai.async_stream(self.creates[True]["async"]))
            if got != mock_openai.STREAM_CHUNKS:
                raise SystemExit(f"async_stream: caller saw {got} chunks, expected {mock_openai.STREAM_CHUNKS}")
        elif case == "stream_usage":
            got = mock_openai.stream_usage(create)
            if got != mock_openai.STREAM_CHUNKS + 1:
                raise SystemExit(f"stream_usage: caller saw {got} chunks, expected {mock_openai.STREAM_CHUNKS + 1}")
        elif case == "stream_broken":
            got = mock_openai.stream_broken(create)
            if got != mock_openai.STREAM_BROKEN_AFTER:
                raise SystemExit(f"stream_broken: caller read {got} chunks, expected {mock_openai.STREAM_BROKEN_AFTER}")
        elif case == "chat":
            if mock_openai.chat(create).usage.total_tokens != mock_openai.USAGE["total_tokens"]:
                raise SystemExit("chat: usage changed")
        elif case == "chat_cached":
            details = mock_openai.chat_cached(create).usage.prompt_tokens_details
            expected = mock_openai.CACHED_USAGE["prompt_tokens_details"]["cached_tokens"]
            if details is None or details.cached_tokens != expected:
                raise SystemExit("chat_cached: the reply reports no cached tokens")
        elif case == "chat_cache_write":
            details = mock_openai.chat_cache_write(create).usage.prompt_tokens_details
            expected = mock_openai.CACHE_WRITE_USAGE["prompt_tokens_details"]["cache_write_tokens"]
            if details is None or getattr(details, "cache_write_tokens", None) != expected:
                raise SystemExit("chat_cache_write: the reply reports no cache writes")
        elif case == "chat_azure":
            if getattr(mock_openai.chat(self.creates[True]["azure"]), "prompt_filter_results", None) is None:
                raise SystemExit("chat_azure: the reply is not Azure's (no prompt_filter_results)")


def _timed_batch(caller: Caller, pipe: modes.Pipeline, case: str, n: int, instrumented: bool,
                 profiler: object = None) -> tuple[float, float]:
    """µs per call (process CPU, wall) of n calls plus the span flush, so the export work is counted too."""
    gc.collect()
    caller.settle()
    if profiler:
        profiler.enable()
    wall, cpu = time.perf_counter_ns(), time.process_time_ns()
    caller.run(case, n, instrumented)
    pipe.flush()
    cpu, wall = time.process_time_ns() - cpu, time.perf_counter_ns() - wall
    if profiler:
        profiler.disable()
    return cpu / n / 1000.0, wall / n / 1000.0


# long calls: --stream-calls; stream_broken is as short as a chat call
STREAM_CASES = ("stream", "stream_usage", "stream_in_span", "async_stream", "responses_stream")


def time_cases(args: argparse.Namespace) -> list[dict]:
    pipe = modes.Pipeline()
    modes.instrument(args.mode, pipe)
    caller = Caller()
    results = []
    for case in args.case:
        calls = args.stream_calls if case in STREAM_CASES and args.stream_calls else args.calls
        results.append(time_case(args, pipe, caller, case, calls))
    return results


def time_case(args: argparse.Namespace, pipe: modes.Pipeline, caller: Caller, case: str, calls: int) -> dict:
    """Alternate raw and instrumented batches (ABBA order) in this one process: the paired differences are the
    overhead, with the machine's load changes cancelled out as far as they can be."""
    caller.check(case)
    warmup = min(args.warmup, calls)
    caller.run(case, warmup, instrumented=True)
    caller.run(case, warmup, instrumented=False)
    pipe.flush()

    profiler = None
    if args.profile:
        import cProfile

        profiler = cProfile.Profile()
    per_batch = max(1, calls // args.batches)
    instr, raw, instr_wall, raw_wall, raw_spans = [], [], [], [], 0
    spans_before = pipe.exporter.spans
    for i in range(args.batches):
        for instrumented in ((False, True) if i % 2 == 0 else (True, False)):
            before = pipe.exporter.spans
            cpu, wall = _timed_batch(caller, pipe, case, per_batch, instrumented,
                                     profiler if instrumented else None)
            if instrumented:
                instr.append(cpu)
                instr_wall.append(wall)
            else:
                raw.append(cpu)
                raw_wall.append(wall)
                raw_spans += pipe.exporter.spans - before
    calls = per_batch * args.batches
    app_spans = APP_SPANS_PER_CALL.get(case, 0)
    if profiler:
        profiler.dump_stats(args.profile)
    names = dict(pipe.exporter.names)
    pipe.exporter.names.clear()
    spans = pipe.exporter.spans - spans_before - raw_spans  # the timed calls' (before the count makes more)
    extra_calls = count_extra_calls(caller, pipe, case, args.count_calls) if args.count_calls else None
    paired = [a - b for a, b in zip(instr, raw)]
    return {
        "kind": "time",
        "mode": args.mode,
        "case": case,
        "calls": calls,
        # CPU time of the whole process (all threads, so the span processor's export thread counts too). On a
        # shared, oversubscribed machine it is far steadier than wall time, which also counts time spent
        # waiting for a core; wall time is kept for reference.
        "us_per_call": statistics.median(instr),
        "raw_us_per_call": statistics.median(raw),
        "paired_overhead_us": statistics.median(paired),
        "wall_us_per_call": statistics.median(instr_wall),
        "raw_wall_us_per_call": statistics.median(raw_wall),
        "batch_us": instr,
        "raw_batch_us": raw,
        "extra_python_calls": extra_calls,
        "spans_per_call": spans / calls - app_spans,
        "raw_spans_per_call": raw_spans / calls - app_spans,
        "span_names": sorted(names),
        "metric_names": pipe.metric_names(),
        "versions": _versions(args.mode),
    }


def count_extra_calls(caller: Caller, pipe: modes.Pipeline, case: str, calls: int) -> float:
    """Extra Python function calls per call over the raw call: cProfile's total (C functions included), as
    ``tests/unit/test_call_budget.py`` counts ours, for ``calls`` instrumented calls less as many raw ones, each
    batch with its span flush (the export counted, as in the timed batches). Deterministic: no timing. The cyclic
    collector is off while counting, so a collection (and a broken stream's cycle finalized in it) lands in
    neither batch."""
    import cProfile
    import pstats

    totals = {}
    for instrumented in (False, True):
        caller.run(case, 3, instrumented)  # the same warm caches on both sides
        pipe.flush()
        gc.collect()
        gc.disable()
        profile = cProfile.Profile()
        try:
            profile.enable()
            caller.run(case, calls, instrumented)
            pipe.flush()
            profile.disable()
        finally:
            gc.enable()
        totals[instrumented] = pstats.Stats(profile).total_calls
    return (totals[True] - totals[False]) / calls


def _rss_kib() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") // 1024


def memory(args: argparse.Namespace) -> dict:
    """Calls cycle through all the cases; memory is read (after flush + full GC) at five checkpoints: the live
    objects the GC tracks, the RSS, and (with --tracemalloc, about 3x slower) the traced Python memory."""
    pipe = modes.Pipeline()
    modes.instrument(args.mode, pipe)
    caller = Caller()
    for case in CASES:
        caller.run(case, max(1, args.warmup // len(CASES)))

    def settle() -> None:
        pipe.flush()
        pipe.metric_names()  # a collection, as a periodic reader would do
        gc.collect()

    if args.tracemalloc:
        tracemalloc.start()
    settle()
    checkpoints = []
    snapshots = []
    step = args.calls // 4
    done = 0
    for i in range(5):
        if i:
            for case in CASES:
                caller.run(case, step // len(CASES))
            done += (step // len(CASES)) * len(CASES)
        settle()
        point = {"calls": done, "rss_kib": _rss_kib(), "gc_objects": len(gc.get_objects())}
        if args.tracemalloc:
            point["traced_kib"] = tracemalloc.get_traced_memory()[0] / 1024
            if i in (2, 4):
                snapshots.append(tracemalloc.take_snapshot())
        checkpoints.append(point)
    first, mid, last = checkpoints[0], checkpoints[2], checkpoints[4]
    half = last["calls"] - mid["calls"]
    result = {
        "kind": "memory",
        "mode": args.mode,
        "calls": last["calls"],
        "checkpoints": checkpoints,
        "rss_growth_kib": last["rss_kib"] - first["rss_kib"],
        "gc_objects_growth": last["gc_objects"] - first["gc_objects"],
        "gc_objects_growth_second_half": last["gc_objects"] - mid["gc_objects"],
        "gc_objects_per_1000_calls_second_half": (last["gc_objects"] - mid["gc_objects"]) * 1000 / half,
        "spans": pipe.exporter.spans,
        "versions": _versions(args.mode),
    }
    if args.tracemalloc:
        result.update(
            traced_growth_kib=last["traced_kib"] - first["traced_kib"],
            traced_growth_second_half_kib=last["traced_kib"] - mid["traced_kib"],
            traced_bytes_per_call_second_half=(last["traced_kib"] - mid["traced_kib"]) * 1024 / half,
            top_growth_second_half=[
                {"where": str(stat.traceback[0]), "size_diff_kib": stat.size_diff / 1024,
                 "count_diff": stat.count_diff}
                for stat in snapshots[1].compare_to(snapshots[0], "lineno")[:8]
            ],
        )
        tracemalloc.stop()
    return result


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mode", required=True, choices=modes.ALL_MODES)
    parser.add_argument("--case", nargs="+", choices=CASES + ISOLATED_CASES, default=["chat"],
                        help="timing: cases, in this order")
    parser.add_argument("--memory", action="store_true", help="memory growth run (all cases) instead of timing")
    parser.add_argument("--calls", type=int, default=2000, help="instrumented calls (as many raw calls again)")
    parser.add_argument("--stream-calls", type=int, help="timing: calls for the stream cases (default: --calls)")
    parser.add_argument("--warmup", type=int, default=300)
    parser.add_argument("--tracemalloc", action="store_true", help="memory: also trace Python allocations")
    parser.add_argument("--batches", type=int, default=10,
                        help="timing: this many raw/instrumented batch pairs (calls are split among them)")
    parser.add_argument("--profile", help="timing: write cProfile stats of the timed calls to this file")
    parser.add_argument("--count-calls", type=int, default=10, metavar="N",
                        help="timing: also count the extra Python function calls per call (cProfile) over N calls "
                             "after the timed batches (0: not counted)")
    parser.add_argument("--out", help="write the JSON result here (default: stdout)")
    args = parser.parse_args(argv)
    result = memory(args) if args.memory else time_cases(args)
    text = json.dumps(result)
    if args.out:
        with open(args.out, "w") as out:
            out.write(text)
    else:
        print(text)
    if args.profile:
        import pstats

        pstats.Stats(args.profile, stream=sys.stderr).sort_stats("tottime").print_stats(30)


if __name__ == "__main__":
    main()
