"""Our own code's share of what an instrumented call adds, in machine instructions (callgrind, deterministic).

    setarch x86_64 -R .venv-312/bin/python bench/own_instructions.py --cases chat async_chat embeddings \
        chat_wrapper_only --calls 40 --warmup 20
    setarch x86_64 -R .venv-312/bin/python bench/own_instructions.py --cases stream --calls 10 --warmup 10
    (also: .venv-312/bin/python bench/own_share.py --instructions ...: the same; Python 3.12+, see main())

Callgrind counts instructions but cannot tell one Python frame from another (one eval loop), and
``own_share.py`` counts bytecodes, a poor proxy (a C check replaced by a plain loop costs fewer instructions and
more bytecodes). Here a small C extension (``own_hook.c``, compiled on demand in a temporary folder: it needs
``cc``, the Python headers and ``valgrind/callgrind.h``) installs a C profile hook (``PyEval_SetProfile``) that
keeps the kind of the innermost Python frame (ours: ``otel_aicost/``; our fast paths doing the SDK's own work:
``otel_aicost/export/sdk_internals/``; other: opentelemetry, openai, httpx, the standard library, the bench)
and flips callgrind's collection (``CALLGRIND_TOGGLE_COLLECT``, run with ``--collect-atstart=no``) when it enters
or leaves the kinds wanted. A C builtin called from our frame is ours; an SDK Python function we call is not;
our callback called by the SDK is ours.

One valgrind process runs, per case, batches of ``--calls`` calls (each followed by the span flush, as in
``cache_misses.py``): raw and instrumented with everything collected (no hook: the added instructions per call,
as ``cache_misses.py`` counts them), then instrumented with the hook collecting ours, sdk_internals, other, and
everything (``hooked``), and raw with the hook collecting ours (must be 0).

The hook's own cost: with a profile function set, CPython makes a frame object and calls the hook on every
Python call and return and every C call; those instructions land in whatever kind is being collected. Two
synthetic probes (a loop of Python calls, a loop of C calls) are run with everything collected, with and
without the hook; the two differences give the cost of one Python event and one C event (a 2x2 solve). Each
kind's count has that cost taken out for the events that ran while it was collected (half for an event that
flipped collection: the half before or after the toggle). Checks printed with every run: the model's predicted
hook cost against the measured one (hooked - all) on the workload itself; ours + sdk_internals + other against
the instrumented total; a synthetic function of known cost (pure ours, pure other, and a mix with a callback)
measured by the hook against its instructions counted alone.
"""

from __future__ import annotations

import argparse
import gc
import glob
import importlib.util
import json
import os
import pathlib
import re
import shutil
import subprocess
import sys
import sysconfig
import tempfile

HERE = pathlib.Path(__file__).resolve().parent
CALLGRIND_H = "/usr/include/valgrind/callgrind.h"
KINDS = ("ours", "sdk_internals", "other")


def build(folder: str, source: pathlib.Path = HERE / "own_hook.c") -> str:
    """Compile own_hook.c (or a patched copy, ``source``) into ``folder``; a clear message, not a traceback, when a
    tool is missing."""
    cc = shutil.which(os.environ.get("CC", "cc"))
    if cc is None:
        raise SystemExit("own_instructions: no C compiler (cc) on PATH; it compiles bench/own_hook.c on demand")
    if not os.path.exists(CALLGRIND_H):
        raise SystemExit(f"own_instructions: {CALLGRIND_H} missing (install valgrind's development headers)")
    include = sysconfig.get_paths()["include"]
    if not os.path.exists(os.path.join(include, "Python.h")):
        raise SystemExit(f"own_instructions: Python.h not found in {include} (install the Python headers)")
    target = os.path.join(folder, "own_hook" + sysconfig.get_config_var("EXT_SUFFIX"))
    command = [cc, "-O2", "-shared", "-fPIC", f"-I{include}", str(source), "-o", target]
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"own_instructions: compiling own_hook.c failed:\n{done.stderr[-2000:]}")
    return folder


