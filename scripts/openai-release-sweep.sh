#!/usr/bin/env bash
# Run the instrumentation's tests against openai releases between the two ends CI runs (1.40.0 and the newest),
# one release after another in one venv, and print a line per release: what passed, what failed.
#
#   scripts/openai-release-sweep.sh                 the releases below (about 2.5 minutes each on 2 cores)
#   scripts/openai-release-sweep.sh 1.74 3.37       these (the newest patch release of each X.Y)
#
# The venv is .venv-sweep (made with the project's test extras on first use, reused after); each release's pytest
# output is in .venv-sweep/log-<X.Y>. The tests run: tests/unit, tests/integration/adversarial and
# tests/integration/conformance, not the slow ones, not tests/unit/test_call_budget.py (its budgets are measured
# at the two ends only). openai before 1.56 gets httpx < 0.28 (1.40's pin in .ci/oldest-constraints.txt).
# Round 31 (bench/README.md) ran it over 20 releases: only tests that assumed two releases failed.
set -euo pipefail
cd "$(dirname "$0")/.."
export PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_PROGRESS_BAR=off

releases=("$@")
if [ ${#releases[@]} -eq 0 ]; then
  releases=(1.45 1.52 1.58 1.66 1.73 1.74 1.86 1.99 1.109 2.0 2.20 2.54 3.0 3.25 3.37 3.38 3.50 3.60)
fi
venv=.venv-sweep
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q -e '.[test]'
fi
for release in "${releases[@]}"; do
  log="$venv/log-$release"
  pins=("openai~=$release.0")
  case $release in 1.4[0-9] | 1.5[0-5]) pins+=("httpx<0.28") ;; esac
  if ! "$venv/bin/pip" install -q "${pins[@]}" >"$log" 2>&1; then
    echo "openai $release: install failed ($log)"
    continue
  fi
  installed=$("$venv/bin/python" -c 'import openai; print(openai.__version__)')
  "$venv/bin/python" -m pytest -q -p no:cacheprovider -m "not slow" tests/unit tests/integration/adversarial \
    tests/integration/conformance --deselect tests/unit/test_call_budget.py >>"$log" 2>&1 || true
  echo "openai $installed: $(tail -n 1 "$log")"
  grep '^FAILED' "$log" | sed 's/^/    /' || true
done
