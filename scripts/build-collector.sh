#!/usr/bin/env bash
# Build the OpenTelemetry Collector that runs collector/*.yaml, with the OpenTelemetry Collector Builder
# (ocb) from collector/builder-config.yaml, and print the binary's path on the last line of stdout.
#
#   scripts/build-collector.sh           build if needed, print the path
#   scripts/build-collector.sh --path    print the path the binary has (or will have); build nothing
#
# Cached outside the clone, reused when present:
#   ${XDG_CACHE_HOME:-$HOME/.cache}/otel-aicost/
#     otelcol-<version>-<hash>/otelcol-aicost    the binary; <hash> covers the manifest and the Go version
#     go/mod, go/build, go/bin                   Go module cache, build cache and the builder itself
# A changed manifest (or Go) gives a new folder; old ones can be deleted by hand.
# Needs Go (1.25 or newer) and the Go module proxy. Cold: about 7-10 minutes on 2 cores; cached: instant.
set -euo pipefail

# All in one function, run on the last line: bash reads the whole file before it starts, so editing this
# script during a (long) build cannot break that build.
main() {
  root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
  manifest="$root/collector/builder-config.yaml"
  cache="${XDG_CACHE_HOME:-$HOME/.cache}/otel-aicost"

  # The release line: dist.version in the manifest, the builder of the same version builds it.
  version="$(sed -n 's/^  version: *\([0-9][0-9.]*\) *$/\1/p' "$manifest")"
  if [[ -z "$version" ]]; then
    echo "build-collector: no 'dist: version:' in $manifest" >&2
    return 2
  fi
  if ! command -v go >/dev/null 2>&1; then
    echo "build-collector: Go is not installed (needs go 1.25 or newer on PATH)" >&2
    return 2
  fi
  hash="$( { cat "$manifest"; go env GOVERSION GOOS GOARCH; } | sha256sum | cut -c1-12)"
  target="$cache/otelcol-$version-$hash"
  binary="$target/otelcol-aicost"

  if [[ "${1:-}" == "--path" ]]; then
    echo "$binary"
    return 0
  fi

  built() { [[ -x "$binary" ]] && "$binary" --version >/dev/null 2>&1; }

  mkdir -p "$cache"
  # One build at a time per cache (a test run and a shell may both ask).
  exec 9>"$cache/build.lock"
  flock 9
  if built; then
    echo "build-collector: cached $binary" >&2
    echo "$binary"
    return 0
  fi

  export GOMODCACHE="$cache/go/mod" GOCACHE="$cache/go/build" GOBIN="$cache/go/bin"
  export GOPROXY="${GOPROXY:-https://proxy.golang.org}" GOFLAGS="${GOFLAGS:-}" CGO_ENABLED=0
  start=$SECONDS

  builder="$GOBIN/builder-v$version"
  if [[ ! -x "$builder" ]]; then
    echo "build-collector: installing the Collector Builder v$version" >&2
    go install "go.opentelemetry.io/collector/cmd/builder@v$version"
    mv "$GOBIN/builder" "$builder"
  fi

  work="$(mktemp -d "$cache/build.XXXXXX")"
  trap 'rm -rf "$work"' EXIT
  echo "build-collector: building otelcol-aicost $version in $work (cold: several minutes)" >&2
  # The builder writes the sources to dist.output_path (./otelcol-aicost), relative to where it runs;
  # it compiles with -trimpath and -ldflags='-s -w' (no symbol tables: a smaller binary, a faster link).
  (cd "$work" && "$builder" --config "$manifest") >"$work/build.log" 2>&1 || {
    tail -n 40 "$work/build.log" >&2
    echo "build-collector: the build failed (log above)" >&2
    return 1
  }
  mkdir -p "$target"
  mv "$work/otelcol-aicost/otelcol-aicost" "$binary.tmp"
  mv "$binary.tmp" "$binary"
  echo "build-collector: built $binary in $((SECONDS - start))s" >&2
  echo "$binary"
}

main "$@"