def callgrind_batches(folder: str, script: str, arguments: list[str], valgrind: tuple[str, ...] = ()
                      ) -> list[tuple[dict, str]]:  # fmt: skip
    """Run ``script --in-process folder ARGUMENTS --out batches.json`` under callgrind (collection off until the
    hook turns it on, one dump per batch; ``valgrind``: more options, e.g. a cache simulation) and pair each batch
    the script wrote with its dump. A clear message, not a traceback, when valgrind fails or dumps are missing."""
    name = pathlib.Path(script).stem
    prefix = os.path.join(folder, "callgrind")
    for old in glob.glob(prefix + ".out*"):
        os.unlink(old)
    out = os.path.join(folder, "batches.json")
    command = [
        "valgrind", "--tool=callgrind", "--collect-atstart=no", f"--callgrind-out-file={prefix}.out",
        "--dump-instr=no", *valgrind, sys.executable, script, "--in-process", folder, *arguments, "--out", out,
    ]  # fmt: skip
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    done = subprocess.run(command, capture_output=True, text=True, cwd=HERE.parent, env=env)
    if done.returncode != 0:
        raise SystemExit(f"{name}: valgrind exit {done.returncode}\n{done.stderr[-3000:]}")
    batches = json.loads(pathlib.Path(out).read_text())
    dumps = (p for p in glob.glob(prefix + ".out.*") if re.search(r"\.out\.\d+$", p))
    dumps = sorted(dumps, key=lambda p: int(p.rsplit(".", 1)[1]))  # in the order they were written
    if len(dumps) < len(batches):
        raise SystemExit(f"{name}: {len(batches)} batches but {len(dumps)} dumps in {folder}")
    return list(zip(batches, dumps[: len(batches)]))


# ---- synthetic probes: the calibration of the hook's cost and the validation of the split ----

_OURS_PROBE = """
def own_work(k):
    total = 0
    for i in range(k):
        total += len(str(i)) * 3 + (i & 7)
    return total

def callback(k):
    return own_work(k)

def mixed(k, other):
    a = own_work(k)
    b = other.work(k)
    c = other.call_back(callback, k)
    return a + b + c
"""
_OTHER_PROBE = """
def work(k):
    total = 0
    for i in range(k):
        total += (i * 7) % 5
    return total

def call_back(function, k):
    return function(k) + work(k)

def tiny():
    return None

def python_calls(k):
    for _ in range(k):
        tiny()

def c_calls(k):
    values = ()
    for _ in range(k):
        len(values)
"""


def _probes(folder: str) -> tuple[object, object]:
    """Two modules from files: one under a folder named otel_aicost (ours to the hook), one not."""
    loaded = []
    for name, sub, text in (("probe_ours", "otel_aicost", _OURS_PROBE), ("probe_other", "other", _OTHER_PROBE)):
        path = os.path.join(folder, sub, name + ".py")
        os.makedirs(os.path.dirname(path), exist_ok=True)
        pathlib.Path(path).write_text(text)
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        loaded.append(module)
    return loaded[0], loaded[1]


class Counter:
    """The batches, in the process run under valgrind: each is one dump, its label and the hook's event counts
    kept in order (written as JSON for the parent). Every batch counted whole runs before the hook is switched on
    (``hook_on``); the hooked batches then run with the events left on, only the kinds wanted changing between
    them: switching sys.monitoring's events re-instruments every code object on its next run, a cost that
    belongs to no call."""

    def __init__(self, hook: object) -> None:
        self.hook = hook
        self.batches: list[dict] = []

    def all(self, label: str, body) -> None:  # noqa: ANN001
        gc.collect()
        self.hook.toggle()
        body()
        self.hook.toggle()
        self.hook.dump(label)
        self.batches.append({"label": label})

    def hook_on(self) -> None:
        monitoring = sys.monitoring
        events = monitoring.events
        tool = monitoring.PROFILER_ID
        monitoring.use_tool_id(tool, "own_instructions")
        for event in (events.PY_START, events.PY_RESUME, events.PY_THROW):
            monitoring.register_callback(tool, event, self.hook.push)
        for event in (events.PY_RETURN, events.PY_YIELD, events.PY_UNWIND):
            monitoring.register_callback(tool, event, self.hook.pop)
        monitoring.set_events(tool, events.PY_START | events.PY_RESUME | events.PY_THROW | events.PY_RETURN
                              | events.PY_YIELD | events.PY_UNWIND)  # fmt: skip

    def kinds(self, label: str, kinds: int, body) -> None:  # noqa: ANN001
        gc.collect()
        self.hook.start(kinds)
        body()
        events = self.hook.stop()
        self.hook.dump(label)
        self.batches.append({"label": label, "events": dict(zip(("all", "on", "flips"), events))})


