#!/usr/bin/env bash
# The published JavaScript client @elbstack/lexoffice-client-js (version pinned in
# lexoffice-client-js/package-lock.json, installed into the build tree by the ctest fixture
# thirdparty.setup_lexoffice_client_js) runs its whole scenario against a real
# `lexsync sandbox serve` on a free loopback port: contacts, invoices, credit notes, vouchers,
# files, voucher list, payments, event subscriptions and the error classes of 400/401/404/406.
# The client is used unchanged (scenario.js only sets its axios instance's base URL).
source "$(dirname "$0")/../integration/lib.sh"

: "${LEXSYNC_THIRDPARTY_DIR:?LEXSYNC_THIRDPARTY_DIR must name the installed client directory}"
modules="$LEXSYNC_THIRDPARTY_DIR/lexoffice-client-js/node_modules"
command -v node >/dev/null || { echo "SKIP: package not installable: node is not installed"; exit 77; }
if [ ! -f "$modules/@elbstack/lexoffice-client-js/package.json" ]; then
  echo "SKIP: package not installable: $modules is missing (see thirdparty.setup_lexoffice_client_js)"
  exit 77
fi
# The version that runs is the pinned one.
version=$(jq -r .version "$modules/@elbstack/lexoffice-client-js/package.json")
pinned=$(jq -r '.packages["node_modules/@elbstack/lexoffice-client-js"].version' \
  "$(dirname "$0")/lexoffice-client-js/package-lock.json")
assert_eq "$version" "$pinned" "installed client version"

# The client has no pacing of its own: the scenario runs without a rate limit, and a second
# sandbox whose bucket holds a single request shows the client's 429 error class.
start_sandbox --burst 1 --rate-limit 0.001
limited_url=$BASE_URL
start_sandbox --no-rate-limit
# No proxy may stand between the client and the loopback sandbox.
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY all_proxy ALL_PROXY || true
LEXOFFICE_API_KEY="$SANDBOX_KEY" NODE_PATH="$modules" \
  node "$(dirname "$0")/lexoffice-client-js/scenario.js" "$BASE_URL" "$limited_url" \
  >"$WORK/scenario.out" 2>&1 || {
  cat "$WORK/scenario.out" >&2
  fail "the client's scenario failed against the sandbox ($(grep -c '^ok ' "$WORK/scenario.out") steps passed)"
}
cat "$WORK/scenario.out"
grep -q '^1\.\.[0-9]' "$WORK/scenario.out" || fail "the scenario did not finish"
echo "PASS: lexoffice-client-js $version, $(grep -c '^ok ' "$WORK/scenario.out") steps"
