#!/usr/bin/env bash
# The benchmark behind docs/results.md, in one command: `moonwalk bench` over
# every family at the default depths (exporting each network), PyTorch on the
# same networks, then the tables and plots; raw JSON beside them.
# Arguments are passed to `moonwalk bench` (for example --quick).
# Environment: BENCH_OUT (default docs/results) is where the JSON, tables and
# plots go; MOONWALK names an already built tool (default: build it with
# scripts/build.sh and use build/verify/moonwalk).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --bench >&2
if [ -z "${MOONWALK:-}" ]; then
  scripts/build.sh moonwalk >&2
  MOONWALK=build/verify/moonwalk
fi
out=${BENCH_OUT:-docs/results}
export_dir=$(mktemp -d)
trap 'rm -rf "$export_dir"' EXIT
mkdir -p "$out"
"$MOONWALK" bench --json "$out/moonwalk.json" --export "$export_dir" "$@"
/usr/bin/python3 bench/pytorch_bench.py --export "$export_dir" --json "$out/pytorch.json"
/usr/bin/python3 bench/make_results.py --moonwalk "$out/moonwalk.json" --pytorch "$out/pytorch.json" \
  --plots "$out" --tables "$out/tables.md"
{
  echo "machine: $(uname -m), $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
  echo "commit: $(git rev-parse --short HEAD)$(git diff --quiet || echo ' (with uncommitted changes)')"
  echo "command: bench/run.sh $*"
} > "$out/provenance.txt"
echo "bench: wrote $out/tables.md, $out/*.png, $out/*.json" >&2
