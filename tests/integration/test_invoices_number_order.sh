# lexoffice numbers a document when its creation arrives. With --in-flight 1 lexsync sends one
# request at a time, so the numbers of the new invoices follow the input's order exactly (the -v
# log shows never more than one request in flight); by default up to four creations travel at
# once and neighbours may swap numbers.
source "$(dirname "$0")/lib.sh"
export LEXSYNC_API_KEY="$SANDBOX_KEY"
mkdir -p "$XDG_CONFIG_HOME/lexsync"
printf '[profiles.default]\nrate_limit = 10\nrate_burst = 8\ntimeout = 30\n' >"$XDG_CONFIG_HOME/lexsync/config.toml"
start_sandbox --seed demo --no-rate-limit --latency 200

expect_exit 2 "$LEXSYNC_BIN" --in-flight 0 invoices export "$WORK/none.csv"
expect_exit 2 "$LEXSYNC_BIN" --in-flight 9 invoices export "$WORK/none.csv"

# 12 documents: 11 invoices and a credit note (GEN-00010, for GEN-00009), finalised.
bash "$(dirname "$0")/gen_invoices.sh" 12 >"$WORK/invoices.csv"
lexsync -v --in-flight 1 invoices export "$WORK/invoices.csv" --finalize --yes -o json \
  >"$WORK/out.json" 2>"$WORK/run.log" || fail "export: $(tail -n 3 "$WORK/run.log")"
assert_eq "$(jq -r '[.[].action] | unique | join(",")' "$WORK/out.json")" "created" "actions"
assert_eq "$(most_in_flight "$WORK/run.log")" 1 "requests in flight at once"

# The invoices' numbers, in input order, are strictly increasing (RE0001 < RE0002 < ...).
jq -r '.[] | select(.number != "GEN-00010") | .voucherNumber' "$WORK/out.json" >"$WORK/numbers"
assert_eq "$(wc -l <"$WORK/numbers")" 11 "invoices with a number"
assert_eq "$(sed 's/[^0-9]//g' "$WORK/numbers" | awk 'NR > 1 && $1 + 0 <= prev { bad = 1 } { prev = $1 + 0 } END { print bad + 0 }')" 0 \
  "numbers in input order: $(paste -sd' ' "$WORK/numbers")"
echo "ok"
