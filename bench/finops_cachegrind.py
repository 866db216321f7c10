"""Cachegrind of the FinOps read, every process of the command (deterministic: instructions and simulated cache
misses, repeatable under load), and the table that compares code variants.

    python bench/finops_cachegrind.py run LABEL --code ROOT [--spans FILE]   # all outputs from one read, ROOT's code
    python bench/finops_cachegrind.py run filing --filing                      # the filing-time plain report (638e0dd)
    python bench/finops_cachegrind.py table DIR [DIR ...]                      # the table of earlier runs

``ROOT`` is a checkout or an export (``git archive COMMIT otel_aicost | tar -x -C ROOT``), put first on
``PYTHONPATH`` and run by this checkout's interpreter from the run's own folder (never from a checkout: the current
folder would come first on the module path). The simulated caches are given explicitly (valgrind reads this
machine's L3 as 384 MB, where nothing misses; ``lscpu`` says 32 MB). Each run writes ``cg.PID`` per process into
``--out``/LABEL; the parent is the process that started first (lowest pid), the others are the reader workers.
About 4-8 minutes a run at 200k spans on this machine.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

FILING_PYTHON = "/work/wt/filing/.venv/bin/python"
CACHES = ["--I1=65536,8,64", "--D1=49152,12,64", "--LL=33554432,16,64"]
EVENTS = ("Ir", "I1mr", "ILmr", "Dr", "D1mr", "DLmr", "Dw", "D1mw", "DLmw")
CLI = "import sys; from otel_aicost.cli import main; sys.argv = ['otel-aicost'] + sys.argv[1:]; main()"


def command(out: Path, spans: str, filing: bool) -> list[str]:
    if filing:  # the filing-time code's plain report: issue 15's baseline
        return [FILING_PYTHON, "-c", CLI, "report", "--by", "team,model", "--format", "json", spans]
    return [sys.executable, "-c", CLI, "report", "--by", "team,model", "--format", "json", "--forecast",
            "--anomalies", "--html", str(out / "r.html"), "--focus", str(out / "f.csv"), spans]  # fmt: skip


def run(label: str, code: str | None, spans: str, filing: bool, root: Path) -> Path:
    out = root / label
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob("cg.*"):
        old.unlink()
    env = None
    if code is not None:
        import os

        env = {**os.environ, "PYTHONPATH": str(Path(code).resolve())}
    valgrind = ["setarch", "x86_64", "-R", "valgrind", "--tool=cachegrind", "--cache-sim=yes", *CACHES,
                "--trace-children=yes", f"--cachegrind-out-file={out}/cg.%p"]  # fmt: skip
    with open(out / "stdout", "wb") as stdout, open(out / "stderr", "wb") as stderr:
        subprocess.run(
            [*valgrind, *command(out, str(Path(spans).resolve()), filing)],
            cwd=out, env=env, stdout=stdout, stderr=stderr, check=True,
        )  # fmt: skip
    return out


def summary(path: Path) -> dict[str, int]:
    for line in path.read_text().splitlines():
        if line.startswith("summary:"):
            return dict(zip(EVENTS, map(int, line.split()[1:])))
    raise ValueError(f"{path}: no summary line")


def processes(folder: Path) -> list[dict[str, int]]:
    """The parent first, then the workers (by pid)."""
    files = sorted(folder.glob("cg.*"), key=lambda p: int(p.suffix[1:]))
    return [summary(f) for f in files]


def table(folders: list[Path]) -> str:
    g, m = 1e9, 1e6
    rows = [
        "| run | whole Ir | parent Ir | workers Ir | whole DLmr / DLmw | parent DLmr / DLmw | workers DLmr / DLmw |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for folder in folders:
        parent, *workers = processes(folder)
        every = [parent, *workers]
        total = {e: sum(p[e] for p in every) for e in EVENTS}
        rows.append(
            f"| {folder.name} | {total['Ir'] / g:.2f}G | {parent['Ir'] / g:.2f}G | "
            + " + ".join(f"{w['Ir'] / g:.2f}G" for w in workers)
            + f" | {total['DLmr'] / m:.2f}M / {total['DLmw'] / m:.2f}M"
            + f" | {parent['DLmr'] / m:.2f}M / {parent['DLmw'] / m:.2f}M | "
            + " + ".join(f"{w['DLmr'] / m:.2f}M" for w in workers)
            + " / "
            + " + ".join(f"{w['DLmw'] / m:.2f}M" for w in workers)
            + " |"
        )
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="what", required=True)
    one = sub.add_parser("run", help="cachegrind one command, then print its row")
    one.add_argument("label")
    one.add_argument("--code", help="code root put first on PYTHONPATH (default: this interpreter's install)")
    one.add_argument("--filing", action="store_true", help="the filing-time plain report instead")
    one.add_argument("--spans", default="/work/data/spans-200k.jsonl")
    one.add_argument("--out", default="/tmp/finops-cachegrind")
    rows = sub.add_parser("table", help="the table of earlier runs (folders of cg.PID files)")
    rows.add_argument("folders", nargs="+", type=Path)
    args = parser.parse_args()
    if args.what == "run":
        folder = run(args.label, args.code, args.spans, args.filing, Path(args.out))
        print(table([folder]))
    else:
        print(table(args.folders))


if __name__ == "__main__":
    main()
