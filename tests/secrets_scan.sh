# Runs after every other test (ctest fixture cleanup): no API key, token or client secret of the
# test suite appears in anything the tests printed (ctest's LastTest log, written while the run
# goes on) or left in the build's test directories. Usage: secrets_scan.sh BUILD_DIR
set -euo pipefail
build=${1:?usage: secrets_scan.sh BUILD_DIR}
# The keys and secrets the tests use (sandbox, integration and unit tests). The list is written
# to a file so that no process ever has a secret in its argv.
patterns=$(mktemp "${TMPDIR:-/tmp}/lexsync-secrets.XXXXXX")
trap 'rm -f "$patterns"' EXIT
cat >"$patterns" <<'LIST'
sandbox-api-key-lexsync-demo
sandbox-client-secret
unit-test-key-0123456789
secret-token-value
sekrit-key
key-shop-123
test-key-7c1e55d0a9
test-key-2b7d0c51e9
good-key-5f2e9a7c41
bad-key-83c1d0e6b2
first-token-abc
second-token-xyz
key-from-pass
LIST
targets=()
for f in "$build"/Testing/Temporary/LastTest*.log*; do
  [ -e "$f" ] && targets+=("$f")
done
[ -d "$build/tests" ] && targets+=("$build/tests")
if [ ${#targets[@]} -eq 0 ]; then
  echo "secrets scan: nothing to scan under $build"
  exit 0
fi
# -I: test executables hold the keys as literals and are not output.
leaks=$(grep -rIlFf "$patterns" "${targets[@]}" 2>/dev/null || true)
if [ -n "$leaks" ]; then
  echo "FAIL: a test secret appears in:" >&2
  # Name the file and line number, never the line itself.
  grep -rInoFf "$patterns" "${targets[@]}" 2>/dev/null | cut -d: -f1,2 | sort -u | head -n 20 >&2
  exit 1
fi
echo "secrets scan: ${#targets[@]} locations clean"
