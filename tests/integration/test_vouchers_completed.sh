# lexoffice is the truth, the ledger a cache: receipts uploaded to the receipt inbox and then
# completed by the user in lexoffice (the unchecked voucher booked as an open purchase invoice, or
# as a sales invoice for a revenue receipt, PUT unchecked → open as the web app does) are found
# again by an empty ledger, also when they were uploaded long ago, so a re-run after the state was
# deleted uploads nothing. Also measures what that look costs in requests.
source "$(dirname "$0")/lib.sh"
db="$WORK/sandbox.db"
dir="$WORK/receipts"
mkdir -p "$dir"
for i in 0 1 2 3; do
  printf '%%PDF-1.4\n%% receipt %d\n%%%%EOF\n' "$i" >"$dir/receipt-$i.pdf"
done

# The user completes an inbox voucher in lexoffice: booked with the files it has, as TYPE.
complete() {
  local id=$1 number=$2 type=$3 category v body code
  category=$(api_get "$BASE_URL/v1/posting-categories" |
    jq -r --arg t "$([ "${type#sales}" != "$type" ] && echo income || echo outgo)" \
      '[.[] | select(.type == $t and .contactRequired == false)][0].id')
  v=$(api_get "$BASE_URL/v1/vouchers/$id")
  body=$(jq -c --arg n "$number" --arg c "$category" --arg t "$type" '{type: $t, voucherStatus: "open",
    voucherNumber: $n, voucherDate: "2026-03-02", totalGrossAmount: 119.00, totalTaxAmount: 19.00,
    taxType: "gross", useCollectiveContact: true, voucherItems: [{amount: 119.00, taxAmount: 19.00,
    taxRatePercent: 19, categoryId: $c}], files, version}' <<<"$v")
  code=$(curl -s -o "$WORK/put.out" -w '%{http_code}' -X PUT -H "Authorization: Bearer $SANDBOX_KEY" \
    -H 'Content-Type: application/json' -H 'Accept: application/json' --data "$body" "$BASE_URL/v1/vouchers/$id")
  [ "$code" = 200 ] || fail "completing voucher $id: HTTP $code $(cat "$WORK/put.out")"
}
voucher_of() { # voucher_of FILE.json NAME
  jq -r --arg p "$2" '.[] | select(.path | endswith($p)) | .voucherId' "$1"
}

# Receipt 0 went to the inbox 120 days ago (the sandbox's clock set back) and was completed as a
# purchase invoice then; another ledger (another machine) uploaded it.
start_sandbox --seed empty --no-rate-limit --state "$db" --time-shift=-120
export LEXSYNC_API_KEY="$SANDBOX_KEY"
lexsync vouchers upload "$dir/receipt-0.pdf" -o json >"$WORK/old.json" 2>"$WORK/old.log" ||
  fail "upload of the old receipt: $(tail -n 3 "$WORK/old.log")"
old=$(voucher_of "$WORK/old.json" receipt-0.pdf)
complete "$old" "ER-0" purchaseinvoice
kill "${SANDBOX_PIDS[-1]}"
wait "${SANDBOX_PIDS[-1]}" 2>/dev/null || true
rm -rf "$XDG_STATE_HOME"
start_sandbox --seed empty --no-rate-limit --state "$db"
created=$(api_get "$BASE_URL/v1/vouchers/$old" | jq -r '.createdDate[0:10]')
[[ "$created" < "$(date -u -d '-100 days' +%F)" ]] || fail "the old receipt was created on $created"

lexsync vouchers upload "$dir/receipt-1.pdf" "$dir/receipt-2.pdf" "$dir/receipt-3.pdf" -o json \
  >"$WORK/first.json" 2>"$WORK/first.log" || fail "first run: $(tail -n 3 "$WORK/first.log")"
assert_eq "$(jq '[.[] | select(.action == "uploaded")] | length' "$WORK/first.json")" "3" "inbox uploads"

# The user completes receipt 1 as a purchase invoice and receipt 2, a revenue receipt, as a sales
# invoice; receipt 3 stays in the inbox.
complete "$(voucher_of "$WORK/first.json" receipt-1.pdf)" "ER-1" purchaseinvoice
complete "$(voucher_of "$WORK/first.json" receipt-2.pdf)" "AR-2" salesinvoice
unchecked=$(api_get "$BASE_URL/v1/voucherlist?voucherType=any&voucherStatus=unchecked" | jq '.totalElements')
assert_eq "$unchecked" "1" "vouchers left in the inbox"
sales=$(api_get "$BASE_URL/v1/voucherlist?voucherType=salesinvoice&voucherStatus=any" | jq -r '[.content[].id] | join(" ")')
assert_eq "$sales" "$(voucher_of "$WORK/first.json" receipt-2.pdf)" "the receipt completed as revenue is listed as a sales invoice"
files=$(api_get "$BASE_URL/v1/vouchers/$(voucher_of "$WORK/first.json" receipt-2.pdf)" | jq '.files | length')
assert_eq "$files" "1" "files of the receipt completed as revenue"

# Narrower looks would upload again: the unchecked vouchers alone miss the three completed
# receipts, a window of 90 days the one created before it.
for days in 0 90; do
  rm -rf "$XDG_STATE_HOME"
  lexsync vouchers upload --lookup-days "$days" --dry-run "$dir" -o json >"$WORK/narrow.json" 2>"$WORK/narrow.log" ||
    fail "dry run: $(tail -n 3 "$WORK/narrow.log")"
  want=$([ "$days" = 0 ] && echo "receipt-0.pdf receipt-1.pdf receipt-2.pdf" || echo "receipt-0.pdf")
  got=$(jq -r '[.[] | select(.action == "planned") | .path | split("/") | last] | sort | join(" ")' "$WORK/narrow.json")
  assert_eq "$got" "$want" "planned with --lookup-days $days"
done

# The state deleted: the re-run (--lookup-days all, the default) finds all four in lexoffice and
# uploads nothing.
rm -rf "$XDG_STATE_HOME"
lexsync -v vouchers upload "$dir" -o json >"$WORK/again.json" 2>"$WORK/again.log" ||
  fail "run with a deleted state: $(tail -n 3 "$WORK/again.log")"
assert_eq "$(count_writes "$WORK/again.log")" "0" "writes with a deleted state"
assert_eq "$(jq '[.[] | select(.action == "duplicate")] | length' "$WORK/again.json")" "4" "receipts found in lexoffice"
for i in 1 2 3; do
  assert_eq "$(voucher_of "$WORK/again.json" "receipt-$i.pdf")" "$(voucher_of "$WORK/first.json" "receipt-$i.pdf")" \
    "voucher found for receipt-$i.pdf"
done
assert_eq "$(voucher_of "$WORK/again.json" receipt-0.pdf)" "$old" "voucher found for receipt-0.pdf"
# The cost: one voucher list (every bookkeeping voucher, one request per 250 rows), one read per
# voucher and one download per file, besides the profile: 1 + 4 + 4 + 1 = 10.
lists=$(grep -c '→ GET .*/v1/voucherlist' "$WORK/again.log" || true)
reads=$(grep -cE '→ GET .*/v1/vouchers/[^/ ]+$' "$WORK/again.log" || true)
files=$(grep -c '→ GET .*/v1/files/' "$WORK/again.log" || true)
total=$(grep -cE '→ (GET|POST|PUT) ' "$WORK/again.log" || true)
assert_eq "$lists" "1" "voucher list requests"
assert_eq "$reads" "4" "voucher reads"
assert_eq "$files" "4" "file downloads"
assert_eq "$total" "10" "requests in all"
# Found once: the next run reads nothing but the profile.
lexsync -v vouchers upload "$dir" -o json >/dev/null 2>"$WORK/third.log"
assert_eq "$(grep -E '→ (GET|POST|PUT) ' "$WORK/third.log" | grep -cv '/v1/profile$' || true)" "0" "requests once the ledger is rebuilt"
echo "ok: vouchers completed in lexoffice (4 receipts, one completed as a sales invoice, one created 120 days ago, found after the state was deleted: $total requests: $lists voucher list, $reads voucher reads, $files file downloads, 0 writes)"
