#!/usr/bin/env bash
# Rewrites tests/sandbox/golden/*.golden with the sandbox's current answers, after a deliberate
# change of an answer. The test itself only compares; review `git diff tests/sandbox/golden`
# against the API reference before committing. Usage: scripts/update-golden.sh [BUILD_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build/default}
cmake --build "$build" --target sandbox_test_sandbox_golden
LEXSYNC_UPDATE_GOLDEN=1 "$build/tests/sandbox_test_sandbox_golden" || true
git --no-pager diff --stat -- tests/sandbox/golden
