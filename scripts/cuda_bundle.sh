#!/usr/bin/env bash
# Prepares gpu-bundle/ (ignored by git) for a GPU machine that has the CUDA
# toolkit, CMake and ninja but not the rest of the project's dependencies:
# the conformance vectors the GPU tests and moonwalk_crosscheck read, exported
# here by the reference,
# and the headers of nlohmann-json and Eigen. docs/cuda.md has the commands to
# run there. Argument: the build directory of a full build (default build/),
# configured here with the default preset's settings if it is not yet.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
[ -f "$build/CMakeCache.txt" ] || cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$build" --target moonwalk cuda_vectors
rm -rf gpu-bundle
mkdir -p gpu-bundle/include gpu-bundle/vectors
"$build"/verify/moonwalk vectors export gpu-bundle/vectors/standard >/dev/null
"$build"/tests/cuda/cuda_vectors gpu-bundle/vectors/extra >/dev/null
# moonwalk crosscheck's own set: the standard vectors plus its default generated cases.
"$build"/verify/moonwalk crosscheck --export gpu-bundle/vectors/crosscheck >/dev/null
cp -r /usr/include/nlohmann gpu-bundle/include/
cp -r /usr/include/eigen3/Eigen gpu-bundle/include/
# The copy on a GPU machine may have no .git: the commit the vectors come from
# and the tracked files' checksums let a run there name its sources and see
# what changed since (scripts/gpu_check.sh).
{
  echo "commit $(git rev-parse HEAD)"
  echo "branch $(git rev-parse --abbrev-ref HEAD)"
  echo "made $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "uncommitted changes:"
  git status --porcelain --untracked-files=no
} >gpu-bundle/COMMIT
git ls-files -z | while IFS= read -r -d '' f; do if [ -f "$f" ]; then printf '%s\0' "$f"; fi; done |
  xargs -0 sha256sum >gpu-bundle/SOURCES.sha256
echo "gpu-bundle: $(du -sh gpu-bundle | cut -f1), vectors for $(find gpu-bundle/vectors/standard -name '*.json' | wc -l) + $(find gpu-bundle/vectors/extra -name '*.json' | wc -l) operator files"
