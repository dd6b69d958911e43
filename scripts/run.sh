#!/usr/bin/env bash
# From nothing to the main job: installs, builds the tool (not the tests) and
# runs it on its built-in default, `moonwalk check`; arguments replace that
# command. `check` runs in moonwalk-check, the tool with that subcommand only,
# which builds in a fraction of the full tool's time; any other command builds
# the full `moonwalk`. The build's progress goes to stderr (README.md, "Two
# commands", gives the measured time of a first build).
set -euo pipefail
cd "$(dirname "$0")/.."
target=moonwalk exe=build/verify/moonwalk
if (($# == 0)) || [ "$1" = check ]; then
  target=moonwalk_check exe=build/verify/moonwalk-check
fi
if [ ! -x "$exe" ]; then
  echo "run: first build of $(basename "$exe"); progress below" >&2
fi
start=$(date +%s)
scripts/build.sh "$target" >&2
echo "run: built in $(($(date +%s) - start)) s" >&2
if (($#)); then exec "$exe" "$@"; fi
exec "$exe" check
