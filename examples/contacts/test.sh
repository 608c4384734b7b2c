# The contacts samples push cleanly into the sandbox's demo organisation, and a second push sends
# nothing.
set -euo pipefail
source "$LEXSYNC_SOURCE_DIR/tests/integration/lib.sh"
start_sandbox --seed demo --rate-limit 10 --burst 10
export LEXSYNC_API_KEY="$SANDBOX_KEY"
for f in customers.csv customers.json; do
  cp "$LEXSYNC_SOURCE_DIR/examples/contacts/$f" "$WORK/$f"
  lexsync contacts push "$WORK/$f" --write-back -o json >"$WORK/$f.out"
  lexsync -v contacts push "$WORK/$f" -o json >/dev/null 2>"$WORK/$f.again"
  assert_eq "$(count_writes "$WORK/$f.again")" "0" "writes of a second push of $f"
done
assert_eq "$(jq '[.[] | select(.action == "created")] | length' "$WORK/customers.csv.out")" "5" "created from customers.csv"
echo "ok: contacts examples"
