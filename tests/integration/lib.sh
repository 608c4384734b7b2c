# Shared by the integration tests: a temporary home, the real sandbox on a free loopback port, and
# small assertions. Source it; it needs LEXSYNC_BIN (set by ctest).
set -euo pipefail

: "${LEXSYNC_BIN:?LEXSYNC_BIN must point at the lexsync binary}"
command -v jq >/dev/null || { echo "SKIP: jq is not installed"; exit 77; }

SANDBOX_KEY="sandbox-api-key-lexsync-demo"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/lexsync-it.XXXXXX")
export HOME="$WORK/home" XDG_CONFIG_HOME="$WORK/config" XDG_STATE_HOME="$WORK/state"
mkdir -p "$HOME"
unset LEXSYNC_CONFIG LEXSYNC_PROFILE LEXSYNC_API_KEY LEXSYNC_BASE_URL LEXSYNC_STATE_DIR || true
SANDBOX_PIDS=()

cleanup() {
  local rc=$?
  for pid in "${SANDBOX_PIDS[@]}"; do
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  # No secret in anything the test printed or wrote (logs, outputs, state), except where it
  # belongs: the 0600 credentials file. Binaries are skipped: the sandbox's public demo key is
  # compiled into lexsync.
  local leaks
  leaks=$(grep -rlIF -e "$SANDBOX_KEY" -e "${EXTRA_SECRET:-$SANDBOX_KEY}" "$WORK" 2>/dev/null |
          grep -v '/credentials.toml$' || true)
  if [ -n "$leaks" ]; then
    echo "FAIL: an API key appears in: $leaks" >&2
    rc=1
  fi
  if [ "$rc" -eq 0 ]; then
    rm -rf "$WORK"
  else
    echo "test failed (exit $rc); files kept in $WORK" >&2
  fi
  exit "$rc"
}
trap cleanup EXIT

fail() {
  echo "FAIL: $*" >&2
  exit 1
}

