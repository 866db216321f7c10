"""CPU seconds (each command's process tree) of the filing-time plain report against every output from one read,
for each code root of ``VARIANTS`` (put first on ``PYTHONPATH``), alternated, run from a scratch folder:

    VARIANTS="before=/tmp/code-a after=/tmp/code-b" python bench/finops_cpu_rounds.py SPANS ROUNDS

A copy of /work/plan/proto/filing_vs_now.py for several code roots. Timings on a shared machine move by +-25%:
print the load with them, and decide with ``finops_cachegrind.py``.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import tempfile
import time

CLI = "import sys; from otel_aicost.cli import main; sys.argv = ['otel-aicost'] + sys.argv[1:]; main()"
FILING = "/work/wt/filing/.venv/bin/otel-aicost"


def cpu(cmd: list[str], folder: str, env: dict | None = None) -> float:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True, cwd=folder, env=env)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime


def main() -> None:
    spans, rounds = os.path.abspath(sys.argv[1]), int(sys.argv[2])
    variants = [v.split("=", 1) for v in os.environ.get("VARIANTS", "").split()]
    folder = tempfile.mkdtemp()
    old = [FILING, "report", "--by", "team,model", "--format", "json", spans]
    new = [sys.executable, "-c", CLI, "report", "--by", "team,model", "--format", "json", "--forecast",
           "--anomalies", "--html", f"{folder}/r.html", "--focus", f"{folder}/f.csv", spans]  # fmt: skip
    for _ in range(rounds):
        load = os.getloadavg()[0]
        filing = cpu(old, folder)
        times = {name: cpu(new, folder, {**os.environ, "PYTHONPATH": root}) for name, root in variants}
        shown = "; ".join(f"{name} {t:.1f} s ({t / filing:.2f}x)" for name, t in times.items())
        print(f"{time.strftime('%H:%M', time.gmtime())} load {load:.1f} filing {filing:.1f} s; {shown}", flush=True)


if __name__ == "__main__":
    main()
