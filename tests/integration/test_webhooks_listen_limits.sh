# `webhooks listen` under hostile callers: a body above 64 KiB (413) and an unsigned one (401) are
# refused before they are read, chunked bodies too (411); the listener's memory stays small, and
# a port already in use is refused.
source "$(dirname "$0")/lib.sh"
rss_setup
command -v openssl >/dev/null || { echo "SKIP: openssl is not installed"; exit 77; }
command -v curl >/dev/null || { echo "SKIP: curl is not installed"; exit 77; }
openssl genrsa -out "$WORK/key.pem" 2048 2>/dev/null
openssl rsa -in "$WORK/key.pem" -pubout -out "$WORK/pub.pem" 2>/dev/null
org=d3b07384-d9a0-4c4f-8e5b-7c1a2b3c4d5e
start_sandbox --seed demo --no-rate-limit # the account the listener's state belongs to
export LEXSYNC_API_KEY="$SANDBOX_KEY"

# listen NAME [options…]: starts `webhooks listen` and sets URL and LISTENER (its pid).
listen() {
  local name=$1
  shift
  "$LEXSYNC_BIN" webhooks listen --port 0 --public-key "$WORK/pub.pem" --organization-id "$org" \
    "$@" >"$WORK/$name.url" 2>>"$WORK/$name.log" &
  LISTENER=$!
  SANDBOX_PIDS+=("$LISTENER")
  for _ in $(seq 200); do
    [ -s "$WORK/$name.url" ] && break
    sleep 0.05
  done
  URL=$(head -n1 "$WORK/$name.url")
  [ -n "$URL" ] || fail "listener $name did not start: $(cat "$WORK/$name.log")"
}
# send BYTES [curl options…]: POSTs BYTES zeros with Content-Length, prints the HTTP status.
send() {
  local bytes=$1
  shift
  head -c "$bytes" /dev/zero |
    curl -s -o /dev/null -w '%{http_code}' --max-time 60 "$@" -X POST \
      -H 'Content-Type: application/json' -H 'Transfer-Encoding:' -H "Content-Length: $bytes" \
      -T - "$URL/hook" || true
}

listen main
# 1 GB, with and without "Expect: 100-continue": answered at once (413), never read (without
# Expect a client still sending may see the close as a reset, 000).
assert_eq "$(send 1000000000)" 413 "1 GB body"
status=$(send 1000000000 -H 'Expect:')
[[ $status == 413 || $status == 000 ]] || fail "1 GB body without Expect: $status"
# Unsigned: 401 before the body is read.
assert_eq "$(send 60000 -H 'Expect: 100-continue')" 401 "unsigned body"
# Signed (the signature is checked after reading, so the size comes first).
assert_eq "$(send 1000000000 -H 'X-Lxo-Signature: AAAA')" 413 "signed 1 GB body"
assert_eq "$(send 70000 -H 'X-Lxo-Signature: AAAA')" 413 "signed 70 KB body"
assert_eq "$(send 1000 -H 'X-Lxo-Signature: AAAA')" 401 "small body with a bad signature"
status=$(head -c 100000 /dev/zero | curl -s -o /dev/null -w '%{http_code}' -X POST \
  -H 'X-Lxo-Signature: AAAA' -T - "$URL/hook" || true)
[[ $status == 411 || $status == 000 ]] || fail "chunked body: $status"
rss=$(awk '/^VmHWM:/ {print $2}' "/proc/$LISTENER/status")
rss_below "$rss" 102400 || fail "the listener peaked at ${rss} KiB"

# A second listener on the same port is refused.
port=${URL##*:}
LEXSYNC_STATE_DIR="$WORK/state-2" expect_exit 1 "$LEXSYNC_BIN" webhooks listen --port "$port" \
  --public-key "$WORK/pub.pem" --organization-id "$org" >/dev/null 2>"$WORK/second.err"
assert_contains "$(cat "$WORK/second.err")" "cannot bind"
echo ok
