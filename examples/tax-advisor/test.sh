# Runs the tax-advisor example against a sandbox with three client organisations.
set -euo pipefail
source "$LEXSYNC_SOURCE_DIR/tests/integration/lib.sh"
export PATH="$(dirname "$LEXSYNC_BIN"):$PATH"
seed="$WORK/seed.json"
cat >"$seed" <<'JSON'
{"organizations":[
 {"id":"aaaaaaaa-0000-4000-8000-000000000001","companyName":"Bäckerei Sonnenschein e.K.","apiKeys":["key-baeckerei"],
  "contacts":[{"roles":{"customer":{}},"company":{"name":"Café am Markt"}}]},
 {"id":"aaaaaaaa-0000-4000-8000-000000000002","companyName":"Glanzwerk Reinigung GmbH","apiKeys":["key-glanzwerk"],
  "contacts":[{"roles":{"customer":{}},"company":{"name":"Hotel Zur Post"}},{"roles":{"vendor":{}},"company":{"name":"Putzmittel AG"}}]},
 {"id":"aaaaaaaa-0000-4000-8000-000000000003","companyName":"Zahnarztpraxis Dr. Weber","apiKeys":["key-weber"],
  "contacts":[{"roles":{"vendor":{}},"company":{"name":"Dental Depot GmbH"}}]}]}
JSON
start_sandbox --seed "$seed"
export LEXSYNC_CONFIG="$WORK/clients.toml" OUT_DIR="$WORK/mandanten"
# Every profile points at the sandbox in its own settings: --all-profiles gives each profile only
# what its profile says, not the caller's LEXSYNC_BASE_URL.
sed -E "s#^\[profiles\.([a-z-]+)\]\$#&\nbase_url = \"$BASE_URL\"#" \
  "$LEXSYNC_SOURCE_DIR/examples/tax-advisor/clients.toml" >"$LEXSYNC_CONFIG"
[ "$(grep -c '^base_url = ' "$LEXSYNC_CONFIG")" = 3 ] || fail "base_url in every profile"
for pair in baeckerei-sonnenschein:key-baeckerei glanzwerk-reinigung:key-glanzwerk praxis-dr-weber:key-weber; do
  echo "${pair#*:}" | lexsync --profile "${pair%%:*}" auth login -o json >/dev/null 2>&1
done
lexsync auth status --all -o json | jq -e 'length == 3 and all(.status == "ok")' >/dev/null || fail "auth status --all"
bash "$LEXSYNC_SOURCE_DIR/examples/tax-advisor/month-end.sh" 2026-10
assert_eq "$(wc -l <"$OUT_DIR/contacts-2026-10.ndjson")" "4" "contacts of all clients"
assert_eq "$(jq -r .profile "$OUT_DIR/contacts-2026-10.ndjson" | sort -u | wc -l)" "3" "profiles in the merged file"
for p in baeckerei-sonnenschein glanzwerk-reinigung praxis-dr-weber; do
  [ -f "$OUT_DIR/$p/2026-10/index.csv" ] || fail "no archive for $p"
done
echo "ok: tax-advisor example"
