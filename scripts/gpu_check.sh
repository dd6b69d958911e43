#!/usr/bin/env bash
# The CUDA path's first run on a GPU (docs/cuda.md, "The GPU check"): from the
# working tree and gpu-bundle/ (scripts/cuda_bundle.sh), builds the CUDA-only
# path, runs the cuda tests and moonwalk_crosscheck on every vector set of the
# bundle, and writes every raw log to one folder.
#
#   scripts/gpu_check.sh [--dry-run] [OUTDIR]     OUTDIR defaults to $OUT
#
# Every step runs whatever the earlier ones gave; summary.txt lists each
# step's exit status and verdict. Exit status 0 when every step passed, 1
# otherwise, 2 on a usage error.
#
# --dry-run (or MOONWALK_GPU_DRY_RUN=1), for a machine without a GPU: prepares
# the bundle first, then runs the same steps, and requires each one that needs
# a device to refuse for want of one (the tests skipped, the crosscheck's exit
# 69), so that a GPU's minutes are not spent on a typo.
#
# Environment: MOONWALK_GPU_BUILD_DIR (default build-gpu), MOONWALK_GPU_JOBS
# (default every core), MOONWALK_GPU_CMAKE_ARGS (more configure arguments,
# split on spaces), MOONWALK_BUNDLE_BUILD_DIR (the full build a dry run
# prepares the bundle from, default build), MOONWALK_GPU_STEP_TIMEOUT (seconds
# a device step may run, default 150: a kernel that never returns, such as a
# block stuck at a __syncthreads, must not take the whole run with it).
# The steps' functions are called through run_step, which shellcheck cannot follow.
# shellcheck disable=SC2317
set -uo pipefail
cd "$(dirname "$0")/.." || exit 2

dry_run=${MOONWALK_GPU_DRY_RUN:-0}
outdir=${OUT:-}
for a in "$@"; do
  case $a in
    --dry-run) dry_run=1 ;;
    -*) echo "usage: scripts/gpu_check.sh [--dry-run] [OUTDIR]" >&2; exit 2 ;;
    *) outdir=$a ;;
  esac
done
if [ -z "$outdir" ]; then
  echo "gpu_check: no output folder (give one, or set OUT)" >&2
  exit 2
fi
mkdir -p "$outdir" || exit 2
outdir=$(cd "$outdir" && pwd)
[ "$dry_run" = 0 ] || dry_run=1
mode=gpu
[ "$dry_run" = 0 ] || mode="dry run"

