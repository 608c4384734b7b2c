# Input files are streamed: peak memory of `contacts push --dry-run` stays flat in the size of the
# CSV (the rows are read again when needed, not kept), and a duplicate in the last row of a large
# file is still found and named by file:line:column:field before anything is sent. The file is
# generated here (tests/integration/gen_contacts.sh), not checked in.
source "$(dirname "$0")/lib.sh"
command -v /usr/bin/time >/dev/null || { echo "SKIP: /usr/bin/time is not installed"; exit 77; }
start_sandbox --seed demo --no-rate-limit
export LEXSYNC_API_KEY="$SANDBOX_KEY"

# Bounded whatever the file's size. When the file was read into memory as a whole, 36 MB of these
# rows took 656 MB (18 times the file), so the 6 MB below would take about 110 MB.
bound_kb=65536
bash "$(dirname "$0")/gen_contacts.sh" 6000000 >"$WORK/big.csv"
rows=$(($(wc -l <"$WORK/big.csv") - 1))

/usr/bin/time -f '%M' -o "$WORK/rss" "$LEXSYNC_BIN" contacts push "$WORK/big.csv" --dry-run \
  -o json >"$WORK/plan.json" 2>"$WORK/plan.err" || fail "dry run failed: $(tail -n 3 "$WORK/plan.err")"
rss=$(tail -n1 "$WORK/rss")
echo "peak RSS ${rss} KiB"
assert_eq "$(jq length "$WORK/plan.json")" "$rows" "one record per row"
assert_eq "$(jq -r '.[-1].line' "$WORK/plan.json")" "$((rows + 1))" "line of the last row"
assert_eq "$(jq -r '[.[].action] | unique | join(",")' "$WORK/plan.json")" "create" "plan"
assert_contains "$(cat "$WORK/plan.err")" "$rows to create" "summary"
asan_build || [ "$rss" -lt "$bound_kb" ] || fail "contacts push --dry-run peaked at ${rss} KiB for $(du -k "$WORK/big.csv" | cut -f1) KiB of CSV"

# The last row repeats the first one's ref: refused with its position, nothing sent.
head -n2 "$WORK/big.csv" | tail -n1 >>"$WORK/big.csv"
expect_exit 6 "$LEXSYNC_BIN" -v contacts push "$WORK/big.csv" -o json >/dev/null 2>"$WORK/dup.err"
assert_contains "$(cat "$WORK/dup.err")" "$WORK/big.csv:$((rows + 2)):1:ref: duplicate of line 2" "duplicate named"
assert_eq "$(count_writes "$WORK/dup.err")" "0" "writes after a refused file"
