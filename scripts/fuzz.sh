#!/usr/bin/env bash
# Fuzzes the readers with libFuzzer, a fixed number of inputs each from a
# fixed seed and a fresh corpus, so that a run here is the run CI makes (about
# a minute each on 2 cores; MOONWALK_FUZZ_SCALE multiplies the counts, and
# 60 s per target bounds the time): the network-spec reader, the vector and
# results reader and the replay-string parser (fuzz/). Seeds: the committed
# inputs of fuzz/corpus/<target>, the specs under tests/verify/data, and
# vector files exported by build/verify/moonwalk when it has been built. A
# finding stops the run and is written to build-fuzz/findings/<target>/: commit
# it to fuzz/corpus/<target>/, where `fuzz.replay.<target>` runs it from then on.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scale=${MOONWALK_FUZZ_SCALE:-1}
declare -A runs=([spec]=150000 [vectors]=10000 [shape]=1000000)
cmake --preset fuzz >/dev/null
cmake --build --preset fuzz
seeds=build-fuzz/seeds
rm -rf "$seeds"
mkdir -p "$seeds"/{spec,vectors,shape}
cp fuzz/corpus/spec/* tests/verify/data/*.json tests/verify/data/refused/*.json "$seeds/spec/"
cp fuzz/corpus/vectors/* "$seeds/vectors/"
cp fuzz/corpus/shape/* "$seeds/shape/"
if [ -x build/verify/moonwalk ]; then
  build/verify/moonwalk vectors export "$seeds/exported" >/dev/null
  # Files past the length libFuzzer mutates are of no use as seeds.
  find "$seeds/exported" -name '*.json' -size -64k -exec cp {} "$seeds/vectors/" \;
fi
for target in spec vectors shape; do
  corpus=build-fuzz/corpus/$target findings=build-fuzz/findings/$target
  rm -rf "$corpus" "$findings"
  mkdir -p "$corpus" "$findings"
  n=$((${runs[$target]} * scale))
  echo "fuzz: $target, $n inputs"
  build-fuzz/fuzz/fuzz_$target "$corpus" "$seeds/$target" -seed=1 -runs="$n" -max_total_time=$((60 * scale)) -max_len=65536 -timeout=10 \
    -rss_limit_mb=2048 -malloc_limit_mb=512 -artifact_prefix="$findings/" -print_final_stats=1 2>&1 |
    grep -E '^(stat::number_of_executed_units|stat::peak_rss_mb|#[0-9]+ +DONE|==[0-9]+==|SUMMARY|INFO: Running with|artifact_prefix|Test unit written)' || true
  if [ -n "$(ls -A "$findings")" ]; then
    echo "fuzz: $target found inputs that fail: $findings"
    exit 1
  fi
done
echo "fuzz: no findings"
