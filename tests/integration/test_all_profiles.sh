# --all-profiles: three sandbox organisations with their own keys, one config with three profiles;
# `lexsync --all-profiles contacts pull` gets each organisation's contacts concurrently (one child
# process per profile, each at its own rate limit), merged with a `profile` field; the exit code is
# the worst. With LEXSYNC_API_KEY, LEXSYNC_BASE_URL and LEXSYNC_STATE_DIR exported, each profile
# still writes into its own organisation. The wall times are printed for comparison, not asserted.
source "$(dirname "$0")/lib.sh"

# 3 organisations × 600 contacts: 3 pages of 250 per profile.
seed="$WORK/seed.json"
{
  echo '{"organizations":['
  i=0
  for org in alpha beta gamma; do
    i=$((i + 1))
    [ "$i" -gt 1 ] && echo ','
    printf '{"id":"aaaaaaaa-0000-4000-8000-00000000000%d","companyName":"%s GmbH","apiKeys":["%s-key"],"contacts":[' "$i" "$org" "$org"
    for n in $(seq 600); do
      [ "$n" -gt 1 ] && printf ','
      printf '{"roles":{"customer":{}},"company":{"name":"%s Kunde %d"}}' "$org" "$n"
    done
    printf ']}'
  done
  echo ']}'
} >"$seed"
# 2 requests/s per key with a bucket of 1: each profile needs about a second for its 3 pages.
start_sandbox --seed "$seed" --rate-limit 2 --burst 1
for org in alpha beta gamma; do
  echo "$org-key" | lexsync --profile "$org" auth login -o json >/dev/null 2>>"$WORK/login.err"
done
cfg="$XDG_CONFIG_HOME/lexsync/config.toml"
for org in alpha beta gamma; do
  grep -q "^\[profiles.$org\]" "$cfg" || fail "profile $org not saved"
done
sleep 1 # let the buckets refill after the logins

start=$(date +%s.%N)
lexsync --all-profiles contacts pull -o json >"$WORK/all.json" 2>"$WORK/all.err"
all_s=$(echo "$(date +%s.%N) - $start" | bc)

assert_eq "$(jq length "$WORK/all.json")" "1800" "merged record count"
for org in alpha beta gamma; do
  assert_eq "$(jq --arg p "$org" '[.[] | select(.profile == $p)] | length' "$WORK/all.json")" "600" "records of $org"
  assert_eq "$(jq --arg p "$org" '[.[] | select(.profile == $p and (.company.name | startswith($p)))] | length' "$WORK/all.json")" \
    "600" "$org sees only its own organisation"
  assert_contains "$(cat "$WORK/all.err")" "profile $org"
done
assert_eq "$(jq -r '.[0] | keys_unsorted[0]' "$WORK/all.json")" "profile" "profile is the first field"
assert_contains "$(cat "$WORK/all.err")" "3 profiles, 0 failed"

# The same one after the other, for comparison.
sleep 1
start=$(date +%s.%N)
for org in alpha beta gamma; do
  lexsync --profile "$org" contacts pull -o json >/dev/null 2>&1
done
seq_s=$(echo "$(date +%s.%N) - $start" | bc)
echo "wall time: --all-profiles ${all_s}s, one after the other ${seq_s}s (3 profiles, 3 pages each at 2 req/s per key)"

# The children start from a clean environment: an exported key, base URL and state directory
# reach no profile, so each profile writes into its own organisation with its own ledger.
printf 'ref,role,company_name\nnew-1,customer,Neukunde Eins GmbH\n' >"$WORK/one.csv"
sleep 1
LEXSYNC_API_KEY=alpha-key LEXSYNC_BASE_URL=http://127.0.0.1:9 LEXSYNC_STATE_DIR="$WORK/one-state" \
  lexsync --all-profiles contacts push "$WORK/one.csv" -o json >"$WORK/push.json" 2>"$WORK/push.err" ||
  fail "--all-profiles push with an exported key failed: $(tail -5 "$WORK/push.err")"
assert_contains "$(cat "$WORK/push.err")" "not passed to the profiles"
assert_contains "$(cat "$WORK/push.err")" "LEXSYNC_API_KEY"
assert_eq "$(jq '[.[] | select(.action == "created")] | length' "$WORK/push.json")" "3" "one created per profile"
[ ! -e "$WORK/one-state" ] || fail "a child used the exported LEXSYNC_STATE_DIR"
sleep 1
for org in alpha beta gamma; do
  assert_eq "$(lexsync --profile "$org" contacts pull -o json |
    jq '[.[] | select(.company.name == "Neukunde Eins GmbH")] | length')" "1" "the new contact in $org"
done
expect_exit 2 lexsync --all-profiles --base-url "$BASE_URL" contacts pull

# NDJSON stays NDJSON; a profile without a working key makes the whole run exit 3.
cat >>"$cfg" <<TOML

[profiles.broken]
base_url = "$BASE_URL"
api_key_command = "echo not-a-key"
TOML
sleep 1
set +e
lexsync --all-profiles contacts pull --number 10001 -o ndjson >"$WORK/some.ndjson" 2>"$WORK/some.err"
rc=$?
set -e
assert_eq "$rc" "3" "worst exit code"
assert_eq "$(wc -l <"$WORK/some.ndjson" | tr -d ' ')" "3" "ndjson lines of the working profiles"
assert_eq "$(jq -r .profile "$WORK/some.ndjson" | sort | tr '\n' ' ')" "alpha beta gamma " "profiles in ndjson"
assert_contains "$(cat "$WORK/some.err")" "[broken] lexsync: error:"
assert_contains "$(cat "$WORK/some.err")" "profile broken  exit 3"

# --all-profiles and --profile exclude each other.
expect_exit 2 lexsync --all-profiles --profile alpha contacts pull
echo "ok: all profiles"
