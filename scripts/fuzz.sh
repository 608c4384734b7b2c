#!/usr/bin/env bash
# Builds the libFuzzer targets with clang, AddressSanitizer and UndefinedBehaviorSanitizer in
# build/fuzz and runs each for a bounded time over its seed corpus (tests/fuzz/corpus/<name>).
# New inputs go to build/fuzz/corpus/<name>, crashes to build/fuzz/artifacts/. Exits 1 when any
# target crashed.
#
#   scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET…]     (default 20 s; targets: fuzz_csv, …)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-20}
shift || true

scripts/install-deps.sh --fuzz
build=build/fuzz
CXX=${CXX:-clang++-14} cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DLEXSYNC_FUZZ=ON -DENABLE_SANITIZER_ADDRESS=ON -DENABLE_SANITIZER_UNDEFINED_BEHAVIOR=ON >/dev/null
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  for f in tests/fuzz/fuzz_*.cpp; do targets+=("$(basename "$f" .cpp)"); done
fi
cmake --build "$build" -j"${JOBS:-2}" --target "${targets[@]}"

mkdir -p "$build/artifacts"
failed=()
for t in "${targets[@]}"; do
  name=${t#fuzz_}
  mkdir -p "$build/corpus/$name"
  echo "==> $t: ${seconds}s" >&2
  if "$build/tests/fuzz/$t" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
    -artifact_prefix="$build/artifacts/$t-" -print_final_stats=1 \
    "$build/corpus/$name" "tests/fuzz/corpus/$name" 2>"$build/$t.log"; then
    grep -E 'stat::number_of_executed_units|stat::peak_rss_mb' "$build/$t.log" | tr '\n' ' ' >&2
    echo "cov: $(grep -oE 'cov: [0-9]+' "$build/$t.log" | tail -n1)" >&2
  else
    failed+=("$t")
    tail -n 40 "$build/$t.log" >&2
  fi
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz: crashes in ${failed[*]} (inputs in $build/artifacts)" >&2
  exit 1
fi
echo "fuzz: ${#targets[@]} targets clean for ${seconds}s each" >&2
