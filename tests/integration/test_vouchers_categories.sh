# vouchers upload: a receipt with several posting categories. Two sidecar rows of one file (food at
# 7 % under Wareneingang, drinks at 19 % under Bewirtungskosten) become one voucher with two
# items, each with its own category and tax rate, as the sandbox stores it; a re-run writes
# nothing. A third row naming only the voucher number adds to the same voucher.
source "$(dirname "$0")/lib.sh"
start_sandbox --seed empty
export LEXSYNC_API_KEY="$SANDBOX_KEY"

dir="$WORK/receipts"
mkdir -p "$dir"
printf '%%PDF-1.4\n%% supermarket receipt\n1 0 obj <<>> endobj\ntrailer <<>>\n%%%%EOF\n' >"$dir/markt.pdf"
printf '%%PDF-1.4\n%% office supplies\n1 0 obj <<>> endobj\ntrailer <<>>\n%%%%EOF\n' >"$dir/buero.pdf"
cat >"$dir/bookkeeping.csv" <<'CSV'
file,voucher_number,voucher_date,amount,tax_rate,category,remark
markt.pdf,ER-100,2026-03-05,21.40,7,Wareneingang,Einkauf Markt
markt.pdf,,,11.90,19,Bewirtungskosten,
,ER-100,,5.35,7,Wareneingang,
buero.pdf,ER-101,2026-03-06,119.00,19,Bürobedarf,
CSV

lexsync vouchers upload --data "$dir/bookkeeping.csv" "$dir/markt.pdf" "$dir/buero.pdf" -o json \
  >"$WORK/run.json" 2>"$WORK/run.err" || fail "upload: $(cat "$WORK/run.err")"
assert_eq "$(jq -r '[.[].action] | join(",")' "$WORK/run.json")" "uploaded,uploaded"
id=$(jq -r '.[] | select(.path | endswith("markt.pdf")) | .voucherId' "$WORK/run.json")
v=$(api_get "$BASE_URL/v1/vouchers/$id")
cats=$(api_get "$BASE_URL/v1/posting-categories")
cat_id() { jq -r --arg n "$1" '.[] | select(.name == $n) | .id' <<<"$cats"; }
assert_eq "$(jq -r '.voucherNumber' <<<"$v")" "ER-100"
assert_eq "$(jq '.voucherItems | length' <<<"$v")" "2" "items of the two-category receipt"
# (jq writes 11.90 as 11.9)
item() { jq -c --argjson r "$1" '.voucherItems[] | select(.taxRatePercent == $r) | [.amount, .taxAmount, .categoryId]' <<<"$v"; }
assert_eq "$(item 7)" "[26.75,1.75,\"$(cat_id Wareneingang)\"]" "the food item (7 %)"
assert_eq "$(item 19)" "[11.9,1.9,\"$(cat_id Bewirtungskosten)\"]" "the drinks item (19 %)"
assert_eq "$(jq -r '.totalGrossAmount' <<<"$v")" "38.65" "total of the receipt"
assert_eq "$(jq '.files | length' <<<"$v")" "1" "files of the voucher"
id2=$(jq -r '.[] | select(.path | endswith("buero.pdf")) | .voucherId' "$WORK/run.json")
assert_eq "$(api_get "$BASE_URL/v1/vouchers/$id2" | jq -c '[.voucherItems[].categoryId]')" \
  "[\"$(cat_id Bürobedarf)\"]" "the one-category receipt"

# The same data again: nothing is written, nothing is changed.
lexsync -v vouchers upload --data "$dir/bookkeeping.csv" "$dir/markt.pdf" "$dir/buero.pdf" -o json \
  >"$WORK/again.json" 2>"$WORK/again.log" || fail "re-run: $(tail -n 3 "$WORK/again.log")"
assert_eq "$(count_writes "$WORK/again.log")" "0" "writes of the re-run"
assert_eq "$(jq -r '[.[].action] | join(",")' "$WORK/again.json")" "duplicate,duplicate"

# A row whose category does not exist is refused naming its line, before anything is sent.
sed 's/Bewirtungskosten/Getränke/' "$dir/bookkeeping.csv" | grep -v '^buero' >"$WORK/bad.csv"
cp "$dir/markt.pdf" "$WORK/markt.pdf"
printf ' ' >>"$WORK/markt.pdf" # other content: not a duplicate
expect_exit 6 lexsync -v vouchers upload --data "$WORK/bad.csv" "$WORK/markt.pdf" -o json \
  >/dev/null 2>"$WORK/bad.err"
assert_contains "$(cat "$WORK/bad.err")" "bad.csv:3:category"
assert_eq "$(count_writes "$WORK/bad.err")" "0" "writes for an unknown category"
echo "ok"
