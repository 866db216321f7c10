#!/usr/bin/env bash
# Start otelcol-contrib with base.yaml plus the overlays the environment asks for.
#
#   OTEL_AICOST_COLLECTOR_OTLP_ENDPOINT set      -> otlp.yaml
#   APPLICATIONINSIGHTS_CONNECTION_STRING set    -> azuremonitor.yaml
#   OTEL_AICOST_COLLECTOR_PROMETHEUS=true        -> prometheus.yaml
#   OTEL_AICOST_COLLECTOR_FILE=true              -> file.yaml (creates the output folder)
#
# OTEL_AICOST_COLLECTOR_BIN names the binary (default: otelcol-contrib; the one this repository builds:
# OTEL_AICOST_COLLECTOR_BIN=$(scripts/build-collector.sh) collector/run.sh). Extra arguments are
# passed on, e.g. `collector/run.sh validate` or `collector/run.sh --feature-gates=...`.
# OTEL_AICOST_COLLECTOR_DRY_RUN=true prints the command instead of running it.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
bin="${OTEL_AICOST_COLLECTOR_BIN:-otelcol-contrib}"

is_true() {
  case "${1:-}" in
    1 | true | TRUE | True | yes | YES | on | ON) return 0 ;;
    *) return 1 ;;
  esac
}

configs=(--config "$here/base.yaml")
if [[ -n "${OTEL_AICOST_COLLECTOR_OTLP_ENDPOINT:-}" ]]; then
  configs+=(--config "$here/otlp.yaml")
fi
if [[ -n "${APPLICATIONINSIGHTS_CONNECTION_STRING:-}" ]]; then
  configs+=(--config "$here/azuremonitor.yaml")
fi
if is_true "${OTEL_AICOST_COLLECTOR_PROMETHEUS:-}"; then
  configs+=(--config "$here/prometheus.yaml")
fi
if is_true "${OTEL_AICOST_COLLECTOR_FILE:-}"; then
  configs+=(--config "$here/file.yaml")
fi

# `validate` is a subcommand and must come before the flags.
subcommand=()
if [[ "${1:-}" == "validate" ]]; then
  subcommand=(validate)
  shift
fi

# (the ${a[@]+...} form keeps `set -u` happy with an empty array on bash 3.2, as shipped on macOS)
cmd=("$bin" ${subcommand[@]+"${subcommand[@]}"} "${configs[@]}" "$@")
if is_true "${OTEL_AICOST_COLLECTOR_DRY_RUN:-}"; then
  printf '%s\n' "${cmd[*]}"
  exit 0
fi
if is_true "${OTEL_AICOST_COLLECTOR_FILE:-}"; then
  mkdir -p "$(dirname "${OTEL_AICOST_COLLECTOR_FILE_PATH:-./otel-aicost-data/collector.jsonl}")"
fi
exec "${cmd[@]}"
