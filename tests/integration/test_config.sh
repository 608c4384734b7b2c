# `lexsync config list/get/set/unset` and `auth login` edit config.toml in place: comments, order
# and the other profiles stay as written; a bad value or an unknown key is refused with the file,
# line and column, and the file is left unchanged.
source "$(dirname "$0")/lib.sh"
conf="$XDG_CONFIG_HOME/lexsync/config.toml"
mkdir -p "$(dirname "$conf")"
cat >"$conf" <<'TOML'
# Our lexsync settings
default_profile = "main"

[profiles.main]
# the live account, for the accountant
output = "table"   # people read it

[profiles.other]
rate_limit = 1.0
TOML

lexsync config set rate_limit 1.5 2>/dev/null
lexsync config set base_url http://127.0.0.1:9 2>/dev/null
lexsync --profile fresh config set output json 2>/dev/null
assert_contains "$(cat "$conf")" "# Our lexsync settings"
assert_contains "$(cat "$conf")" "# the live account, for the accountant"
assert_contains "$(cat "$conf")" 'output = "table"   # people read it'
assert_eq "$(lexsync config get rate_limit)" "1.5" "a number stays a number"
assert_eq "$(lexsync config get base_url)" "http://127.0.0.1:9" "get"
assert_eq "$(lexsync --profile other config get rate_limit)" "1.0" "another profile"
assert_eq "$(lexsync --profile other config get output)" "" "an unset key prints nothing"
assert_eq "$(LEXSYNC_PROFILE=fresh lexsync config get output)" "json" "a new profile"
assert_eq "$(grep -c '^\[profiles\.' "$conf")" "3" "profile tables"

# Refused: nothing written.
before=$(cat "$conf")
out=$(lexsync config set rate_limit fast 2>&1) && fail "a word as rate_limit was accepted"
assert_contains "$out" "config.toml:"
assert_contains "$out" "rate_limit must be a number"
expect_exit 2 lexsync config set rate_limit 99 2>/dev/null
out=$(lexsync config set bogus 1 2>&1) && fail "an unknown key was accepted"
assert_contains "$out" "known: base_url"
assert_contains "$out" "finance_account_system"
assert_eq "$(cat "$conf")" "$before" "the file after refused edits"

lexsync config unset output 2>/dev/null
assert_eq "$(lexsync config get output)" "" "unset"
assert_eq "$(lexsync config list -o csv | grep -c '^main,')" "2" "list: main's settings"
assert_eq "$(stat -c %a "$conf")" "600" "mode"

# auth login keeps the comments and saves --base-url for the existing profile.
start_sandbox --seed demo --no-rate-limit
unset LEXSYNC_BASE_URL
lexsync --base-url "$BASE_URL" --profile other auth login --with-token <<<"$SANDBOX_KEY" >/dev/null 2>&1 ||
  fail "auth login"
assert_contains "$(cat "$conf")" "# the live account, for the accountant"
assert_eq "$(lexsync --profile other config get base_url)" "$BASE_URL" "base_url saved at login"
assert_eq "$(lexsync --profile other config get rate_limit)" "1.0" "other settings kept"
lexsync --profile other auth status -o json >/dev/null 2>&1 || fail "the saved profile reaches the sandbox"
echo "config: ok" >&2
