"""Which code suffers the L2 misses an instrumented call adds: callgrind's cache simulation with the last level
set to this machine's L2 (AMD EPYC: L1i 32K, L1d 48K, L2 1 MB/core), split by the kind of the innermost Python
frame (ours / sdk_internals / other, as bench/own_instructions.py) and, for ours, by file and by C object
(the interpreter, _decimal, tiktoken, re...).

    cd /work/wt/l2 && PYTHONPATH=$PWD setarch x86_64 -R /work/wt/ownshare/.venv-312/bin/python \
        bench/l2_misses.py --cases embeddings chat stream_broken --calls 10 --warmup 10 --by-file
    (stream: --cases stream --calls 3 --warmup 5; Python 3.12+; PYTHONPATH so this checkout is the one imported)

The simulation runs whether or not callgrind is collecting (``--collect-atstart=no`` and the hook's
CALLGRIND_TOGGLE_COLLECT only decide which accesses are counted), so the cache sees the whole program and a
miss is charged to the code that suffered it: a miss counted in "other" (the SDK, openai) may have been caused
by our code evicting the SDK's lines. L2 misses = ILmr + DLmr + DLmw (callgrind's "LL" = the simulated L2).
The hook (own_hook.c, sys.monitoring) adds its own accesses; "hooked" (every kind collected) against
"instrumented" (no hook) shows that perturbation. No hook-cost correction is made for misses.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import pathlib
import re
import shutil
import sys
import tempfile

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from own_instructions import build, callgrind_batches  # noqa: E402 - the hook's build and its callgrind run, shared

CACHE = ["--cache-sim=yes", "--I1=32768,8,64", "--D1=49152,12,64", "--LL=1048576,16,64"]


def measure_in_process(folder: str, cases: list[str], calls: int, warmup: int, by_file: bool, out: str) -> None:
    sys.path.insert(0, folder)
    sys.path.insert(0, str(HERE))
    import modes
    import own_hook
    from own_instructions import Counter
    from worker import Caller

    if not own_hook.under_valgrind():
        raise SystemExit("l2_misses: the measuring process must run under valgrind --tool=callgrind")
    count = Counter(own_hook)
    pipe = modes.Pipeline()
    modes.instrument("aicost", pipe)
    caller = Caller()
    batches, files = {}, {}
    for case in cases:
        caller.check(case)
        seen: set[str] = set()

        def profile(frame, event, arg, seen=seen):  # noqa: ANN001, ARG001
            if event == "call" and "/otel_aicost/" in frame.f_code.co_filename:
                seen.add(frame.f_code.co_filename.split("/otel_aicost/", 1)[1])

        sys.setprofile(profile)
        caller.run(case, 1, True)
        pipe.flush()
        sys.setprofile(None)
        files[case] = sorted(seen)

        def batch(instrumented: bool, case: str = case) -> None:
            caller.run(case, calls, instrumented)
            pipe.flush()

        batches[case] = batch

    def warm() -> None:
        for case in cases:
            caller.run(case, warmup, True)
            caller.run(case, warmup, False)
            pipe.flush()

    warm()
    for case, batch in batches.items():
        count.all(f"{case}.raw.all", lambda: batch(False))
        count.all(f"{case}.instrumented.all", lambda: batch(True))
    count.hook_on()
    warm()
    for case, batch in batches.items():
        for kind, bit in (("ours", own_hook.OURS), ("sdk_internals", own_hook.SDK_INTERNALS),
                          ("other", own_hook.OTHER)):  # fmt: skip
            count.kinds(f"{case}.instrumented.{kind}", bit, lambda: batch(True))
        count.kinds(f"{case}.instrumented.hooked", own_hook.OURS | own_hook.SDK_INTERNALS | own_hook.OTHER,
                    lambda: batch(True))  # fmt: skip
        if by_file:
            for name in files[case]:
                own_hook.set_focus("/otel_aicost/" + name)
                count.kinds(f"{case}.file.{name}", own_hook.FOCUS, lambda: batch(True))
        for name in OTHER_GROUPS:  # where the rest's misses land, instrumented and in the raw call
            own_hook.set_focus(name)
            count.kinds(f"{case}.group.{name}", own_hook.FOCUS, lambda: batch(True))
            count.kinds(f"{case}.rawgroup.{name}", own_hook.FOCUS, lambda: batch(False))
            own_hook.set_focus("")
    pathlib.Path(out).write_text(json.dumps(count.batches))


_NAMED = re.compile(r"^\((\d+)\)(?: (.*))?$")


def parse(path: str) -> tuple[list[str], list[int], dict[str, list[int]], dict[str, list[int]]]:
    """Events, totals, self cost by C object and by function (object:function) of one callgrind dump."""
    events, totals = [], []
    by_object: dict[str, list[int]] = collections.defaultdict(lambda: [0] * len(events))
    by_function: dict[str, list[int]] = collections.defaultdict(lambda: [0] * len(events))
    names: dict[str, dict[str, str]] = {"ob": {}, "fn": {}}
    ob = fn = ""
    skip = False
    with open(path) as handle:
        for line in handle:
            if line.startswith("events:"):
                events = line.split()[1:]
            elif line.startswith(("totals:", "summary:")):
                totals = [int(v) for v in line.split()[1:]]
            elif line.startswith(("ob=", "fn=")):
                key, value = line[:2], line[3:].strip()
                match = _NAMED.match(value)
                if match:
                    if match.group(2) is not None:
                        names[key][match.group(1)] = match.group(2)
                    value = names[key].get(match.group(1), value)
                if key == "ob":
                    ob = value
                else:
                    fn = value
            elif line.startswith(("cob=", "cfn=", "cfi=", "cfl=")):
                key = line[1:3]
                match = _NAMED.match(line[4:].strip())
                if key in names and match and match.group(2) is not None:
                    names[key][match.group(1)] = match.group(2)
            elif line.startswith("calls="):
                skip = True
            elif line[:1].isdigit() or line[:1] in "+-*":
                if skip:
                    skip = False
                    continue
                parts = line.split()[1:]
                costs = [int(v) for v in parts] + [0] * (len(events) - len(parts))
                o, f = by_object[os.path.basename(ob)], by_function[os.path.basename(ob) + ":" + fn]
                for i, v in enumerate(costs):
                    o[i] += v
                    f[i] += v
    totals = totals + [0] * (len(events) - len(totals))  # a batch that counted nothing has no costs
    return events, totals, dict(by_object), dict(by_function)


def l2(events: list[str], costs: list[int]) -> int:
    return sum(costs[events.index(e)] for e in ("ILmr", "DLmr", "DLmw") if e in events)


def l1(events: list[str], costs: list[int]) -> int:
    return sum(costs[events.index(e)] for e in ("I1mr", "D1mr", "D1mw") if e in events)


OTHER_GROUPS = ("/opentelemetry/sdk/", "/opentelemetry/", "/openai/", "/httpx/", "/pydantic", "/bench/")


def run(args: argparse.Namespace) -> dict:
    folder = args.keep or tempfile.mkdtemp(prefix="l2-misses-")
    os.makedirs(folder, exist_ok=True)
    # own_hook.c's focus marks only our files; a patched copy here may mark any file (the SDK's, openai's)
    source = (HERE / "own_hook.c").read_text()
    patched = source.replace("kind != KIND_OTHER && focus[0]", "focus[0]")
    if patched == source or "set_focus" not in source:
        raise SystemExit("l2_misses: bench/own_hook.c has no set_focus() in the form expected")
    pathlib.Path(folder, "own_hook.c").write_text(patched)
    build(folder, pathlib.Path(folder, "own_hook.c"))
    arguments = ["--cases", *args.cases, "--calls", str(args.calls), "--warmup", str(args.warmup),
                 *(["--by-file"] if args.by_file else [])]  # fmt: skip
    counted = {}
    for batch, path in callgrind_batches(folder, __file__, arguments, tuple(CACHE)):
        events, totals, objects, functions = parse(path)
        counted[batch["label"]] = {"events": events, "totals": totals, "objects": objects, "functions": functions}
    if not args.keep:
        shutil.rmtree(folder, ignore_errors=True)
    return counted


def report(counted: dict, cases: list[str], calls: int, top: int) -> dict:
    results = {}
    for case in cases:
        raw, inst = counted[f"{case}.raw.all"], counted[f"{case}.instrumented.all"]
        ev = inst["events"]
        per = lambda batch, f=l2: f(ev, batch["totals"]) / calls  # noqa: E731
        ir = lambda batch: batch["totals"][0] / calls  # noqa: E731
        added = per(inst) - per(raw)
        print(
            f"\n{case}: L2 misses per call raw {per(raw):,.0f}, instrumented {per(inst):,.0f}, added {added:+,.0f}"
            f" (Ir added {ir(inst) - ir(raw):+,.0f}; L1 misses added {per(inst, l1) - per(raw, l1):+,.0f})"
        )
        hooked = counted[f"{case}.instrumented.hooked"]
        print(f"  hooked (every kind, the hook's own accesses included) {per(hooked):,.0f} L2 misses per call")
        row = {"raw": per(raw), "instrumented": per(inst), "added": added, "kinds": {}, "files": {}, "objects": {}}
        for kind in ("ours", "sdk_internals", "other"):
            b = counted[f"{case}.instrumented.{kind}"]
            row["kinds"][kind] = {"l2": per(b), "l1": per(b, l1), "ir": ir(b)}
            print(f"  {kind:14} L2 {per(b):7,.0f}  L1 {per(b, l1):8,.0f}  Ir {ir(b):10,.0f}")
        print(
            f"  other - raw (the SDK and openai's misses made dearer by our presence): "
            f"{row['kinds']['other']['l2'] - per(raw):+,.0f}"
        )
        ours = counted[f"{case}.instrumented.ours"]
        objects = sorted(((l2(ev, c) / calls, name) for name, c in ours["objects"].items()), reverse=True)
        print("  ours by C object (L2/call): " + ", ".join(f"{n} {v:,.0f}" for v, n in objects[:8] if v >= 1))
        functions = sorted(((l2(ev, c) / calls, name) for name, c in ours["functions"].items()), reverse=True)
        print("  ours by C function (L2/call): " + ", ".join(f"{n} {v:,.0f}" for v, n in functions[:12] if v >= 1))
        row["objects"] = {n: v for v, n in objects if v >= 1}
        files = [(per(b), per(b, l1), ir(b), label.split(".file.", 1)[1]) for label, b in counted.items()
                 if label.startswith(f"{case}.file.")]  # fmt: skip
        if files:
            files.sort(reverse=True)
            print(f"  ours by file (top {top}; sum of all {sum(f[0] for f in files):,.0f} L2/call):")
            for v, v1, i, name in files[:top]:
                print(
                    f"    {name:50} L2 {v:6,.0f}  L1 {v1:7,.0f}  Ir {i:9,.0f}  L2 per 1k Ir {1000 * v / max(i, 1):.1f}"
                )
            row["files"] = {name: {"l2": v, "l1": v1, "ir": i} for v, v1, i, name in files}
        groups = {label.split(".group.", 1)[1]: b for label, b in counted.items() if label.startswith(f"{case}.group.")}
        if groups:
            print(
                "  by package (L2 / L1 / Ir per call; /opentelemetry/ includes /opentelemetry/sdk/; the rest of"
                " other is the standard library and other packages):"
            )
            for name, b in groups.items():
                r = counted.get(f"{case}.rawgroup.{name}")
                was = f"   raw call: L2 {per(r):7,.0f}  Ir {ir(r):10,.0f}" if r else ""
                print(f"    {name:22} L2 {per(b):7,.0f}  L1 {per(b, l1):8,.0f}  Ir {ir(b):10,.0f}{was}")
            row["groups"] = {name: {"l2": per(b), "l1": per(b, l1), "ir": ir(b)} for name, b in groups.items()}
        results[case] = row
    return results


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", nargs="+", default=["embeddings", "chat", "stream_broken"])
    parser.add_argument("--calls", type=int, default=10)
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument("--by-file", action="store_true", help="also ours one file at a time (a batch per file)")
    parser.add_argument("--top", type=int, default=20)
    parser.add_argument("--keep", help="keep the build and the dumps in this folder")
    parser.add_argument("--json", help="write the results here")
    parser.add_argument("--in-process", metavar="FOLDER", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if sys.version_info < (3, 12):
        raise SystemExit("l2_misses: needs Python 3.12+ (sys.monitoring), as bench/own_instructions.py")
    if args.in_process:
        measure_in_process(args.in_process, args.cases, args.calls, args.warmup, args.by_file, args.out)
        return
    results = report(run(args), args.cases, args.calls, args.top)
    if args.json:
        pathlib.Path(args.json).write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
