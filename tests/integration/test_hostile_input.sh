# Hostile input never crashes lexsync or its sandbox: deeply nested JSON from a server answer, an
# input file or a sandbox request, and a config.toml with a 50,000-level dotted key each end in a
# clear error with the documented exit code (a crash would be exit 139).
source "$(dirname "$0")/lib.sh"
command -v python3 >/dev/null || { echo "SKIP: python3 is not installed"; exit 77; }
command -v curl >/dev/null || { echo "SKIP: curl is not installed"; exit 77; }
start_sandbox --seed empty --no-rate-limit
export LEXSYNC_API_KEY="$SANDBOX_KEY"
deep=$(head -c 200000 /dev/zero | tr '\0' '[')

# --- Input files: exit 6, naming the file ---------------------------------------------------------
printf '%s' "$deep" >"$WORK/nested.json"
expect_exit 6 lexsync contacts push "$WORK/nested.json" --dry-run 2>"$WORK/push.err"
assert_contains "$(cat "$WORK/push.err")" "nested.json"
assert_contains "$(cat "$WORK/push.err")" "nested deeper than 100 levels"
expect_exit 6 lexsync invoices export "$WORK/nested.json" --dry-run 2>"$WORK/export.err"
assert_contains "$(cat "$WORK/export.err")" "nested deeper than 100 levels"

# --- A server answer: a clear error, exit 1 ------------------------------------------------------
start_hostile deep
expect_exit 1 env LEXSYNC_BASE_URL="$HOSTILE_URL" "$LEXSYNC_BIN" contacts pull -o json \
  >/dev/null 2>"$WORK/answer.err"
assert_contains "$(cat "$WORK/answer.err")" "nested deeper than 100 levels"

# --- config.toml: a 50,000-level dotted key is a configuration error (exit 3) -----------------------
cfg="$WORK/deep.toml"
{
  printf '[profiles.default]\n'
  head -c 50000 /dev/zero | tr '\0' 'a' | sed 's/a/a./g; s/\.$/ = 1/'
  printf '\n'
} >"$cfg"
expect_exit 3 lexsync --config "$cfg" contacts pull -o json >/dev/null 2>"$WORK/config.err"
assert_contains "$(cat "$WORK/config.err")" "deep.toml:2: keys nested deeper than 100 levels"

# --- Sandbox requests: 400, and the sandbox keeps serving ----------------------------------------
post() { # post BODY-FILE: prints the HTTP status of POST /v1/contacts
  curl -s -o "$WORK/post.out" -w '%{http_code}' -K - -X POST -H 'Content-Type: application/json' \
    --data-binary "@$1" "$BASE_URL/v1/contacts" <<<"header = \"Authorization: Bearer $SANDBOX_KEY\""
}
assert_eq "$(post "$WORK/nested.json")" 400 "deeply nested request"
assert_contains "$(cat "$WORK/post.out")" "nested deeper than 100 levels"
printf '{"version":0,"roles":{"customer":{}},"company":{"name":"M\xfcller GmbH"}}' >"$WORK/latin1.json"
assert_eq "$(post "$WORK/latin1.json")" 400 "invalid UTF-8 in a request"
assert_contains "$(cat "$WORK/post.out")" "not valid UTF-8"
printf '{"version":0,"roles":{"customer":{}},"company":{"name":"M\xc3\xbcller GmbH"}}' >"$WORK/utf8.json"
status=$(post "$WORK/utf8.json")
[[ $status == 20? ]] || fail "a valid request after the hostile ones: HTTP $status"
# The listing stays JSON (nothing invalid was stored).
assert_eq "$(lexsync contacts pull -o json | jq -r '.[].company.name')" "Müller GmbH"
echo ok
