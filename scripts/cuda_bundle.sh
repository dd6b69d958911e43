#!/usr/bin/env bash
# Prepares gpu-bundle/ (ignored by git) for a GPU machine that has the CUDA
# toolkit, CMake and ninja but not the rest of the project's dependencies:
# the conformance vectors the GPU tests and moonwalk_crosscheck read, exported
# here by the reference,
# and the headers of nlohmann-json and Eigen. docs/cuda.md has the commands to
# run there. Argument: the build directory of a full build (default build/).
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
cmake --build "$build" --target moonwalk cuda_vectors
rm -rf gpu-bundle
mkdir -p gpu-bundle/include gpu-bundle/vectors
"$build"/verify/moonwalk vectors export gpu-bundle/vectors/standard >/dev/null
"$build"/tests/cuda/cuda_vectors gpu-bundle/vectors/extra >/dev/null
# moonwalk crosscheck's own set: the standard vectors plus its default generated cases.
"$build"/verify/moonwalk crosscheck --export gpu-bundle/vectors/crosscheck >/dev/null
cp -r /usr/include/nlohmann gpu-bundle/include/
cp -r /usr/include/eigen3/Eigen gpu-bundle/include/
echo "gpu-bundle: $(du -sh gpu-bundle | cut -f1), vectors for $(ls gpu-bundle/vectors/standard | wc -l) + $(ls gpu-bundle/vectors/extra | wc -l) operator files"
