#!/usr/bin/env bash
# Builds the libFuzzer targets with clang, AddressSanitizer and UndefinedBehaviorSanitizer in
# build/fuzz and runs each for a bounded time over its seed corpus (tests/fuzz/corpus/<name>).
# New inputs go to build/fuzz/corpus/<name>, crashes to build/fuzz/artifacts/. Exits 1 when any
# target crashed.
#
#   scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET…]     (default 20 s; targets: fuzz_csv, …)
#   scripts/fuzz.sh --repeatable [TARGET…]
#
# The first form explores: a random seed, bounded by time, so each run may find something new.
# --repeatable (used by scripts/test.sh and so by CI) runs a fixed number of inputs from a fixed
# seed over the checked-in corpus only, so the same tree always gives the same verdict; whatever
# exploration finds is added to tests/fuzz/corpus as a regression seed.
set -euo pipefail
cd "$(dirname "$0")/.."
repeatable=0
seconds=20
if [ "${1:-}" = "--repeatable" ]; then
  repeatable=1
  shift
elif [ $# -gt 0 ]; then
  seconds=$1
  shift
fi

scripts/install-deps.sh --fuzz
build=build/fuzz
# -O1 -g1 as in the asan preset: what the sanitizers recommend, at a fraction of -O2 -g's compile time.
CXX=${CXX:-clang++-14} cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1 -DNDEBUG" \
  -DLEXSYNC_FUZZ=ON -DENABLE_SANITIZER_ADDRESS=ON -DENABLE_SANITIZER_UNDEFINED_BEHAVIOR=ON >/dev/null
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  for f in tests/fuzz/fuzz_*.cpp; do targets+=("$(basename "$f" .cpp)"); done
fi
# The compiler's output goes to a log, shown only when the build fails.
if ! cmake --build "$build" -j"${JOBS:-2}" --target "${targets[@]}" >"$build/build.log" 2>&1; then
  tail -n 60 "$build/build.log" >&2
  echo "fuzz: the build failed (full log: $build/build.log)" >&2
  exit 1
fi

mkdir -p "$build/artifacts"
failed=()
# Inputs per target in --repeatable mode: about 10 s each on a 2-core machine.
runs_for() {
  case "$1" in
    fuzz_contacts_input) echo 4000 ;;
    fuzz_config) echo 30000 ;;
    fuzz_sandbox) echo 20000 ;;
    *) echo 100000 ;;
  esac
}
for t in "${targets[@]}"; do
  name=${t#fuzz_}
  if [ "$repeatable" = 1 ]; then
    # A fresh, empty working corpus each time: nothing of an earlier run changes the verdict.
    rm -rf "$build/corpus/$name"
    mode=(-seed=1 -runs="$(runs_for "$t")")
    echo "==> $t: $(runs_for "$t") inputs, seed 1" >&2
  else
    mode=(-max_total_time="$seconds")
    echo "==> $t: ${seconds}s" >&2
  fi
  mkdir -p "$build/corpus/$name"
  if "$build/tests/fuzz/$t" "${mode[@]}" -timeout=10 -rss_limit_mb=2048 \
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
if [ "$repeatable" = 1 ]; then
  echo "fuzz: ${#targets[@]} targets clean (repeatable run, seed 1)" >&2
else
  echo "fuzz: ${#targets[@]} targets clean for ${seconds}s each" >&2
fi
