# transactions export with round trips of a second: its independent writes overlap instead
# of going step by step. The -v log shows the voucher list read beside the account's look-up, the
# first receipt's voucher sent before the new account's creation was answered and before the last
# batch of transactions was, the first hint before the last voucher was answered (a hint goes as
# soon as its transaction and its voucher are known, not after every receipt), the account read
# for its balance once every batch was answered and set only after every hint was sent, and no
# assignment look-up for the transactions of an account this run created. Every transaction,
# voucher, file and hint is in lexoffice once and the balance is the transactions' sum. Only the
# order of the log's lines is checked, never a duration.
source "$(dirname "$0")/lib.sh"
command -v curl >/dev/null || { echo "SKIP: curl is not installed"; exit 77; }
command -v sqlite3 >/dev/null || { echo "SKIP: sqlite3 is not installed"; exit 77; }
N=30
STATE_DB="$WORK/sandbox.db"
start_sandbox --seed demo --no-rate-limit --latency 1000 --state "$STATE_DB"
unset LEXSYNC_BASE_URL # the profile carries it
export LEXSYNC_OAUTH_CLIENT_SECRET="sandbox-client-secret"
cfg="$XDG_CONFIG_HOME/lexsync"
mkdir -p "$cfg"
cat >"$cfg/config.toml" <<TOML
[profiles.partner]
base_url = "$BASE_URL"
oauth_base_url = "$BASE_URL"
oauth_client_id = "lexsync-sandbox-client"
rate_limit = 10
rate_burst = 8
timeout = 20
TOML
oauth_login partner finance.read,finance.write,transaction-assignment-hint.write,vouchers.read,vouchers.write,voucherlist.read,files.write,profile.read

# N card charges, every third with a receipt of its own; 30 of them make two batches.
mkdir -p "$WORK/tx/receipts"
echo "booking_date,amount,purpose,counterparty_name,transaction_id,posting_category,tax_rate,receipt_file,receipt_number" >"$WORK/tx/tx.csv"
total=0
for i in $(seq "$N"); do
  file="" number="" cat="" rate=""
  if [ $((i % 3)) -eq 0 ]; then
    file="receipts/o-$i.pdf" number="O-R$i" cat="Bürobedarf" rate=19
    printf '%%PDF-1.4\n%% overlap receipt %s\n%%%%EOF\n' "$i" >"$WORK/tx/$file"
  fi
  printf '2026-03-%02d,-%d.%02d,Charge %s,Shop %s,O-%05d,%s,%s,%s,%s\n' $((1 + i % 28)) $((5 + i)) $((i % 100)) \
    "$i" "$i" "$i" "$cat" "$rate" "$file" "$number" >>"$WORK/tx/tx.csv"
  total=$((total - (5 + i) * 100 - i % 100))
done
receipts=$((N / 3))

lexsync -v --profile partner transactions export --account "Overlap" --account-type payment-provider \
  --mapping generic -o json "$WORK/tx/tx.csv" >"$WORK/run.json" 2>"$WORK/run.log" ||
  fail "the export did not end with exit 0: $(tail -n 5 "$WORK/run.log")"
log="$WORK/run.log"

# Every item once, as the records and the sandbox tell.
assert_eq "$(jq '[.[] | select(.action == "pushed")] | length' "$WORK/run.json")" "$N" "transactions pushed"
assert_eq "$(jq '[.[] | select(.voucher == "created")] | length' "$WORK/run.json")" "$receipts" "vouchers created"
assert_eq "$(jq '[.[] | select(.hint == "sent")] | length' "$WORK/run.json")" "$receipts" "hints sent"
sql() { sqlite3 -readonly "$STATE_DB" "$1"; }
assert_eq "$(sql "SELECT COUNT(*) FROM resources WHERE kind = 'finance-transactions'")" "$N" "transactions in lexoffice"
assert_eq "$(sql "SELECT COUNT(*) FROM resources WHERE kind = 'vouchers' AND json_extract(doc, '$.voucherNumber') LIKE 'O-R%' AND json_array_length(doc, '$.files') = 1")" "$receipts" "vouchers with one file"
assert_eq "$(sql "SELECT COUNT(*) FROM resources h JOIN resources t ON t.kind = 'finance-transactions' AND json_extract(t.doc, '$.externalReference') = json_extract(h.doc, '$.externalReference') JOIN resources v ON v.kind = 'vouchers' AND v.id = json_extract(h.doc, '$.voucherId') WHERE h.kind = 'transaction-assignment-hints'")" "$receipts" "hints linking a transaction and a voucher"
assert_eq "$(sql "SELECT CAST(ROUND(json_extract(doc, '$.balance') * 100) AS INTEGER) FROM resources WHERE kind = 'finance-accounts'")" "$total" "balance in cents"

# last_line LOG REGEX: the number of the last line of LOG matching the extended REGEX (0: none).
last_line() {
  awk -v p="$2" '$0 ~ p { n = NR } END { print n + 0 }' "$1"
}
# Each check compares lines at least one round trip apart: a write handed over before another is
# sent before that one is answered.
[ "$(first_line "$log" '→ POST .*/v1/vouchers$')" -lt "$(last_line "$log" '← [0-9]+ .*[(]POST [^ )]*/v1/finance/transactions[)]')" ] ||
  fail "the receipts' vouchers waited for every batch of transactions"
[ "$(first_line "$log" '→ POST .*/v1/transaction-assignment-hint')" -lt "$(last_line "$log" '← [0-9]+ .*[(]POST [^ )]*/v1/vouchers[)]')" ] ||
  fail "the hints waited for every voucher"
[ "$(most_in_flight "$log" '^GET .*/v1/(voucherlist|finance/accounts[?])')" -ge 2 ] ||
  fail "the voucher list was not read beside the account's look-up"
[ "$(first_line "$log" '→ POST .*/v1/vouchers$')" -lt "$(first_line "$log" '← [0-9]+ .*[(]POST [^ )]*/v1/finance/accounts[)]')" ] ||
  fail "the first voucher waited for the account's creation"
[ "$(first_line "$log" '→ GET .*/v1/finance/accounts/')" -gt "$(last_line "$log" '← [0-9]+ .*[(]POST [^ )]*/v1/finance/transactions[)]')" ] ||
  fail "the account was read for its balance before every batch was answered"
[ "$(first_line "$log" '→ PUT .*/v1/finance/accounts/')" -gt "$(last_line "$log" '→ POST .*/v1/transaction-assignment-hint')" ] ||
  fail "the balance was set before every hint was sent"
if grep -q '→ GET .*/assignments' "$log"; then
  fail "the transactions of an account created by the run were looked up for assignments"
fi
[ "$(first_line "$log" '← [0-9]+ .*[(]POST [^ )]*/v1/finance/accounts[)]')" -lt "$(first_line "$log" '→ POST .*/v1/finance/transactions$')" ] ||
  fail "a batch of transactions was sent before its account was created"
echo "ok: transactions export overlaps its independent writes ($N transactions, $receipts receipts: vouchers beside the batches, hints as soon as their transaction and voucher were known, the balance after the last hint)"
