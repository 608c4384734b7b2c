# auth login/status/logout with the real binary and sandbox: the key comes from stdin, is checked,
# stored 0600, never printed; a readable credentials file is refused.
source "$(dirname "$0")/lib.sh"
start_sandbox --seed demo
unset LEXSYNC_API_KEY
creds="$XDG_CONFIG_HOME/lexsync/credentials.toml"

# A wrong key is refused and not stored.
echo "not-a-valid-key" | expect_exit 3 lexsync auth login
[ -e "$creds" ] && grep -q "not-a-valid-key" "$creds" && fail "a refused key was stored"

# The right key is stored with mode 0600 and the organisation is shown.
out=$(echo "$SANDBOX_KEY" | lexsync auth login -o json 2>"$WORK/login.err")
assert_contains "$out" "Demo Reinigung GmbH" "login shows the organisation"
assert_eq "$(stat -c %a "$creds")" "600" "credentials file mode"
grep -qF "$SANDBOX_KEY" "$WORK/login.err" && fail "key printed on stderr"
grep -qF "$SANDBOX_KEY" <<<"$out" && fail "key printed on stdout"

status=$(lexsync auth status -o json)
assert_eq "$(jq -r '.[0].companyName' <<<"$status")" "Demo Reinigung GmbH" "status company"
assert_eq "$(jq -r '.[0].taxType' <<<"$status")" "net" "status tax type"
grep -qF "$SANDBOX_KEY" <<<"$status" && fail "key in status output"

# Commands use the stored key.
lexsync contacts pull --number 10001 -o json | jq -e '.[0].company.name == "Müller & Söhne GmbH"' >/dev/null ||
  fail "pull with the stored key"

# A credentials file others can read is refused with a fix.
chmod 644 "$creds"
set +e
lexsync contacts pull -o json >/dev/null 2>"$WORK/perm.err"
rc=$?
set -e
assert_eq "$rc" "3" "exit code for a readable credentials file"
assert_contains "$(cat "$WORK/perm.err")" "chmod 600"
chmod 600 "$creds"

# A refused key names where it came from: a wrong key in the environment wins over the stored
# one, so the advice is about the environment, not about auth login.
set +e
LEXSYNC_API_KEY=wrong-key-from-env lexsync contacts pull -o json >/dev/null 2>"$WORK/env401.err"
rc=$?
set -e
assert_eq "$rc" "3" "exit code for a refused key"
assert_contains "$(cat "$WORK/env401.err")" "the key came from \$LEXSYNC_API_KEY, which overrides"
grep -qF "wrong-key-from-env" "$WORK/env401.err" && fail "refused key printed"
set +e
LEXSYNC_API_KEY=wrong-key-from-env lexsync doctor -o json >"$WORK/doctor.json" 2>"$WORK/doctor.err"
rc=$?
set -e
assert_eq "$rc" "3" "doctor exit code for a refused key"
# The api check already gives the advice; the error line does not repeat it.
assert_contains "$(cat "$WORK/doctor.err")" "doctor found problems"
grep -qF "overrides" "$WORK/doctor.err" && fail "doctor repeated the refused-key advice on stderr"
assert_contains "$(jq -r '.[] | select(.check == "key") | .detail' "$WORK/doctor.json")" '$LEXSYNC_API_KEY' "doctor names the key's source"
assert_contains "$(jq -r '.[] | select(.check == "api") | .detail' "$WORK/doctor.json")" "overrides the profile's own key" "doctor's advice"
assert_contains "$(lexsync doctor -o json | jq -r '.[] | select(.check == "key") | .detail')" "credentials.toml (profile 'default')" "doctor names the stored key"

lexsync auth logout
expect_exit 3 lexsync auth status
echo "ok: auth"
