"""Run the FinOps Foundation's ``focus-validator`` on FOCUS files we wrote, in a venv of its own.

    python scripts/focus_validator.py FILE.csv|FILE.parquet [...] [--criteria ours|default|ALL] [--keep-output DIR]

focus-validator 2.2.1 needs Python >= 3.12 and pins packages that conflict with ours (numpy<2; pyarrow<21 must be
added by hand), so it never enters the project's own environment: this script finds a Python >= 3.12 on the
machine (3.12 first: the pinned numpy<2 has wheels for it, not for 3.13; PATH, pyenv's versions, Debian's),
makes ``.venv-focus-validator`` with the pinned validator (compiled packages from wheels only: nothing is ever
built here), runs it from its own site-packages folder (it opens ``rules/currency_codes.csv``
relative to the working directory) with ``--block-download`` (no rules fetched at run time), and reads its
results: its exit code is 0 even when rules fail.

``--criteria ours`` (default) declares the provider capabilities that telemetry-derived rows have; rules that
need others are "not applicable" and skipped. Exit codes: 0 no failing rule beyond ``KNOWN_FALSE_POSITIVES``,
1 other failures, 3 not run (no Python >= 3.12 here, or the pinned wheels cannot be installed: it never compiles).
"""

from __future__ import annotations

import argparse
import glob
import os
import re
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = Path(os.environ.get("FOCUS_VALIDATOR_VENV", ROOT / ".venv-focus-validator"))
PACKAGES = ("focus-validator==2.2.1", "pyarrow<21")
# What the rows of `otel-aicost focus` are: a named billing account, two pricing categories (Standard, Other),
# published list prices, usage in tokens, unit prices, resource types, regions and tags. Not claimed:
# availability zones, capacity reservations, commitment discounts, negotiated prices (telemetry knows list
# prices only), sub accounts, virtual currencies, several billing or sub-account types, provisioned billing,
# pricing in another currency than billing (prices are converted before pricing).
OUR_CRITERIA = (
    "ACCOUNT_NAMING_SUPPORTED", "MULTIPLE_PRICING_CATEGORIES_SUPPORTED", "PUBLIC_PRICE_LIST_SUPPORTED",
    "USAGE_MEASUREMENT_SUPPORTED", "UNIT_PRICING_SUPPORTED", "RESOURCE_TYPE_ASSIGNMENT_SUPPORTED",
    "REGION_SUPPORTED", "TAGGING_SUPPORTED",
)  # fmt: skip
# Failures of the validator, not of the data: the rule's condition is not generated into its SQL.
KNOWN_FALSE_POSITIVES = {
    # "InvoiceId MUST NOT be null when the charge is associated with an issued or provisional invoice": checked
    # on every row, so it contradicts InvoiceId-C-004-C ("MUST be null when not associated"), which passes.
    # Telemetry rows are on no invoice.
    "InvoiceId-C-005-C",
}
RESULT = re.compile(r"^\S+\s+(?P<rule>[A-Za-z]+-[A-Z]-\d{3}-[A-Z]): (?P<status>PASS|FAIL|SKIPPED)\b(?P<rest>.*)$")
REASON = re.compile(r"reason=([^,]+)")


def find_python() -> str | None:
    """A Python >= 3.12 interpreter on this machine, or None."""
    # 3.12 first: the validator pins numpy<2, which has wheels for 3.12 but not 3.13 (no compiling here, ever)
    pyenv_root = os.environ.get("PYENV_ROOT", os.path.expanduser("~/.pyenv"))
    candidates = [shutil.which("python3.12"), *sorted(glob.glob(f"{pyenv_root}/versions/3.12*/bin/python3"))]
    candidates += ["/usr/bin/python3.12", "/usr/local/bin/python3.12", shutil.which("python3.13")]
    candidates += sorted(glob.glob(f"{pyenv_root}/versions/3.1[3-9]*/bin/python3"))
    candidates += ["/usr/bin/python3.13", "/usr/local/bin/python3.13"]
    for candidate in candidates:
        if not candidate or not os.path.exists(candidate):
            continue
        try:
            probe = subprocess.run(
                [candidate, "-c", "import sys; print(sys.version_info >= (3, 12))"],
                capture_output=True, text=True, timeout=30, check=False,
            )  # fmt: skip
        except (OSError, subprocess.TimeoutExpired):
            continue
        if probe.stdout.strip() == "True":  # a pyenv shim without that version prints an error instead
            return candidate
    return None


