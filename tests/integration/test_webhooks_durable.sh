# `webhooks listen` loses no acknowledged event: the 200 comes after the event is queued in the
# state directory, a listener killed with SIGKILL runs the queued events after its restart, and
# their re-delivery is acknowledged or refused as a replay only once they are queued or done.
# --exec commands get neither lexsync's credentials nor its descriptors.
source "$(dirname "$0")/lib.sh"
command -v openssl >/dev/null || { echo "SKIP: openssl is not installed"; exit 77; }
command -v curl >/dev/null || { echo "SKIP: curl is not installed"; exit 77; }
openssl genrsa -out "$WORK/key.pem" 2048 2>/dev/null
openssl rsa -in "$WORK/key.pem" -pubout -out "$WORK/pub.pem" 2>/dev/null
org=d3b07384-d9a0-4c4f-8e5b-7c1a2b3c4d5e
# The listener reads the account its state belongs to from the sandbox. Credentials in the
# environment that no command may see (lib.sh checks that no file holds either).
start_sandbox --seed demo --no-rate-limit
EXTRA_SECRET="lexsync-test-secret-$$"
export LEXSYNC_API_KEY="$SANDBOX_KEY" LEXSYNC_OAUTH_CLIENT_SECRET="$EXTRA_SECRET"

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
event() { # event RESOURCE-NUMBER: a callback body
  printf '{"organizationId":"%s","eventType":"contact.changed","resourceId":"11111111-2222-4333-8444-%012d","eventDate":"2026-04-11T12:30:00.000+02:00"}' "$org" "$1"
}
post() { # post BODY: prints the listener's HTTP status
  local sig
  sig=$(printf '%s' "$1" | openssl dgst -sha512 -sign "$WORK/key.pem" | base64 -w0)
  curl -s -o /dev/null -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
    -H "X-Lxo-Signature: $sig" --data-binary "$1" "$URL/hook"
}
wait_for() { # wait_for FILE N: until FILE has N lines
  for _ in $(seq 300); do
    [ -f "$1" ] && [ "$(wc -l <"$1")" -ge "$2" ] && return 0
    sleep 0.05
  done
  fail "$1 did not reach $2 lines: $(cat "$1" 2>/dev/null)"
}

# (Each command appends the event's JSON line it reads on stdin.)
# The first event's command blocks until released, so the second one waits in the queue.
listen first --exec "cat >> '$WORK/first.ndjson'
  while [ ! -e '$WORK/release' ]; do sleep 0.05; done"
assert_eq "$(post "$(event 1)")" 200 "event 1"
wait_for "$WORK/first.ndjson" 1
assert_eq "$(post "$(event 2)")" 200 "event 2"
assert_eq "$(post "$(event 2)")" 200 "event 2 again while queued: acknowledged, not queued twice"
kill -9 "$LISTENER"
wait "$LISTENER" 2>/dev/null || true
touch "$WORK/release"

# After the restart both run: event 1 again (its command never finished), event 2 for the first
# time, each once; later deliveries are replays.
listen second --exec "ls -l /proc/\$\$/fd > '$WORK/fds.txt'; env > '$WORK/env.txt'
  cat >> '$WORK/second.ndjson'"
wait_for "$WORK/second.ndjson" 2
assert_eq "$(jq -r .resourceId "$WORK/second.ndjson" | sort | tr '\n' ' ')" \
  "11111111-2222-4333-8444-000000000001 11111111-2222-4333-8444-000000000002 " "queued events run"
assert_eq "$(post "$(event 2)")" 409 "event 2 after it ran"
assert_eq "$(post "$(event 3)")" 200 "event 3"
wait_for "$WORK/second.ndjson" 3

# --exec: no credentials, no descriptors beyond stdin, stdout and stderr.
grep -q '^LEXSYNC_EVENT_TYPE=contact.changed$' "$WORK/env.txt" || fail "event variables missing"
grep -qE '^LEXSYNC_(API_KEY|OAUTH_CLIENT_SECRET)=' "$WORK/env.txt" && fail "credentials in --exec's environment"
# (dash keeps a descriptor 10 of its own; the listener's sockets, its state database and lock
# files must not be there.)
grep -q -- '-> pipe:' "$WORK/fds.txt" || fail "the check does not see the --exec shell's stdin"
grep -E -- '-> (socket:|.*/state/)' "$WORK/fds.txt" && fail "descriptors leaked into --exec"
echo ok
