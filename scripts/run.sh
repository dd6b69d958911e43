#!/usr/bin/env bash
# From nothing to the main job: installs, builds, and runs `moonwalk` on its
# built-in default (arguments replace the default command).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build.sh >/dev/null
if (($#)); then exec build/verify/moonwalk "$@"; fi
exec build/verify/moonwalk check