def ensure_venv(python: str) -> Path | None:
    """The validator's venv, made on first use from wheels only (never a source build); None if that fails."""
    validator = VENV / "bin" / "focus-validator"
    if validator.exists():
        return validator
    pip = [str(VENV / "bin" / "pip"), "install", "-q", "--disable-pip-version-check", "--prefer-binary"]
    pip.append("--only-binary=numpy,pandas,pyarrow,polars,polars-runtime-32,duckdb")  # compiled: wheels or nothing
    try:
        subprocess.run([python, "-m", "venv", "--clear", str(VENV)], check=True, timeout=300)
        subprocess.run([*pip, *PACKAGES], check=True, timeout=900)
    except (OSError, subprocess.SubprocessError) as exc:
        shutil.rmtree(VENV, ignore_errors=True)
        print(f"cannot install {' '.join(PACKAGES)} from wheels with {python}: {exc}")
        return None
    return validator


def site_packages() -> Path:
    found = sorted(VENV.glob("lib/python3.*/site-packages/focus_validator"))
    if not found:
        raise SystemExit(f"focus_validator is not installed in {VENV}")
    return found[-1].parent


def run(validator: Path, data_file: Path, criteria: str) -> tuple[dict[str, tuple[str, str]], str]:
    """``rule -> (status, detail)`` and the validator's whole output."""
    args = [str(validator), "--data-file", str(data_file.resolve()), "--validate-version", "1.2", "--block-download"]
    if criteria != "default":
        args += ["--applicability-criteria", ",".join(OUR_CRITERIA) if criteria == "ours" else criteria]
    done = subprocess.run(args, cwd=site_packages(), capture_output=True, text=True, check=False, timeout=1800)
    output = done.stdout + done.stderr
    results = {}
    for line in output.splitlines():
        match = RESULT.match(line.strip())
        if match:
            results[match["rule"]] = (match["status"], match["rest"].strip())
    if not results:
        raise SystemExit(f"focus-validator printed no results for {data_file}:\n{output[-2000:]}")
    return results, output


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="+", type=Path)
    parser.add_argument("--criteria", default="ours", help="ours (default), default, ALL, or a comma list")
    parser.add_argument("--keep-output", type=Path, help="write the validator's full output here, one file each")
    args = parser.parse_args()
    python = find_python()
    if python is None:
        print("focus-validator needs Python >= 3.12 and none was found (python3.12/3.13, pyenv, Debian): not run")
        return 3
    validator = ensure_venv(python)
    if validator is None:
        return 3
    unexpected = 0
    for data_file in args.files:
        results, output = run(validator, data_file, args.criteria)
        if args.keep_output:
            args.keep_output.mkdir(parents=True, exist_ok=True)
            (args.keep_output / f"{data_file.name}.txt").write_text(output, encoding="utf-8")
        counts = Counter(status for status, _ in results.values())
        print(f"{data_file}: {len(results)} rules, {counts['PASS']} pass, {counts['FAIL']} fail, "
              f"{counts['SKIPPED']} skipped (criteria: {args.criteria})")  # fmt: skip
        reasons = Counter((REASON.search(detail) or re.match("()", "")).group(1) or "?" for s, detail in
                          results.values() if s == "SKIPPED")  # fmt: skip
        for reason, count in reasons.most_common():
            print(f"  skipped {count:4}: {reason.strip()}")
        for rule, (status, detail) in sorted(results.items()):
            if status == "FAIL":
                known = rule in KNOWN_FALSE_POSITIVES
                unexpected += not known
                print(f"  FAIL {rule}{' (known validator false positive)' if known else ''}: {detail[:200]}")
    return 1 if unexpected else 0


if __name__ == "__main__":
    sys.exit(main())
