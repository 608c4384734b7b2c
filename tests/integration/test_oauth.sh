# auth login --oauth with the real binary and sandbox: the authorization URL is fetched with curl
# (no redirect following) and the Location header is fed to lexsync's stdin (--no-browser); then
# API calls, a transparent refresh of an expired access token (short --token-lifetime), the
# 401 → refresh → repeat path, a revoked connection (exit 3) and a refused authorization.
source "$(dirname "$0")/lib.sh"
command -v curl >/dev/null || { echo "SKIP: curl is not installed"; exit 77; }
start_sandbox --seed demo --token-lifetime 3
unset LEXSYNC_BASE_URL # the profile carries it
EXTRA_SECRET="sandbox-client-secret"
export LEXSYNC_OAUTH_CLIENT_SECRET="$EXTRA_SECRET"
cfg="$XDG_CONFIG_HOME/lexsync"
creds="$cfg/credentials.toml"
mkdir -p "$cfg"
cat >"$cfg/config.toml" <<TOML
[profiles.partner]
base_url = "$BASE_URL"
oauth_base_url = "$BASE_URL"
oauth_client_id = "lexsync-sandbox-client"
TOML

# stored_token KEY: a token field of the credentials file.
stored_token() {
  sed -n "s/^$1 = \"\\(.*\\)\"\$/\\1/p" "$creds"
}

# oauth_login OUT ERR [extra authorize query]: runs the login, answering like a browser would.
oauth_login() {
  local out=$1 err=$2 extra=${3:-}
  rm -f "$WORK/login.fifo"
  mkfifo "$WORK/login.fifo"
  lexsync --profile partner auth login --oauth --no-browser -o json \
    <"$WORK/login.fifo" >"$out" 2>"$err" &
  local pid=$!
  exec 3>"$WORK/login.fifo"
  local url=""
  for _ in $(seq 200); do
    url=$(grep -o 'http://[^ ]*/oauth2/authorize?[^ ]*' "$err" || true)
    [ -n "$url" ] && break
    sleep 0.05
  done
  [ -n "$url" ] || fail "no authorization URL printed: $(cat "$err")"
  assert_contains "$url" "code_challenge_method=S256"
  assert_contains "$url" "scope=contacts.read"
  local location
  location=$(curl -s -o /dev/null -w '%{redirect_url}' "$url$extra")
  [ -n "$location" ] || fail "the authorize endpoint did not redirect"
  echo "$location" >&3
  exec 3>&-
  set +e
  wait "$pid"
  LOGIN_RC=$?
  set -e
}

