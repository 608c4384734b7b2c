# webhooks against the real sandbox: subscriptions (create, duplicate, list, delete, refused
# URLs), a signed callback round trip into `webhooks listen --exec` and --forward-to, and the
# listener refusing unsigned, forged, foreign and replayed events (also after a restart).
source "$(dirname "$0")/lib.sh"
command -v openssl >/dev/null || { echo "SKIP: openssl is not installed"; exit 77; }
command -v curl >/dev/null || { echo "SKIP: curl is not installed"; exit 77; }

# The sandbox signs with a key of ours, so the test can sign bodies itself; another key forges.
openssl genrsa -out "$WORK/key.pem" 2048 2>/dev/null
openssl rsa -in "$WORK/key.pem" -pubout -out "$WORK/pub.pem" 2>/dev/null
openssl genrsa -out "$WORK/forger.pem" 2048 2>/dev/null

start_sandbox --seed demo --no-rate-limit --webhook-key "$WORK/key.pem" \
  --webhook-public-key-out "$WORK/served.pem" --webhook-retry-scale 0.0001
export LEXSYNC_API_KEY="$SANDBOX_KEY"
cmp -s "$WORK/served.pem" "$WORK/pub.pem" || fail "--webhook-public-key-out differs from the key"
cmp -s <(curl -sf "$BASE_URL/_sandbox/webhook-public-key") "$WORK/pub.pem" ||
  fail "GET /_sandbox/webhook-public-key differs from the key"

LISTEN_PIDS=()
# start_listener NAME [listen options…]: starts `webhooks listen` and sets URL_<NAME>.
start_listener() {
  local name=$1
  shift
  "$LEXSYNC_BIN" webhooks listen --port 0 --public-key "$WORK/pub.pem" "$@" \
    >"$WORK/listen-$name.url" 2>>"$WORK/listen-$name.log" &
  LISTEN_PIDS+=($!)
  SANDBOX_PIDS+=($!) # stopped by lib.sh's cleanup as well
  for _ in $(seq 200); do
    [ -s "$WORK/listen-$name.url" ] && break
    sleep 0.05
  done
  local url
  url=$(head -n1 "$WORK/listen-$name.url")
  [ -n "$url" ] || fail "listener $name did not start: $(cat "$WORK/listen-$name.log")"
  printf -v "URL_$name" '%s' "$url"
}

# wait_lines FILE N: waits until FILE has at least N lines.
wait_lines() {
  for _ in $(seq 300); do
    [ -f "$1" ] && [ "$(wc -l <"$1")" -ge "$2" ] && return 0
    sleep 0.05
  done
  fail "$1 did not reach $2 lines: $(cat "$1" 2>/dev/null)"
}

# The forward target: a second listener with its own state directory.
LEXSYNC_STATE_DIR="$WORK/state-forward" start_listener fwd --exec "cat >> '$WORK/forwarded.ndjson'"
start_listener main --forward-to "$URL_fwd/dev" \
  --exec "cat >> '$WORK/events.ndjson'; echo \"\$LEXSYNC_EVENT_TYPE \$LEXSYNC_RESOURCE_ID\" >> '$WORK/env.txt'"
grep -q "for organisation d3b07384-d9a0-4c4f-8e5b-7c1a2b3c4d5e" "$WORK/listen-main.log" ||
  fail "the listener did not learn the profile's organisation: $(cat "$WORK/listen-main.log")"
# One GET /v1/profile serves both the organisation check and the choice of the ledger.
LEXSYNC_STATE_DIR="$WORK/state-once" "$LEXSYNC_BIN" -v webhooks listen --port 0 \
  --public-key "$WORK/pub.pem" >"$WORK/listen-once.url" 2>"$WORK/listen-once.log" &
SANDBOX_PIDS+=($!) # stopped by lib.sh's cleanup
for _ in $(seq 200); do
  [ -s "$WORK/listen-once.url" ] && break
  sleep 0.05
done
[ -s "$WORK/listen-once.url" ] || fail "listener did not start: $(cat "$WORK/listen-once.log")"
assert_eq "$(grep -cE '→ GET .*/v1/profile$' "$WORK/listen-once.log" || true)" "1" "profile reads of webhooks listen"

# Subscriptions: created, then reported as existing (409) without an error.
subs=$(lexsync webhooks subscribe contact.created invoice.created --url "$URL_main/hook" -o json)
assert_eq "$(jq -r '[.[].status] | join(",")' <<<"$subs")" "created,created" "subscribe"
again=$(lexsync webhooks subscribe Contact.Created --url "$URL_main/hook" -o json)
assert_eq "$(jq -r '.[0].status' <<<"$again")" "exists" "duplicate subscription"
assert_eq "$(jq -r '.[0].subscriptionId' <<<"$again")" "$(jq -r '.[0].subscriptionId' <<<"$subs")" \
  "duplicate names the existing id"
assert_eq "$(lexsync webhooks list -o json | jq length)" "2" "list"
# Refused URLs: unknown event (usage), plain http to another host and an unreachable URL (406).
expect_exit 2 lexsync webhooks subscribe contact.exploded --url "$URL_main/hook"
expect_exit 1 lexsync webhooks subscribe contact.changed --url "http://example.com/hook"
expect_exit 1 lexsync webhooks subscribe contact.changed --url "http://127.0.0.1:1/hook"