def _our_files(run, by_function: bool = False) -> list[str]:  # noqa: ANN001
    """The files of our code that ``run()`` executes (``/otel_aicost/...``), found with sys.settrace, uncounted;
    ``by_function``: its functions, as ``file:qualname`` (own_hook's focus matches the code's ``co_qualname`` too)."""
    files: set[str] = set()

    def tracer(frame, event, _arg):  # noqa: ANN001, ANN202
        name = frame.f_code.co_filename
        if "/otel_aicost/" in name:
            part = "/otel_aicost/" + name.rsplit("/otel_aicost/", 1)[1]
            files.add(f"{part}:{frame.f_code.co_qualname}" if by_function else part)
        return None

    sys.settrace(tracer)
    try:
        run()
    finally:
        sys.settrace(None)
    return sorted(files)


def measure_in_process(folder: str, cases: list[str], calls: int, warmup: int, probe_n: int, out: str,
                       by_file: bool = False, by_function: bool = False) -> None:  # fmt: skip
    sys.path.insert(0, folder)
    sys.path.insert(0, str(HERE))
    import modes
    import own_hook
    from worker import Caller

    if not own_hook.under_valgrind():
        raise SystemExit("own_instructions: the measuring process must run under valgrind --tool=callgrind")
    ours_kind, sdk_kind, other_kind = own_hook.OURS, own_hook.SDK_INTERNALS, own_hook.OTHER
    every = ours_kind | sdk_kind | other_kind
    count = Counter(own_hook)
    ours, other = _probes(folder)
    probes = {
        "calibrate.python": lambda: other.python_calls(probe_n),
        "calibrate.c": lambda: other.c_calls(probe_n),
        "validate.own_work": lambda: ours.own_work(probe_n),
        "validate.work": lambda: other.work(probe_n),
        "validate.mixed": lambda: ours.mixed(probe_n, other),
    }
    pipe = modes.Pipeline()
    modes.instrument("aicost", pipe)
    caller = Caller()
    batches = {}
    for case in cases:
        caller.check(case)

        def batch(instrumented: bool, case: str = case) -> None:
            caller.run(case, calls, instrumented)
            pipe.flush()

        batches[case] = batch

    def warm() -> None:  # every lazy import, cache, specialisation and (hook on) instrumentation paid here
        for probe in probes.values():
            probe()
        for case, batch in batches.items():
            caller.run(case, warmup, True)
            caller.run(case, warmup, False)
            pipe.flush()

    warm()
    for label, probe in probes.items():
        count.all(f"{label}.all", probe)
    for case, batch in batches.items():
        count.all(f"{case}.raw.all", lambda: batch(False))
        count.all(f"{case}.instrumented.all", lambda: batch(True))
    count.hook_on()
    warm()
    count.kinds("calibrate.python.hooked", every, probes["calibrate.python"])
    count.kinds("calibrate.c.hooked", every, probes["calibrate.c"])
    count.kinds("validate.own_work.ours", ours_kind, probes["validate.own_work"])
    count.kinds("validate.work.ours", ours_kind, probes["validate.work"])
    count.kinds("validate.mixed.ours", ours_kind, probes["validate.mixed"])
    count.kinds("validate.mixed.other", other_kind, probes["validate.mixed"])
    for case, batch in batches.items():
        count.kinds(f"{case}.instrumented.ours", ours_kind, lambda: batch(True))
        count.kinds(f"{case}.instrumented.sdk_internals", sdk_kind, lambda: batch(True))
        count.kinds(f"{case}.instrumented.other", other_kind, lambda: batch(True))
        count.kinds(f"{case}.instrumented.hooked", every, lambda: batch(True))
        count.kinds(f"{case}.raw.ours", ours_kind, lambda: batch(False))
        if by_file:  # ours, one file at a time: where our instructions go
            for name in _our_files(lambda case=case: caller.run(case, 1, True), by_function):
                own_hook.set_focus(name)
                own_hook.start(0)  # one call collecting nothing: every code object's kind found again, uncounted
                caller.run(case, 1, True)
                own_hook.stop()
                count.kinds(f"{case}.file:{name}", own_hook.FOCUS, lambda: batch(True))
            own_hook.set_focus("")
    pathlib.Path(out).write_text(json.dumps(count.batches))


