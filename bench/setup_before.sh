#!/usr/bin/env bash
# Ours of another revision, installed as ours is: bench/.venvs/aicost-before, overhead.py's mode "aicost-before".
#
# A before/after timing in one interleaved run, both codes installed alike (a wheel in a venv of its own, the same
# pinned dependencies), so the only difference between the two modes is the code:
#
#   bash bench/setup_peers.sh && bash bench/setup_before.sh 7985726
#   .venv/bin/python bench/overhead.py --rounds 20 ... --cases stream_broken --modes aicost aicost-before openai-v2 2> ab.log
#   .venv/bin/python bench/pool_rounds.py stream_broken ab.log     # each round's after - before, paired, too
#
# Alternating two checkouts in separate runs (round 29) could not tell 1-2% apart; one interleaved run of both,
# paired by round, gave a ~13 µs wide interval over 76 rounds (round 30, bench/README.md).
# Usage: bash bench/setup_before.sh REV   (any commit of this repository; run setup_peers.sh first)
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"
venvs="$here/.venvs"
before="$venvs/aicost-before"
pins="$venvs/aicost-constraints.txt"  # ours' pins, written by setup_peers.sh
project_python="$root/.venv/bin/python"

if [ $# -ne 1 ]; then
  echo "usage: bash bench/setup_before.sh REV   (the revision to time as 'aicost-before')" >&2
  exit 2
fi
if [ ! -f "$pins" ] || [ ! -x "$project_python" ]; then
  echo "setup_before.sh: run bench/setup_peers.sh first (it writes $pins)" >&2
  exit 1
fi
commit="$(git -C "$root" rev-parse --verify --quiet "$1^{commit}")" || {
  echo "setup_before.sh: $1 is not a commit of $root" >&2
  exit 1
}

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir "$work/src" "$work/wheels"
git -C "$root" archive "$commit" | tar -x -C "$work/src"
rm -rf "$before"
python3 -m venv "$before"
# its own dependencies (that revision's pyproject.toml) at ours' pinned versions, then its wheel alone
"$before/bin/pip" install -q --disable-pip-version-check -c "$pins" "$work/src[instruments]"
"$project_python" -m pip wheel -q --disable-pip-version-check --no-deps -w "$work/wheels" "$work/src"
"$before/bin/pip" install -q --disable-pip-version-check --no-deps --force-reinstall "$work/wheels"/otel_aicost-*.whl
echo "$commit" > "$before/.bench-revision"
echo "== aicost-before: installed from a wheel of $(git -C "$root" log -1 --format='%h %s' "$commit" | cut -c1-100)"
