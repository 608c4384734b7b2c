# The time entries of invoices export --group-by are streamed: peak memory stays within a bound
# that reading the file as a whole exceeded, and a problem in the last row is still named by its
# position. A vouchers upload sidecar, read whole by design, is refused above its limit before it
# is read. The inputs are generated here, not checked in.
source "$(dirname "$0")/lib.sh"
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
  asan_build || [ "$rss" -lt "$limit" ] || fail "$name peaked at ${rss} KiB (bound ${limit} KiB)"
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