def _instructions(path: str) -> int:
    with open(path) as handle:
        for line in handle:
            if line.startswith("totals:") or line.startswith("summary:"):
                return int(line.split()[1])
    raise SystemExit(f"no totals in {path}")


def run(cases: list[str], calls: int, warmup: int, probe_n: int, keep: str | None, by_file: bool = False,
        by_function: bool = False) -> dict[str, dict]:  # fmt: skip
    folder = keep or tempfile.mkdtemp(prefix="own-instructions-")
    os.makedirs(folder, exist_ok=True)
    build(folder)
    arguments = ["--cases", *cases, "--calls", str(calls), "--warmup", str(warmup), "--probe-n", str(probe_n),
                 *(["--by-file"] if by_file else []), *(["--by-function"] if by_function else [])]  # fmt: skip
    counted = {}
    for batch, path in callgrind_batches(folder, __file__, arguments):
        batch["instructions"] = _instructions(path)
        counted[batch["label"]] = batch
    if not keep:
        shutil.rmtree(folder, ignore_errors=True)
    return counted


def hook_cost(counted: dict[str, dict]) -> float:
    """Instructions of one monitoring event (a call's start or its return), from the probe of plain Python calls."""
    hooked = counted["calibrate.python.hooked"]
    return (hooked["instructions"] - counted["calibrate.python.all"]["instructions"]) / hooked["events"]["all"]


def corrected(batch: dict, per_event: float) -> float:
    """A kind's instructions less the hook's own: its events that ran while collected, half of those that flipped."""
    events = batch["events"]
    return batch["instructions"] - per_event * (events["on"] + events["flips"] / 2)


