# Input files are streamed: peak memory of `contacts push --dry-run` stays flat in the size of the
# CSV (the rows are read again when needed, not kept), and a duplicate in the last row of a large
# file is still found and named by file:line:column:field before anything is sent. The file is
# generated here (tests/integration/gen_contacts.sh), not checked in.
source "$(dirname "$0")/lib.sh"
rss_setup
command -v /usr/bin/time >/dev/null || { echo "SKIP: /usr/bin/time is not installed"; exit 77; }
start_sandbox --seed demo --no-rate-limit
export LEXSYNC_API_KEY="$SANDBOX_KEY"

# Bounded whatever the file's size. When the file was read into memory as a whole, 36 MB of these
# rows took 656 MB (18 times the file), so the 6 MB below would take about 110 MB.
bound_kb=65536
bash "$(dirname "$0")/gen_contacts.sh" 6000000 >"$WORK/big.csv"
rows=$(($(wc -l <"$WORK/big.csv") - 1))

# dry_run FILE ROWS KIND: `contacts push --dry-run` plans one creation per row of FILE, the last
# one on line ROWS + 1, within the bound.
dry_run() {
  /usr/bin/time -f '%M' -o "$WORK/rss" "$LEXSYNC_BIN" contacts push "$1" --dry-run \
    -o json >"$WORK/plan.json" 2>"$WORK/plan.err" || fail "$3 dry run failed: $(tail -n 3 "$WORK/plan.err")"
  local rss
  rss=$(tail -n1 "$WORK/rss")
  echo "peak RSS ${rss} KiB ($3)"
  assert_eq "$(jq length "$WORK/plan.json")" "$2" "one record per row ($3)"
  assert_eq "$(jq -r '.[-1].line' "$WORK/plan.json")" "$(($2 + 1))" "line of the last row ($3)"
  assert_eq "$(jq -r '[.[].action] | unique | join(",")' "$WORK/plan.json")" "create" "plan ($3)"
  assert_contains "$(cat "$WORK/plan.err")" "$2 to create" "summary ($3)"
  rss_below "$rss" "$bound_kb" || fail "contacts push --dry-run peaked at ${rss} KiB for $(du -k "$1" | cut -f1) KiB of $3"
}
dry_run "$WORK/big.csv" "$rows" CSV

# The last row repeats the first one's ref: refused with its position, nothing sent.
head -n2 "$WORK/big.csv" | tail -n1 >>"$WORK/big.csv"
expect_exit 6 "$LEXSYNC_BIN" -v contacts push "$WORK/big.csv" -o json >/dev/null 2>"$WORK/dup.err"
assert_contains "$(cat "$WORK/dup.err")" "$WORK/big.csv:$((rows + 2)):1:ref: duplicate of line 2" "duplicate named"
assert_eq "$(count_writes "$WORK/dup.err")" "0" "writes after a refused file"

# JSON is streamed too: the objects are read one at a time, validated, then read again to be sent.
# Parsed as a whole, this 7 MB array of the same kind of contacts took 92 MB (11 MB took 137 MB).
bash "$(dirname "$0")/gen_contacts.sh" 4000000 | jq -R -s -c '
  split("\n") | map(select(length > 0)) | (.[0] | split(",")) as $keys | .[1:] |
  map([splits(",(?=(?:[^\"]*\"[^\"]*\")*[^\"]*$)")] | [$keys, map(ltrimstr("\"") | rtrimstr("\""))] |
      transpose | map(select(.[1] != "") | {(.[0]): .[1]}) | add)' |
  jq -c '.[]' | sed '1s/^/[\n/; $!s/$/,/; $s/$/\n]/' >"$WORK/big.json"
rows=$(($(wc -l <"$WORK/big.json") - 2))
dry_run "$WORK/big.json" "$rows" JSON

# invoices export streams its input too: the invoices are kept on disk (a temporary SQLite
# database), not in memory, and each step reads them a batch at a time. Kept in memory, each took
# about 4 KB: these 20,000 invoices (3.4 MB) took 91 MB.
bash "$(dirname "$0")/gen_invoices.sh" 20000 >"$WORK/invoices.csv"
/usr/bin/time -f '%M' -o "$WORK/rss" "$LEXSYNC_BIN" invoices export "$WORK/invoices.csv" \
  --dry-run -o ndjson >"$WORK/invoices.ndjson" 2>"$WORK/invoices.err" ||
  fail "invoices export --dry-run failed: $(tail -n 3 "$WORK/invoices.err")"
rss=$(tail -n1 "$WORK/rss")
echo "peak RSS ${rss} KiB (invoices CSV)"
assert_eq "$(wc -l <"$WORK/invoices.ndjson")" "20000" "one record per invoice"
assert_eq "$(jq -r .number "$WORK/invoices.ndjson" | tail -n1)" "GEN-20000" "records in file order"
assert_eq "$(jq -r .action "$WORK/invoices.ndjson" | sort -u | paste -sd,)" "create" "invoices plan"
assert_contains "$(cat "$WORK/invoices.err")" "20000 to create" "invoices summary"
rss_below "$rss" "$bound_kb" ||
  fail "invoices export --dry-run peaked at ${rss} KiB for $(du -k "$WORK/invoices.csv" | cut -f1) KiB"

# A number that reappears after others continues its invoice (at its first line): a date that
# differs from the first row's is named by its own row's position, and nothing is sent.
lines=$(wc -l <"$WORK/invoices.csv")
first_date=$(sed -n 2p "$WORK/invoices.csv" | cut -d, -f4)
echo 'GEN-00001,,,2026-05-01,,,,,,,,,,,,Extra,1,Stück,1.00,,19' >>"$WORK/invoices.csv"
expect_exit 6 "$LEXSYNC_BIN" -v invoices export "$WORK/invoices.csv" -o json >/dev/null \
  2>"$WORK/reappear.err"
assert_contains "$(cat "$WORK/reappear.err")" \
  "$WORK/invoices.csv:$((lines + 1)):4:date: '2026-05-01' differs from '$first_date' on line 2 of the same invoice" \
  "differing date named"
assert_contains "$(cat "$WORK/reappear.err")" "1 of 20000 selected invoices invalid" "one invalid"
assert_eq "$(count_writes "$WORK/reappear.err")" "0" "writes after a refused file"
