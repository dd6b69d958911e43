#!/usr/bin/env bash
# Installs the Debian packages moonwalk builds with, when any is missing.
# nvcc is not a Debian package here: it comes with the machine's CUDA toolkit,
# and the CUDA path is built only when CMake finds it.
set -euo pipefail
# zlib1g-dev reads the gzip IDX files of dataset-fashion-mnist (`moonwalk
# train`); python3 runs bench/check_quick.py (ctest's cli.bench_quick); clang and its runtime build the libFuzzer targets (scripts/fuzz.sh)
# and the sanitizer job (scripts/sanitize.sh). With --bench, also what bench/
# and scripts/plot_training.py run with: python3-numpy and python3-torch
# (PyTorch side by side, bench/pytorch_bench.py), python3-matplotlib (the
# plots). The tests need none of those three, and PyTorch is the largest
# install by far, so CI goes without it.
packages=(cmake ninja-build g++ libeigen3-dev libboost-dev catch2 librapidcheck-dev libcli11-dev
          nlohmann-json3-dev libfmt-dev zlib1g-dev dataset-fashion-mnist python3 clang libclang-rt-14-dev)
if [ "${1:-}" = --bench ]; then
  packages+=(python3-numpy python3-matplotlib python3-torch)
fi
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  sudo_cmd=()
  [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
# The CUDA toolkit lives outside PATH on some images.
if ! command -v nvcc >/dev/null && [ -x /usr/local/cuda/bin/nvcc ]; then
  echo "setup: nvcc found at /usr/local/cuda/bin (add it to PATH to build the CUDA path)"
fi