# start_sandbox [serve options…]: starts a sandbox and sets BASE_URL (and exports it for lexsync).
# --ready-fd hands over the URL once the port accepts connections, or end of file when the
# sandbox could not start: one blocking read, no polling.
start_sandbox() {
  local n=${#SANDBOX_PIDS[@]}
  local ready="$WORK/sandbox$n.ready"
  mkfifo "$ready"
  "$LEXSYNC_BIN" sandbox serve --port 0 --ready-fd 3 "$@" 3>"$ready" >"$WORK/sandbox$n.url" \
    2>"$WORK/sandbox$n.log" &
  SANDBOX_PIDS+=($!)
  BASE_URL=""
  read -r BASE_URL <"$ready" || true
  rm -f "$ready"
  [ -n "$BASE_URL" ] || fail "sandbox did not start: $(cat "$WORK/sandbox$n.log")"
  export LEXSYNC_BASE_URL="$BASE_URL"
}

lexsync() {
  "$LEXSYNC_BIN" "$@"
}

# shellcheck source=tests/integration/oauth_connect.sh
. "$(dirname "${BASH_SOURCE[0]}")/oauth_connect.sh"

# oauth_login PROFILE SCOPES: connects PROFILE (already in the config) over OAuth with SCOPES, the
# sandbox's authorization page answered with curl.
oauth_login() {
  oauth_connect "$LEXSYNC_BIN" "$1" "$2" "$WORK" || fail "oauth login: $(cat "$WORK/login-$1.err")"
}

# expect_exit CODE command…: runs the command and checks its exit code.
expect_exit() {
  local want=$1
  shift
  set +e
  "$@"
  local got=$?
  set -e
  [ "$got" -eq "$want" ] || fail "expected exit $want, got $got: $*"
}

assert_eq() {
  [ "$1" == "$2" ] || fail "${3:-values differ}: expected '$2', got '$1'"
}

assert_contains() {
  grep -qF -- "$2" <<<"$1" || fail "${3:-missing text}: '$2' not in: $1"
}

# api_get URL: a GET with the sandbox key, printing the body; a 429 (not executed) is waited out,
# any other non-200 fails the test.
api_get() {
  local out code
  for _ in $(seq 40); do
    out=$(curl -s -w '\n%{http_code}' -H "Authorization: Bearer $SANDBOX_KEY" -H 'Accept: application/json' "$1") || true
    code=${out##*$'\n'}
    if [ "$code" = 429 ]; then
      sleep 0.5
      continue
    fi
    [ "$code" = 200 ] || fail "GET $1: HTTP $code"
    printf '%s\n' "${out%$'\n'*}"
    return 0
  done
  fail "GET $1: still rate limited"
}

# asan_build: true when lexsync is built with AddressSanitizer.
asan_build() {
  # Not `ldd | grep -q`: grep -q exits at the first match and, under pipefail, ldd's SIGPIPE then
  # makes the pipeline fail now and then.
  [[ $(ldd "$LEXSYNC_BIN" 2>/dev/null) == *libasan* ]]
}

# Peak RSS bounds, in every build. Under AddressSanitizer freed memory waits in a quarantine and
# the sanitizer maps its own structures at start-up, so a test that bounds memory calls rss_setup
# before it starts anything: it turns the quarantine off for the processes the test starts and
# measures the sanitizer's fixed cost once, as the peak RSS of `lexsync --version`. rss_below RSS
# LIMIT (both KiB): RSS is below LIMIT plus that fixed cost (0 in other builds).
rss_setup() {
  RSS_BASE_KB=0
  if asan_build; then
    export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=0:thread_local_quarantine_size_kb=0"
    if [ -x /usr/bin/time ]; then
      RSS_BASE_KB=$(/usr/bin/time -f '%M' "$LEXSYNC_BIN" --version 2>&1 >/dev/null | tail -n1)
    fi
  fi
}
rss_below() {
  [ "$1" -lt $(($2 + ${RSS_BASE_KB:?rss_setup was not called})) ]
}

# count_writes FILE: the number of POST and PUT requests a -v log shows.
count_writes() {
  grep -cE '→ (POST|PUT) ' "$1" || true
}

# most_in_flight LOG [PATTERN]: the most requests (matching the extended regex PATTERN, default
# any) that a -v log shows sent and not yet answered at once. Every answer names its request.
most_in_flight() {
  awk -v p="${2:-.}" '
    /→ (GET|POST|PUT|DELETE|PATCH|HEAD) / { t = $0; sub(/^.*→ /, "", t); if (t ~ p && ++n > m) m = n }
    /← / { if (match($0, /\((GET|POST|PUT|DELETE|PATCH|HEAD) [^ )]+\)/)) {
             t = substr($0, RSTART + 1, RLENGTH - 2); if (t ~ p) n-- } }
    END { print m + 0 }' "$1"
}

# first_line LOG REGEX: the number of the first line of LOG matching the extended REGEX, or a
# number past every line when none does.
first_line() {
  awk -v p="$2" '$0 ~ p { print NR; found = 1; exit } END { if (!found) print 1000000000 }' "$1"
}

# start_hostile MODE: starts tests/integration/hostile_server.py (a misbehaving API server, see its
# header) and sets HOSTILE_URL.
start_hostile() {
  local n=${#SANDBOX_PIDS[@]}
  python3 "$(dirname "${BASH_SOURCE[0]}")/hostile_server.py" "$1" "$WORK/hostile$n.url" \
    2>"$WORK/hostile$n.log" &
  SANDBOX_PIDS+=($!)
  for _ in $(seq 200); do
    [ -s "$WORK/hostile$n.url" ] && break
    sleep 0.05
  done
  HOSTILE_URL=$(head -n1 "$WORK/hostile$n.url")
  [ -n "$HOSTILE_URL" ] || fail "hostile server did not start: $(cat "$WORK/hostile$n.log")"
}
