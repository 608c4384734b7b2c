# `lexsync state verify` and `state rebuild`: the ledger compared with, and repaired from, the
# account it belongs to.
#  - an export costs one request per document plus a few listings (numbers are read in bulk);
#  - after it, verify finds every invoice and contact: exit 0, all ok;
#  - with the state deleted, rebuild --from/--to records every exported invoice from its reference
#    line (one read each), and the next export sends nothing and reports the invoices as exported
#    before, not as changed;
#  - against an account that no longer holds the documents (a fresh sandbox of the same
#    organisation), verify exits 4 with every entry missing, rebuild --dry-run changes nothing,
#    rebuild forgets them, and the next export creates them again.
source "$(dirname "$0")/lib.sh"
N=6
export LEXSYNC_API_KEY="$SANDBOX_KEY"
bash "$(dirname "$0")/gen_invoices.sh" "$N" 11 >"$WORK/invoices.csv"
from=$(tail -n +2 "$WORK/invoices.csv" | cut -d, -f4 | grep . | sort | head -n1)
to=$(tail -n +2 "$WORK/invoices.csv" | cut -d, -f4 | grep . | sort | tail -n1)

start_sandbox --seed demo --no-rate-limit
lexsync -v invoices export "$WORK/invoices.csv" --as invoice -o json >"$WORK/export-1.json" 2>"$WORK/export-1.log" ||
  fail "first export: $(tail -n 3 "$WORK/export-1.log")"
# One request per document: lexoffice's numbers come from the voucher list in bulk, not one read each.
assert_eq "$(grep -cE '→ GET .*/v1/(invoices|credit-notes)/' "$WORK/export-1.log" || true)" "0" "reads per document"
assert_eq "$(jq -r '[.[] | select(.voucherNumber == null)] | length' "$WORK/export-1.json")" "0" "numbers read"
writes=$(count_writes "$WORK/export-1.log")
total=$(grep -c '→ ' "$WORK/export-1.log")
[ "$total" -le $((writes + 5)) ] || fail "$total requests for $writes documents"
assert_eq "$(jq -r '[.[] | select(.action == "created")] | length' "$WORK/export-1.json")" "$N" "created"
lexsync contacts push "$LEXSYNC_SOURCE_DIR/examples/contacts/customers.csv" -o json >/dev/null 2>"$WORK/push.log" ||
  fail "contacts push: $(tail -n 3 "$WORK/push.log")"
contacts=$(tail -n +2 "$LEXSYNC_SOURCE_DIR/examples/contacts/customers.csv" | grep -c .)

# --- verify: everything is there ---------------------------------------------------------------
lexsync state verify -o json >"$WORK/verify-1.json" 2>"$WORK/verify-1.log" ||
  fail "verify after the export: exit $?: $(cat "$WORK/verify-1.log")"
assert_eq "$(jq -r '[.[] | select(.kind == "invoice" and .result == "ok")] | length' "$WORK/verify-1.json")" "$N" "invoices ok"
assert_eq "$(jq -r '[.[] | select(.kind == "contact" and .result == "ok")] | length' "$WORK/verify-1.json")" "$contacts" "contacts ok"
assert_eq "$(jq -r '[.[] | select(.result != "ok")] | length' "$WORK/verify-1.json")" "0" "differences"
# Numbers as lexoffice shows them: the invoices' voucher numbers, not the source numbers.
assert_eq "$(jq -r '[.[] | select(.kind == "invoice" and (.number | startswith("GEN-")))] | length' "$WORK/verify-1.json")" "0" "lexoffice numbers"
assert_contains "$(cat "$WORK/verify-1.log")" "$((N + contacts)) compared: $((N + contacts)) ok"

# --- the state deleted: rebuild finds the invoices by their reference lines --------------------
rm -rf "$XDG_STATE_HOME"
lexsync state verify -o json >"$WORK/verify-2.json" 2>/dev/null || fail "verify of an empty ledger"
assert_eq "$(jq length "$WORK/verify-2.json")" "0" "an empty ledger compares nothing"
lexsync state rebuild --dry-run --from "$from" --to "$to" -o json >"$WORK/dry.json" 2>/dev/null ||
  fail "rebuild --dry-run"
