# invoices export with a total discount as an amount (total_discount_amount): the plan, the
# invoice lexoffice computes and the bookkeeping voucher all show the same totals; an invoice
# giving the discount both in percent and as an amount is refused with nothing sent.
source "$(dirname "$0")/lib.sh"
export LEXSYNC_API_KEY="$SANDBOX_KEY"
start_sandbox --seed demo

header='number,date,name,country,tax_type,total_discount,total_discount_amount,item,quantity,unit,net_price,gross_price,tax_rate'
{
  echo "$header"
  # 100 at 19 % and 50 at 7 %, 30.00 off: 80 (tax 15.20) and 40 (tax 2.80).
  echo 'RE-D1,2026-03-02,Laden Nord,DE,net,,30,A,1,Stück,100,,19'
  echo 'RE-D1,,,,,,,B,1,Stück,50,,7'
  # 1.00 off 1.03 at 19 % and 21.86 at 7 %: 0.04 and 0.96, each share rounded once.
  echo 'RE-D2,2026-03-02,Laden Nord,DE,net,,1.00,A,1,Stück,1.03,,19'
  echo 'RE-D2,,,,,,,B,1,Stück,21.86,,7'
  # Gross: 22.60 off 119 at 19 % and 107 at 7 %: 107.10 (tax 17.10) and 96.30 (tax 6.30).
  echo 'RE-D3,2026-03-02,Laden Nord,DE,gross,,"22,60 €",A,1,Stück,,119,19'
  echo 'RE-D3,,,,,,,B,1,Stück,,107,7'
} >"$WORK/discounts.csv"

plan=$(lexsync invoices export "$WORK/discounts.csv" --dry-run -o json) || fail "dry run"
assert_eq "$(jq -c '[.[] | [.number, .net, .gross]]' <<<"$plan")" \
  '[["RE-D1",120,138],["RE-D2",21.89,23.54],["RE-D3",180,203.4]]' "planned totals"
assert_eq "$(jq -c '[.[].request.body.totalPrice.totalDiscountAbsolute]' <<<"$plan")" \
  '[30,1,22.6]' "totalDiscountAbsolute in the planned requests"

lexsync invoices export "$WORK/discounts.csv" -o json >"$WORK/out.json" 2>"$WORK/out.err" ||
  fail "export: $(cat "$WORK/out.err")"
assert_eq "$(jq -r '[.[].action] | join(",")' "$WORK/out.json")" "created,created,created"
totals() {
  api_get "$BASE_URL/v1/invoices/$1" |
    jq -c '[.totalPrice.totalNetAmount, .totalPrice.totalTaxAmount, .totalPrice.totalGrossAmount,
            .totalPrice.totalDiscountAbsolute, [.taxAmounts[] | .netAmount]]'
}
ids=($(jq -r '.[].id' "$WORK/out.json"))
assert_eq "$(totals "${ids[0]}")" '[120,18,138,30,[80,40]]' "RE-D1 in lexoffice"
assert_eq "$(totals "${ids[1]}")" '[21.89,1.65,23.54,1,[0.99,20.9]]' "RE-D2 in lexoffice"
assert_eq "$(totals "${ids[2]}")" '[180,23.4,203.4,22.6,[90,90]]' "RE-D3 in lexoffice"

# Voucher mode books the same totals.
export XDG_STATE_HOME="$WORK/state-voucher"
lexsync invoices export "$WORK/discounts.csv" --as voucher --category Einnahmen -o json \
  >"$WORK/vouchers.json" 2>"$WORK/vouchers.err" || fail "voucher mode: $(cat "$WORK/vouchers.err")"
vtotals=""
for id in $(jq -r '.[].id' "$WORK/vouchers.json"); do
  vtotals+=$(api_get "$BASE_URL/v1/vouchers/$id" |
    jq -c '[.totalGrossAmount, .totalTaxAmount, [.voucherItems[] | .amount]]')
done
assert_eq "$vtotals" '[138,18,[40,80]][23.54,1.65,[20.9,0.99]][203.4,23.4,[96.3,107.1]]' \
  "bookkeeping vouchers"

# Percent and amount together: refused, naming the cell, nothing sent.
{
  echo "$header"
  echo 'RE-D4,2026-03-02,Laden Nord,DE,net,10,5,A,1,Stück,100,,19'
} >"$WORK/both.csv"
expect_exit 6 lexsync invoices export "$WORK/both.csv" 2>"$WORK/both.err"
assert_contains "$(cat "$WORK/both.err")" \
  "both.csv:2:7:total_discount_amount: give the total discount in percent (total_discount) or as an amount (total_discount_amount), not both"
assert_contains "$(cat "$WORK/both.err")" "nothing was sent"
echo "ok"