root=$PWD
bundle=$root/gpu-bundle
build=${MOONWALK_GPU_BUILD_DIR:-build-gpu}
case $build in /*) ;; *) build=$root/$build ;; esac
jobs=${MOONWALK_GPU_JOBS:-$(nproc)}
step_timeout=${MOONWALK_GPU_STEP_TIMEOUT:-150}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Seven files at most (bundle.log in a dry run only), so that a runner which
# brings back no more than eight from its output folder brings back all.
summary=$outdir/summary.txt
env_log=$outdir/environment.txt
bundle_log=$outdir/bundle.log
build_log=$outdir/build.log
ctest_log=$outdir/ctest.log
xc_log=$outdir/crosscheck.log
xc_json=$outdir/crosscheck.json
rm -f "$summary" "$env_log" "$bundle_log" "$build_log" "$ctest_log" "$xc_log" "$xc_json"

# Tools: on PATH, else where the CUDA toolkit or Python's cmake and ninja
# packages put them (a GPU machine's CMake and ninja can come from pip).
find_tool() {
  local t=$1 d
  if command -v "$t" >/dev/null; then command -v "$t"; return; fi
  for d in /usr/local/cuda/bin "$(dirname "$(command -v python3 2>/dev/null || echo /nonexistent/x)")"; do
    if [ -x "$d/$t" ]; then echo "$d/$t"; return; fi
  done
  echo "$t"
}
nvcc=$(find_tool nvcc)
cmake=$(find_tool cmake)
ctest=$(find_tool ctest)
ninja=$(find_tool ninja)

names=() codes=() times=() verdicts=() logs=()
started=$SECONDS

# run_step NAME LOG CMD...: runs CMD, its output appended to LOG as it comes
# and kept in $work/NAME for the checks; sets rc and sec.
run_step() {
  local name=$1 log=$2 t0=$SECONDS
  shift 2
  printf '\n===== %s: %s\n' "$name" "$*" >>"$log"
  "$@" 2>&1 | tee "$work/$name" >>"$log"
  rc=${PIPESTATUS[0]}
  sec=$((SECONDS - t0))
  printf '===== %s: exit %d after %d s\n' "$name" "$rc" "$sec" >>"$log"
}

record() {
  names+=("$1") codes+=("$2") times+=("$3") verdicts+=("$4") logs+=("$(basename "$5")")
  printf 'gpu_check: %-24s exit %-4s %4s s  %s\n' "$1" "$2" "$3" "$4"
}

# A step that needs no device: passes on exit 0.
plain_step() {
  local name=$1 log=$2
  run_step "$@"
  if [ "$rc" -eq 0 ]; then record "$name" "$rc" "$sec" ok "$log"; else record "$name" "$rc" "$sec" FAILED "$log"; fi
}

# A step that needs a device: on a GPU `check` must say passed; in a dry run it
# must say refused (the device is missing, and nothing else went wrong).
device_step() {
  local name=$1 log=$2 check=$3 v
  shift 3
  run_step "$name" "$log" timeout -k 10 "$step_timeout" "$@"
  v=$("$check" "$work/$name")
  if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
    v="timed out after $step_timeout s"
  elif [ "$dry_run" = 1 ]; then
    case $v in refused*) v="no device, as expected (${v#refused: })" ;; *) v="FAILED: a dry run needs a refusal ($v)" ;; esac
  else
    case $v in passed*) ;; *) v="FAILED: $v" ;; esac
  fi
  record "$name" "$rc" "$sec" "$v" "$log"
}

check_nvidia_smi() {
  if [ "$rc" -eq 0 ]; then echo passed; else echo "refused: nvidia-smi exit $rc"; fi
}

# ctest's per-test lines: "3/42 Test  #7: cuda.dense.float ....   Passed  0.5 sec".
check_ctest() {
  local raw=$1 expected total passed skipped n reasons=0
  expected=$("$ctest" --test-dir "$build" -N -L cuda 2>/dev/null | sed -n 's/^Total Tests: //p')
  total=$(grep -cE '^ *[0-9]+/[0-9]+ +Test +#[0-9]+: ' "$raw")
  passed=$(grep -E '^ *[0-9]+/[0-9]+ +Test +#[0-9]+: ' "$raw" | grep -cE ' Passed +[0-9.]+ sec')
  skipped=$(grep -E '^ *[0-9]+/[0-9]+ +Test +#[0-9]+: ' "$raw" | grep -cE '\*\*\*Skipped ')
  if [ -z "$expected" ] || [ "$expected" -eq 0 ] || [ "$total" -ne "$expected" ]; then
    echo "ran $total of ${expected:-no} cuda tests"
  elif [ "$dry_run" = 0 ]; then
    if [ "$rc" -eq 0 ] && [ "$passed" -eq "$total" ]; then echo "passed: $total tests"
    else echo "$passed of $total passed, $skipped skipped, $((total - passed - skipped)) failed or not run"; fi
  else
    # Each skipped test must have said why: the runtime found no device.
    while read -r n; do
      grep -qE "^$n: .*no usable device \(" "$raw" && reasons=$((reasons + 1))
    done < <(grep -E '^ *[0-9]+/[0-9]+ +Test +#[0-9]+: ' "$raw" | sed -E 's/.*Test +#([0-9]+):.*/\1/')
    if [ "$rc" -eq 0 ] && [ "$skipped" -eq "$total" ] && [ "$reasons" -eq "$total" ]; then
      echo "refused: $total tests skipped, each for want of a device"
    else
      echo "$skipped of $total skipped, $reasons for want of a device, ctest exit $rc"
    fi
  fi
}

check_crosscheck() {
  local raw=$1
  case $rc in
    0) echo "passed: every row" ;;
    69) if grep -q 'no CUDA device (' "$raw" && grep -q 'nothing was checked' "$raw"; then
          echo "refused: exit 69, no CUDA device"
        else echo "exit 69 without the no-device message"; fi ;;
    1) echo "$(sed -n 's/.* \([0-9]*\) failing$/\1/p' "$raw") failing checks" ;;
    127) echo "moonwalk_crosscheck was not built" ;;
    *) echo "error, exit $rc" ;;
  esac
}

