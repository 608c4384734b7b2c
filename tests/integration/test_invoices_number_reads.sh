# invoices export with round trips of 1.5 s at lexoffice's limit (2 requests/s, burst 4):
# the credit notes name lexoffice's numbers of the invoices they correct, which are read from the
# voucher list. That read goes out on a lane while the last invoices are still being handed over
# (the -v log shows a creation sent after the read was sent and before it was answered), and a
# credit note whose invoice is numbered already does not wait for the invoices after it (the first
# credit note is sent before the last invoice is answered). Every credit note is linked to its
# invoice and names its number. Only the order of the log's lines is checked, never a duration.
source "$(dirname "$0")/lib.sh"
export LEXSYNC_API_KEY="$SANDBOX_KEY"
mkdir -p "$XDG_CONFIG_HOME/lexsync"
printf '[profiles.default]\nrate_limit = 2\nrate_burst = 4\ntimeout = 30\n' >"$XDG_CONFIG_HOME/lexsync/config.toml"
start_sandbox --seed demo --latency 1500 --rate-limit 2 --burst 4

# 20 documents, finalised (a draft cannot be pursued): 18 invoices, and credit notes GEN-00010 (for GEN-00009) and GEN-00020 (for the
# last invoice, GEN-00019); the credit notes go after the invoices.
bash "$(dirname "$0")/gen_invoices.sh" 20 >"$WORK/invoices.csv"
lexsync -v invoices export "$WORK/invoices.csv" --finalize -o json >"$WORK/out.json" 2>"$WORK/run.log" ||
  fail "export: $(tail -n 3 "$WORK/run.log")"
assert_eq "$(jq -r '[.[].action] | unique | join(",")' "$WORK/out.json")" "created" "actions"
log="$WORK/run.log"

# The first read of the voucher list after the first creation was sent reads the numbers.
first_post=$(first_line "$log" '→ POST ')
read_sent=$(awk -v from="$first_post" 'NR > from && /→ GET .*\/v1\/voucherlist/ { print NR; exit }' "$log")
[ -n "$read_sent" ] || fail "no read of the voucher list after the first creation"
read_answered=$(awk -v from="$read_sent" 'NR > from && /← .*[(]GET .*\/v1\/voucherlist/ { print NR; exit }' "$log")
[ -n "$read_answered" ] || fail "the read of the numbers was not answered"
sent_meanwhile=$(awk -v a="$read_sent" -v b="$read_answered" 'NR > a && NR < b && /→ POST .*\/v1\/(invoices|credit-notes)/' "$log" | wc -l)
[ "$sent_meanwhile" -ge 1 ] ||
  fail "no creation was sent while the numbers were read (lines $read_sent to $read_answered of the log)"

# The first credit note went out before the last invoice's answer: no wait for every creation.
first_note=$(first_line "$log" '→ POST .*/v1/credit-notes')
last_invoice=$(awk '/← [0-9]+ .*[(]POST .*\/v1\/invoices[?)]/ { n = NR } END { print n + 0 }' "$log")
[ "$first_note" -lt "$last_invoice" ] ||
  fail "the first credit note (line $first_note) waited for the last invoice's answer (line $last_invoice)"

# Each credit note pursues its invoice and names lexoffice's number of it.
for note in GEN-00010:GEN-00009 GEN-00020:GEN-00019; do
  cn=${note%%:*} inv=${note##*:}
  cn_id=$(jq -r --arg n "$cn" '.[] | select(.number == $n) | .id' "$WORK/out.json")
  inv_id=$(jq -r --arg n "$inv" '.[] | select(.number == $n) | .id' "$WORK/out.json")
  inv_number=$(jq -r --arg n "$inv" '.[] | select(.number == $n) | .voucherNumber' "$WORK/out.json")
  [ -n "$inv_number" ] && [ "$inv_number" != null ] || fail "no lexoffice number recorded for $inv"
  doc=$(api_get "$BASE_URL/v1/credit-notes/$cn_id")
  assert_eq "$(jq -r '.relatedVouchers[0].id' <<<"$doc")" "$inv_id" "the invoice $cn pursues"
  assert_eq "$(jq -r '.introduction' <<<"$doc")" "Gutschrift zu Rechnung $inv_number" "the introduction of $cn"
done
# The numbers of every document are in the records (the last ones read after the last creation).
assert_eq "$(jq '[.[] | select(.voucherNumber == null)] | length' "$WORK/out.json")" "0" "documents without a number"
echo "ok"
