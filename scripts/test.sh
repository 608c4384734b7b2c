#!/usr/bin/env bash
# Installs what is needed, builds lexsync with warnings as errors and with ASan + UBSan, runs the
# whole test suite (unit, sandbox, integration, example and third-party client tests) under the
# sanitizers, then runs each fuzz target over its corpus.
# `.ci/run` calls exactly this.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
jobs=$(nproc 2>/dev/null || echo 2)
# Tests run three per core: most of them wait (for the rate limit, a sandbox's answer, a
# reconciliation window) far more than they compute, so one per core leaves the machine idle.
# LEXSYNC_TEST_JOBS overrides it.
test_jobs=${LEXSYNC_TEST_JOBS:-$((jobs * 3))}
# ccache may reuse objects compiled in another clone of the repository.
export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=true

# build PRESET: configures and builds quietly; on failure shows the end of the log.
build() {
  local log="build/$1.log"
  mkdir -p build
  if ! { cmake --preset "$1" && cmake --build --preset "$1" -j"$jobs"; } >"$log" 2>&1; then
    tail -n 60 "$log" >&2
    echo "lexsync: the $1 build failed (full log: $log)" >&2
    exit 1
  fi
}

# One build serves both gates: the asan preset compiles with -Wall -Wextra -Werror (it inherits
# the default preset's dev mode) and instruments for ASan + UBSan, so the whole suite runs once,
# under the sanitizers. Building the default preset as well would compile everything a second
# time for no check the sanitized run does not make; it stays the quick preset for development.
echo "==> build (preset asan: -Wall -Wextra -Werror, ASan + UBSan)" >&2
build asan
echo "==> tests under ASan + UBSan" >&2
ctest --preset asan -j"$test_jobs"

# Each fuzz target over its checked-in corpus, a fixed number of inputs from a fixed seed (clang,
# libFuzzer, ASan + UBSan): the same tree always gives the same verdict.
echo "==> fuzz targets (repeatable run)" >&2
scripts/fuzz.sh --repeatable
