#!/usr/bin/env bash
# Installs what is needed, builds lexsync with warnings as errors and runs the whole test suite
# (unit, sandbox and integration tests), then builds and runs it again with ASan + UBSan.
# `.ci/run` calls exactly this.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
jobs=$(nproc 2>/dev/null || echo 2)

echo "==> configure and build (preset default: -Wall -Wextra -Werror)" >&2
cmake --preset default >/dev/null
cmake --build --preset default -j"$jobs"

echo "==> tests" >&2
ctest --preset default -j"$jobs"

# The same suite under AddressSanitizer + UndefinedBehaviorSanitizer (preset asan, build/asan).
echo "==> configure, build and test (preset asan: ASan + UBSan)" >&2
cmake --preset asan >/dev/null
cmake --build --preset asan -j"$jobs"
ctest --preset asan -j"$jobs"
