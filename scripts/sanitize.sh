#!/usr/bin/env bash
# The CPU path under AddressSanitizer and UndefinedBehaviorSanitizer (clang,
# -O1, no recovery: the first finding fails the run; the 50-digit units
# uninstrumented and no study or bench, CMakeLists.txt's MOONWALK_SANITIZE).
# Builds the `sanitize` preset and
# runs its test preset: every quick test labelled `reference`, which includes
# `moonwalk check`, `moonwalk verify` and `moonwalk vectors export|check`
# (cli.check, cli.verify, cli.vectors), then `moonwalk verify --cases 5`.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
start=$(date +%s)
cmake --preset sanitize >/dev/null
cmake --build --preset sanitize
echo "sanitize: built in $(($(date +%s) - start)) s"
ctest --preset sanitize "$@"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  build-sanitize/verify/moonwalk verify --cases 5 >/dev/null
echo "sanitize: finished in $(($(date +%s) - start)) s"
