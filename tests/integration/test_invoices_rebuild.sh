# lexoffice is the truth, the ledger a cache, for invoices export in both modes:
#  - with the state deleted, a re-run finds every invoice again (invoice mode by its reference
#    line, voucher mode by its voucher number, both through the voucher list in bulk) and sends
#    nothing; the --write-back file still gets every lexoffice number;
#  - with 5 % resets, truncated answers and 504s after executed writes (fixed fault seed), one run
#    ends with exit 0 and lexoffice holds every invoice exactly once: lost answers are looked up
#    once their requests cannot be running any more, and sent again only when they did not arrive.
# The second organisation of a re-connected profile is test_account_binding.sh.
source "$(dirname "$0")/lib.sh"
N=${INVOICES_COUNT:-30}
GEN="$(dirname "$0")/gen_invoices.sh"
export LEXSYNC_API_KEY="$SANDBOX_KEY"
mkdir -p "$XDG_CONFIG_HOME/lexsync"
# A short request timeout keeps the wait for lost answers short.
printf '[profiles.default]\nrate_limit = 10\nrate_burst = 8\ntimeout = 3\n' >"$XDG_CONFIG_HOME/lexsync/config.toml"

bash "$GEN" "$N" 11 >"$WORK/invoices.csv"
sed 's/GEN-/VGEN-/g' "$WORK/invoices.csv" >"$WORK/vouchers.csv"
tail -n +2 "$WORK/invoices.csv" | cut -d, -f1 | grep . | sort -u >"$WORK/expected-invoices.txt"
sed 's/GEN-/VGEN-/' "$WORK/expected-invoices.txt" >"$WORK/expected-vouchers.txt"

# found_invoices: the source number of every sales document (from its reference line), sorted.
found_invoices() {
  local page=0 body
  : >"$WORK/ids.txt"
  while :; do
    body=$(api_get "$BASE_URL/v1/voucherlist?voucherType=invoice,creditnote&voucherStatus=any&page=$page&size=250")
    jq -r '.content[] | "\(.voucherType) \(.id)"' <<<"$body" >>"$WORK/ids.txt"
    [ "$(jq -r '.last' <<<"$body")" = "true" ] && break
    page=$((page + 1))
  done
  while read -r type id; do
    local path=invoices
    [ "$type" = creditnote ] && path=credit-notes
    api_get "$BASE_URL/v1/$path/$id" | jq -r '.remark // ""' | grep -oE '^Ref\. [^ ]+' | cut -d' ' -f2
  done <"$WORK/ids.txt" | sort
}
# found_vouchers: the voucher number of every bookkeeping sales voucher, sorted.
found_vouchers() {
  api_get "$BASE_URL/v1/voucherlist?voucherType=salesinvoice,salescreditnote&voucherStatus=any&size=250" |
    jq -r '.content[].voucherNumber' | sort
}

# --- (a) the state deleted: nothing is sent again ---------------------------------------------------
start_sandbox --seed demo --no-rate-limit
for mode in invoice voucher; do
  file="$WORK/${mode}s.csv"
  lexsync invoices export "$file" --as "$mode" --category Einnahmen -o json \
    >"$WORK/$mode-1.json" 2>"$WORK/$mode-1.log" || fail "first $mode export: $(tail -n 3 "$WORK/$mode-1.log")"
  rm -rf "$XDG_STATE_HOME"
  lexsync -v invoices export "$file" --as "$mode" --category Einnahmen -o json \
    --write-back "$WORK/$mode-back.csv" >"$WORK/$mode-2.json" 2>"$WORK/$mode-2.log" ||
    fail "$mode export with a deleted state: $(tail -n 3 "$WORK/$mode-2.log")"
  assert_eq "$(count_writes "$WORK/$mode-2.log")" "0" "$mode mode: writes with a deleted state"
  assert_eq "$(jq -r '[.[].action] | unique | join(",")' "$WORK/$mode-2.json")" "exists" "$mode mode: outcomes"
  # The write-back file maps every source number to its lexoffice number.
  assert_eq "$(tail -n +2 "$WORK/$mode-back.csv" | awk -F, '$5 != ""' | wc -l | tr -d ' ')" \
    "$(wc -l <"$WORK/expected-${mode}s.txt" | tr -d ' ')" "$mode mode: numbers in the write-back file"
  requests=$(grep -c '→ ' "$WORK/$mode-2.log" || true)
  echo "$mode mode: $N invoices found again with $requests requests" >&2
done
assert_eq "$(found_invoices)" "$(cat "$WORK/expected-invoices.txt")" "invoices in lexoffice"
assert_eq "$(found_vouchers)" "$(cat "$WORK/expected-vouchers.txt")" "vouchers in lexoffice"

# --- (d) lost answers: one run, exit 0, every invoice once ------------------------------------------
rm -rf "$XDG_STATE_HOME"
start_sandbox --seed demo --no-rate-limit --state "$WORK/faults.db" \
  --faults "reset=0.05,truncate=0.05,504-after-write=0.05" --fault-seed 20260302
for mode in invoice voucher; do
  file="$WORK/${mode}s.csv"
  lexsync -v invoices export "$file" --as "$mode" --category Einnahmen -o json \
    >"$WORK/$mode-f.json" 2>"$WORK/$mode-f.log" ||
    fail "$mode export under faults: exit $?: $(grep -v '→\|←' "$WORK/$mode-f.log" | tail -n 5)"
  assert_eq "$(jq -r '[.[].action] | unique | join(",")' "$WORK/$mode-f.json")" "created" "$mode mode under faults: outcomes"
  echo "$mode mode under faults: $(grep -c 'answer.* lost' "$WORK/$mode-f.log" || true) rounds of lost answers" >&2
done
# The truth: a fault-free sandbox on the same state.
faulty=${SANDBOX_PIDS[${#SANDBOX_PIDS[@]} - 1]}
kill "$faulty"
wait "$faulty" 2>/dev/null || true
grep 'faults injected' "$WORK/sandbox1.log" >&2 || true
start_sandbox --seed demo --no-rate-limit --state "$WORK/faults.db"
assert_eq "$(found_invoices)" "$(cat "$WORK/expected-invoices.txt")" "invoices in lexoffice under faults"
assert_eq "$(found_vouchers)" "$(cat "$WORK/expected-vouchers.txt")" "vouchers in lexoffice under faults"
echo "ok: nothing twice, nothing lost, with the state deleted and with lost answers"
