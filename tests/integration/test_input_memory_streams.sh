# The time entries of invoices export --group-by and the transactions of transactions export are
# streamed: peak memory stays within a bound that reading the file as a whole exceeded, and a
# problem in the last row is still named by its position. A vouchers upload sidecar, read whole by
# design, is refused above its limit before it is read. The inputs are generated here, not checked
# in.
source "$(dirname "$0")/lib.sh"
rss_setup
command -v /usr/bin/time >/dev/null || { echo "SKIP: /usr/bin/time is not installed"; exit 77; }
start_sandbox --seed demo --no-rate-limit
export LEXSYNC_API_KEY="$SANDBOX_KEY"

# peak_rss NAME LIMIT_KB OUT ARGS...: runs lexsync ARGS into OUT, prints and checks its peak RSS.
peak_rss() {
  local name=$1 limit=$2 out=$3
  shift 3
  /usr/bin/time -f '%M' -o "$WORK/rss" "$LEXSYNC_BIN" "$@" >"$out" 2>"$WORK/run.err" ||
    fail "$name failed: $(tail -n 3 "$WORK/run.err")"
  local rss
  rss=$(tail -n1 "$WORK/rss")
  echo "peak RSS ${rss} KiB ($name)"
  rss_below "$rss" "$limit" || fail "$name peaked at ${rss} KiB (bound ${limit} KiB)"
}

# --- invoices export --group-by: the time entries are grouped as they are read ---
# Only the invoices are kept: 54,000 entries (3.9 MB) peak at 21 MB (debug build), where reading
# them all into memory first took some 60 MB (13 MB took 180 MB).
# examples/invoices/hours-2026-03.csv repeated: its four customers' invoices, each item's hours
# the fixture's times the repeats.
fixture="$(dirname "$0")/../../examples/invoices/hours-2026-03.csv"
repeats=6000
awk -v n="$repeats" 'NR == 1 { print; next } { r[++k] = $0 } END { for (i = 0; i < n; i++) for (j = 1; j <= k; j++) print r[j] }' \
  "$fixture" >"$WORK/hours.csv"
peak_rss "time entries" 40960 "$WORK/hours.json" invoices export "$WORK/hours.csv" \
  --group-by project --hourly-rate 65 --dry-run -o json
assert_eq "$(jq length "$WORK/hours.json")" "4" "one invoice per customer"
assert_eq "$(jq -r '.[0].number' "$WORK/hours.json")" "T-2026-03-02_2026-04-01-10001" \
  "the period of all entries in the number"
assert_eq "$(jq -c '[.[0].request.body.lineItems[] | [.name, .quantity]]' "$WORK/hours.json")" \
  "[[\"Unterhaltsreinigung\",$((125 * repeats / 10))],[\"Glasreinigung\",$((4 * repeats))]]" \
  "every entry's hours counted"

# A bad hours cell in the last row is named by its position.
echo '2026-03-20,10001,,,,,,,Unterhaltsreinigung,,,zwei,,19,' >>"$WORK/hours.csv"
expect_exit 6 "$LEXSYNC_BIN" invoices export "$WORK/hours.csv" --group-by project \
  --hourly-rate 65 --dry-run -o json >/dev/null 2>"$WORK/hours.err"
assert_contains "$(cat "$WORK/hours.err")" \
  "$WORK/hours.csv:$(wc -l <"$WORK/hours.csv"):12:hours: 'zwei' is not a positive number of hours" \
  "bad hours named"
rm -f "$WORK/hours.csv"

# --- transactions export: the transactions are read as a stream into a temporary database ---
# 15 MB of generated CSV (some 165,000 transactions) peak at about 25 MB (debug build); reading
# the file and every transaction into memory took some 200 MB (10 MB took 139 MB).
"$(dirname "$0")/gen_transactions.sh" 15000000 >"$WORK/tx.csv"
rows=$(($(wc -l <"$WORK/tx.csv") - 1))
peak_rss "transactions" 81920 "$WORK/tx.ndjson" transactions export "$WORK/tx.csv" \
  --account Card --mapping generic --dry-run -o ndjson
assert_eq "$(grep -c '"action":"planned"' "$WORK/tx.ndjson")" "$rows" "every transaction planned"
assert_eq "$(head -n1 "$WORK/tx.ndjson" | jq -c '[.line, .transactionId]')" '[2,"gen-00000001"]' \
  "the first transaction first"
assert_eq "$(tail -n1 "$WORK/tx.ndjson" | jq -c '[.line, .transactionId]')" \
  "[$((rows + 1)),\"$(printf 'gen-%08d' "$rows")\"]" "the last transaction last"
assert_contains "$(cat "$WORK/run.err")" "(dry run): $rows transactions, 0 receipts" \
  "every transaction counted"

# A bad amount in the last row is named by its position, and the id of the first row given again
# there is found; nothing is sent.
echo '2026-03-31,2026-03-31,zwei,EUR,Nachzügler,Shop,,,gen-00000001,,,,,,,,' >>"$WORK/tx.csv"
last=$(wc -l <"$WORK/tx.csv")
expect_exit 6 "$LEXSYNC_BIN" -v transactions export "$WORK/tx.csv" --account Card \
  --mapping generic >/dev/null 2>"$WORK/tx.err"
assert_contains "$(cat "$WORK/tx.err")" "$WORK/tx.csv:$last:3:amount: 'zwei' is not a number" \
  "bad amount named"
assert_contains "$(cat "$WORK/tx.err")" \
  "$WORK/tx.csv:$last:transaction_id: 'gen-00000001' appears twice (also on line 2)" \
  "repeated id found"
assert_eq "$(count_writes "$WORK/tx.err")" "0" "writes after a bad transaction"
rm -f "$WORK/tx.csv" "$WORK/tx.ndjson"

# --- vouchers upload --data: a sidecar above 16 MiB is refused unread ---
mkdir -p "$WORK/receipts"
cp "$(dirname "$0")/../../examples/vouchers/receipt-ER-2026-0042.pdf" "$WORK/receipts/"
awk 'BEGIN {
  print "file,voucher_number,voucher_date,amount,tax_rate,category"
  for (i = 1; i <= 260000; i++) printf "receipt-ER-2026-0042.pdf,ER-%07d,2026-03-01,119.00,19,Bürobedarf\n", i
}' >"$WORK/receipts/data.csv"
size=$(stat -c %s "$WORK/receipts/data.csv")
expect_exit 6 "$LEXSYNC_BIN" vouchers upload "$WORK/receipts" --data "$WORK/receipts/data.csv" \
  --dry-run >/dev/null 2>"$WORK/sidecar.err"
assert_contains "$(cat "$WORK/sidecar.err")" \
  "$WORK/receipts/data.csv: is $size bytes; a sidecar is read into memory and may have at most 16777216 bytes (16 MiB, one row per receipt)" \
  "sidecar refused"
assert_eq "$(count_writes "$WORK/sidecar.err")" "0" "writes after a refused sidecar"