# Round trip: a new contact → signed callback → --exec with the event on stdin and in the
# environment, and the same raw event relayed to the forward target, which verifies it too.
created=$(curl -sf -X POST -H "Authorization: Bearer $SANDBOX_KEY" -H 'Content-Type: application/json' \
  -d '{"version":0,"roles":{"customer":{}},"company":{"name":"Webhook Test GmbH"}}' "$BASE_URL/v1/contacts")
id=$(jq -r .id <<<"$created")
wait_lines "$WORK/events.ndjson" 1
assert_eq "$(jq -r .eventType "$WORK/events.ndjson")" "contact.created" "event type"
assert_eq "$(jq -r .resourceId "$WORK/events.ndjson")" "$id" "resource id"
assert_eq "$(cat "$WORK/env.txt")" "contact.created $id" "environment of --exec"
wait_lines "$WORK/forwarded.ndjson" 1
assert_eq "$(jq -r .resourceId "$WORK/forwarded.ndjson")" "$id" "forwarded event"

# post BODY SIGNATURE URL: prints the listener's HTTP status.
post() {
  curl -s -o /dev/null -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
    ${2:+-H "X-Lxo-Signature: $2"} --data-binary "$1" "$3"
}
sign() { printf '%s' "$1" | openssl dgst -sha512 -sign "$2" | base64 -w0; }

# --forward-to goes through lexsync's transport: -v logs it, and plain http to another host is
# refused (a warning) while the event still runs its command.
LEXSYNC_STATE_DIR="$WORK/state-plain" start_listener plain -v --max-events 1 \
  --forward-to "http://example.com/hooks" --exec "cat >> '$WORK/plain.ndjson'"
plain_body='{"organizationId":"d3b07384-d9a0-4c4f-8e5b-7c1a2b3c4d5e","eventType":"contact.changed","resourceId":"22222222-2222-4333-8444-555555555555","eventDate":"2026-04-11T12:31:00.000+02:00"}'
assert_eq "$(post "$plain_body" "$(sign "$plain_body" "$WORK/key.pem")" "$URL_plain/hook")" "200" "event for the plain-http forward"
wait "${LISTEN_PIDS[-1]}" || fail "listener with --max-events 1 failed: $(cat "$WORK/listen-plain.log")"
wait_lines "$WORK/plain.ndjson" 1
assert_contains "$(cat "$WORK/listen-plain.log")" "→ POST http://example.com/hooks"
assert_contains "$(cat "$WORK/listen-plain.log")" "--forward-to http://example.com/hooks failed: refusing plain http to example.com"

body='{"organizationId":"d3b07384-d9a0-4c4f-8e5b-7c1a2b3c4d5e","eventType":"invoice.status.changed","resourceId":"11111111-2222-4333-8444-555555555555","eventDate":"2026-04-11T12:30:00.000+02:00"}'
good=$(sign "$body" "$WORK/key.pem")
forged=$(sign "$body" "$WORK/forger.pem")
assert_eq "$(post "$body" "" "$URL_main/hook")" "401" "unsigned event"
assert_eq "$(post "$body" "$forged" "$URL_main/hook")" "401" "forged signature"
assert_eq "$(post "${body/invoice/voucher}" "$good" "$URL_main/hook")" "401" "body changed after signing"
assert_eq "$(post "$body" "$good" "$URL_main/hook")" "200" "valid event"
# Once its command and forward have run, the same event again is a replay (409). Delivered again
# while it still waits in the queue, it is acknowledged (200) without being queued twice; how long
# that lasts depends on the machine, so the test asks again until the event is done.
wait_lines "$WORK/events.ndjson" 2
replayed=""
for _ in $(seq 150); do
  replayed=$(post "$body" "$good" "$URL_main/hook")
  [ "$replayed" = 200 ] || break
  sleep 0.1
done
assert_eq "$replayed" "409" "replayed event"
foreign=${body/d3b07384-d9a0-4c4f-8e5b-7c1a2b3c4d5e/aaaaaaaa-0000-4000-8000-000000000001}
assert_eq "$(post "$foreign" "$(sign "$foreign" "$WORK/key.pem")" "$URL_main/hook")" "422" "other organisation"
assert_eq "$(wc -l <"$WORK/events.ndjson")" "2" "only verified, new events run the command"

# A restart keeps the replay memory (the profile's state).
kill "${LISTEN_PIDS[1]}"
wait "${LISTEN_PIDS[1]}" 2>/dev/null || true
start_listener again --max-events 1
assert_eq "$(post "$body" "$good" "$URL_again/hook")" "409" "replay after a restart"

# No public key: a configuration error.
LEXSYNC_STATE_DIR="$WORK/state-x" expect_exit 3 lexsync webhooks listen --port 0

# Delete one, then all.
lexsync webhooks delete "$(jq -r '.[1].subscriptionId' <<<"$subs")"
assert_eq "$(lexsync webhooks list -o json | jq length)" "1" "after deleting one"
# Not on a terminal, --all needs --yes and deletes nothing without it.
expect_exit 2 lexsync webhooks delete --all </dev/null 2>"$WORK/del.err"
assert_contains "$(cat "$WORK/del.err")" "--yes"
assert_eq "$(lexsync webhooks list -o json | jq length)" "1" "after --all without --yes"
lexsync webhooks delete --all --yes
assert_eq "$(lexsync webhooks list -o json | jq length)" "0" "after deleting all"
expect_exit 2 lexsync webhooks delete
echo "ok: webhooks"
