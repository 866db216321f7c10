"""Time and peak memory of ``otel-aicost report`` and ``focus`` over big synthetic inputs.

    python bench/gen_spans.py 1000000 /tmp/spans-a.jsonl --seed 7
    python bench/gen_spans.py 1000000 /tmp/spans-b.jsonl --seed 8
    python bench/bench_finops.py /tmp/spans-a.jsonl /tmp/spans-b.jsonl [--workers N] [--only focus --granularity hour]
    python bench/bench_finops.py /tmp/spans-a.jsonl --all-outputs [--rounds 3]
    python bench/gen_spans.py 1000000 /tmp/spans-1m-ordered.jsonl --seed 7 --time-ordered
    python bench/bench_finops.py /tmp/spans-a.jsonl /tmp/spans-1m-ordered.jsonl --all-outputs --rounds 2

Runs each command in a fresh process, first over the first file (1M spans), then over all files (2M spans).
``--all-outputs``: the plain ``report --by team,model --format json`` against the same report asking for every
other output of the same read (``--forecast --anomalies --html --focus``), run alternately ``--rounds`` times over
each file given (e.g. the same calls in random and in time order), so that the shared machine's changing load
weighs on both alike; prints each pair's CPU ratio.
Peak memory is the largest total resident set of the command's whole process tree (the command and its
reader workers), sampled every 50 ms from /proc. Results also go to bench/results/finops.json.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

RUNNER = "import sys; from otel_aicost.cli.{0} import command; command(sys.argv[1:], prog_name='otel-aicost {0}')"


def _tree(pid: int) -> list[int]:
    pids, todo = [], [pid]
    while todo:
        current = todo.pop()
        pids.append(current)
        try:
            for task in os.listdir(f"/proc/{current}/task"):
                with open(f"/proc/{current}/task/{task}/children") as handle:
                    todo.extend(int(p) for p in handle.read().split())
        except OSError:
            continue
    return pids


def _rss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as handle:
            for line in handle:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def measure(command: str, args: list[str], stdout_path: Path, python: str = sys.executable) -> dict:
    started = time.perf_counter()
    cpu_before = os.times()
    with open(stdout_path, "wb") as stdout:
        # run from the scratch folder: ``python -c`` imports from its working directory first, so started in a
        # checkout, another checkout's interpreter (--baseline-python) would run this checkout's code
        proc = subprocess.Popen(
            [python, "-c", RUNNER.format(command), *args], stdout=stdout, stderr=subprocess.PIPE, cwd=stdout_path.parent
        )
        peak = _watch(proc)
    elapsed = time.perf_counter() - started
    cpu_after = os.times()
    stderr = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
    if proc.returncode != 0:
        raise SystemExit(f"{command} failed ({proc.returncode}):\n{stderr}")
    if command == "report":
        totals = json.loads(stdout_path.read_text())["totals"]
        summary = ", ".join(f"{t['requests']:,} calls, cost {t['cost']} {t['currency']}" for t in totals)
    else:
        summary = stderr.strip().splitlines()[0] if stderr.strip() else ""
    return {
        "command": command,
        "seconds": round(elapsed, 1),
        "cpu_seconds": round(
            (cpu_after.children_user + cpu_after.children_system)
            - (cpu_before.children_user + cpu_before.children_system),
            1,
        ),
        "peak_rss_mb": round(peak / 1024),
        "summary": summary,
    }


def _watch(proc: subprocess.Popen) -> int:
    peak = 0
    while proc.poll() is None:
        peak = max(peak, sum(_rss_kb(p) for p in _tree(proc.pid)))
        time.sleep(0.05)
    return peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="+")
    parser.add_argument(
        "--workers", type=int, default=None, help="reader processes (default: the command's own choice)"
    )
    parser.add_argument("--only", choices=["report", "focus"], default=None)
    parser.add_argument("--granularity", choices=["day", "hour"], default="day", help="focus charge period")
    parser.add_argument("--all-outputs", action="store_true", help="plain report against report with every output")
    parser.add_argument("--rounds", type=int, default=3, help="--all-outputs: pairs of runs")
    parser.add_argument(
        "--baseline-python",
        default=None,
        help="--all-outputs: the interpreter of another checkout whose plain report is the baseline (issue 15's: "
        "the filing-time worktree's .venv/bin/python)",
    )
    parser.add_argument(
        "--all-args",
        default="--forecast --anomalies --html {dir}/r.html --focus {dir}/f.csv",
        help="--all-outputs: what the report adds for every output ({dir}: a scratch folder)",
    )
    args = parser.parse_args()
    args.files = [os.path.abspath(f) for f in args.files]  # the commands run from a scratch folder
    if args.all_outputs:
        all_outputs(args)
        return
    sizes = [args.files[:1]] + ([args.files] if len(args.files) > 1 else [])
    extra = ["--workers", str(args.workers)] if args.workers else []
    results = []
    with tempfile.TemporaryDirectory() as scratch:
        for files in sizes:
            megabytes = sum(Path(f).stat().st_size for f in files) / 1e6
            for command in ("report", "focus"):
                if args.only and command != args.only:
                    continue
                if command == "report":
                    cli = [*files, "--by", "team,model", "--format", "json", "--no-progress", *extra]
                else:
                    cli = [*files, "-o", str(Path(scratch, "focus.csv")), "--granularity", args.granularity,
                           "--no-progress", *extra]  # fmt: skip
                result = measure(command, cli, Path(scratch, "stdout"))
                result.update(files=len(files), input_mb=round(megabytes), workers=args.workers or "auto")
                if command == "focus":
                    result["granularity"] = args.granularity
                results.append(result)
                print(
                    f"{command:6}  {len(files)} file(s) {megabytes:8,.0f} MB  {result['seconds']:6.1f} s wall  "
                    f"{result['cpu_seconds']:6.1f} s cpu  peak RSS {result['peak_rss_mb']:5} MB   {result['summary']}",
                    flush=True,
                )
    out = Path(__file__).parent / "results"
    out.mkdir(exist_ok=True)
    load = os.getloadavg()
    (out / "finops.json").write_text(json.dumps({"loadavg_at_end": load, "results": results}, indent=2))
    print(
        f"load average at the end: {load[0]:.1f} {load[1]:.1f} {load[2]:.1f} (2 cores; others' work inflates wall time)"
    )


def all_outputs(args) -> None:
    """Plain report and report with every output, alternately; CPU seconds of each and their ratio per pair."""
    extra = ["--workers", str(args.workers)] if args.workers else []
    pairs = []
    with tempfile.TemporaryDirectory() as scratch:
        for round_number in range(1, args.rounds + 1):
            for path in args.files:
                plain = [path, "--by", "team,model", "--format", "json", "--no-progress", *extra]
                everything = plain + args.all_args.format(dir=scratch).split()
                pair = {"file": path}
                baseline = (plain, sys.executable)
                if args.baseline_python:  # the filing-time report has no --progress option
                    baseline = ([c for c in plain if c != "--no-progress"], args.baseline_python)
                for name, (cli, python) in (("report", baseline), ("all", (everything, sys.executable))):
                    result = measure("report", cli, Path(scratch, "stdout"), python)
                    pair[name] = result
                    print(
                        f"round {round_number}  {Path(path).name}  {name:6}  {result['seconds']:6.1f} s wall  "
                        f"{result['cpu_seconds']:6.1f} s cpu  peak RSS {result['peak_rss_mb']:5} MB   "
                        f"{result['summary']}",
                        flush=True,
                    )
                ratio = pair["all"]["cpu_seconds"] / pair["report"]["cpu_seconds"]
                pair["ratio"] = round(ratio, 3)
                pairs.append(pair)
                print(f"round {round_number}  {Path(path).name}  all / report CPU: {ratio:.2f}", flush=True)
    load = os.getloadavg()
    for path in args.files:
        mine = [p["ratio"] for p in pairs if p["file"] == path]
        print(
            f"{Path(path).name}: CPU ratio all outputs / plain report: median {sorted(mine)[len(mine) // 2]:.2f} "
            f"(each round: {', '.join(f'{r:.2f}' for r in mine)})"
        )
    print(f"load average at the end {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}")
    out = Path(__file__).parent / "results"
    out.mkdir(exist_ok=True)
    (out / "finops_all_outputs.json").write_text(
        json.dumps({"all_args": args.all_args, "loadavg_at_end": load, "pairs": pairs}, indent=2)
    )


if __name__ == "__main__":
    main()
