#!/usr/bin/env bash
# From nothing to the main job: installs, builds the `moonwalk` tool only (not
# the tests), and runs it on its built-in default (arguments replace the
# default command). The build's progress goes to stderr; a first build takes
# several minutes (README.md, "Two commands", gives the measured time).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x build/verify/moonwalk ]; then
  echo "run: first build of the moonwalk tool (10 to 13 min on 2 cores); progress below" >&2
fi
start=$(date +%s)
scripts/build.sh moonwalk >&2
echo "run: built in $(($(date +%s) - start)) s" >&2
if (($#)); then exec build/verify/moonwalk "$@"; fi
exec build/verify/moonwalk check
