#!/usr/bin/env bash
# From nothing to a tested build: installs, configures, builds, runs ctest.
# Extra arguments go to ctest (e.g. --preset exhaustive is not needed: use
# MOONWALK_TEST_PRESET=exhaustive).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build.sh
ctest --preset "${MOONWALK_TEST_PRESET:-default}" "$@"
