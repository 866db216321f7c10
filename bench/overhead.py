"""Overhead of otel-aicost against no instrumentation and against the peer instrumentations.

Run on demand, never in CI (see bench/README.md):

    bash bench/setup_peers.sh && .venv/bin/python bench/overhead.py --rounds 7 --calls 2000

Each round runs, for every mode in an order that rotates from round to round, one fresh worker process
(bench/worker.py) with the Python of the mode's own virtual environment, which times every case: batches of raw
SDK calls alternate with batches of instrumented calls, so the paired differences cancel the machine's load. The report gives per mode and case
the median over rounds of the µs per call, the overhead over bare as the median of the per-round paired
differences, and ours divided by each peer's overhead; then the memory growth over --memory-calls calls.

Ours runs as the peers do: a wheel of this checkout installed in a venv of its own (bench/.venvs/aicost, made by
setup_peers.sh, which reinstalls the wheel each time it runs: run it after changing the code). `--modes aicost-checkout`
adds ours from the editable checkout in the project venv, never a peer; `--modes aicost-before` ours of another
revision, installed alike by `bench/setup_before.sh REV`, to time a change against the code before it in one
interleaved run (`pool_rounds.py` pairs the two by round).
"""

from __future__ import annotations

import argparse
import datetime
import hashlib
import importlib.util
import json
import os
import pathlib
import random
import subprocess
import sys
import tempfile

import modes
import worker
from report import render_markdown, summarize

HERE = pathlib.Path(__file__).resolve().parent
CASES = (*worker.CASES, *worker.ISOLATED_CASES)  # the cases the worker makes


