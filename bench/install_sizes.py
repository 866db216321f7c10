"""Installed size of the otel-aicost core and of each extra (issue 17), measured by installing into fresh venvs.

    python -m build -o /tmp/dist . && python bench/install_sizes.py /tmp/dist/otel_aicost-*.whl

"core" is everything `pip install otel_aicost-*.whl` adds to a fresh venv's site-packages (pip itself excluded),
with its largest distributions, and what it adds to a venv that has `openai` already (pydantic, httpx, ...); each
extra is what `pip install 'wheel[extra]'` adds on top of the core. Needs the
package index (or a warm pip cache); takes a few minutes.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

EXTRAS = ("instruments", "demo", "html", "yaml", "azure", "prometheus", "grpc", "parquet", "finops")


def site_packages(venv: Path) -> Path:
    return next((venv / "lib").glob("python3*/site-packages"))


def tree_size(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file() and not f.is_symlink())


def distributions(venv: Path) -> dict[str, int]:
    """Bytes per top-level entry of site-packages (a package folder, a module, a .dist-info)."""
    root = site_packages(venv)
    return {entry.name: tree_size(entry) if entry.is_dir() else entry.stat().st_size for entry in root.iterdir()}


def install(venv: Path, requirement: str) -> dict[str, int]:
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    env = {**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    subprocess.run([str(venv / "bin" / "pip"), "install", "-q", requirement], check=True, env=env)
    return distributions(venv)


def mib(size: int) -> str:
    return f"{size / 2**20:.1f} MiB"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("wheel", type=Path)
    parser.add_argument("--top", type=int, default=8)
    args = parser.parse_args()
    wheel = args.wheel.resolve()
    print(f"wheel {wheel.name}: {mib(wheel.stat().st_size)}")
    with tempfile.TemporaryDirectory() as tmp:
        bare = install(Path(tmp, "bare"), "pip")
        core = install(Path(tmp, "core"), str(wheel))
        added = {name: size for name, size in core.items() if name not in bare}
        print(f"core: {mib(sum(added.values()))} over a bare venv; largest entries:")
        for name, size in sorted(added.items(), key=lambda item: -item[1])[: args.top]:
            print(f"  {mib(size):>10}  {name}")
        with_openai = install(Path(tmp, "openai"), "openai")
        subprocess.run([str(Path(tmp, "openai", "bin", "pip")), "install", "-q", str(wheel)], check=True)
        app = distributions(Path(tmp, "openai"))
        print(f"core added to an app that has openai already: {mib(sum(s for n, s in app.items() if n not in with_openai))}")
        for extra in EXTRAS:
            with_extra = install(Path(tmp, extra), f"{wheel}[{extra}]")
            extra_added = {name: size for name, size in with_extra.items() if name not in core}
            largest = ", ".join(name for name, _ in sorted(extra_added.items(), key=lambda item: -item[1])[:4])
            print(f"[{extra}]: +{mib(sum(extra_added.values()))} ({largest})")


if __name__ == "__main__":
    main()