environment() {
  echo "mode: $mode"
  echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "host: $(uname -a)"
  echo "cores: $(nproc), jobs: $jobs"
  echo "--- commit"
  if git rev-parse HEAD 2>/dev/null; then
    git status --porcelain --untracked-files=no
  else
    echo "no git repository here; the bundle's record follows"
  fi
  echo "--- gpu-bundle/COMMIT"
  cat "$bundle/COMMIT" 2>&1
  echo "--- tracked files changed since the bundle was made (none when empty)"
  (cd "$root" && sha256sum --quiet -c "$bundle/SOURCES.sha256" 2>&1) || true
  echo "--- tools"
  echo "nvcc: $nvcc"
  "$nvcc" --version 2>&1
  echo "cmake: $cmake, $("$cmake" --version 2>&1 | head -1)"
  echo "ninja: $ninja, $("$ninja" --version 2>&1)"
  echo "c++: $(c++ --version 2>&1 | head -1)"
}

# The bundle: every vector set holds readable JSON, and the headers are there.
bundle_check() {
  local ok=0 s
  for s in "$bundle"/vectors/*/; do
    echo "$(basename "$s"): $(find "$s" -name '*.json' | wc -l) vector files"
  done
  [ -f "$bundle/include/nlohmann/json.hpp" ] || { echo "no include/nlohmann/json.hpp"; ok=1; }
  [ -f "$bundle/include/Eigen/Dense" ] || { echo "no include/Eigen/Dense"; ok=1; }
  [ -f "$bundle/COMMIT" ] || { echo "no COMMIT"; ok=1; }
  for s in standard extra crosscheck; do
    [ -n "$(find "$bundle/vectors/$s" -name '*.json' 2>/dev/null | head -1)" ] || { echo "no vectors/$s"; ok=1; }
  done
  if command -v python3 >/dev/null; then
    find "$bundle/vectors" -name '*.json' -print0 |
      xargs -0 python3 -c 'import json, sys
for p in sys.argv[1:]:
    with open(p) as f: json.load(f)
print(len(sys.argv) - 1, "files parse as JSON")' || ok=1
  fi
  return "$ok"
}

build_flags() {
  grep -E '^(CMAKE_BUILD_TYPE|CMAKE_(CUDA|CXX)_(COMPILER|FLAGS[A-Z_]*|ARCHITECTURES|HOST_COMPILER)|MOONWALK_[A-Z_]+|Eigen3_DIR):' \
    "$build/CMakeCache.txt"
  grep '"command"' "$build/compile_commands.json"
}

configure() {
  local cached
  # CMake answers another CUDA compiler than the cached one by wiping the cache
  # and configuring again without the -D options, which is a full build: start
  # afresh instead, and make sure the build is the CUDA-only one.
  cached=$(sed -n 's/^CMAKE_CUDA_COMPILER:[A-Z]*=//p' "$build/CMakeCache.txt" 2>/dev/null)
  if [ -n "$cached" ] && [ "$cached" != "$nvcc" ]; then
    echo "the cache's CUDA compiler was $cached: configuring afresh"
    rm -rf "$build/CMakeCache.txt" "$build/CMakeFiles"
  fi
  # The bundle's Eigen even where a package exists: the reference's, as on the GPU machine.
  # shellcheck disable=SC2086
  "$cmake" -S "$root" -B "$build" -G Ninja -DCMAKE_MAKE_PROGRAM="$ninja" -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_CUDA_COMPILER="$nvcc" -DMOONWALK_CUDA_ONLY=ON -DMOONWALK_CUDA_WERROR=OFF \
    -DCMAKE_DISABLE_FIND_PACKAGE_Eigen3=ON -DMOONWALK_EIGEN_INCLUDE="$bundle/include" \
    -DMOONWALK_JSON_INCLUDE="$bundle/include" -DMOONWALK_CUDA_VECTORS="$bundle/vectors" \
    -DCMAKE_EXPORT_COMPILE_COMMANDS=ON ${MOONWALK_GPU_CMAKE_ARGS:-} || return
  grep -q '^MOONWALK_CUDA_ONLY:BOOL=ON$' "$build/CMakeCache.txt" || { echo "not a CUDA-only build"; return 1; }
}

echo "gpu_check: $mode, logs in $outdir"
if [ "$dry_run" = 1 ]; then
  plain_step bundle "$bundle_log" scripts/cuda_bundle.sh "${MOONWALK_BUNDLE_BUILD_DIR:-build}"
fi
plain_step bundle_check "$env_log" bundle_check
plain_step environment "$env_log" environment
device_step nvidia-smi "$env_log" check_nvidia_smi nvidia-smi
# The full query when the short one answered (a few hundred lines).
[ "$rc" -eq 0 ] && run_step nvidia-smi-q "$env_log" timeout 60 nvidia-smi -q

plain_step configure "$build_log" configure
# A build that fails must not leave the programs of an earlier one to be run
# and reported as this tree's: they are linked again (seconds) or are missing.
rm -f "$build"/tests/cuda/cuda_{device,ops,methods}_test "$build/cuda/moonwalk_crosscheck"
plain_step build "$build_log" "$cmake" --build "$build" -j "$jobs" -- -k 0
warnings=$(grep -ciE 'warning( #[0-9a-z-]+)? ?:' "$work/build")
[ "$warnings" -eq 0 ] || verdicts[${#verdicts[@]} - 1]+=" ($warnings warnings)"
plain_step build_flags "$build_log" build_flags

# One GPU runs several test programs at once well; the per-test limit names a
# hung test instead of losing the whole step to it.
device_step ctest "$ctest_log" check_ctest \
  "$ctest" --test-dir "$build" -L cuda -V --output-on-failure --no-tests=error --timeout 60 -j "$((jobs < 8 ? jobs : 8))"

xc=$build/cuda/moonwalk_crosscheck
sets=()
for s in "$bundle"/vectors/*/; do
  [ -d "$s" ] && sets+=("$(basename "$s")")
done
for s in "${sets[@]}"; do
  device_step "crosscheck.$s" "$xc_log" check_crosscheck "$xc" "$bundle/vectors/$s"
  # The same rows as JSON, when the table above checked anything.
  if [ "$rc" -eq 0 ] || [ "$rc" -eq 1 ]; then
    timeout -k 10 "$step_timeout" "$xc" --json "$bundle/vectors/$s" >"$work/$s.json" 2>>"$xc_log" ||
      echo "===== crosscheck.$s --json: exit $?" >>"$xc_log"
  fi
done
{
  echo "{"
  sep=""
  for s in "${sets[@]}"; do
    printf '%s"%s": ' "$sep" "$s"
    if [ -s "$work/$s.json" ]; then cat "$work/$s.json"; else echo null; fi
    sep=","
  done
  echo "}"
} >"$xc_json"

record bench - 0 "n/a: no bench with a GPU mode exists yet; nothing run" "$summary"

{
  echo "gpu_check ($mode), $(date -u +%Y-%m-%dT%H:%M:%SZ), $((SECONDS - started)) s in all"
  if commit=$(git rev-parse HEAD 2>/dev/null); then echo "commit: $commit"
  else echo "commit: $(sed -n 's/^commit //p' "$bundle/COMMIT" 2>/dev/null) (gpu-bundle/COMMIT, no git here: environment.txt lists what changed since)"; fi
  echo "device: $(nvidia-smi --query-gpu=name,driver_version --format=csv,noheader 2>/dev/null || echo none)"
  echo
  printf '| %-24s | %-4s | %-5s | %-16s | %s\n' step exit s log verdict
  printf '|%s|%s|%s|%s|%s\n' "--------------------------" ------ ------- ------------------ --------
  status=0
  for i in "${!names[@]}"; do
    printf '| %-24s | %-4s | %-5s | %-16s | %s\n' "${names[$i]}" "${codes[$i]}" "${times[$i]}" "${logs[$i]}" "${verdicts[$i]}"
    case ${verdicts[$i]} in ok* | passed* | "no device, as expected"* | n/a*) ;; *) status=1 ;; esac
  done
  echo
  if [ "$status" -eq 0 ]; then echo "every step as it should be"; else echo "some steps FAILED"; fi
} >"$summary"
echo
cat "$summary"
exit "$status"
