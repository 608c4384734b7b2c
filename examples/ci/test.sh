# Runs the CI example as CI would, with lexsync on PATH.
set -euo pipefail
export PATH="$(dirname "$LEXSYNC_BIN"):$PATH"
out=$(bash "$LEXSYNC_SOURCE_DIR/examples/ci/integration-test.sh")
grep -q "integration test passed" <<<"$out" || { echo "FAIL: $out" >&2; exit 1; }
echo "ok: ci example"
