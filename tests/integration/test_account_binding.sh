# The ledger belongs to one lexoffice account: a profile re-connected to a second organisation
# (`auth login` with its key) is warned and exports everything again into the new organisation,
# and two profiles of two organisations sharing one LEXSYNC_STATE_DIR each get every invoice;
# nothing is ever skipped because another account received it.
source "$(dirname "$0")/lib.sh"
command -v curl >/dev/null || { echo "SKIP: curl is not installed"; exit 77; }

cat >"$WORK/seed.json" <<'JSON'
{ "organizations": [
  { "id": "aaaaaaaa-0000-4000-8000-000000000001", "companyName": "Alpha GmbH", "taxType": "net",
    "apiKeys": ["alpha-test-key"] },
  { "id": "bbbbbbbb-0000-4000-8000-000000000002", "companyName": "Beta GmbH", "taxType": "net",
    "apiKeys": ["beta-test-key"] } ] }
JSON
start_sandbox --seed "$WORK/seed.json" --no-rate-limit
unset LEXSYNC_BASE_URL # the profiles carry it
mkdir -p "$XDG_CONFIG_HOME/lexsync"
cat >"$XDG_CONFIG_HOME/lexsync/config.toml" <<TOML
[profiles.shop]
base_url = "$BASE_URL"
rate_limit = 10
rate_burst = 10
TOML

{
  echo "number,date,name,country,tax_type,status,item,quantity,unit,net_price,tax_rate"
  for i in 1 2 3 4 5; do
    echo "AB-$i,2026-03-0$i,Laufkunde $i,DE,net,open,Reinigung,$i,Pauschal,100,19"
  done
} >"$WORK/invoices.csv"

# refs KEY: the reference lines of every invoice the organisation of KEY holds, sorted.
refs() {
  local body id
  body=$(curl -sf -K - "$BASE_URL/v1/voucherlist?voucherType=invoice&voucherStatus=any&size=250" \
    <<<"header = \"Authorization: Bearer $1\"")
  for id in $(jq -r '.content[].id' <<<"$body"); do
    curl -sf -K - "$BASE_URL/v1/invoices/$id" <<<"header = \"Authorization: Bearer $1\"" |
      jq -r '.remark' | grep -oE 'Ref\. AB-[0-9]+'
  done | sort
}
want=$(printf 'Ref. AB-%s\n' 1 2 3 4 5)

lexsync --profile shop auth login --with-token <<<"alpha-test-key" >/dev/null 2>"$WORK/login1.log"
lexsync --profile shop invoices export "$WORK/invoices.csv" -o json >"$WORK/alpha.json" 2>"$WORK/alpha.log" ||
  fail "export to Alpha: $(tail -n 3 "$WORK/alpha.log")"
assert_eq "$(jq '[.[] | select(.action == "created")] | length' "$WORK/alpha.json")" "5" "created in Alpha"
assert_eq "$(refs alpha-test-key)" "$want" "Alpha's invoices"

# The same profile re-connected to Beta: a warning, then everything again, into Beta.
lexsync --profile shop auth login --with-token <<<"beta-test-key" >/dev/null 2>"$WORK/login2.log"
assert_contains "$(cat "$WORK/login2.log")" "worked on another lexoffice organisation before (Alpha GmbH"
lexsync --profile shop invoices export "$WORK/invoices.csv" -o json >"$WORK/beta.json" 2>"$WORK/beta.log" ||
  fail "export to Beta: $(tail -n 3 "$WORK/beta.log")"
assert_eq "$(jq '[.[] | select(.action == "created")] | length' "$WORK/beta.json")" "5" "created in Beta"
assert_eq "$(refs beta-test-key)" "$want" "Beta's invoices"
assert_eq "$(refs alpha-test-key)" "$want" "Alpha unchanged"
# Each organisation has its own ledger file in the profile's state directory.
assert_eq "$(find "$XDG_STATE_HOME/lexsync/shop" -name 'state-*.db' | wc -l | tr -d ' ')" "2" "ledger files"

# Two organisations sharing one state directory (keys from the environment), in voucher mode.
sed 's/AB-/VB-/' "$WORK/invoices.csv" >"$WORK/vouchers.csv"
export LEXSYNC_STATE_DIR="$WORK/shared-state"
for key in alpha-test-key beta-test-key; do
  LEXSYNC_API_KEY=$key lexsync --profile shop invoices export "$WORK/vouchers.csv" --as voucher \
    --category Einnahmen -o json >"$WORK/v-$key.json" 2>"$WORK/v-$key.log" ||
    fail "voucher export with $key: $(tail -n 3 "$WORK/v-$key.log")"
  assert_eq "$(jq '[.[] | select(.action == "created")] | length' "$WORK/v-$key.json")" "5" "vouchers created with $key"
  got=$(curl -sf -K - "$BASE_URL/v1/voucherlist?voucherType=salesinvoice&voucherStatus=any&size=250" \
    <<<"header = \"Authorization: Bearer $key\"" | jq -r '.content[].voucherNumber' | sort | tr '\n' ' ')
  assert_eq "$got" "VB-1 VB-2 VB-3 VB-4 VB-5 " "vouchers of $key"
done
echo "ok: the ledger follows the organisation"
