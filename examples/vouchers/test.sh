# The receipt samples upload into the sandbox with their bookkeeping data (the sidecar), the rest to
# the inbox; a second run uploads nothing.
set -euo pipefail
source "$LEXSYNC_SOURCE_DIR/tests/integration/lib.sh"
start_sandbox --seed demo --rate-limit 10 --burst 10
export LEXSYNC_API_KEY="$SANDBOX_KEY"
cp -r "$LEXSYNC_SOURCE_DIR/examples/vouchers" "$WORK/receipts"
rm -f "$WORK/receipts/test.sh"
lexsync vouchers upload "$WORK/receipts" --data "$WORK/receipts/bookkeeping.csv" -o json >"$WORK/first.json"
uploaded=$(jq '[.[] | select(.action == "uploaded")] | length' "$WORK/first.json")
[ "$uploaded" -ge 4 ] || fail "only $uploaded receipts uploaded: $(cat "$WORK/first.json")"
lexsync -v vouchers upload "$WORK/receipts" --data "$WORK/receipts/bookkeeping.csv" -o json >"$WORK/again.json" 2>"$WORK/again.log"
assert_eq "$(count_writes "$WORK/again.log")" "0" "writes of a second upload"
echo "ok: voucher examples ($uploaded receipts)"
