# Starting the sandbox from scripts and CI: --port-file, --pid-file, --ready-fd, --daemon, the
# health endpoint without a key, a clean exit on SIGTERM, and `sandbox seed --check`.
source "$(dirname "$0")/lib.sh"
src="${LEXSYNC_SOURCE_DIR:?}"

# waits (bounded) until process $1 has ended.
wait_gone() { timeout 30 tail --pid="$1" -f /dev/null || fail "process $1 still running"; }

# 1. Files written once listening; the health endpoint needs no key.
start_sandbox --seed empty --port-file "$WORK/port" --pid-file "$WORK/pid"
pid=${SANDBOX_PIDS[0]}
assert_eq "$(cat "$WORK/port")" "${BASE_URL##*:}" "port file"
assert_eq "$(cat "$WORK/pid")" "$pid" "pid file"
assert_eq "$(curl -s "$BASE_URL/_sandbox/health")" '{"status":"ok"}' "health body"
assert_eq "$(curl -s -o /dev/null -w '%{http_code}' "$BASE_URL/_sandbox/health")" 200 "health status"
assert_eq "$(curl -s -o /dev/null -w '%{http_code}' "$BASE_URL/v1/ping")" 401 "ping without key"
assert_eq "$(head -n1 "$WORK/sandbox0.url")" "$BASE_URL" "the URL on stdout too"

# 2. SIGTERM: exit 0, port and pid files removed.
kill -TERM "$pid"
set +e
wait "$pid"
status=$?
set -e
assert_eq "$status" 0 "exit status after SIGTERM"
[ ! -e "$WORK/port" ] && [ ! -e "$WORK/pid" ] || fail "port or pid file left behind"
assert_contains "$(cat "$WORK/sandbox0.log")" "lexsync sandbox: stopped"
SANDBOX_PIDS=()

# 3. --daemon: returns once serving, with the URL; the server runs detached until SIGTERM.
url=$(lexsync sandbox serve --daemon --seed empty --pid-file "$WORK/dpid" --log-file "$WORK/d.log" -v)
[[ "$url" =~ ^http://127\.0\.0\.1:[0-9]+$ ]] || fail "daemon printed '$url'"
dpid=$(cat "$WORK/dpid")
assert_eq "$(curl -s -H "Authorization: Bearer $SANDBOX_KEY" "$url/v1/ping" | jq -r .userEmail)" \
  "erika@demo-reinigung.example" "a request to the daemon"
kill -TERM "$dpid"
wait_gone "$dpid"
[ ! -e "$WORK/dpid" ] || fail "daemon left its pid file"
assert_contains "$(cat "$WORK/d.log")" "GET /v1/ping 200"
assert_contains "$(cat "$WORK/d.log")" "lexsync sandbox: stopped"

# 4. A bad seed: the daemon's exit status and the JSON path of the problem.
cat >"$WORK/seed.json" <<'JSON'
{ "organizations": [
  { "id": "aaaaaaaa-0000-4000-8000-000000000001", "companyName": "Alpha GmbH",
    "apiKeys": ["alpha-key"],
    "contacts": [
      { "roles": { "customer": {} }, "compnay": { "name": "Kunde GmbH" } } ] } ] }
JSON
set +e
err=$(lexsync sandbox serve --daemon --seed "$WORK/seed.json" 2>&1 >/dev/null)
status=$?
set -e
assert_eq "$status" 6 "daemon with a bad seed"
assert_contains "$err" "$WORK/seed.json:5:38: \$.organizations[0].contacts[0].compnay: unknown key \"compnay\"; did you mean \"company\"?"

# 5. sandbox seed --check, --print, --schema.
set +e
err=$(lexsync sandbox seed --check "$WORK/seed.json" 2>&1 >/dev/null)
status=$?
set -e
assert_eq "$status" 6 "seed --check of a bad seed"
assert_contains "$err" "$WORK/seed.json:5:38: \$.organizations[0].contacts[0].compnay: unknown key"
sed -i 's/compnay/company/' "$WORK/seed.json"
sed -i 's/"Alpha GmbH",/"Alpha GmbH", "taxType": "brutto",/' "$WORK/seed.json"
set +e
err=$(lexsync sandbox seed --check "$WORK/seed.json" 2>&1 >/dev/null)
set -e
assert_contains "$err" "$WORK/seed.json:2:80: \$.organizations[0].taxType: must be one of \"net\", \"gross\", \"vatfree\", not \"brutto\""
sed -i 's/"taxType": "brutto",//' "$WORK/seed.json"
# The trial load finds what the schema cannot: here the contact lacks company or person.
sed -i 's/"company": { "name": "Kunde GmbH" }/"note": "x"/' "$WORK/seed.json"
set +e
err=$(lexsync sandbox seed --check "$WORK/seed.json" 2>&1 >/dev/null)
set -e
assert_contains "$err" "\$.organizations[0].contacts[0]: missing_entity (company or person)"
lexsync sandbox seed --print demo >"$WORK/demo.json"
assert_eq "$(jq '.organizations[0].contacts | length' "$WORK/demo.json")" 31 "contacts of the demo seed"
lexsync sandbox seed --check "$WORK/demo.json" 2>/dev/null
rm "$WORK/demo.json" # it holds the demo key, which lib.sh scans the work directory for
diff <(lexsync sandbox seed --schema) "$src/sandbox/seed.schema.json" >&2 ||
  fail "--schema differs from sandbox/seed.schema.json"
jq -e '."$defs".contact.properties.company' "$src/sandbox/seed.schema.json" >/dev/null

# 6. Usage errors.
expect_exit 2 lexsync sandbox serve --ready-fd 99
expect_exit 2 lexsync sandbox serve --log-file "$WORK/x.log"
expect_exit 2 lexsync sandbox seed
echo "ok: sandbox start-up"
