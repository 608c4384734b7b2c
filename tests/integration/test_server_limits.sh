# Bounded memory and a responsive sandbox, whatever the other side does: oversized and endless
# answers and endless paging end in a clear error; the sandbox answers an unauthenticated upload
# (401) or a 500 MB one (413) without reading the body, takes chunked bodies only with a valid
# key, refuses a port already in use, and answers a fresh client while 50 slow clients hold
# connections open.
source "$(dirname "$0")/lib.sh"
rss_setup
command -v python3 >/dev/null || { echo "SKIP: python3 is not installed"; exit 77; }
command -v curl >/dev/null || { echo "SKIP: curl is not installed"; exit 77; }
export LEXSYNC_API_KEY="$SANDBOX_KEY"

# peak_kb PID: the peak resident memory of a running process in KiB.
peak_kb() { awk '/^VmHWM:/ {print $2}' "/proc/$1/status"; }
# max_rss_kb command…: runs the command (any exit code) and prints its peak memory in KiB.
max_rss_kb() {
  if [ -x /usr/bin/time ]; then
    /usr/bin/time -f '%M' -o "$WORK/rss" "$@" >/dev/null 2>>"$WORK/cmd.err" || true
    cat "$WORK/rss" | tail -n1
  else
    "$@" >/dev/null 2>>"$WORK/cmd.err" || true
    echo 0
  fi
}

# --- Answers: 1 GiB announced, endless chunked: refused, memory stays small ---------------------
for mode in huge endless; do
  start_hostile "$mode"
  : >"$WORK/cmd.err"
  rss=$(max_rss_kb env LEXSYNC_BASE_URL="$HOSTILE_URL" "$LEXSYNC_BIN" contacts pull -o json)
  assert_contains "$(cat "$WORK/cmd.err")" "larger than 32 MiB, the limit for JSON answers"
  rss_below "$rss" 204800 || fail "$mode answer: peak memory ${rss} KiB"
done

# --- Paging: totalElements 5*10^11 with last:false stops at once ----------------------------------
start_hostile paging
expect_exit 1 env LEXSYNC_BASE_URL="$HOSTILE_URL" "$LEXSYNC_BIN" contacts pull -o json \
  >/dev/null 2>"$WORK/paging.err"
assert_contains "$(cat "$WORK/paging.err")" "the listing is not plausible"

# --- Sandbox: bodies are checked before they are read ---------------------------------------------
start_sandbox --seed empty --no-rate-limit
sandbox_pid=${SANDBOX_PIDS[-1]}
# upload KEY BYTES [curl options…]: POSTs BYTES zeros as JSON (with Content-Length), prints the
# HTTP status.
upload() {
  local key=$1 bytes=$2
  shift 2
  # The key goes through a pipe (-K), never a file or an argument; the body through stdin.
  head -c "$bytes" /dev/zero |
    curl -s -o "$WORK/upload.out" -w '%{http_code}' --max-time 60 \
      -K <(printf 'header = "Authorization: Bearer %s"\n' "$key") "$@" -X POST \
      -H 'Content-Type: application/json' -H 'Transfer-Encoding:' -H "Content-Length: $bytes" \
      -T - "$BASE_URL/v1/contacts" || true
}
# With "Expect: 100-continue" the answer comes before any byte of the body. Without it the
# answer comes at once too and the connection is closed; a client still sending may see the
# close as a reset (000) instead of the status. Either way the body is never buffered.
assert_eq "$(upload wrong-key 10000000)" 401 "unauthenticated 10 MB upload"
status=$(upload wrong-key 10000000 -H 'Expect:')
[[ $status == 401 || $status == 000 ]] || fail "unauthenticated upload without Expect: $status"
for key in wrong-key "$SANDBOX_KEY"; do
  assert_eq "$(upload "$key" 500000000)" 413 "500 MB upload"
  status=$(upload "$key" 500000000 -H 'Expect:')
  [[ $status == 413 || $status == 000 ]] || fail "500 MB upload without Expect: $status"
done
# Chunked bodies are taken only with a valid key: without one they are refused before reading.
status=$(head -c 100000 /dev/zero | curl -s -o /dev/null -w '%{http_code}' -X POST \
  -H 'Content-Type: application/json' -T - "$BASE_URL/v1/contacts" || true)
[[ $status == 401 || $status == 000 ]] || fail "unauthenticated chunked upload: $status"
kill -0 "$sandbox_pid" || fail "the sandbox died"
rss=$(peak_kb "$sandbox_pid")
rss_below "$rss" 204800 || fail "the sandbox peaked at ${rss} KiB after 1 GB of refused uploads"
assert_eq "$(api_get "$BASE_URL/v1/contacts?page=0" | jq .totalElements)" 0 "still serving"

# --- A port already in use is refused -------------------------------------------------------------
port=${BASE_URL##*:}
expect_exit 1 lexsync sandbox serve --seed empty --port "$port" >/dev/null 2>"$WORK/second.err"
assert_contains "$(cat "$WORK/second.err")" "cannot bind"

# --- 50 slow clients do not starve a fresh one ----------------------------------------------------
# Each holds a connection open, sending one byte of its request line every second.
python3 - "$port" >"$WORK/slow.log" 2>&1 <<'PY' &
import socket, sys, time
port = int(sys.argv[1])
conns = []
for _ in range(50):
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(b"G")
    conns.append(s)
print("holding", flush=True)
for _ in range(60):
    time.sleep(1)
    for s in conns:
        try:
            s.sendall(b"E")
        except OSError:
            pass
PY
slow=$!
SANDBOX_PIDS+=("$slow")
for _ in $(seq 100); do
  grep -q holding "$WORK/slow.log" && break
  sleep 0.1
done
grep -q holding "$WORK/slow.log" || fail "the slow clients did not connect: $(cat "$WORK/slow.log")"
# Generous bound: the point is being answered at all while the slow clients hold on.
code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 20 \
  -H "Authorization: Bearer $SANDBOX_KEY" "$BASE_URL/v1/contacts?page=0") || true
assert_eq "$code" 200 "a fresh client while 50 slow clients hold connections"
kill "$slow" 2>/dev/null || true
echo ok