def _sources_digest(package: pathlib.Path) -> str:
    """One digest of every .py file's path and text under ``package``: the same code, the same digest."""
    digest = hashlib.sha256()
    for path in sorted(package.rglob("*.py")):
        digest.update(str(path.relative_to(package)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def installed_is_current(installed: pathlib.Path) -> bool:
    """Whether ``bench/.venvs/aicost`` holds this checkout's code (setup_peers.sh reinstalls it; a run after
    a change without that would time the old code under ours' name)."""
    where = "import otel_aicost, os; print(os.path.dirname(otel_aicost.__file__))"
    found = subprocess.run([str(installed), "-c", where], capture_output=True, text=True, cwd=tempfile.gettempdir())
    if found.returncode != 0:
        return False
    return _sources_digest(pathlib.Path(found.stdout.strip())) == _sources_digest(HERE.parent / "otel_aicost")


def available_modes(wanted: list[str] | None) -> dict[str, str]:
    """mode -> python executable, for the modes that can run here (a missing one is reported, not fatal)."""
    pythons: dict[str, str] = {"bare": sys.executable}
    checkout = bool(importlib.util.find_spec("otel_aicost")
                    and importlib.util.find_spec("otel_aicost.instrumentation.instrumentor"))
    installed = HERE / ".venvs" / "aicost" / "bin" / "python"
    if installed.exists():  # ours as the peers run: a wheel of the checkout in a venv of its own (setup_peers.sh)
        if (not wanted or "aicost" in wanted) and not installed_is_current(installed):
            raise SystemExit(f"overhead: {installed.parent.parent} holds other code than this checkout's otel_aicost:"
                             " run bench/setup_peers.sh (it reinstalls a wheel of the checkout)")
        pythons["aicost"] = str(installed)
    elif checkout:
        print(f"overhead: {installed} missing (run bench/setup_peers.sh); mode 'aicost' runs the checkout",
              file=sys.stderr)
        pythons["aicost"] = sys.executable
    else:
        print("overhead: otel_aicost.instrumentor is not importable here; mode 'aicost' skipped", file=sys.stderr)
    if checkout and wanted and "aicost-checkout" in wanted:  # only when asked: the editable checkout, this venv
        pythons["aicost-checkout"] = sys.executable
    before = HERE / ".venvs" / "aicost-before" / "bin" / "python"
    if wanted and "aicost-before" in wanted:  # only when asked: another revision of ours (setup_before.sh REV)
        if not before.exists():
            raise SystemExit(f"overhead: {before} missing: run bench/setup_before.sh REV (the revision to time)")
        pythons["aicost-before"] = str(before)
    for mode, venv in modes.PEER_VENVS.items():
        python = HERE / ".venvs" / venv / "bin" / "python"
        if python.exists():
            pythons[mode] = str(python)
        else:
            print(f"overhead: {python} missing (run bench/setup_peers.sh); mode {mode!r} skipped", file=sys.stderr)
    if wanted:
        unknown = set(wanted) - set(modes.ALL_MODES)
        if unknown:
            raise SystemExit(f"overhead: unknown modes {sorted(unknown)}; known: {', '.join(modes.ALL_MODES)}")
        pythons = {m: p for m, p in pythons.items() if m in wanted or m == "bare"}
    return pythons


def run_worker(python: str, worker_args: list[str], nice: int, layout_seed: int | None = None) -> dict:
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as handle:
        out = handle.name
    command = [python, str(HERE / "worker.py"), *worker_args, "--out", out]
    if nice:
        command = ["nice", "-n", str(nice), *command]
    env = dict(os.environ)
    env.pop("AICOST_BENCH_LAYOUT_SEED", None)
    if layout_seed is not None:  # bench/layout_filler.py: this worker's heap laid out by its own seed
        env["AICOST_BENCH_LAYOUT_SEED"] = str(layout_seed)
    try:
        done = subprocess.run(command, capture_output=True, text=True, cwd=HERE.parent, env=env)
        if done.returncode != 0:
            tail = "\n".join((done.stderr or done.stdout).strip().splitlines()[-6:])
            return {"error": f"exit {done.returncode}: {tail}"}
        with open(out) as result:
            return json.load(result)
    finally:
        os.unlink(out)


def render_saved(paths: list[str], out_dir: pathlib.Path) -> int:
    timings, memory, errors, run = [], [], [], {}
    for path in paths:
        data = json.loads(pathlib.Path(path).read_text())
        timings += data.get("timings", [])
        memory += data.get("memory", [])
        errors += data.get("errors", [])
        got = data.get("run", {})
        if got.get("rounds") or not run:  # the timing run's description wins
            run = {**got, **{k: v for k, v in run.items() if k == "memory_calls" and v}}
        if got.get("memory_calls") and data.get("memory"):
            run["memory_calls"] = got["memory_calls"]
    if not run:
        raise SystemExit("overhead: no run description in " + ", ".join(paths) + " (pass a finished overhead.json)")
    run["command"] = run.get("command", "?") + " (report merged from " + ", ".join(paths) + ")"
    modes_seen = [m for m in modes.ALL_MODES if any(r["mode"] == m for r in timings + memory)]
    cases = [c for c in CASES if any(r["case"] == c for r in timings)]
    summary = summarize(timings, memory, modes_seen, cases)
    markdown = render_markdown(run, summary, errors)
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "overhead.md").write_text(markdown)
    _write(out_dir, "overhead.json",
           {"run": run, "summary": summary, "timings": timings, "memory": memory, "errors": errors})
    print(markdown)
    return 0


def _write(out_dir: pathlib.Path, name: str, data: dict) -> None:
    (out_dir / name).write_text(json.dumps(data, indent=1))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--calls", type=int, default=2000, help="timed calls per worker (after warm-up)")
    parser.add_argument("--stream-calls", type=int, help="timed calls per stream worker (default: calls / 4)")
    parser.add_argument("--warmup", type=int, default=300)
    parser.add_argument("--batches", type=int, default=5, help="a worker reports the median of this many batches")
    parser.add_argument("--modes", nargs="*", help=f"subset of {', '.join(modes.ALL_MODES)} (bare always runs)")
    parser.add_argument("--cases", nargs="*", choices=CASES, default=list(CASES))
    parser.add_argument("--memory-calls", type=int, default=20000, help="0 skips the memory runs")
    parser.add_argument("--memory-warmup", type=int, default=2000)
    parser.add_argument("--memory-modes", nargs="*", help="memory runs for these modes only (bare always runs)")
    parser.add_argument("--tracemalloc", action="store_true",
                        help="memory runs also trace Python allocations (exact, about 3x slower)")
    parser.add_argument("--temporality", choices=("cumulative", "delta"), default="cumulative",
                        help="the metric reader's temporality for counters and histograms in every mode (modes.py: "
                             "delta as the Azure Monitor exporter asks)")
    parser.add_argument("--same-layout", action="store_true",
                        help="no layout seed: every worker's heap laid out alike (rounds 1-21); by default each "
                             "worker gets a seed of its own (bench/layout_filler.py)")
    parser.add_argument("--count-calls", type=int, default=10, metavar="N",
                        help="in the first round, each worker also counts the extra Python function calls per call "
                             "(cProfile, deterministic) over N calls of each case (0: not counted)")
    parser.add_argument("--service-name", metavar="NAME",
                        help="every worker's resource carries this service.name (OTEL_SERVICE_NAME, which the SDK's "
                             "default resource reads), as in a deployment: ours then tags each call's span and "
                             "metrics with it (allocation.py's default tags); the peers ignore it. Default: none "
                             "(the SDK's unknown_service, which ours does not take as a tag)")
    parser.add_argument("--nice", type=int, default=0, help="run workers under `nice -n N` (negative needs root)")
    parser.add_argument("--out-dir", default=str(HERE / "results"))
    parser.add_argument("--render", nargs="+", metavar="JSON",
                        help="measure nothing: merge these overhead.json / overhead.partial.json files (e.g. a"
                        " timing run and a separate --rounds 0 memory run) and write the report from them")
    args = parser.parse_args(argv)
    if args.render:
        return render_saved(args.render, pathlib.Path(args.out_dir))

    if args.stream_calls is None:
        args.stream_calls = max(1, args.calls // 4)
    os.environ["AICOST_BENCH_TEMPORALITY"] = args.temporality  # read by modes.py in every worker
    if args.service_name:
        os.environ["OTEL_SERVICE_NAME"] = args.service_name  # read by the SDK's Resource.create() in every worker
    else:
        os.environ.pop("OTEL_SERVICE_NAME", None)  # not the caller's shell's: a run says what it measured
    pythons = available_modes(args.modes)
    mode_names = list(pythons)
    out_dir = pathlib.Path(args.out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    started = datetime.datetime.now(datetime.timezone.utc)
    load_before = os.getloadavg()
    timings: list[dict] = []
    errors: list[dict] = []
    for rnd in range(args.rounds):
        shift = rnd % len(mode_names)
        for mode in mode_names[shift:] + mode_names[:shift]:
            got = run_worker(
                pythons[mode],
                ["--mode", mode, "--case", *args.cases, "--warmup", str(args.warmup), "--calls", str(args.calls),
                 "--stream-calls", str(args.stream_calls), "--batches", str(args.batches),
                 "--count-calls", str(args.count_calls if rnd == 0 else 0)],  # deterministic: one round counts
                args.nice,
                None if args.same_layout else random.randrange(1, 1 << 31),
            )
            if isinstance(got, dict):  # an error
                got.update(round=rnd, mode=mode, case=",".join(args.cases))
                errors.append(got)
                print(f"round {rnd + 1}/{args.rounds} {mode:13s} ERROR {got['error']}", file=sys.stderr)
                continue
            for result in got:
                result.update(round=rnd)
                timings.append(result)
                print(f"round {rnd + 1}/{args.rounds} {result['case']:12s} {mode:13s} {result['us_per_call']:9.1f} µs"
                      f"  overhead {result['paired_overhead_us']:+8.1f} µs  spans/call {result['spans_per_call']:.2f}",
                      file=sys.stderr)
        _write(out_dir, "overhead.partial.json", {"timings": timings, "errors": errors})  # survives an interrupted run

    memory: list[dict] = []
    if args.memory_calls:
        for mode in mode_names:
            if args.memory_modes and mode != "bare" and mode not in args.memory_modes:
                continue
            result = run_worker(
                pythons[mode],
                ["--mode", mode, "--memory", "--calls", str(args.memory_calls), "--warmup", str(args.memory_warmup)]
                + (["--tracemalloc"] if args.tracemalloc else []),
                args.nice,
            )
            result.update(mode=mode)
            if "error" in result:
                errors.append(result)
                print(f"memory {mode:13s} ERROR {result['error']}", file=sys.stderr)
            else:
                memory.append(result)
                print(f"memory {mode:13s} GC objects {result['gc_objects_growth']:+d} (second half"
                      f" {result['gc_objects_growth_second_half']:+d}), RSS +{result['rss_growth_kib']} KiB", file=sys.stderr)

    run = {
        "started": started.isoformat(timespec="seconds"),
        "finished": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "command": " ".join([".venv/bin/python", "bench/overhead.py", *(argv if argv is not None else sys.argv[1:])]),
        "cpus": os.cpu_count(),
        "loadavg_before": load_before,
        "loadavg_after": os.getloadavg(),
        "rounds": args.rounds,
        "calls": args.calls,
        "stream_calls": args.stream_calls,
        "warmup": args.warmup,
        "memory_calls": args.memory_calls,
        "temporality": args.temporality,
        "service_name": args.service_name,
    }
    summary = summarize(timings, memory, mode_names, args.cases)
    markdown = render_markdown(run, summary, errors)
    (out_dir / "overhead.md").write_text(markdown)
    _write(out_dir, "overhead.json",
           {"run": run, "summary": summary, "timings": timings, "memory": memory, "errors": errors})
    print(markdown)
    print(f"written: {out_dir / 'overhead.md'} and {out_dir / 'overhead.json'}", file=sys.stderr)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