# 1. The full flow stores the connection (0600) and prints the organisation.
oauth_login "$WORK/login.json" "$WORK/login.err"
assert_eq "$LOGIN_RC" "0" "oauth login exit code: $(cat "$WORK/login.err")"
assert_eq "$(jq -r '.[0].companyName' "$WORK/login.json")" "Demo Reinigung GmbH" "login organisation"
assert_eq "$(jq -r '.[0].credential' "$WORK/login.json")" "oauth" "login credential kind"
assert_eq "$(stat -c %a "$creds")" "600" "credentials file mode"
refresh1=$(stored_token oauth_refresh_token)
access1=$(stored_token oauth_access_token)
[ ${#refresh1} -eq 128 ] || fail "refresh token not stored"
SEEN_TOKENS=("$refresh1" "$access1")

# 2. API calls use the access token; status shows the credential, scopes and expiry.
lexsync --profile partner contacts pull --number 10001 -o json >"$WORK/pull1.json"
assert_eq "$(jq -r '.[0].company.name' "$WORK/pull1.json")" "Müller & Söhne GmbH" "pull with OAuth"
lexsync --profile partner auth status -o json >"$WORK/status.json"
assert_eq "$(jq -r '.[0].credential' "$WORK/status.json")" "oauth" "status credential"
assert_contains "$(jq -r '.[0].scopes' "$WORK/status.json")" "contacts.read"
assert_contains "$(jq -r '.[0].expiresAt' "$WORK/status.json")" "Z"

# 3. After the 3-second lifetime the token is refreshed before the request, transparently.
sleep 4
lexsync -vv --profile partner contacts pull --number 10001 -o json >"$WORK/pull2.json" 2>"$WORK/pull2.log"
assert_eq "$(jq -r '.[0].customerNumber // .[0].roles.customer.number' "$WORK/pull2.json")" "10001" "pull after expiry"
assert_contains "$(cat "$WORK/pull2.log")" "refreshed"
assert_contains "$(cat "$WORK/pull2.log")" "authorization: Bearer ***"
refresh2=$(stored_token oauth_refresh_token)
[ "$refresh2" != "$refresh1" ] || fail "the refresh token was not rotated"
SEEN_TOKENS+=("$refresh2" "$(stored_token oauth_access_token)")

# 4. A token the server no longer accepts although it looks valid: 401 → refresh → repeat.
sleep 4
sed -i "s/^oauth_expires_at = .*/oauth_expires_at = 4102444800/" "$creds"
lexsync -v --profile partner contacts pull --number 10001 -o json >"$WORK/pull3.json" 2>"$WORK/pull3.log"
assert_contains "$(cat "$WORK/pull3.log")" "401 with the OAuth access token"
assert_eq "$(jq length "$WORK/pull3.json")" "1" "pull after a 401"
refresh3=$(stored_token oauth_refresh_token)
SEEN_TOKENS+=("$refresh3" "$(stored_token oauth_access_token)")

# 5. A revoked connection: exit 3 with a message that says how to reconnect.
curl -s -o /dev/null -w '%{http_code}' -u "lexsync-sandbox-client:$EXTRA_SECRET" \
  --data-urlencode "token=$refresh3" "$BASE_URL/oauth2/revoke" >"$WORK/revoke.code"
assert_eq "$(cat "$WORK/revoke.code")" "200" "revoke"
set +e
lexsync --profile partner contacts pull -o json >/dev/null 2>"$WORK/revoked.err"
rc=$?
set -e
assert_eq "$rc" "3" "exit code for a revoked connection"
assert_contains "$(cat "$WORK/revoked.err")" "no longer valid"
assert_contains "$(cat "$WORK/revoked.err")" "auth login --oauth"

# 6. A refused authorization stores nothing new and exits 3.
before=$(stored_token oauth_refresh_token)
oauth_login "$WORK/deny.json" "$WORK/deny.err" "&deny=1"
assert_eq "$LOGIN_RC" "3" "exit code for a refused authorization"
assert_contains "$(cat "$WORK/deny.err")" "access_denied"
assert_eq "$(stored_token oauth_refresh_token)" "$before" "a refused login changed the credentials"

# 7. Logging in again repairs the connection.
oauth_login "$WORK/login2.json" "$WORK/login2.err"
assert_eq "$LOGIN_RC" "0" "second login"
lexsync --profile partner contacts pull --number 10001 -o json >/dev/null
SEEN_TOKENS+=("$(stored_token oauth_refresh_token)" "$(stored_token oauth_access_token)")

# 8. Logging out revokes the connection at the server before forgetting it.
refresh_last=$(stored_token oauth_refresh_token)
SEEN_TOKENS+=("$refresh_last")
lexsync --profile partner auth logout 2>"$WORK/logout.err"
assert_contains "$(cat "$WORK/logout.err")" "Revoked the OAuth connection"
grep -q "oauth_refresh_token" "$creds" && fail "tokens still stored after logout"
code=$(curl -s -o "$WORK/after-logout.json" -w '%{http_code}' -u "lexsync-sandbox-client:$EXTRA_SECRET" \
  --data-urlencode grant_type=refresh_token --data-urlencode "refresh_token=$refresh_last" "$BASE_URL/oauth2/token")
assert_eq "$code" "400" "refresh with a revoked token"
assert_eq "$(jq -r .error "$WORK/after-logout.json")" "invalid_grant" "error after logout"

# No token in anything but the credentials file.
for t in "${SEEN_TOKENS[@]}"; do
  leaks=$(grep -rlF -e "$t" "$WORK" | grep -v '/credentials.toml$' || true)
  [ -z "$leaks" ] || fail "a token appears in: $leaks"
done
echo "ok: oauth"
