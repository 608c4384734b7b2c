#!/usr/bin/env bash
# Rewrites tests/sandbox/golden/*.golden with the sandbox's current answers, after a deliberate
# change of an answer. The test itself only compares; review `git diff tests/sandbox/golden`
# against the API reference before committing. Usage: scripts/update-golden.sh [BUILD_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build/default}
cmake --build "$build" --target lexsync_sandbox_tests
LEXSYNC_UPDATE_GOLDEN=1 "$build/tests/lexsync_sandbox_tests" --source-file="*/test_sandbox_golden.cpp" || true
git --no-pager diff --stat -- tests/sandbox/golden