def report(counted: dict[str, dict], cases: list[str], calls: int, probe_n: int) -> dict:
    per_event = hook_cost(counted)
    c_probe = counted["calibrate.c.hooked"]["instructions"] - counted["calibrate.c.all"]["instructions"]
    print(
        f"hook cost: {per_event:.0f} instructions per event (a Python call's start or end; a probe of {probe_n}"
        f" Python calls with and without the hook); {probe_n} C calls cost {c_probe:+,} with the hook"
    )
    own_alone = counted["validate.own_work.all"]["instructions"]
    own_hooked = corrected(counted["validate.own_work.ours"], per_event)
    other_as_ours = corrected(counted["validate.work.ours"], per_event)
    mixed_all = counted["validate.mixed.all"]["instructions"]
    mixed_ours = corrected(counted["validate.mixed.ours"], per_event)
    mixed_other = corrected(counted["validate.mixed.other"], per_event)
    expected_ours = own_alone * 2  # own_work(k) itself and again as the callback
    print(
        f"validation: pure ours function alone {own_alone:,} instructions, by the hook {own_hooked:,.0f} "
        f"({own_hooked / own_alone - 1:+.2%}); pure other function counted as ours {other_as_ours:,.0f} "
        f"(of {counted['validate.work.all']['instructions']:,})"
    )
    print(
        f"validation: mixed (ours, a call to other, other calling back ours) {mixed_all:,}: ours {mixed_ours:,.0f}"
        f" (expected ~{expected_ours:,}, {mixed_ours / expected_ours - 1:+.2%}), other {mixed_other:,.0f}; "
        f"ours + other {mixed_ours + mixed_other:,.0f} ({(mixed_ours + mixed_other) / mixed_all - 1:+.2%} of all)"
    )
    results = {"hook_cost_per_event": per_event, "cases": {}}
    for case in cases:
        raw = counted[f"{case}.raw.all"]["instructions"] / calls
        instrumented = counted[f"{case}.instrumented.all"]["instructions"] / calls
        added = instrumented - raw
        split = {kind: corrected(counted[f"{case}.instrumented.{kind}"], per_event) / calls for kind in KINDS}
        hooked = counted[f"{case}.instrumented.hooked"]
        predicted = per_event * hooked["events"]["all"] / calls
        measured = hooked["instructions"] / calls - instrumented
        raw_ours = corrected(counted[f"{case}.raw.ours"], per_event) / calls
        # the same split with the hook's cost per event measured on this workload (hooked - all): the
        # difference from the probe's calibration is the error of the hook's cost taken out
        own_event = (hooked["instructions"] / calls - instrumented) * calls / hooked["events"]["all"]
        ours_own_calibration = corrected(counted[f"{case}.instrumented.ours"], own_event) / calls
        total = sum(split.values())
        ours, fast = split["ours"], split["sdk_internals"]
        other = added - ours - fast  # by difference: the hook's error lands in no kind's share
        print(
            f"{case:18} added {added / 1e3:6.0f}k per call: ours {ours / 1e3:5.0f}k ({ours / added:.0%}), "
            f"sdk_internals {fast / 1e3:4.0f}k ({fast / added:.0%}), the rest (SDK, openai...) {other / 1e3:5.0f}k"
            f" ({other / added:.0%})"
        )
        print(
            f"{'':18} checks: ours+sdk_internals+other counted {total / 1e3:,.0f}k vs instrumented"
            f" {instrumented / 1e3:,.0f}k ({(total - instrumented) / 1e3:+.1f}k, {total / instrumented - 1:+.2%});"
            f" hook cost predicted {predicted / 1e3:,.0f}k vs measured {measured / 1e3:,.0f}k per call; ours in raw"
            f" calls {raw_ours:,.0f}; ours with the hook's cost per event from this workload ({own_event:.0f})"
            f" {ours_own_calibration / 1e3:,.0f}k ({ours_own_calibration / added:.0%})"
        )
        results["cases"][case] = {
            "raw": raw, "instrumented": instrumented, "added": added, **split, "other_added": other,
            "ours_share": ours / added, "sdk_internals_share": fast / added,
            "sum_error": total - instrumented, "hook_predicted": predicted, "hook_measured": measured,
            "raw_ours": raw_ours, "ours_own_calibration": ours_own_calibration,
        }  # fmt: skip
        files = {label.split(":", 1)[1]: corrected(batch, per_event) / calls
                 for label, batch in counted.items() if label.startswith(f"{case}.file:")}  # fmt: skip
        if files:
            print(f"{'':18} by file (ours and sdk_internals, {sum(files.values()) / 1e3:,.0f}k in all"
                  f" against {(ours + fast) / 1e3:,.0f}k):")  # fmt: skip
            for name, value in sorted(files.items(), key=lambda item: -item[1]):
                print(f"{'':18}   {value / 1e3:6.1f}k  {name}")
            results["cases"][case]["by_file"] = files
    return results


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", nargs="+", default=["chat", "async_chat", "embeddings", "chat_wrapper_only"])
    parser.add_argument("--calls", type=int, default=40)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--probe-n", type=int, default=20000, help="calls of each calibration probe")
    parser.add_argument("--keep", help="keep the build, the dumps and the batches in this folder")
    parser.add_argument("--json", help="write the results here")
    parser.add_argument(
        "--by-file",
        action="store_true",
        help="also count ours one file at a time (a batch per file): where our instructions go",
    )
    parser.add_argument(
        "--by-function",
        action="store_true",
        help="with --by-file: one function at a time (file:qualname; a batch per function)",
    )
    parser.add_argument("--in-process", metavar="FOLDER", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if sys.version_info < (3, 12):
        raise SystemExit(
            "own_instructions: needs Python 3.12+ (sys.monitoring; a 3.11 profile hook runs every bytecode"
            " unspecialised). Make a venv: ~/.pyenv/versions/3.12.1/bin/python -m venv .venv-312 &&"
            " .venv-312/bin/pip install -e '.[test]'"
        )
    if args.in_process:
        measure_in_process(args.in_process, args.cases, args.calls, args.warmup, args.probe_n, args.out,
                           args.by_file or args.by_function, args.by_function)  # fmt: skip
        return
    counted = run(args.cases, args.calls, args.warmup, args.probe_n, args.keep, args.by_file or args.by_function,
                  args.by_function)  # fmt: skip
    results = report(counted, args.cases, args.calls, args.probe_n)
    if args.json:
        pathlib.Path(args.json).write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
