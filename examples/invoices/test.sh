# The invoice samples export cleanly into the sandbox (as invoices, and the time-tracking sample as
# drafts per customer), and a second export sends nothing.
set -euo pipefail
source "$LEXSYNC_SOURCE_DIR/tests/integration/lib.sh"
start_sandbox --seed demo --rate-limit 10 --burst 10
export LEXSYNC_API_KEY="$SANDBOX_KEY"
mkdir -p "$XDG_CONFIG_HOME/lexsync"
printf '[profiles.default]\nrate_limit = 10\nrate_burst = 4\n' >"$XDG_CONFIG_HOME/lexsync/config.toml"
cp -r "$LEXSYNC_SOURCE_DIR/examples/invoices" "$WORK/invoices"
lexsync invoices export --from 2026-03-01 --to 2026-03-31 "$WORK/invoices/march-2026.csv" -o json >"$WORK/march.json"
lexsync invoices export --from 2026-04-01 --to 2026-04-30 "$WORK/invoices/april-2026.json" -o json >"$WORK/april.json"
lexsync invoices export --from 2026-03-01 --to 2026-03-31 --hourly-rate 38.50 --group-by project \
  "$WORK/invoices/hours-2026-03.csv" -o json >"$WORK/hours.json"
for f in march april hours; do
  n=$(jq '[.[] | select(.action == "created")] | length' "$WORK/$f.json")
  [ "$n" -ge 1 ] || fail "$f: nothing created"
done
# Every source invoice is accounted for: the draft RE-2026-0310 is reported, not lost.
assert_eq "$(jq length "$WORK/march.json")" "13" "records of march-2026.csv"
assert_eq "$(jq -r '.[] | select(.number == "RE-2026-0310") | .action' "$WORK/march.json")" \
  "excluded-status" "the source draft"
# April's Skonto and total discount reach lexoffice, with the totals computed as lexoffice does.
assert_eq "$(jq -r '.[] | select(.number == "RE-2026-0402") | .gross' "$WORK/april.json")" "315.39" \
  "gross of RE-2026-0402 less 5 %"
id=$(jq -r '.[] | select(.number == "RE-2026-0402") | .id' "$WORK/april.json")
assert_eq "$(api_get "$BASE_URL/v1/invoices/$id" | jq -r '.totalPrice.totalGrossAmount')" "315.39" \
  "gross of RE-2026-0402 in lexoffice"
id=$(jq -r '.[] | select(.number == "RE-2026-0401") | .id' "$WORK/april.json")
assert_eq "$(api_get "$BASE_URL/v1/invoices/$id" | jq -c '.paymentConditions.paymentDiscountConditions')" \
  '{"discountPercentage":2,"discountRange":7}' "Skonto of RE-2026-0401 in lexoffice"
lexsync -v invoices export --from 2026-03-01 --to 2026-03-31 "$WORK/invoices/march-2026.csv" -o json >/dev/null 2>"$WORK/again.log"
assert_eq "$(count_writes "$WORK/again.log")" "0" "writes of a second export"
echo "ok: invoice examples"
