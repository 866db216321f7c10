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
  # It also does `from httpx import URL` without declaring httpx (openai<3 brought it; openai 3 uses httpx2);
  # httpx<1 because --pre would pick the incompatible 1.0 dev releases.
  "openai-v2|opentelemetry-instrumentation-openai-v2==2.4b0 opentelemetry-util-genai==0.4b0 httpx<1"
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
    # openlit 1.45.0 declares openai<3, and pulls ~13 web-framework instrumentations whose newest releases on
    # the index pin an older opentelemetry-semantic-conventions than the shared opentelemetry-sdk, so pip
    # cannot resolve it against the shared pins. Install its runtime dependencies minus those framework
    # instrumentations (not used here: only its OpenAI instrumentor is enabled), then openlit itself with
    # --no-deps on top of the shared openai 3.x stack. overhead.py checks in every worker that it really
    # produced its spans.
    sdk_version="$(grep -i '^opentelemetry-sdk==' "$constraints" | cut -d= -f3)"
    semconv_version="$("$project_python" -m pip show opentelemetry-semantic-conventions 2>/dev/null | sed -n 's/^Version: //p')"
    instr_version="$("$project_python" -m pip show opentelemetry-instrumentation 2>/dev/null | sed -n 's/^Version: //p')"
    "${pip[@]}" -c "$constraints" openai opentelemetry-api opentelemetry-sdk \
      "opentelemetry-exporter-otlp==$sdk_version" \
      "opentelemetry-semantic-conventions==$semconv_version" "opentelemetry-instrumentation==$instr_version" \
      "anthropic<1" "boto3<2" "botocore<2" "requests<3" "schedule<2" "xmltodict<2"
    # shellcheck disable=SC2086
    "${pip[@]}" --no-deps $pkgs
  else
    # shellcheck disable=SC2086
    "${pip[@]}" -c "$constraints" openai opentelemetry-api opentelemetry-sdk $pkgs
  fi
  echo "$pkgs $(md5sum < "$constraints")" > "$marker"
done

# Ours as the peers are measured: a wheel of this checkout installed in a venv of its own (bench/.venvs/aicost),
# every dependency pinned to what the project venv runs. overhead.py's mode "aicost" runs there (what a user runs:
# an installed package); "aicost-checkout" runs the editable checkout in the project venv (for before/after work).
# The venv is made once; the wheel is rebuilt and reinstalled on every run (a few seconds), so it is this checkout's.
ours="$venvs/aicost"
ours_pins="$venvs/aicost-constraints.txt"
"$project_python" -m pip freeze --exclude-editable > "$ours_pins"
# made again when the pins or pyproject.toml (our own dependencies) change: the wheel goes in without its dependencies
ready="$(cat "$ours_pins" "$root/pyproject.toml" | md5sum)"
if [ ! -f "$ours/.bench-ready" ] || [ "$(cat "$ours/.bench-ready")" != "$ready" ]; then
  echo "== aicost: a venv for the installed wheel"
  rm -rf "$ours"
  python3 -m venv "$ours"
  "$ours/bin/pip" install -q --disable-pip-version-check -c "$ours_pins" "$root[instruments]"
  echo "$ready" > "$ours/.bench-ready"
fi
wheels="$(mktemp -d)"
"$project_python" -m pip wheel -q --disable-pip-version-check --no-deps -w "$wheels" "$root"
"$ours/bin/pip" install -q --disable-pip-version-check --no-deps --force-reinstall "$wheels"/otel_aicost-*.whl
rm -rf "$wheels"
echo "== aicost: installed from a wheel of $(git -C "$root" describe --always --dirty 2>/dev/null || echo "$root")"

# Verify every venv has the shared versions.
echo "== versions"
for entry in "${peers[@]}" "aicost|"; do
  name="${entry%%|*}"
  "$venvs/$name/bin/python" - "$name" <<'PY'
import sys
from importlib.metadata import version
print(f"  {sys.argv[1]:13s} openai {version('openai')}  opentelemetry-sdk {version('opentelemetry-sdk')}")
PY
done
