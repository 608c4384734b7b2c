# lexoffice is the truth, the ledger a cache: receipts uploaded to the receipt inbox and then
# completed by the user in lexoffice (the unchecked voucher booked as an open purchase invoice,
# PUT unchecked → open as the web app does) are found again by an empty ledger among the purchase
# vouchers created in the last --lookup-days days, so a re-run after the state was deleted
# uploads nothing. Also measures what that look costs in requests.
source "$(dirname "$0")/lib.sh"
start_sandbox --seed empty --no-rate-limit
export LEXSYNC_API_KEY="$SANDBOX_KEY"

dir="$WORK/receipts"
mkdir -p "$dir"
for i in 1 2 3; do
  printf '%%PDF-1.4\n%% receipt %d\n%%%%EOF\n' "$i" >"$dir/receipt-$i.pdf"
done
lexsync vouchers upload "$dir" -o json >"$WORK/first.json" 2>"$WORK/first.log" ||
  fail "first run: $(tail -n 3 "$WORK/first.log")"
assert_eq "$(jq '[.[] | select(.action == "uploaded")] | length' "$WORK/first.json")" "3" "inbox uploads"

# The user completes receipts 1 and 2 in lexoffice; receipt 3 stays in the inbox.
outgo=$(api_get "$BASE_URL/v1/posting-categories" | jq -r '[.[] | select(.type == "outgo" and .contactRequired == false)][0].id')
complete() {
  local id=$1 number=$2 v body code
  v=$(api_get "$BASE_URL/v1/vouchers/$id")
  body=$(jq -c --arg n "$number" --arg c "$outgo" '{type, voucherStatus: "open", voucherNumber: $n,
    voucherDate: "2026-03-02", totalGrossAmount: 119.00, totalTaxAmount: 19.00, taxType: "gross",
    useCollectiveContact: true, voucherItems: [{amount: 119.00, taxAmount: 19.00, taxRatePercent: 19,
    categoryId: $c}], files, version}' <<<"$v")
  code=$(curl -s -o "$WORK/put.out" -w '%{http_code}' -X PUT -H "Authorization: Bearer $SANDBOX_KEY" \
    -H 'Content-Type: application/json' -H 'Accept: application/json' --data "$body" "$BASE_URL/v1/vouchers/$id")
  [ "$code" = 200 ] || fail "completing voucher $id: HTTP $code $(cat "$WORK/put.out")"
}
for i in 1 2; do
  complete "$(jq -r --arg p "receipt-$i.pdf" '.[] | select(.path | endswith($p)) | .voucherId' "$WORK/first.json")" "ER-$i"
done
unchecked=$(api_get "$BASE_URL/v1/voucherlist?voucherType=any&voucherStatus=unchecked" | jq '.totalElements')
assert_eq "$unchecked" "1" "vouchers left in the inbox"

# A dry run that looks only at unchecked vouchers would upload the completed receipts again.
rm -rf "$XDG_STATE_HOME"
lexsync vouchers upload --lookup-days 0 --dry-run "$dir" -o json >"$WORK/narrow.json" 2>"$WORK/narrow.log" ||
  fail "dry run: $(tail -n 3 "$WORK/narrow.log")"
assert_eq "$(jq '[.[] | select(.action == "planned")] | length' "$WORK/narrow.json")" "2" "planned with --lookup-days 0"

# The state deleted: the re-run finds all three in lexoffice and uploads nothing.
rm -rf "$XDG_STATE_HOME"
lexsync -v vouchers upload "$dir" -o json >"$WORK/again.json" 2>"$WORK/again.log" ||
  fail "run with a deleted state: $(tail -n 3 "$WORK/again.log")"
assert_eq "$(count_writes "$WORK/again.log")" "0" "writes with a deleted state"
assert_eq "$(jq '[.[] | select(.action == "duplicate")] | length' "$WORK/again.json")" "3" "receipts found in lexoffice"
for i in 1 2 3; do
  want=$(jq -r --arg p "receipt-$i.pdf" '.[] | select(.path | endswith($p)) | .voucherId' "$WORK/first.json")
  got=$(jq -r --arg p "receipt-$i.pdf" '.[] | select(.path | endswith($p)) | .voucherId' "$WORK/again.json")
  assert_eq "$got" "$want" "voucher found for receipt-$i.pdf"
done
# The cost: two voucher lists (the inbox, the purchase vouchers of the last 90 days; one request
# per 250 rows each), one read per voucher and one per file.
lists=$(grep -c '→ GET .*/v1/voucherlist' "$WORK/again.log" || true)
reads=$(grep -cE '→ GET .*/v1/vouchers/[^/ ]+$' "$WORK/again.log" || true)
files=$(grep -c '→ GET .*/v1/files/' "$WORK/again.log" || true)
assert_eq "$lists" "2" "voucher list requests"
assert_eq "$reads" "3" "voucher reads"
assert_eq "$files" "3" "file downloads"
# Found once: the next run reads nothing but the profile.
lexsync -v vouchers upload "$dir" -o json >/dev/null 2>"$WORK/third.log"
assert_eq "$(grep -E '→ (GET|POST|PUT) ' "$WORK/third.log" | grep -cv '/v1/profile$' || true)" "0" "requests once the ledger is rebuilt"
echo "ok: vouchers completed in lexoffice (3 receipts found after the state was deleted: $lists voucher lists, $reads voucher reads, $files file downloads, 0 writes)"