assert_eq "$(jq -r '[.[] | select(.result == "record")] | length' "$WORK/dry.json")" "$N" "dry run: to record"
lexsync state verify -o json >"$WORK/verify-3.json" 2>/dev/null || fail "verify after a dry run"
assert_eq "$(jq length "$WORK/verify-3.json")" "0" "a dry run records nothing"
lexsync state rebuild --from "$from" --to "$to" -o json >"$WORK/rebuild.json" 2>"$WORK/rebuild.log" ||
  fail "rebuild: $(cat "$WORK/rebuild.log")"
assert_eq "$(jq -r '[.[] | select(.result == "recorded")] | .[].key' "$WORK/rebuild.json" | sort)" \
  "$(tail -n +2 "$WORK/invoices.csv" | cut -d, -f1 | sort -u | sed 's/^/invoice:/')" "recorded keys"
assert_contains "$(cat "$WORK/rebuild.log")" "$N documents read"
lexsync state verify -o json >"$WORK/verify-4.json" 2>/dev/null || fail "verify after rebuild"
assert_eq "$(jq -r '[.[] | select(.result == "ok")] | length' "$WORK/verify-4.json")" "$N" "ok after rebuild"
lexsync -v invoices export "$WORK/invoices.csv" --as invoice -o json >"$WORK/export-2.json" 2>"$WORK/export-2.log" ||
  fail "export after rebuild: $(grep -v '→\|←' "$WORK/export-2.log" | tail -n 3)"
assert_eq "$(count_writes "$WORK/export-2.log")" "0" "writes after rebuild"
assert_eq "$(jq -r '[.[].action] | unique | join(",")' "$WORK/export-2.json")" "skipped" "actions after rebuild"
# A rebuild of a complete ledger reads nothing.
lexsync state rebuild --from "$from" --to "$to" -o json >"$WORK/rebuild-2.json" 2>"$WORK/rebuild-2.log" ||
  fail "second rebuild"
assert_contains "$(cat "$WORK/rebuild-2.log")" "0 documents read"

# --- the documents gone: missing, forgotten, created again --------------------------------------
# The ledger belongs to the organisation at this host and port: the new sandbox takes the port.
port=${BASE_URL##*:}
kill "${SANDBOX_PIDS[0]}"
wait "${SANDBOX_PIDS[0]}" 2>/dev/null || true
mkfifo "$WORK/again.ready"
"$LEXSYNC_BIN" sandbox serve --port "$port" --ready-fd 3 --seed demo --no-rate-limit \
  3>"$WORK/again.ready" >/dev/null 2>"$WORK/again.log" &
SANDBOX_PIDS+=($!)
read -r url <"$WORK/again.ready" || true
assert_eq "$url" "$BASE_URL" "the same sandbox address: $(cat "$WORK/again.log")"
expect_exit 4 lexsync state verify -o json >"$WORK/verify-5.json" 2>"$WORK/verify-5.log"
assert_eq "$(jq -r '[.[] | select(.kind == "invoice") | .result] | unique | join(",")' "$WORK/verify-5.json")" "missing" "missing documents"
assert_contains "$(cat "$WORK/verify-5.log")" "state rebuild"
lexsync state rebuild --dry-run -o json >"$WORK/dry-2.json" 2>/dev/null || fail "rebuild --dry-run"
assert_eq "$(jq -r '[.[] | select(.kind == "invoice") | .result] | unique | join(",")' "$WORK/dry-2.json")" "forget" "dry run: to forget"
expect_exit 4 lexsync state verify -o json >/dev/null 2>&1
lexsync state rebuild -o json >"$WORK/rebuild-3.json" 2>/dev/null || fail "rebuild of missing entries"
assert_eq "$(jq -r '[.[] | select(.result == "forgotten")] | length' "$WORK/rebuild-3.json")" "$N" "forgotten (the contacts left the ledger with the deleted state)"
lexsync state verify -o json >"$WORK/verify-6.json" 2>/dev/null || fail "verify after forgetting"
assert_eq "$(jq length "$WORK/verify-6.json")" "0" "nothing left to compare"
lexsync invoices export "$WORK/invoices.csv" --as invoice -o json >"$WORK/export-3.json" 2>"$WORK/export-3.log" ||
  fail "export after forgetting: $(tail -n 3 "$WORK/export-3.log")"
assert_eq "$(jq -r '[.[] | select(.action == "created")] | length' "$WORK/export-3.json")" "$N" "created again"

# --- usage ---------------------------------------------------------------------------------------
expect_exit 2 lexsync state rebuild --ref-text "Ref." 2>/dev/null
expect_exit 2 lexsync state rebuild --month 2026-13 2>/dev/null
echo "state verify/rebuild: ok" >&2
