#!/usr/bin/env bash
# Installs what is missing, configures and builds with the default preset.
# Arguments name the targets to build (default: everything, tests included).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
# The CUDA toolkit installs outside PATH on some images.
[ -d /usr/local/cuda/bin ] && export PATH="$PATH:/usr/local/cuda/bin"
cmake --preset default >/dev/null
if (($#)); then
  cmake --build --preset default --target "$@"
else
  cmake --build --preset default
fi
