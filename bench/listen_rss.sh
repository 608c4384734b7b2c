#!/usr/bin/env bash
# Peak memory of `webhooks listen` while a client sends it a 3 GB body, once unsigned and once with
# an X-Lxo-Signature header (a measurement, not a test: nothing here asserts a size or a time).
# Each case gets a fresh listener; its peak RSS (VmHWM) and the answer are printed. The client
# sends no "Expect: 100-continue", as a hostile one would not: the listener answers 413 before
# reading and closes, so curl, still sending, may see a reset instead (HTTP 000). Uses the
# lexsync binary given as $1 (default: build/default/cli/lexsync), curl and openssl.
#
#   bench/listen_rss.sh [LEXSYNC_BINARY] [BYTES]      (default 3000000000)
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-$PWD/build/default/cli/lexsync}
bytes=${2:-3000000000}
work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
export HOME="$work/home" XDG_CONFIG_HOME="$work/config" XDG_STATE_HOME="$work/state"
mkdir -p "$HOME"
openssl genrsa -out "$work/key.pem" 2048 2>/dev/null
openssl rsa -in "$work/key.pem" -pubout -out "$work/pub.pem" 2>/dev/null
org=d3b07384-d9a0-4c4f-8e5b-7c1a2b3c4d5e

# The listener's state belongs to an account: a sandbox answers the one GET /v1/profile.
"$bin" sandbox serve --port 0 --seed demo --no-rate-limit >"$work/sandbox.url" 2>"$work/sandbox.log" &
pids+=($!)
for _ in $(seq 200); do [ -s "$work/sandbox.url" ] && break; sleep 0.05; done
export LEXSYNC_BASE_URL=$(head -n1 "$work/sandbox.url")
printf 'sandbox-api-key-lexsync-demo' >"$work/key"
export LEXSYNC_API_KEY=$(cat "$work/key")

# measure LABEL [curl options…]: a fresh listener, one body of $bytes, its peak RSS afterwards.
measure() {
  local label=$1
  shift
  LEXSYNC_STATE_DIR="$work/state-$label" "$bin" webhooks listen --port 0 \
    --public-key "$work/pub.pem" --organization-id "$org" >"$work/$label.url" 2>"$work/$label.log" &
  local pid=$!
  pids+=("$pid")
  for _ in $(seq 200); do [ -s "$work/$label.url" ] && break; sleep 0.05; done
  local url
  url=$(head -n1 "$work/$label.url")
  local before
  before=$(awk '/^VmHWM:/ {print $2}' "/proc/$pid/status")
  local start end status
  start=$(date +%s.%N)
  status=$(head -c "$bytes" /dev/zero |
    curl -s -o /dev/null -w '%{http_code}' --max-time 600 "$@" -X POST -H 'Expect:' \
      -H 'Content-Type: application/json' -H 'Transfer-Encoding:' -H "Content-Length: $bytes" \
      -T - "$url/hook" || true)
  end=$(date +%s.%N)
  local peak
  peak=$(awk '/^VmHWM:/ {print $2}' "/proc/$pid/status")
  printf 'listen, %s body of %s bytes: HTTP %s after %.2f s; peak RSS %d KiB (%d KiB before)\n' \
    "$label" "$bytes" "$status" "$(echo "$end - $start" | bc)" "$peak" "$before"
  kill "$pid"
  wait "$pid" 2>/dev/null || true
}
measure unsigned
measure signed -H 'X-Lxo-Signature: AAAA'
