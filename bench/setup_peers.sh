#!/usr/bin/env bash
# Build one virtual environment per peer instrumentation under bench/.venvs/, for bench/overhead.py.
#
# Every peer venv gets exactly the openai, opentelemetry-api/sdk and HTTP/pydantic stack versions that the
# project's own .venv has (read from `pip freeze` there and used as pip constraints), so the only thing that
# differs between modes is the instrumentation itself.
#
# Usage: bash bench/setup_peers.sh [path/to/project/python]   (default: .venv/bin/python)
# Re-running is cheap: a venv whose marker file exists is left alone (delete bench/.venvs/ to rebuild).
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"
project_python="${1:-$root/.venv/bin/python}"
venvs="$here/.venvs"
mkdir -p "$venvs"

if [ ! -x "$project_python" ]; then
  echo "setup_peers.sh: $project_python not found; create the project venv first:" >&2
  echo "  python3 -m venv .venv && .venv/bin/pip install -e '.[test]'" >&2
  exit 1
fi

# The shared stack, pinned to what the project venv runs.
constraints="$venvs/constraints.txt"
"$project_python" -m pip freeze --exclude-editable \
  | grep -iE '^(openai|opentelemetry-api|opentelemetry-sdk|pydantic|pydantic[-_]core|httpx2?|httpcore2?|anyio|h11|jiter|sniffio|typing[-_]extensions|distro)==' \
  > "$constraints"
grep -qi '^openai==' "$constraints" || { echo "setup_peers.sh: openai is not installed in $project_python" >&2; exit 1; }
echo "shared pins (from $project_python):"; sed 's/^/  /' "$constraints"

# name | packages (beyond openai + opentelemetry-sdk)
peers=(
  "genai-openai|opentelemetry-instrumentation-genai-openai==1.3b0"
  # 2.4b0 declares opentelemetry-util-genai>=0.4b0.dev, but only imports with an old util: pin 0.4b0.
  # It also does `from httpx import URL` without declaring httpx (openai<3 brought it; openai 3 uses httpx2).
  "openai-v2|opentelemetry-instrumentation-openai-v2==2.4b0 opentelemetry-util-genai==0.4b0 httpx"
  "openllmetry|opentelemetry-instrumentation-openai==0.62.4"
  "openlit|openlit==1.45.0"
)

for entry in "${peers[@]}"; do
  name="${entry%%|*}"
  pkgs="${entry#*|}"
  dir="$venvs/$name"
  marker="$dir/.bench-ready"
  if [ -f "$marker" ] && [ "$(cat "$marker")" = "$pkgs $(md5sum < "$constraints")" ]; then
    echo "== $name: ready"
    continue
  fi
  echo "== $name: $pkgs"
  rm -rf "$dir"
  python3 -m venv "$dir"
  pip=("$dir/bin/pip" install -q --disable-pip-version-check --pre)
  if [ "$name" = openlit ]; then
    # openlit 1.45.0 declares openai<3. Install it with the rest of the shared pins, then put the shared openai
    # (and its httpx2 stack) on top, so it is measured on the same client as everyone else. pip warns about
    # the declared cap; overhead.py checks in every worker that the peer really produced its spans.
    grep -viE '^(openai|httpx2|httpcore2)==' "$constraints" > "$venvs/constraints-openlit.txt"
    # shellcheck disable=SC2086
    "${pip[@]}" -c "$venvs/constraints-openlit.txt" opentelemetry-api opentelemetry-sdk $pkgs
    "${pip[@]}" -c "$constraints" openai opentelemetry-api opentelemetry-sdk 2>&1 \
      | grep -v "dependency resolver does not currently\|requires openai<3\|openai 3.* which is incompatible" || true
  else
    # shellcheck disable=SC2086
    "${pip[@]}" -c "$constraints" openai opentelemetry-api opentelemetry-sdk $pkgs
  fi
  echo "$pkgs $(md5sum < "$constraints")" > "$marker"
done

# Verify every venv has the shared versions.
echo "== versions"
for entry in "${peers[@]}"; do
  name="${entry%%|*}"
  "$venvs/$name/bin/python" - "$name" <<'PY'
import sys
from importlib.metadata import version
print(f"  {sys.argv[1]:13s} openai {version('openai')}  opentelemetry-sdk {version('opentelemetry-sdk')}")
PY
done
